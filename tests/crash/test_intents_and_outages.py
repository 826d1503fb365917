"""Intent before call, bounded waits and honest answers when the store fails (DESIGN.md §7, issue 18).

The store is a real SQLite file; "the database blinks" is a second connection that holds SQLite's write lock
(BEGIN IMMEDIATE), as a stuck writer on another machine would. Every wait is bounded by the store's lock
timeout (0.2 s here): a request that waited for the lock instead would deadlock the test, which holds the
lock until the request has answered.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from provisioning_support import (
    DEMO_HASH,
    PANEL_SECRET,
    RESELLER_SECRETS,
    URL,
    Mock,
    build_panel,
    hook_headers,
    panel_store,
    whmcs_params,
)

from puq_hestia.settings import Settings
from puq_hestia.store import Store, intents

#: A fixed clock for the hooks' timestamp check: every signature in this module is made at its own second.
NOW = 1_800_000_000


def crash_settings(db: Path, api_url: str = URL) -> Settings:
    """Demo-like settings on a SQLite file with a short lock timeout."""
    return Settings.from_mapping({
        "panel": {"demo": True, "secret_key": PANEL_SECRET, "database_url": f"sqlite:///{db}",
                  "public_url": "http://panel.test"},
        "servers": {"main": {"url": api_url, "hash": DEMO_HASH, "max_attempts": 1}},
        "resellers": {rid: {"secrets": secrets, "server": "main"} for rid, secrets in RESELLER_SECRETS.items()},
        "store": {"lock_timeout": 0.2, "pool_timeout": 0.5},
    })


class WriteLock:
    """SQLite's write lock held from outside the panel, as a stuck writer would hold it."""

    def __init__(self, db: Path) -> None:
        self._conn = sqlite3.connect(db, timeout=0, isolation_level=None)
        self.held = False

    def take(self) -> None:
        """BEGIN IMMEDIATE: every other writer now waits (up to its busy timeout) and then fails."""
        self._conn.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        """End the transaction (nothing was written)."""
        if self.held:
            self._conn.execute("ROLLBACK")
            self.held = False

    def close(self) -> None:
        """Release and disconnect."""
        self.release()
        self._conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bridge.sqlite3"


@pytest.fixture
def app(mock: Mock, db: Path) -> Flask:
    app = build_panel(crash_settings(db))
    app.config["PUQ_HOOKS_CLOCK"] = lambda: NOW
    return app


@pytest.fixture
def lock(app: Flask, db: Path) -> Iterator[WriteLock]:
    held = WriteLock(db)
    yield held
    held.close()


def sign_in(client: Any) -> None:
    """A signed-in alice with a real session record (no Hestia call)."""
    sid = client.application.extensions["puq"].sessions.open("main", "alice")
    with client.session_transaction() as session:
        session.update({"sid": sid, "server": "main", "user": "alice", "login_at": NOW})


def post(app: Flask, action: str, params: dict[str, Any], *, key: str, ts: int) -> Any:
    body = json.dumps({**params, "action": action}).encode()  # the signed body names its action
    return app.test_client().post(f"/hooks/{action}", data=body,
                                  headers=hook_headers(body, timestamp=ts, key=key))


def intent_rows(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(intents).order_by(intents.c.id)).mappings()]


def test_every_change_is_written_down_with_its_evidence_and_never_its_password(app: Flask, mock: Mock) -> None:
    reply = post(app, "create_account", whmcs_params(), key="k-1", ts=NOW)
    assert reply.status_code == 200, reply.get_json()
    plan, *rows = intent_rows(panel_store(app))
    # First the create's plan (its steps, for the maintenance run; not a Hestia command), then each change.
    assert (plan["command"], plan["account"], plan["state"]) == ("create_account", "dave", "done")
    assert json.loads(plan["args_json"]) == ["dave", "dave.example", "default", "42", ""]
    assert [(r["command"], r["account"], r["state"]) for r in rows] == [
        ("v-add-user", "dave", "done"), ("v-add-web-domain", "dave", "done")]
    assert "Dave-pass-2026" not in json.dumps([r["args_json"] for r in [plan, *rows]])
    assert json.loads(rows[0]["args_json"])[:3] == ["dave", "***", "dave@example.com"]
    assert rows[0]["origin"] == plan["origin"] == "hook:reseller-a:k-1"
    # Read-only calls (v-list-user, v-check-...) are not intents: only what may change Hestia.
    assert len(rows) == len(mock.mutations())


def test_a_locked_store_sends_nothing_and_says_nothing_was_changed(app: Flask, mock: Mock,
                                                                   lock: WriteLock) -> None:
    panel_store(app).claim_account("main", "bob", "reseller-a")
    before = len(mock.calls())
    lock.take()
    reply = post(app, "suspend_account", {"username": "bob"}, key="k-3", ts=NOW + 1)
    lock.release()
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "30"
    assert "nothing was changed" in reply.get_json()["message"]
    assert [c["cmd"] for c in mock.calls()[before:] if not c["cmd"].startswith(("v-list-", "v-check-"))] == []
    assert not mock.user("bob").suspended


def test_a_store_lost_after_hestia_acted_never_says_nothing_was_changed(app: Flask, mock: Mock,
                                                                       lock: WriteLock,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Hestia suspends bob; the store blinks before the outcome is written: the answer says "may have"."""
    store = panel_store(app)
    store.claim_account("main", "bob", "reseller-a")
    run = mock.backend.run

    def run_then_blink(name: str, args: Any) -> Any:
        result = run(name, args)
        if name == "v-suspend-user":
            lock.take()
        return result

    monkeypatch.setattr(mock.backend, "run", run_then_blink)
    reply = post(app, "suspend_account", {"username": "bob"}, key="k-4", ts=NOW + 2)
    lock.release()
    assert reply.status_code == 503
    message = reply.get_json()["message"]
    assert "may or may not have been made" in message and "nothing was changed" not in message
    assert mock.user("bob").suspended
    [row] = intent_rows(store)
    assert (row["command"], row["state"]) == ("v-suspend-user", "open")  # left for the maintenance run


def test_a_customer_change_refused_by_a_locked_store_says_ftp_users_keep_working(app: Flask, mock: Mock,
                                                                                  lock: WriteLock) -> None:
    client = app.test_client()
    sign_in(client)
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.get("/ftp").status_code == 200  # reads go on while a writer holds the lock (WAL)
    before = len(mock.calls())
    lock.take()
    reply = client.post("/ftp/add", data={"domain": "alice.example"})
    lock.release()
    assert reply.status_code == 503
    text = reply.get_data(as_text=True)
    assert "nothing was changed" in text and "Your FTP users keep working" in text
    assert [c["cmd"] for c in mock.calls()[before:] if not c["cmd"].startswith("v-list")] == []


def test_readyz_answers_503_while_the_store_is_down_and_healthz_stays_200(app: Flask, db: Path) -> None:
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    db.unlink()
    db.mkdir()  # the path is now a folder: SQLite cannot open it (root ignores file modes, so not chmod)
    panel_store(app).engine.dispose()
    reply = client.get("/readyz")
    assert reply.status_code == 503
    assert reply.get_json()["status"] == "unavailable"
    assert reply.headers["Retry-After"] == "30"
    assert client.get("/healthz").status_code == 200


def test_a_hook_for_an_account_with_a_change_in_flight_waits_then_says_so(app: Flask, mock: Mock) -> None:
    from puq_hestia.intents import IntentLog

    store = panel_store(app)
    store.claim_account("main", "bob", "reseller-a")
    IntentLog(store, "main").before("v-unsuspend-user", ["bob"])  # another instance's call, still at Hestia
    before = len(mock.calls())
    reply = post(app, "suspend_account", {"username": "bob"}, key="k-5", ts=NOW + 3)
    assert reply.status_code == 503
    assert reply.get_json()["message"].startswith("Another change to this account is still in progress, so "
                                                  "nothing was changed.")
    assert [c["cmd"] for c in mock.calls()[before:] if not c["cmd"].startswith(("v-list-", "v-check-"))] == []


def test_an_ftp_create_whose_outcome_the_store_lost_says_may_have_and_maintain_records_it(
        app: Flask, mock: Mock, lock: WriteLock, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from provisioning_support import quick_client

    from puq_hestia.hestia.config import ServerConfig
    from puq_hestia.maintenance import Retention, run_maintenance

    client = app.test_client()
    sign_in(client)
    app.config["WTF_CSRF_ENABLED"] = False
    run = mock.backend.run

    def run_then_blink(name: str, args: Any) -> Any:
        result = run(name, args)
        if name == "v-add-web-domain-ftp":
            lock.take()
        return result

    monkeypatch.setattr(mock.backend, "run", run_then_blink)
    def logins() -> set[str]:
        return {name for d in mock.user("alice").domains.values() for name in d.conf["FTP_USER"].split(":") if name}

    before = logins()
    reply = client.post("/ftp/add", data={"domain": "alice.example"})
    lock.release()
    monkeypatch.setattr(mock.backend, "run", run)
    text = reply.get_data(as_text=True)
    assert reply.status_code == 503
    assert "may or may not have been made" in text and "nothing was changed" not in text
    [made] = logins() - before
    store = panel_store(app)
    hestia = quick_client(ServerConfig(URL, hash=DEMO_HASH))
    report = run_maintenance(store, {"main": hestia}, retention=Retention(grace=timedelta(0)))
    assert any(line.startswith("#") and ": done" in line for line in report.settled), report.settled
    [event] = [e for e in store.recent_events("main", "alice") if e.ftp_user == made]
    assert event.action == "maintenance.v-add-web-domain-ftp" and "set a new password" in event.detail
    # The intent names the customer who asked, not the request's path (issue 18).
    with store.engine.connect() as conn:
        origins = conn.execute(sa.select(intents.c.origin).where(intents.c.command == "v-add-web-domain-ftp")).all()
    assert [o for (o,) in origins] == ["panel:alice"]
