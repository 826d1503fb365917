"""The store's core: its engine with bounded waits, its clock, the write helpers, audit events and tokens.

Hestia stays the source of truth (DESIGN.md §6); the store only holds what Hestia cannot. Every "first one wins"
operation is an INSERT guarded by a primary key, so racing workers, threads or machines get exactly one winner
on SQLite and PostgreSQL alike, without locks in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import ColumnElement, Executable

from puq_hestia.database import STORE_OUTAGES, StoreOptions, StoreUnavailableError, make_engine, migrate
from puq_hestia.store.records import AuditEvent, as_utc, utcnow
from puq_hestia.store.tables import DETAIL_MAX, audit_events, metadata, used_tokens

__all__ = ["StoreCore", "match"]


class StoreCore:
    """The engine, the clock and the small write helpers every part of the store builds on."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] = utcnow, options: StoreOptions | None = None,
                 migrate: bool = True) -> None:
        """Connect to ``url`` (any SQLAlchemy URL); with ``migrate``, create or upgrade the schema first."""
        self._clock = clock
        self.options = options or StoreOptions()
        self.engine = make_engine(url, self.options)
        if migrate:
            self.migrate()

    @classmethod
    def from_url(cls, url: str) -> Self:
        """Build a store from a SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
        return cls(url)

    def migrate(self) -> list[str]:
        """Create missing tables and add missing columns to old ones; return what was done (idempotent).

        ``puq-hestia serve`` runs this once before the workers start, so they never race to create tables.
        """
        return migrate(self.engine, metadata)

    def ping(self) -> None:
        """One trivial query within the bounded waits; raises StoreUnavailableError when the store is down."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except STORE_OUTAGES as error:
            raise StoreUnavailableError(f"the store does not answer ({type(error).__name__})") from error

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- audit events ------------------------------------------------------------------------------------

    def record_event(
        self,
        server_id: str,
        actor: str,
        action: str,
        *,
        domain: str | None = None,
        ftp_user: str | None = None,
        outcome: str,
        detail: str = "",
    ) -> None:
        """Append one audit event; ``detail`` is cut to 500 characters and must never hold a secret."""
        row = {"time": self._now(), "server_id": server_id, "actor": actor, "action": action}
        row |= {"domain": domain, "ftp_user": ftp_user, "outcome": outcome, "detail": detail[:DETAIL_MAX]}
        self._write(sa.insert(audit_events).values(**row))

    def recent_events(self, server_id: str, actor: str, limit: int = 20) -> list[AuditEvent]:
        """Return the newest events of one actor on one server, newest first."""
        return self._events(match(audit_events, server_id=server_id, actor=actor), limit)

    def events(self, server_id: str | None = None, limit: int = 100) -> list[AuditEvent]:
        """Return the newest events, of every server or of one, newest first (operators and tests)."""
        where = sa.true() if server_id is None else match(audit_events, server_id=server_id)
        return self._events(where, limit)

    def _events(self, where: ColumnElement[bool], limit: int) -> list[AuditEvent]:
        """Run an audit query, newest first, and turn its rows into frozen dataclasses."""
        query = sa.select(audit_events).where(where).order_by(audit_events.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [AuditEvent(**{**row, "time": as_utc(row["time"])}) for row in rows]

    # -- one-time tokens ---------------------------------------------------------------------------------

    def consume_token(self, token_id: str) -> bool:
        """Mark a one-time token as used: True the first time, False for every later or racing attempt."""
        return self._insert_once(used_tokens, token_id=token_id, used_at=self._now())

    def purge_tokens(self, older_than: timedelta) -> int:
        """Forget tokens used more than ``older_than`` ago (they have expired anyway); return how many."""
        return self._write(sa.delete(used_tokens).where(used_tokens.c.used_at < self._now() - older_than))

    # -- helpers -----------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The store's clock (injected in tests), in UTC."""
        return self._now()

    @staticmethod
    def as_utc(value: datetime) -> datetime:
        """A time read back from the database, in UTC (SQLite returns it naive)."""
        return as_utc(value)

    def _now(self) -> datetime:
        """Return the injected clock's time in UTC (SQLite compares stored times as text, so one zone)."""
        return as_utc(self._clock())

    def _write(self, statement: Executable) -> int:
        """Run one statement in its own transaction and return how many rows it touched."""
        with self.engine.begin() as conn:
            return int(conn.execute(statement).rowcount)

    def _insert_once(self, table: sa.Table, **row: Any) -> bool:
        """Insert a row in its own transaction: True if it went in, False if its primary key was taken."""
        try:
            self._write(sa.insert(table).values(**row))
        except IntegrityError:
            return False
        return True

    def _take_over(self, table: sa.Table, stamp: str, where: ColumnElement[bool], after: timedelta) -> bool:
        """Atomically re-stamp the row if its ``stamp`` is older than ``after``; True for the one winner."""
        now = self._now()
        statement = sa.update(table).where(where, table.c[stamp] < now - after).values({stamp: now})
        return self._write(statement) == 1

    def _scalar(self, column: sa.Column[str], where: ColumnElement[bool]) -> str | None:
        """Return one column of the row matching ``where``, or None."""
        with self.engine.connect() as conn:
            value: str | None = conn.execute(sa.select(column).where(where)).scalar_one_or_none()
        return value


def match(table: sa.Table, **values: str) -> ColumnElement[bool]:
    """Build ``column = value AND ...`` for the given columns of ``table``."""
    return sa.and_(*(table.c[name] == value for name, value in values.items()))

