"""SessionBook (puq_hestia/auth/sessions.py) on a real store, with both clocks injected: no waiting."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from puq_hestia.auth.sessions import SessionBook, session_label
from puq_hestia.store import Store

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """One moment shared by the store (which stamps records) and the book (which checks their age)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> Store:
    return Store("sqlite://", clock=clock)


@pytest.fixture
def book(store: Store, clock: Clock) -> SessionBook:
    return SessionBook(store, absolute=timedelta(hours=12), clock=clock)


def test_an_open_session_is_current_for_its_account_only(book: SessionBook) -> None:
    sid = book.open("main", "alice")
    assert book.is_current(sid, "main", "alice")
    assert not book.is_current(sid, "main", "bob")
    assert not book.is_current(sid, "other", "alice")
    assert not book.is_current("not-a-session", "main", "alice")


def test_the_store_keeps_only_a_hash_of_the_id(book: SessionBook, store: Store) -> None:
    sid = book.open("main", "alice")
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM panel_sessions")).all()
    assert sid not in str(rows)
    assert hashlib.sha256(sid.encode()).hexdigest() in str(rows)
    assert session_label(sid) not in str(rows) and sid not in session_label(sid)


def test_end_and_end_all(book: SessionBook) -> None:
    one, two, bob = book.open("main", "alice"), book.open("main", "alice"), book.open("main", "bob")
    book.end(one)
    assert not book.is_current(one, "main", "alice") and book.is_current(two, "main", "alice")
    assert book.end_all("main", "alice") == 1
    assert not book.is_current(two, "main", "alice") and book.is_current(bob, "main", "bob")


def test_the_absolute_lifetime(book: SessionBook, clock: Clock) -> None:
    sid = book.open("main", "alice")
    clock.now = START + timedelta(hours=12)
    assert book.is_current(sid, "main", "alice")
    clock.now = START + timedelta(hours=12, seconds=1)
    assert not book.is_current(sid, "main", "alice")
    assert book.purge() == 1


def test_a_pending_login_is_not_a_session(book: SessionBook) -> None:
    pending = book.open_pending("main", "tessa")
    assert not book.is_current(pending, "main", "tessa")
    found = book.pending(pending)
    assert found is not None and (found.server_id, found.user, found.failures) == ("main", "tessa", 0)
    assert book.pending(book.open("main", "tessa")) is None  # a session is not a pending login


def test_a_pending_login_is_promoted_once(book: SessionBook) -> None:
    pending = book.open_pending("main", "tessa")
    sid = book.promote(pending)
    assert sid is not None and sid != pending and book.is_current(sid, "main", "tessa")
    assert book.promote(pending) is None
    assert book.pending(pending) is None


def test_three_wrong_codes_end_a_pending_login(book: SessionBook) -> None:
    pending = book.open_pending("main", "tessa")
    assert book.code_failed(pending) and book.code_failed(pending)
    assert not book.code_failed(pending)
    assert book.pending(pending) is None and book.promote(pending) is None


def test_a_pending_login_lives_five_minutes(book: SessionBook, clock: Clock) -> None:
    pending = book.open_pending("main", "tessa")
    clock.now = START + timedelta(minutes=5)
    assert book.pending(pending) is not None
    clock.now = START + timedelta(minutes=5, seconds=1)
    assert book.pending(pending) is None and book.promote(pending) is None
