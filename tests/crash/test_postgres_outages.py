"""PostgreSQL frozen, slow and restarted: bounded waits and recovery (`make test-postgres`, issue 18).

Collected only when PUQ_TEST_DATABASE_URL names a PostgreSQL database (tests/crash/conftest.py); the restart
test uses PUQ_TEST_PG_CTL, the pg_ctl command line of that cluster (the Makefile sets both). A frozen table is a second
session holding an ACCESS EXCLUSIVE lock until the bridge has answered: a bridge that waited for it instead of
its lock timeout would deadlock the test, so passing proves the wait is bounded without timing anything.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from puq_hestia.intents import IntentLog
from puq_hestia.store import Store, StoreOptions, StoreUnavailableError, intents, metadata

PG_URL = os.environ["PUQ_TEST_DATABASE_URL"]
PG_CTL = os.environ["PUQ_TEST_PG_CTL"]

QUICK = StoreOptions(pool_timeout_s=1, connect_timeout_s=1, statement_timeout_s=0.3, lock_timeout_s=0.2)


@pytest.fixture
def store() -> Iterator[Store]:
    engine = sa.create_engine(PG_URL)
    metadata.drop_all(engine)
    engine.dispose()
    with Store(PG_URL, options=QUICK) as s:
        yield s


def test_a_frozen_table_fails_the_intent_within_the_lock_timeout_and_nothing_is_sent(store: Store) -> None:
    holder = sa.create_engine(PG_URL)
    with holder.connect() as frozen:
        frozen.execute(sa.text("LOCK TABLE intents IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(StoreUnavailableError) as raised:
            IntentLog(store, "main").before("v-suspend-user", ["bob"])
        frozen.rollback()
    holder.dispose()
    assert raised.value.nothing_sent


def test_a_slow_statement_is_cancelled_at_the_statement_timeout(store: Store) -> None:
    with pytest.raises(sa.exc.OperationalError), store.engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_sleep(30)"))


def test_the_pool_is_bounded_as_configured(store: Store) -> None:
    assert store.engine.pool.size() == QUICK.pool_size  # type: ignore[attr-defined]


def test_a_stopped_then_restarted_postgresql_is_503_then_served_again(store: Store) -> None:
    pg_ctl = shlex.split(PG_CTL)
    store.ping()
    subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], check=True, capture_output=True)
    try:
        with pytest.raises(StoreUnavailableError):
            store.ping()
        with pytest.raises(StoreUnavailableError) as raised:
            IntentLog(store, "main").before("v-suspend-user", ["bob"])
        assert raised.value.nothing_sent
    finally:
        subprocess.run([*pg_ctl, "-w", "start"], check=True, capture_output=True)
    store.ping()  # pool_pre_ping drops the dead connections
    log = IntentLog(store, "main")
    log.after(log.before("v-suspend-user", ["bob"]), "done")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(intents.c.state)).scalars().all() == ["done"]
