"""`hestia-mock serve`: the fake HestiaCP API and its FTP/FTPS server, on loopback by default."""

from __future__ import annotations

import argparse
import shutil
import signal
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from hestia_mock.ftpd import start_ftp_server
from hestia_mock.models import Backend
from hestia_mock.seeds import SeedError, read_seed
from hestia_mock.server import create_app
from hestia_mock.tls import write_self_signed


def build_parser() -> argparse.ArgumentParser:
    """The command line of DESIGN.md §5."""
    parser = argparse.ArgumentParser(prog="hestia-mock", description="A stateful fake HestiaCP for testing.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API and FTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument("--port", type=int, default=8083, help="API port (default 8083)")
    serve.add_argument("--ftp-port", type=int, default=2121, help="FTP port (default 2121; explicit FTPS)")
    serve.add_argument("--root", type=Path, help="folder standing for / (default: a fresh temporary folder)")
    serve.add_argument("--seed", default="demo", help="seed name (demo, empty) or JSON file (default demo)")
    serve.add_argument("--tls", action="store_true", help="serve the API over HTTPS (self-signed)")
    return parser


def credentials_text(seed: dict[str, Any]) -> str:
    """The logins a seed defines, for the start-up banner."""
    lines = ["Access keys (send hash=ACCESS_KEY:SECRET_KEY):"]
    lines += [
        f"  {k['access_key']}:{k['secret_key']}  ({k['user']}; {k.get('comment', '')})"
        for k in seed.get("access_keys", [])
    ]
    lines.append("Hestia users (panel / v-check-user-password):")
    for name, user in seed.get("users", {}).items():
        note = " (suspended)" if user.get("suspended") else ""
        lines.append(f"  {name} / {user['password']}{note}")
        for domain, spec in user.get("domains", {}).items():
            lines += [
                f"    FTP {name}_{a['suffix']} / {a['password']}  ({domain}/{a.get('path', '')})"
                for a in spec.get("ftp", [])
            ]
    return "\n".join(lines)


def serve(options: argparse.Namespace) -> int:
    """Start both servers and block until interrupted."""
    try:
        seed = read_seed(options.seed)
    except SeedError as exc:
        print(f"hestia-mock: {exc}")
        return 2
    backend = Backend(options.root)
    backend.load_seed(seed)
    cert_dir = Path(tempfile.mkdtemp(prefix="hestia-mock-https-")) if options.tls else None
    ssl_context: tuple[str, str] | None = None
    if cert_dir is not None:
        cert, key = write_self_signed(cert_dir, options.host)
        ssl_context = (str(cert), str(key))
    app = create_app(backend, seed)
    server = make_server(options.host, options.port, app, threaded=True, ssl_context=ssl_context)
    ftp = start_ftp_server(backend, options.host, options.ftp_port, tls=True)
    scheme = "https" if options.tls else "http"
    print(f"Hestia API:  {scheme}://{options.host}:{server.port}/api/  (control: /_mock/state, /_mock/calls)")
    print(f"FTP:         ftp://{options.host}:{ftp.port}  (explicit FTPS via AUTH TLS, self-signed)")
    print(f"Root folder: {backend.root}")
    if ssl_context is not None:
        print(f"Certificate: {ssl_context[0]}  (self-signed; pass it as the CA file to verify)")
    print(credentials_text(seed), flush=True)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        ftp.stop()
        if options.root is None:
            backend.close()
        if cert_dir is not None:
            shutil.rmtree(cert_dir, ignore_errors=True)
    return 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # Leave serve_forever() through the same path as Ctrl-C, so the temporary root is removed.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `hestia-mock` and `python -m hestia_mock`."""
    options = build_parser().parse_args(argv)
    return serve(options)


if __name__ == "__main__":
    raise SystemExit(main())
