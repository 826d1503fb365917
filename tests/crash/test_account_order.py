"""Changes to one Hestia account are ordered across workers and machines (DESIGN.md §7, issue 18).

Two IntentLogs on one SQLite file stand for two panel instances. The waiting side's sleep is injected: it is
where the other instance finishes its change, so no test waits on the wall clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from puq_hestia.intents import AccountBusyError, IntentLog
from puq_hestia.store import Store, intents, metadata

PG_URL = os.environ.get("PUQ_TEST_DATABASE_URL", "")
# SQLite always; PostgreSQL too under `make test-postgres` (two machines on one PostgreSQL).
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    engine = sa.create_engine(PG_URL)
    metadata.drop_all(engine)  # each test starts on an empty schema
    engine.dispose()
    return PG_URL


@pytest.fixture
def machines(url: str) -> Iterator[tuple[Store, Store]]:
    with Store(url) as one, Store(url) as two:
        yield one, two


def rows(store: Store) -> list[tuple[str, str, str]]:
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(intents.c.command, intents.c.account, intents.c.state)
                             .order_by(intents.c.id)).all()
    return [(c, a, s) for c, a, s in found]


def test_a_second_change_to_the_same_account_waits_for_the_first(machines: tuple[Store, Store]) -> None:
    one, two = machines
    first = IntentLog(one, "main")
    running = first.before("v-suspend-user", ["bob"])
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # while the second machine waits, the first one's call comes back
        waits.append(seconds)
        first.after(running, "done")

    second = IntentLog(two, "main", sleep=sleep)
    second.after(second.before("v-unsuspend-user", ["bob"]), "done")
    assert waits == [0.05]
    assert rows(one) == [("v-suspend-user", "bob", "done"), ("v-unsuspend-user", "bob", "done")]


def test_a_change_that_cannot_get_its_turn_is_not_sent_and_says_why(machines: tuple[Store, Store]) -> None:
    one, two = machines
    IntentLog(one, "main").before("v-suspend-user", ["bob"])  # still at Hestia
    ticks = iter(range(100))
    second = IntentLog(two, "main", wait=1.0, sleep=lambda _s: None, monotonic=lambda: next(ticks) * 0.25)
    with pytest.raises(AccountBusyError) as raised:
        second.before("v-unsuspend-user", ["bob"])
    assert raised.value.nothing_sent
    assert rows(two)[-1] == ("v-unsuspend-user", "bob", "failed")


def test_changes_to_other_accounts_do_not_wait(machines: tuple[Store, Store]) -> None:
    one, two = machines
    IntentLog(one, "main").before("v-suspend-user", ["bob"])

    def never(_seconds: float) -> None:
        raise AssertionError("a change to another account waited")

    second = IntentLog(two, "main", sleep=never)
    second.after(second.before("v-suspend-user", ["carol"]), "done")
    other_server = IntentLog(two, "backup", sleep=never)
    other_server.after(other_server.before("v-suspend-user", ["bob"]), "done")


def test_a_dead_workers_turn_expires(machines: tuple[Store, Store], url: str) -> None:
    from datetime import UTC, datetime, timedelta

    now = [datetime(2026, 12, 1, tzinfo=UTC)]
    with Store(url, clock=lambda: now[0]) as one, Store(url, clock=lambda: now[0]) as two:
        IntentLog(one, "main").before("v-suspend-user", ["bob"])  # the worker dies here
        now[0] += timedelta(minutes=2, seconds=1)
        second = IntentLog(two, "main", sleep=lambda _s: None)
        second.after(second.before("v-unsuspend-user", ["bob"]), "done")
        assert rows(two)[-1] == ("v-unsuspend-user", "bob", "done")


def test_two_instances_adding_ftp_users_at_once_lose_neither(machines: tuple[Store, Store]) -> None:
    """Instance one reads the listing; instance two adds its user in between; one's write must keep both."""
    from puq_hestia.ftp.models import DomainSummary, Overview
    from puq_hestia.ftp.ownership import OwnershipIndex

    one, two = machines
    base = Overview("alice", False, (DomainSummary("alice.example", "203.0.113.5", False, False, 0),), ())
    OwnershipIndex(one, "main").remember("alice", base)
    second = OwnershipIndex(two, "main")
    load = one.load_listing
    raced: list[bool] = []

    def load_then_race(server_id: str, user: str) -> str | None:
        text = load(server_id, user)
        if not raced:
            raced.append(True)
            second.add_account("alice", "alice.example", "alice_two")  # lands between one's read and write
        return text

    one.load_listing = load_then_race  # type: ignore[method-assign]
    OwnershipIndex(one, "main").add_account("alice", "alice.example", "alice_one")
    stored = OwnershipIndex(two, "main").lookup("alice")
    assert stored is not None
    assert sorted(c.username for c in stored.cards) == ["alice_one", "alice_two"]
