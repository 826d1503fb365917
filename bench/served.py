"""The production shape for the concurrency and bulk benchmarks: the mock Hestia and gunicorn as processes.

`hestia-mock serve` runs in its own process with a seed file; the panel runs under gunicorn with the documented
command (gthread workers); the load comes from this process. Each has its own interpreter, so none of them
queues behind another's GIL.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
from flask import Flask

from bench.rig import PANEL_SECRET, RESELLER, RESELLER_SECRET, SERVER_ID
from bench.seeding import ACCESS_KEY, SECRET_KEY
from puq_hestia.auth.sessions import SessionBook
from puq_hestia.store import Store

CONFIG = """\
[panel]
demo = true
secret_key = "{secret}"
database_url = "sqlite:///{database}"
ratelimit_storage_uri = "{limits}"

[servers.{server}]
url = "{api}"
access_key = "{access_key}"
secret_key = "{secret_key}"
ftp_host = "ftp.bench.example"

[resellers.{reseller}]
secrets = ["{reseller_secret}"]
server = "{server}"
"""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A throw-away redis-server (Debian's package) for the login counters of several workers; its URL."""
    port = free_port()
    command = [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:  # readiness, not a fixed sleep: redis starts in milliseconds
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"redis://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("redis-server did not start (make system-deps installs it)") from None
            time.sleep(0.02)


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    """The documented production command (README, "Production serving"), bound to loopback."""
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
            "panel:create_app()"]


def wait_until_up(url: str, seconds: float = 60.0) -> None:
    """Poll URL until anything answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered at {url} within {seconds:.0f}s")


class Served:
    """The seeded mock and the panel under gunicorn; a context manager that stops both."""

    def __init__(self, seed: dict[str, Any], *, workers: int, threads: int) -> None:
        self.workers, self.threads = workers, threads
        self._tmp = tempfile.TemporaryDirectory(prefix="puq-bench-served-")
        folder = Path(self._tmp.name)
        self.api = f"http://127.0.0.1:{free_port()}"
        self.database_url = f"sqlite:///{folder / 'panel.sqlite3'}"
        self._processes: list[subprocess.Popen[bytes]] = []
        self._log = (folder / "servers.log").open("wb")
        try:
            self._boot(seed, folder, workers, threads)
        except BaseException:
            self.close()
            raise
        self._control = requests.Session()

    def _boot(self, seed: dict[str, Any], folder: Path, workers: int, threads: int) -> None:
        """Start the mock, write the panel's config, start gunicorn; wait for both."""
        (folder / "seed.json").write_text(json.dumps(seed), encoding="utf-8")
        self._start([sys.executable, "-m", "hestia_mock", "serve", "--seed", str(folder / "seed.json"),
                     "--port", self.api.rsplit(":", 1)[1], "--ftp-port", str(free_port())], {})
        wait_until_up(f"{self.api}/api/", seconds=180)
        # Several gunicorn workers share their login counters in Redis: the panel refuses memory:// with more.
        redis, limits = start_redis(folder)
        self._processes.append(redis)
        config = folder / "panel.toml"
        config.write_text(CONFIG.format(secret=PANEL_SECRET, database=folder / "panel.sqlite3", limits=limits,
                                        server=SERVER_ID,
                                        api=self.api, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                                        reseller=RESELLER, reseller_secret=RESELLER_SECRET), encoding="utf-8")
        self.config_path = config
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._start(gunicorn_command(port, workers, threads), {"PUQ_HESTIA_CONFIG": str(config)})
        wait_until_up(f"{self.url}/healthz")

    def _start(self, command: list[str], env: dict[str, str]) -> None:
        """Start a server process; its output goes to a log file that lives as long as the bench run."""
        self._processes.append(subprocess.Popen(command, env=os.environ | env, stdout=subprocess.DEVNULL,
                                                stderr=self._log))

    def latency(self, ms: int) -> None:
        """Every Hestia call takes MS milliseconds more (0: none)."""
        self._control.delete(f"{self.api}/_mock/faults", timeout=10)
        if ms:
            reply = self._control.post(f"{self.api}/_mock/faults", json={"kind": "latency", "ms": ms}, timeout=10)
            reply.raise_for_status()

    def clear_calls(self) -> None:
        """Forget the mock's call log."""
        self._control.delete(f"{self.api}/_mock/calls", timeout=10)

    def commands(self) -> list[str]:
        """The commands in the mock's call log."""
        calls: list[dict[str, Any]] = self._control.get(f"{self.api}/_mock/calls", timeout=30).json()
        return [call["cmd"] for call in calls]

    def session_cookie(self, user: str) -> str:
        """A signed session cookie for USER, exactly as the panel's login would set it."""
        app = Flask("bench-cookies")
        app.secret_key = PANEL_SECRET
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        with Store(self.database_url) as store:  # the panel checks a session record on every request
            sid = SessionBook(store, absolute=timedelta(hours=1)).open(SERVER_ID, user)
        return str(serializer.dumps({"_permanent": True, "sid": sid, "server": SERVER_ID, "user": user,
                                     "login_at": int(time.time())}))

    def claim_accounts(self, users: list[str]) -> None:
        """Record RESELLER as the owner of USERS in the panel's store (as its create hooks would have)."""
        with Store(self.database_url) as store:
            for user in users:
                store.claim_account(SERVER_ID, user, RESELLER)

    def close(self) -> None:
        """Stop gunicorn and the mock, newest first."""
        for process in reversed(self._processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        self._log.close()
        self._tmp.cleanup()

    def __enter__(self) -> Served:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
