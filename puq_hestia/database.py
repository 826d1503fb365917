"""The store's database: an engine with bounded waits, the outage errors, and the schema migration.

A frozen or stopped database must not hold a request for long, nor turn into a 500 (DESIGN.md §7): every wait
is bounded (:class:`StoreOptions`) and every outage surfaces as one of :data:`STORE_OUTAGES`, which the panel
and the hooks answer with 503. :func:`migrate` creates missing tables and adds the columns later releases
added, so ``puq-hestia migrate`` (run by ``serve`` before its workers start) upgrades an existing store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import StaticPool

__all__ = ["STORE_OUTAGES", "StoreOptions", "StoreSchemaError", "StoreUnavailableError", "make_engine", "migrate"]


class StoreSchemaError(RuntimeError):
    """The schema cannot be upgraded automatically (a new required column)."""


class StoreUnavailableError(RuntimeError):
    """The database could not be reached, or did not answer within its bounded waits.

    ``nothing_sent`` is True when it was raised before a change was sent to Hestia (the intent could not be
    written), so the caller may truthfully say that nothing was changed.
    """

    def __init__(self, message: str, *, nothing_sent: bool = False) -> None:
        super().__init__(message)
        self.nothing_sent = nothing_sent


#: What a database outage looks like from SQLAlchemy: no connection, a timeout (pool, lock or statement), a
#: read-only or locked file. Callers map these (and StoreUnavailableError) to 503, never to 500.
STORE_OUTAGES: tuple[type[Exception], ...] = (
    StoreUnavailableError, sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError,
)


@dataclass(frozen=True)
class StoreOptions:
    """Bounded waits and pool size (DESIGN.md §7): a frozen database holds a request a few seconds at most.

    Per worker process, at most ``pool_size + max_overflow`` connections are open; with gunicorn's default of
    8 threads per worker, 4 + 4 serves every thread. ``statement_timeout_s`` and ``lock_timeout_s`` are sent
    to PostgreSQL per connection; SQLite waits ``lock_timeout_s`` for a writer's lock (its busy timeout).
    """

    pool_size: int = 4
    max_overflow: int = 4
    pool_timeout_s: float = 3.0
    connect_timeout_s: float = 3.0
    statement_timeout_s: float = 5.0
    lock_timeout_s: float = 5.0


def make_engine(url: str, options: StoreOptions) -> sa.Engine:
    """Create the engine with bounded waits; SQLite gets WAL, a busy timeout and cross-thread connections."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _server_engine(url, options)
    database = parsed.database or ""
    if database in ("", ":memory:"):
        # One shared connection, or each pooled connection would see its own empty database.
        return sa.create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": options.lock_timeout_s},
        pool_size=options.pool_size, max_overflow=options.max_overflow, pool_timeout=options.pool_timeout_s,
    )
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _server_engine(url: str, options: StoreOptions) -> sa.Engine:
    """PostgreSQL (or another server): pool limits, a connect timeout, statement and lock timeouts."""
    connect_args: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql":
        statement_ms, lock_ms = int(options.statement_timeout_s * 1000), int(options.lock_timeout_s * 1000)
        connect_args = {
            "connect_timeout": max(1, round(options.connect_timeout_s)),
            "options": f"-c statement_timeout={statement_ms} -c lock_timeout={lock_ms}",
        }
    return sa.create_engine(
        url, pool_pre_ping=True, connect_args=connect_args, pool_size=options.pool_size,
        max_overflow=options.max_overflow, pool_timeout=options.pool_timeout_s,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    """Switch to WAL, where readers never block the writer (writers queue up through the busy timeout)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL keeps this crash-safe, with far fewer fsyncs
    finally:
        cursor.close()


def migrate(engine: sa.Engine, metadata: sa.MetaData) -> list[str]:
    """Create missing tables, then add every column an older store lacks; races with other workers are absorbed.

    Workers started together on a fresh store (gunicorn by hand) all migrate at once. A pass that fails while
    the schema grew under it lost a race with another process and is tried again (each such failure leaves at
    least one table or column fewer to do, so this ends); a failure without progress is a real error.
    """
    while True:
        before = _schema_of(engine)
        try:
            return _migrate_once(engine, metadata)
        except (OperationalError, ProgrammingError, IntegrityError):
            if _schema_of(engine) == before:
                raise


def _schema_of(engine: sa.Engine) -> frozenset[tuple[str, str]]:
    """Every (table, column) the database has now."""
    inspector = sa.inspect(engine)
    return frozenset((table, column["name"]) for table in inspector.get_table_names()
                     for column in inspector.get_columns(table))


def _migrate_once(engine: sa.Engine, metadata: sa.MetaData) -> list[str]:
    """One pass of migrate()."""
    done: list[str] = []
    inspector = sa.inspect(engine)
    existing = set(inspector.get_table_names())
    done += [f"created table {name}" for name in metadata.tables if name not in existing]
    metadata.create_all(engine)
    for name in sorted(existing & set(metadata.tables)):
        have = {column["name"] for column in inspector.get_columns(name)}
        for column in metadata.tables[name].columns:
            if column.name not in have:
                _add_column(engine, name, column)
                done.append(f"added column {name}.{column.name}")
    return done


def _add_column(engine: sa.Engine, table: str, column: sa.Column[Any]) -> None:
    """ALTER TABLE ... ADD COLUMN for a column added in a later release (new columns are nullable)."""
    if column.primary_key or not column.nullable:
        raise StoreSchemaError(f"cannot add the required column {table}.{column.name} to an existing store; "
                         "new columns must be nullable")
    kind = column.type.compile(dialect=engine.dialect)
    preparer = engine.dialect.identifier_preparer
    statement = f"ALTER TABLE {preparer.quote(table)} ADD COLUMN {preparer.quote(column.name)} {kind}"
    with engine.begin() as conn:
        conn.execute(sa.text(statement))
