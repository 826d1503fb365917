"""`make demo`: start the mock Hestia and the panel against it, with the demo seed and embedded defaults."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger("puq_hestia.demo")

DEMO_LOGINS = (
    ("alice", "Alice-demo-2026", "six web domains, one suspended; FTP users with folders"),
    ("bob", "Bob-demo-2026", "one web domain with one FTP user"),
    ("carol", "Carol-demo-2026", "suspended: no form login; see the single-sign-on line below"),
    ("dieter", "Dieter-demo-2026", "Hestia LANGUAGE de: the panel speaks German to him"),
)

DEMO_CONFIG = """\
# Written by `make demo`. Demo only: plain HTTP, documented secrets, TLS checks irrelevant on loopback.
[panel]
demo = true
secret_key = "{secret_key}"
database_url = "sqlite:///{db}"
public_url = "http://{host}:{port}"

[servers.main]
url = "http://127.0.0.1:{api_port}"
access_key = "PUQDEMOACCESSKEY0001"
secret_key = "puqdemosecret000000000000000000000000001"
ftp_host = "127.0.0.1"
ftp_port = {ftp_port}
ftp_tls = true
panel_url = "http://127.0.0.1:{api_port}"

# The demo's mail goes to a local SMTP sink (hestia_mock.mailsink): printed by `make demo`, kept in an mbox.
[mail]
host = "127.0.0.1"
port = {mail_port}
security = "none"
from_address = "panel@demo.test"
brand = "Demo Hosting"

[resellers.reseller-a]
secrets = ["demo-reseller-a-secret"]
server = "main"

[resellers.reseller-b]
secrets = ["demo-reseller-b-secret"]
server = "main"
"""


def write_demo_config(instance: Path, *, host: str, port: int, api_port: int, ftp_port: int,
                      mail_port: int = 8025) -> Path:
    """Write the demo's TOML file (a fresh panel secret each run) and return its path."""
    instance.mkdir(parents=True, exist_ok=True)
    # The mock starts from its seed every time, so the demo's store (listings, tokens, events) starts empty too.
    for stale in instance.glob("demo.sqlite3*"):
        stale.unlink()
    path = instance / "demo.toml"
    path.write_text(DEMO_CONFIG.format(secret_key=secrets.token_urlsafe(32), db=(instance / "demo.sqlite3"),
                                       host=host, port=port, api_port=api_port, ftp_port=ftp_port,
                                       mail_port=mail_port),
                    encoding="utf-8")
    return path


def wait_for(port: int, seconds: float = 15.0, host: str = "127.0.0.1") -> None:
    """Wait until the mock accepts connections (a TCP connect: no HTTP request, so no 405 line in its log)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the mock Hestia did not start on {host}:{port}")


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    """SIGTERM ends the demo like Ctrl-C: the finally block below stops the mock, so no port stays held."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Start both servers and keep them running until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--api-port", type=int, default=8083)
    parser.add_argument("--ftp-port", type=int, default=2121)
    parser.add_argument("--mail-port", type=int, default=8025)
    parser.add_argument("--instance", type=Path, default=Path("instance"))
    args = parser.parse_args(argv)

    config = write_demo_config(args.instance, host=args.host, port=args.port, api_port=args.api_port,
                               ftp_port=args.ftp_port, mail_port=args.mail_port)
    mbox = args.instance / "demo-mail.mbox"
    # A fixed argv of our own interpreter and module: nothing from outside reaches it.
    command = [sys.executable, "-m", "hestia_mock", "serve", "--seed", "demo",
               "--port", str(args.api_port), "--ftp-port", str(args.ftp_port)]
    mock = subprocess.Popen(command)  # noqa: S603
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # The SMTP sink (aiosmtpd): every demo mail is printed below and appended to MBOX (issue 17).
    sink = subprocess.Popen([sys.executable, "-m", "hestia_mock.mailsink", "--port", str(args.mail_port),  # noqa: S603
                             "--mbox", str(mbox)])
    try:
        wait_for(args.api_port)
        os.environ["PUQ_HESTIA_CONFIG"] = str(config)
        from panel import create_app  # imported late so the config path is in place

        app = create_app()
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        log.info("\nPanel: http://%s:%s/login   (config: %s; ports: make demo PORT=%s API_PORT=%s FTP_PORT=%s)",
                 args.host, args.port, config, args.port, args.api_port, args.ftp_port)
        for user, password, what in DEMO_LOGINS:
            log.info("  %-6s / %-16s %s", user, password, what)
        log.info("Single sign-on (e.g. carol): PUQ_HESTIA_CONFIG=%s .venv/bin/puq-hestia sso-link carol", config)
        log.info("Hooks: reseller-a / demo-reseller-a-secret, reseller-b / demo-reseller-b-secret")
        log.info("Mail (invitations, end notices): printed here and kept in %s; the outbox: "
                 "PUQ_HESTIA_CONFIG=%s .venv/bin/puq-hestia mail list\n", mbox, config)
        app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        for child in (mock, sink):
            child.terminate()
            child.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
