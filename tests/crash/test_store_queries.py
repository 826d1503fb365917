"""The store's share of the work stays constant: usage_update and a fresh serve (issue 18)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests
import sqlalchemy as sa
from kill_support import free_port, wait_until
from provisioning_support import Mock
from redis_testing import RedisServer

from puq_hestia.billing.provisioning import ProvisioningContext, usage_update
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.store import Store


def test_usage_update_asks_the_store_once_whatever_the_number_of_accounts(mock: Mock, client: HestiaClient,
                                                                         store: Store) -> None:
    for name in ("alice", "bob", "carol"):
        store.claim_account("main", name, "reseller-a")
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda _c, _cur, statement, *_: statements.append(statement))
    result = usage_update({}, ProvisioningContext(client=client, server_id="main", store=store,
                                                  reseller_id="reseller-a"))
    assert result["success"], result
    assert sorted(a["username"] for a in result["accounts"]) == ["alice", "bob", "carol"]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_serve_with_four_workers_on_a_fresh_store_boots_every_worker(tmp_path: Path, redis: RedisServer) -> None:
    """The schema is made once before the workers fork, so none of them races to create a table."""
    config = tmp_path / "bridge.toml"
    config.write_text('[panel]\ndemo = true\nsecret_key = "serve-test-secret-key-0123456789abcdef"\n'
                      f'database_url = "sqlite:///{tmp_path / "fresh.sqlite3"}"\n'
                      f'ratelimit_storage_uri = "{redis.url}"\n'
                      '[servers.main]\nurl = "http://127.0.0.1:9"\nhash = "A:B"\n', encoding="utf-8")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "puq_hestia.cli", "--config", str(config), "serve",
                                "--workers", "4", "--threads", "1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def ready() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(ready, "the panel did not become ready")
    finally:
        process.terminate()
        stderr = process.communicate(timeout=20)[1]
    assert len(re.findall(r"Booting worker with pid", stderr)) >= 4, stderr
    assert "Worker failed to boot" not in stderr and "already exists" not in stderr, stderr
