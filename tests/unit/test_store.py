"""The bridge's store on SQLite (always) and PostgreSQL (when PUQ_TEST_DATABASE_URL names one)."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa

from puq_hestia import database
from puq_hestia.store import DETAIL_MAX, AuditEvent, HookRecord, Store, StoreError, metadata

T = TypeVar("T")
PG_URL = os.environ.get("PUQ_TEST_DATABASE_URL", "")
# Only the back ends that exist here are collected: SQLite always, PostgreSQL when the variable is set.
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
START = datetime(2026, 8, 22, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _drop_all(url: str) -> None:
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'store.sqlite3'}"
        return
    _drop_all(PG_URL)
    yield PG_URL
    _drop_all(PG_URL)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(url: str, clock: FakeClock) -> Iterator[Store]:
    with Store(url, clock=clock) as opened:
        yield opened


def race(count: int, action: Callable[[int], T]) -> list[T]:
    """Run ``action(i)`` in ``count`` threads released at the same moment; return their results."""
    barrier = threading.Barrier(count, timeout=10)

    def run(i: int) -> T:
        barrier.wait()
        return action(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


# -- engine and schema ------------------------------------------------------------------------------------


def test_schema_is_created_at_start(store: Store) -> None:
    names = set(sa.inspect(store.engine).get_table_names())
    assert {"audit_events", "used_tokens", "hook_requests", "accounts"} <= names


def test_opening_an_existing_database_keeps_its_data(url: str, store: Store) -> None:
    store.record_event("s1", "alice", "login", outcome="success")
    with Store.from_url(url) as again:
        assert [e.action for e in again.events()] == ["login"]


def test_sqlite_uses_wal_and_creates_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "folder" / "db.sqlite3"
    with Store(f"sqlite:///{path}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert path.exists()


def _copy_of_schema() -> sa.MetaData:
    """The store's tables in a MetaData of their own, so a test's listeners never touch the real one."""
    copy = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(copy)
    return copy


def test_workers_migrating_a_fresh_store_at_once_all_succeed(url: str) -> None:
    # gunicorn started by hand boots its workers together, each migrating. Here the other worker wins every
    # race: after this one has looked which tables are missing, and before it creates any, the other creates the
    # first of them (before anything of this pass exists, so neither waits for the other's transaction).
    ours, theirs = _copy_of_schema(), _copy_of_schema()
    engine, other = sa.create_engine(url), sa.create_engine(url)
    Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    stolen: list[str] = []

    def the_other_worker_is_faster(_target: sa.MetaData, _connection: object, tables: list[sa.Table],
                                   **_kw: object) -> None:
        if tables and tables[0].name not in sa.inspect(other).get_table_names():
            theirs.tables[tables[0].name].create(other)
            stolen.append(tables[0].name)

    sa.event.listen(ours, "before_create", the_other_worker_is_faster)
    try:
        database.migrate(engine, ours)
        assert set(sa.inspect(engine).get_table_names()) >= set(ours.tables)
        assert sorted(stolen) == sorted(ours.tables)  # every table's race was lost once, and each pass was tried again
        assert database.migrate(engine, ours) == []
    finally:
        engine.dispose()
        other.dispose()


def test_a_migration_error_without_progress_is_not_retried(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[int] = []

    def broken(_engine: sa.Engine, _metadata: sa.MetaData) -> list[str]:
        passes.append(1)
        raise sa.exc.OperationalError("CREATE TABLE x", {}, Exception("disk I/O error"))

    monkeypatch.setattr(database, "_migrate_once", broken)
    Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    try:
        with pytest.raises(sa.exc.OperationalError):
            database.migrate(engine, _copy_of_schema())
    finally:
        engine.dispose()
    assert passes == [1]


def test_in_memory_sqlite_keeps_one_database() -> None:
    with Store("sqlite://") as store:
        assert store.consume_token("t")
        assert not store.consume_token("t")


# -- audit events -----------------------------------------------------------------------------------------


def test_recent_events_of_one_actor_newest_first(store: Store, clock: FakeClock) -> None:
    store.record_event("s1", "alice", "login", outcome="success")
    clock.advance(seconds=5)
    store.record_event(
        "s1", "alice", "ftp.create", domain="alice.example", ftp_user="alice_web", outcome="success"
    )
    store.record_event("s1", "bob", "login", outcome="success")
    store.record_event("s2", "alice", "login", outcome="error")

    events = store.recent_events("s1", "alice")

    assert [e.action for e in events] == ["ftp.create", "login"]
    newest = events[0]
    assert (newest.server_id, newest.actor, newest.domain, newest.ftp_user) == (
        "s1", "alice", "alice.example", "alice_web"
    )
    assert newest.outcome == "success" and newest.detail == ""
    assert newest.time == START + timedelta(seconds=5)
    assert newest.time.tzinfo is not None and newest.time.utcoffset() == timedelta(0)


def test_recent_events_honours_the_limit(store: Store) -> None:
    for i in range(5):
        store.record_event("s1", "alice", "ftp.delete", outcome="success", detail=str(i))
    assert [e.detail for e in store.recent_events("s1", "alice", limit=3)] == ["4", "3", "2"]


def test_events_of_every_server_or_one(store: Store) -> None:
    store.record_event("s1", "alice", "login", outcome="success")
    store.record_event("s2", "reseller:a", "hook.suspend", outcome="already")
    assert [e.server_id for e in store.events()] == ["s2", "s1"]
    assert [e.actor for e in store.events(server_id="s2")] == ["reseller:a"]
    assert store.events(limit=1)[0].action == "hook.suspend"


def test_detail_is_truncated(store: Store) -> None:
    store.record_event("s1", "cli", "ftp.change_path", outcome="reset_to_root", detail="x" * 2000)
    assert store.events()[0].detail == "x" * DETAIL_MAX


def test_audit_events_are_frozen(store: Store) -> None:
    store.record_event("s1", "alice", "login", outcome="success")
    event: AuditEvent = store.events()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.outcome = "error"  # type: ignore[misc]


def test_times_from_another_zone_are_stored_in_utc(url: str) -> None:
    plus_two = datetime(2026, 8, 22, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    with Store(url, clock=lambda: plus_two) as store:
        store.record_event("s1", "alice", "login", outcome="success")
        assert store.events()[0].time == datetime(2026, 8, 22, 14, 0, tzinfo=UTC)


# -- one-time tokens --------------------------------------------------------------------------------------


def test_a_token_is_consumed_once(store: Store) -> None:
    assert store.consume_token("tok-1") is True
    assert store.consume_token("tok-1") is False
    assert store.consume_token("tok-2") is True


def test_a_token_is_consumed_once_across_workers(url: str, store: Store) -> None:
    with Store(url) as other_worker:
        assert store.consume_token("tok") is True
        assert other_worker.consume_token("tok") is False


def test_purge_forgets_only_old_tokens(store: Store, clock: FakeClock) -> None:
    store.consume_token("old")
    clock.advance(minutes=10)
    store.consume_token("new")
    clock.advance(minutes=1)

    assert store.purge_tokens(timedelta(minutes=5)) == 1

    assert store.consume_token("new") is False
    assert store.consume_token("old") is True


# -- hook idempotency -------------------------------------------------------------------------------------


def test_first_delivery_owns_the_key(store: Store) -> None:
    assert store.begin_hook("reseller-a", "key-1", "create", "h1") is None


def test_redelivery_while_pending_sees_the_pending_record(store: Store) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    record = store.begin_hook("reseller-a", "key-1", "create", "h1")
    assert isinstance(record, HookRecord)
    assert record.status == "pending" and not record.is_done and record.result is None
    assert record.same_request("h1") and record.action == "create"
    assert record.created_at == START


def test_redelivery_after_finish_returns_the_stored_result(store: Store) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    store.finish_hook("reseller-a", "key-1", {"result": "success", "user": "alice"})
    record = store.begin_hook("reseller-a", "key-1", "create", "h1")
    assert record is not None and record.is_done
    assert record.result == {"result": "success", "user": "alice"}


def test_same_key_with_another_body_is_a_conflict(store: Store) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    record = store.begin_hook("reseller-a", "key-1", "create", "h2")
    assert record is not None and not record.same_request("h2")


def test_keys_are_per_reseller(store: Store) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    assert store.begin_hook("reseller-b", "key-1", "create", "h1") is None


def test_finishing_an_unknown_delivery_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError):
        store.finish_hook("reseller-a", "never-begun", {"result": "success"})


def test_maintain_answers_a_dead_delivery_only_while_no_redelivery_took_it_over(store: Store,
                                                                               clock: FakeClock) -> None:
    """Issue 18: Store.settle_hook stores the answer of a pending record not re-stamped within OLDER_THAN."""
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    clock.advance(minutes=11)
    assert store.begin_hook("reseller-a", "key-1", "create", "h1") is None  # a redelivery took it over: now
    assert not store.settle_hook("reseller-a", "key-1", {"status": 409}, older_than=timedelta(minutes=2))
    clock.advance(minutes=3)
    assert store.settle_hook("reseller-a", "key-1", {"status": 409}, older_than=timedelta(minutes=2))
    record = store.hook_record("reseller-a", "key-1")
    assert record is not None and record.is_done and record.result == {"status": 409}
    assert not store.settle_hook("reseller-a", "key-1", {"status": 200})  # done: never answered twice
    assert store.hook_record("reseller-a", "never") is None


def test_an_abandoned_delivery_may_be_retried(store: Store) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    store.abandon_hook("reseller-a", "key-1")
    assert store.begin_hook("reseller-a", "key-1", "create", "h1") is None


def test_abandon_keeps_a_finished_delivery(store: Store) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    store.finish_hook("reseller-a", "key-1", {"result": "success"})
    store.abandon_hook("reseller-a", "key-1")
    record = store.begin_hook("reseller-a", "key-1", "create", "h1")
    assert record is not None and record.is_done


def test_a_stale_pending_delivery_is_taken_over_by_the_same_request(store: Store, clock: FakeClock) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    clock.advance(minutes=11)
    assert store.begin_hook("reseller-a", "key-1", "create", "h2") is not None  # another body: no
    assert store.begin_hook("reseller-a", "key-1", "create", "h1") is None
    assert store.begin_hook("reseller-a", "key-1", "create", "h1") is not None  # re-stamped: fresh again


def test_a_stale_delivery_is_kept_when_take_over_is_off(store: Store, clock: FakeClock) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    clock.advance(days=1)
    assert store.begin_hook("reseller-a", "key-1", "create", "h1", stale_after=None) is not None


def test_a_finished_delivery_is_never_taken_over(store: Store, clock: FakeClock) -> None:
    store.begin_hook("reseller-a", "key-1", "create", "h1")
    store.finish_hook("reseller-a", "key-1", {"result": "success"})
    clock.advance(days=1)
    record = store.begin_hook("reseller-a", "key-1", "create", "h1")
    assert record is not None and record.result == {"result": "success"}


# -- account ownership ------------------------------------------------------------------------------------


def test_an_account_belongs_to_the_first_reseller(store: Store) -> None:
    assert store.account_owner("s1", "alice") is None
    assert store.claim_account("s1", "alice", "reseller-a", service_id="42") is True
    assert store.claim_account("s1", "alice", "reseller-a") is True  # a redelivered create
    assert store.claim_account("s1", "alice", "reseller-b") is False
    assert store.account_owner("s1", "alice") == "reseller-a"
    assert store.account_owner("s2", "alice") is None


def test_a_released_account_can_be_claimed_again(store: Store) -> None:
    store.claim_account("s1", "alice", "reseller-a")
    store.release_account("s1", "alice")
    store.release_account("s1", "alice")  # a no-op the second time
    assert store.account_owner("s1", "alice") is None
    assert store.claim_account("s1", "alice", "reseller-b") is True


# -- FTP name claims and listings -------------------------------------------------------------------------


def test_an_ftp_name_is_held_until_released(store: Store) -> None:
    assert store.claim_name("s1", "alice_web") is True
    assert store.claim_name("s1", "alice_web") is False
    assert store.claim_name("s2", "alice_web") is True
    store.release_name("s1", "alice_web")
    assert store.claim_name("s1", "alice_web") is True


def test_a_stale_ftp_name_claim_is_taken_over(store: Store, clock: FakeClock) -> None:
    store.claim_name("s1", "alice_web")
    clock.advance(minutes=6)
    assert store.claim_name("s1", "alice_web") is True
    assert store.claim_name("s1", "alice_web") is False


def test_listings_are_saved_and_replaced(store: Store) -> None:
    assert store.load_listing("s1", "alice") is None
    store.save_listing("s1", "alice", '{"v": 1}')
    store.save_listing("s1", "alice", '{"v": 2}')
    store.save_listing("s1", "bob", '{"v": 3}')
    assert store.load_listing("s1", "alice") == '{"v": 2}'
    assert store.load_listing("s2", "alice") is None


# -- races: exactly one winner ----------------------------------------------------------------------------


def test_racing_token_consumers_have_one_winner(store: Store) -> None:
    assert race(8, lambda _: store.consume_token("sso-token")).count(True) == 1


def test_racing_account_claims_have_one_winner(store: Store) -> None:
    results = race(8, lambda i: store.claim_account("s1", "alice", f"reseller-{i}"))
    assert results.count(True) == 1
    assert store.account_owner("s1", "alice") == f"reseller-{results.index(True)}"


def test_racing_hook_deliveries_have_one_owner(store: Store) -> None:
    results = race(8, lambda _: store.begin_hook("reseller-a", "key-1", "create", "h1"))
    assert results.count(None) == 1
    assert all(isinstance(r, HookRecord) and r.status == "pending" for r in results if r is not None)


def test_racing_ftp_name_claims_have_one_winner(store: Store) -> None:
    assert race(8, lambda _: store.claim_name("s1", "alice_web")).count(True) == 1


def test_racing_listing_writers_leave_one_of_their_listings(store: Store) -> None:
    race(8, lambda i: store.save_listing("s1", "alice", f'{{"v": {i}}}'))
    assert store.load_listing("s1", "alice") in {f'{{"v": {i}}}' for i in range(8)}
