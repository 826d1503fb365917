"""`puq-hestia maintain` settles what a crash left open, against the mock's real state (DESIGN.md §7).

A crash is reproduced exactly as it happens: the intent is written (IntentLog.before), Hestia runs the command
(or does not), and the process never records the outcome (no IntentLog.after).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from provisioning_support import DEMO_HASH, URL, Mock, quick_client

from puq_hestia import cli
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.intents import IntentLog, intent_origin, take_lease
from puq_hestia.maintenance import LEASE_NAME, run_maintenance
from puq_hestia.store import HOOK_PENDING, Store, hook_requests, intents

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A settable clock for the store."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> Iterator[Store]:
    with Store("sqlite://", clock=clock) as s:
        yield s


@pytest.fixture
def client(mock: Mock) -> HestiaClient:
    return quick_client(ServerConfig(URL, hash=DEMO_HASH))


def crashed(store: Store, mock: Mock, command: str, *args: str, run: bool = True, origin: str = "") -> object:
    """Write the intent, let Hestia run the command (or not), and never record the outcome.

    The dead worker's turn on the account is never given back; it expires after its hold (2 minutes), so the
    store's clock moves past it, as the real one would have by the time anything else touched the account.
    """
    log = IntentLog(store, "main", wait=0)
    clock = store._clock  # the test's Clock
    clock.now += timedelta(minutes=3)  # type: ignore[attr-defined]
    masked = ["***" if command == "v-add-web-domain-ftp" and i == 3 else a for i, a in enumerate(args)]
    with intent_origin(origin):
        entry = log.before(command, masked)
    if run:
        code, _ = mock.backend.run(command, list(args))
        assert code == 0
    return entry


def maintain(store: Store, client: HestiaClient, clock: Clock) -> list[str]:
    clock.now += timedelta(minutes=3)  # past the grace time: nothing is in flight any more
    return run_maintenance(store, {"main": client}).lines()


def states(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(intents.c.command, intents.c.state).order_by(intents.c.id)).all()
    return [(command, state) for command, state in rows]


def test_an_ftp_user_hestia_made_is_recorded_and_audited_and_one_it_did_not_is_failed(
        store: Store, mock: Mock, client: HestiaClient, clock: Clock) -> None:
    crashed(store, mock, "v-add-web-domain-ftp", "alice", "alice.example", "made", "Secret-pass-2026x")
    crashed(store, mock, "v-add-web-domain-ftp", "alice", "alice.example", "never", "Secret-pass-2026x", run=False)
    assert store.claim_name("main", "alice_made")  # the dead worker's claim, younger than the claims' 5 minutes
    lines = maintain(store, client, clock)
    assert states(store) == [("v-add-web-domain-ftp", "done"), ("v-add-web-domain-ftp", "failed")]
    [event, *_] = [e for e in store.recent_events("main", "alice") if e.ftp_user == "alice_made"]
    assert event.outcome == "done" and "password was never shown" in event.detail
    assert any(e.ftp_user == "alice_never" and e.outcome == "failed" for e in store.recent_events("main", "alice"))
    assert any(line.startswith("settled: #1 v-add-web-domain-ftp") for line in lines)
    assert store.claim_name("main", "alice_made")  # released at once, not after the claim's 5 minutes
    assert "Secret-pass-2026x" not in json.dumps(lines)


def test_an_intent_still_in_flight_is_left_alone(store: Store, mock: Mock, client: HestiaClient,
                                                 clock: Clock) -> None:
    crashed(store, mock, "v-suspend-user", "bob")
    clock.now += timedelta(seconds=30)  # younger than the grace time: its worker may still be waiting
    run_maintenance(store, {"main": client})
    assert states(store) == [("v-suspend-user", "open")]


def test_a_late_suspend_is_corrected_to_the_state_billing_asked_for_last(
        store: Store, mock: Mock, client: HestiaClient, clock: Clock) -> None:
    # Billing suspends bob, the answer is lost; billing then unsuspends (done); Hestia runs the suspend late.
    crashed(store, mock, "v-suspend-user", "bob", run=False)
    log = IntentLog(store, "main")
    clock.now += timedelta(minutes=3)  # the dead worker's turn on bob has expired
    log.after(log.before("v-unsuspend-user", ["bob"]), "done")
    assert mock.backend.run("v-suspend-user", ["bob"])[0] == 0  # the late one
    lines = maintain(store, client, clock)
    assert not mock.user("bob").suspended
    assert any(line.startswith("corrected: bob: v-unsuspend-user applied again") for line in lines)
    assert any(e.action == "maintenance.corrected" for e in store.recent_events("main", "bob"))


def test_a_suspend_changed_by_hand_later_is_not_undone(store: Store, mock: Mock, client: HestiaClient,
                                                      clock: Clock) -> None:
    log = IntentLog(store, "main")
    log.after(log.before("v-unsuspend-user", ["bob"]), "done")  # answered: nothing was interrupted
    assert mock.backend.run("v-suspend-user", ["bob"])[0] == 0  # the admin, by hand, in Hestia
    maintain(store, client, clock)
    assert mock.user("bob").suspended


def test_a_hook_delivery_whose_changes_are_settled_is_freed_for_its_redelivery(
        store: Store, mock: Mock, client: HestiaClient, clock: Clock) -> None:
    assert store.begin_hook("reseller-a", "key-1", "suspend_account", "h") is None
    assert store.begin_hook("reseller-a", "key-2", "suspend_account", "h") is None
    crashed(store, mock, "v-suspend-user", "bob", origin="hook:reseller-a:key-1")
    report = maintain(store, client, clock)
    assert "hook deliveries freed for redelivery: 2" in report  # key-2 sent nothing at all
    # The redelivery takes the record over at once, instead of "still running" for ten minutes.
    assert store.begin_hook("reseller-a", "key-1", "suspend_account", "h") is None
    with store.engine.connect() as conn:
        pending = conn.execute(sa.select(sa.func.count()).select_from(hook_requests)
                               .where(hook_requests.c.status == HOOK_PENDING)).scalar()
    assert pending == 2


def test_a_delivery_with_a_change_left_open_stays_pending(store: Store, mock: Mock, client: HestiaClient,
                                                        clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    assert store.begin_hook("reseller-a", "key-1", "suspend_account", "h") is None
    crashed(store, mock, "v-suspend-user", "bob", origin="hook:reseller-a:key-1")
    mock.fault(kind="http_status", status=502, cmd="v-list-user")  # Hestia cannot tell us now
    lines = maintain(store, client, clock)
    assert any("left open" in line for line in lines)
    assert "hook deliveries freed for redelivery: 0" in lines


def test_stale_claims_are_released_and_expired_rows_purged(store: Store, mock: Mock, client: HestiaClient,
                                                          clock: Clock) -> None:
    assert store.claim_name("main", "alice_new")
    assert store.consume_token("sso:old")
    clock.now += timedelta(days=2)
    lines = run_maintenance(store, {"main": client}).lines()
    assert "stale FTP name claims released: 1" in lines
    assert "purged used tokens: 1" in lines
    assert store.claim_name("main", "alice_new")


def test_only_one_run_works_at_a_time(store: Store, mock: Mock, client: HestiaClient, clock: Clock) -> None:
    assert take_lease(store, LEASE_NAME, "other-machine", timedelta(minutes=10))
    assert run_maintenance(store, {"main": client}).skipped
    clock.now += timedelta(minutes=11)  # the other run died: its lease expires
    assert not run_maintenance(store, {"main": client}).skipped


def test_migrate_adds_what_a_newer_release_needs_to_an_old_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the intents table as a first release without `origin` would have made it
        conn.execute(sa.text("CREATE TABLE intents (id INTEGER PRIMARY KEY, server_id VARCHAR(64) NOT NULL, "
                             "command VARCHAR(64) NOT NULL, account VARCHAR(64) NOT NULL, args_json TEXT NOT NULL, "
                             "state VARCHAR(16) NOT NULL, created_at DATETIME NOT NULL, finished_at DATETIME, "
                             "note VARCHAR(500))"))
    engine.dispose()
    config = tmp_path / "bridge.toml"
    config.write_text(f'[panel]\ndemo = true\nsecret_key = "x"\ndatabase_url = "{url}"\n'
                      '[servers.main]\nurl = "http://127.0.0.1:9"\nhash = "A:B"\n', encoding="utf-8")
    with Store(url, migrate=False) as old:
        done = old.migrate()
    assert "added column intents.origin" in done
    assert "created table audit_events" in done
    out = io.StringIO()
    assert cli.main(["--config", str(config), "migrate"], out=out) == 0
    assert out.getvalue().strip() == "the store is up to date"
