"""`kill -9` of `puq-hestia serve` while hooks are at Hestia, then a restart and `puq-hestia maintain` (issue 18).

The mock runs each create and then holds its answer (fault `read_timeout`), so every delivery is inside the
window "Hestia did it, the bridge has not written it down" when the whole gunicorn process group is killed.
Afterwards: every account Hestia made is recorded and audited, no hook delivery is stuck as "still running",
and each redelivery (same Idempotency-Key) gets its true result.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from provisioning_support import DEMO_HASH, hook_headers, whmcs_params
from redis_testing import RedisServer

from hestia_mock.testing import MockHestia
from puq_hestia import cli
from puq_hestia.store import Store, intents

NAMES = ("kila", "kilb", "kilc")
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


@pytest.fixture
def hestia() -> Iterator[MockHestia]:
    with MockHestia(seed="demo", ftp=False) as mock:
        yield mock


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


def test_kill_9_mid_create_then_maintain_leaves_nothing_unrecorded_or_stuck(hestia: MockHestia, redis: RedisServer,
                                                                             tmp_path: Path) -> None:
    db = tmp_path / "bridge.sqlite3"
    config = tmp_path / "bridge.toml"
    config.write_text(CONFIG.format(db=db, url=hestia.url, hash=DEMO_HASH, redis=redis.url), encoding="utf-8")
    served = Served(config)
    try:
        hestia.fault(kind="read_timeout", cmd="v-add-user", seconds=120)  # runs, then holds the answer
        now = wall_clock_second()  # the served bridge checks timestamps on its real clock
        results: dict[str, object] = {}
        threads = [threading.Thread(target=lambda n=n: _quiet(deliver, served.url, n, now, results))
                   for n in NAMES]
        for thread in threads:
            thread.start()
        wait_until(lambda: all(n in hestia.backend.users for n in NAMES), "the creates did not reach Hestia")
        served.kill()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        served.stop()
    hestia.clear_faults()
    assert all(isinstance(results.get(n), requests.ConnectionError) for n in NAMES)

    # What the crash left: accounts at Hestia, intents open, deliveries pending.
    with Store(f"sqlite:///{db}") as store:
        assert _intent_states(store) == {(n, "v-add-user"): "open" for n in NAMES}

    restarted = Served(config)  # boots on the crashed store
    try:
        out = io.StringIO()
        assert cli.main(["--config", str(config), "maintain", "--grace", "0"], out=out) == 0
        report = out.getvalue()
        assert "hook deliveries freed for redelivery: 3" in report, report
        with Store(f"sqlite:///{db}") as store:
            # Existence is recorded, not adopted: no owner, nothing written to the name's activity list yet.
            assert _intent_states(store) == {(n, "v-add-user"): "exists" for n in NAMES}
            for name in NAMES:
                assert store.account_owner("main", name) is None
                assert not any(e.action == "maintenance.v-add-user" for e in store.recent_events("main", name))
        # Each redelivery gets the true result: its own account, finished (the web domain added).
        for offset, name in enumerate(NAMES, start=1):
            reply = deliver(restarted.url, name, now + offset)
            assert reply.status_code == 200, reply.text
            assert reply.json() == {"result": "success"}
            assert f"{name}.example" in hestia.backend.users[name].domains
        with Store(f"sqlite:///{db}") as store:  # proven made by its own redelivery (the password checks out)
            assert all(store.account_owner("main", name) == "reseller-a" for name in NAMES)
            for name in NAMES:  # and now audited on the account, as the reseller was told
                assert any(e.action == "account.create_account" and e.outcome == "success"
                           for e in store.recent_events("main", name)), name
    finally:
        restarted.stop()


def _quiet(function: object, *args: object) -> None:
    with contextlib.suppress(requests.ConnectionError):  # the bridge is killed under it
        function(*args)  # type: ignore[operator]


def _intent_states(store: Store) -> dict[tuple[str, str], str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(intents.c.account, intents.c.command, intents.c.state)).all()
    return {(account, command): state for account, command, state in rows}
