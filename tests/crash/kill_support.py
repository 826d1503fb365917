"""The machinery of the kill tests: `puq-hestia serve` in its own process group, signed deliveries, polling.

Shared by every test in tests/crash that kills the served panel with SIGKILL (no cleanup of any kind runs).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa
from provisioning_support import DEMO_HASH, hook_headers, whmcs_params

from hestia_mock.testing import MockHestia
from puq_hestia.store import Store, intents

CONFIG = """\
[panel]
demo = true
secret_key = "kill-test-secret-key-0123456789abcdef"
database_url = "sqlite:///{db}"
ratelimit_storage_uri = "{redis}"

[servers.main]
url = "{url}"
hash = "{hash}"
max_attempts = 1
read_timeout = 60

[resellers.reseller-a]
secrets = ["demo-reseller-a-secret"]
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wall_clock_second() -> int:
    """The current Unix second; every delivery below signs at its own offset from it (never two in one second)."""
    return time.time().__floor__()


def wait_until(condition: object, what: str, limit: float = 30.0) -> None:
    """Poll a condition on real processes (never a fixed sleep); fail with WHAT after LIMIT seconds."""
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


class Served:
    """`puq-hestia serve` in its own process group, so kill -9 takes the master and every worker."""

    def __init__(self, config: Path) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "puq_hestia.cli", "--config", str(config), "serve", "--workers", "2",
                   "--threads", "4", "--port", str(self.port)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(self._ready, "the panel did not start")

    def _ready(self) -> bool:
        assert self.process.poll() is None, "serve exited"
        try:
            return requests.get(f"{self.url}/readyz", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def kill(self) -> None:
        """kill -9 of the master and its workers: no cleanup of any kind runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


def deliver(url: str, name: str, timestamp: int, results: dict[str, object] | None = None) -> requests.Response:
    """One signed create_account delivery with the Idempotency-Key of its account."""
    body = json.dumps(whmcs_params(username=name, domain=f"{name}.example", password=f"{name.title()}-pass-2026",
                                   clientsdetails={"email": f"{name}@example.com"}, action="create_account")).encode()
    headers = hook_headers(body, timestamp=timestamp, key=f"create-{name}")
    try:
        reply = requests.post(f"{url}/hooks/create_account", data=body, headers=headers, timeout=60)
    except requests.ConnectionError as error:  # the bridge was killed mid-request
        if results is not None:
            results[name] = error
        raise
    if results is not None:
        results[name] = reply
    return reply




def write_config(tmp_path: Path, hestia: MockHestia, redis_url: str) -> tuple[Path, Path]:
    """The bridge's TOML file and its SQLite store, in TMP_PATH."""
    db, config = tmp_path / "bridge.sqlite3", tmp_path / "bridge.toml"
    config.write_text(CONFIG.format(db=db, url=hestia.url, hash=DEMO_HASH, redis=redis_url), encoding="utf-8")
    return config, db


def quiet(function: object, *args: object) -> None:
    with contextlib.suppress(requests.ConnectionError):  # the bridge is killed under it
        function(*args)  # type: ignore[operator]


def intent_states(store: Store) -> dict[tuple[str, str], str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(intents.c.account, intents.c.command, intents.c.state)).all()
    return {(account, command): state for account, command, state in rows}
