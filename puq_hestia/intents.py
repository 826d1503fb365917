"""Intent before call: every change to Hestia is written down before it is sent (DESIGN.md §7).

:class:`IntentLog` is the transport's :class:`~puq_hestia.hestia.transport.Journal` for one server. Before a
mutating command leaves the bridge it writes a row (command, account, masked arguments: the evidence that
recognises the change, never a password, and the origin: which hook delivery or panel session asked); after the
answer it records "done", "failed" or "unknown". If the store cannot take the row, nothing is sent and the caller
gets :class:`StoreUnavailableError` with ``nothing_sent=True``, so "nothing was changed" is then true. A process
that dies between the two writes leaves the row "open"; ``puq-hestia maintain`` settles it against Hestia.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from puq_hestia.store import DETAIL_MAX, STORE_OUTAGES, Store, StoreUnavailableError, intents, leases

__all__ = [
    "CREATE_PLAN",
    "OPEN_STATES",
    "AccountBusyError",
    "Intent",
    "IntentLog",
    "account_lock",
    "changes_sent",
    "close_scope",
    "current_origin",
    "drop_lease",
    "held_lease",
    "intent_origin",
    "open_scope",
    "take_lease",
    "wait_for_lease",
]

#: States the maintenance run still has to settle ("made": a create plan whose account this call proved made).
OPEN_STATES = ("open", "unknown", "made")
#: A whole billing create (v-add-user, then v-add-web-domain), written before its first call: no Hestia command
#: of its own, it lets the maintenance run finish or roll back a create whose worker died between the steps
#: (puq_hestia.unfinished). States: open -> made (v-add-user proven this call's) -> done / failed / rolled back,
#: or "unproven" / "kept" when nothing may be done without evidence.
CREATE_PLAN = "create_account"

@dataclass
class _Scope:
    """One request or delivery: who asked, and how many changes it has sent to Hestia so far.

    ``named``, when set, names the origin at the moment an intent is written (a panel request knows its
    signed-in customer only after the scope was opened), with ``origin`` as its fallback.
    """

    origin: str
    sent: int = 0
    named: Callable[[], str | None] | None = None

    @property
    def name(self) -> str:
        """The origin an intent written now records (at most 255 characters)."""
        late = self.named() if self.named is not None else None
        return (late or self.origin)[:255]


# Who asked for the changes made in this context ("hook:<reseller>:<key>", "panel:<user>", "cli"); set by the
# hooks endpoint and the panel per request, so the maintenance run can tie an open intent to its delivery, and
# an outage can be answered truthfully ("nothing was changed" only when no change was sent).
_SCOPE: ContextVar[_Scope | None] = ContextVar("puq_intent_scope", default=None)


def open_scope(origin: str, named: Callable[[], str | None] | None = None) -> Token[_Scope | None]:
    """Start tagging intents with ``origin`` (or what ``named`` returns then); pass the token to close_scope."""
    return _SCOPE.set(_Scope(origin[:255], named=named))


def close_scope(token: Token[_Scope | None]) -> None:
    """End the scope opened with open_scope."""
    _SCOPE.reset(token)


@contextmanager
def intent_origin(origin: str) -> Iterator[None]:
    """Tag every intent written inside the block with ``origin`` (in the open scope, which keeps its count)."""
    scope = _SCOPE.get()
    if scope is None:
        token = open_scope(origin)
        try:
            yield
        finally:
            close_scope(token)
        return
    previous, scope.origin, named, scope.named = scope.origin, origin[:255], scope.named, None
    try:
        yield
    finally:
        scope.origin, scope.named = previous, named


def current_origin() -> str:
    """Who the intents written now are recorded for ("" outside any scope)."""
    scope = _SCOPE.get()
    return scope.name if scope is not None else ""


def changes_sent() -> bool:
    """True when the current scope has sent (or begun to send) a change to Hestia."""
    scope = _SCOPE.get()
    return scope is not None and scope.sent > 0


@dataclass(frozen=True)
class Intent:
    """One recorded change to Hestia."""

    id: int
    server_id: str
    command: str
    account: str
    args: tuple[str, ...]
    origin: str
    state: str
    created_at: datetime
    note: str


class AccountBusyError(StoreUnavailableError):
    """Another change to the same Hestia account did not finish within the wait: nothing was sent."""


@dataclass(frozen=True)
class _Entry:
    """What ``before`` hands to ``after``: the intent row and the account lock it holds."""

    intent_id: int
    lock: str
    holder: str


class IntentLog:
    """The intent rows of one Hestia server (the Journal the panel and the CLI give their transports).

    Changes to one Hestia account are ordered across workers and machines: ``before`` takes the account's lease
    row (waiting at most ``wait`` seconds, then AccountBusyError: nothing sent) and ``after`` drops it. A worker
    that dies holding it loses it after ``hold`` seconds.
    """

    def __init__(self, store: Store, server_id: str, *, wait: float = 10.0, hold: timedelta = timedelta(minutes=2),
                 sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.server_id = server_id
        self._wait, self._hold, self._sleep, self._monotonic = wait, hold, sleep, monotonic

    def before(self, command: str, masked_args: Sequence[str]) -> _Entry:
        """Write the intent, then take the account's turn; nothing is sent when either fails."""
        account = (masked_args or [""])[0][:64]
        try:
            intent_id = self._write(command, account, masked_args)
        except STORE_OUTAGES as error:
            raise StoreUnavailableError(f"{command} was not sent: the store could not record it first "
                                        f"({type(error).__name__})", nothing_sent=True) from error
        entry = _Entry(intent_id, account_lock(self.server_id, account), f"intent:{intent_id}")
        try:
            self._take_turn(entry.lock, entry.holder)
        except STORE_OUTAGES as error:
            with contextlib.suppress(*STORE_OUTAGES):
                self.finish(intent_id, "failed", "not sent: another change to this account was still running")
            if isinstance(error, AccountBusyError):
                raise
            raise StoreUnavailableError(f"{command} was not sent: the store did not answer "
                                        f"({type(error).__name__})", nothing_sent=True) from error
        return entry

    def _take_turn(self, lock: str, holder: str) -> None:
        """Wait for the account's lease (polling, bounded by ``wait``); AccountBusyError when it stays taken."""
        wait_for_lease(self.store, lock, holder, self._hold, wait=self._wait, sleep=self._sleep,
                       monotonic=self._monotonic)

    def plan(self, account: str, args: Sequence[str]) -> int:
        """Write a create plan (CREATE_PLAN; never a password): not a change sent, so not counted as one."""
        return self._write(CREATE_PLAN, account[:64], args, sent=False)

    def _write(self, command: str, account: str, masked_args: Sequence[str], *, sent: bool = True) -> int:
        """Insert the intent row and count it in the current scope (``sent``: a change is about to leave)."""
        scope = _SCOPE.get()
        row = {"server_id": self.server_id, "command": command, "account": account,
               "args_json": json.dumps(list(masked_args)), "origin": scope.name if scope else "",
               "state": "open", "created_at": self.store.now()}
        with self.store.engine.begin() as conn:
            key = conn.execute(sa.insert(intents).values(**row)).inserted_primary_key
        if scope is not None and sent:
            scope.sent += 1
        return int(key[0]) if key else 0

    def after(self, entry: object, outcome: str) -> None:
        """Record the outcome and give the account's turn back; a lost store leaves the intent open."""
        assert isinstance(entry, _Entry)
        try:
            self.finish(entry.intent_id, outcome)
            drop_lease(self.store, entry.lock, entry.holder)
        except STORE_OUTAGES as error:
            raise StoreUnavailableError(f"the change was sent to the control panel, but its outcome could not "
                                        f"be recorded ({type(error).__name__}); the maintenance run settles "
                                        "it") from error

    def finish(self, intent_id: int, state: str, note: str = "") -> None:
        """Set the state (and a note) of one intent."""
        values = {"state": state, "finished_at": self.store.now(), "note": note[:DETAIL_MAX] or None}
        with self.store.engine.begin() as conn:
            conn.execute(sa.update(intents).where(intents.c.id == intent_id).values(**values))

    def pending(self, older_than: timedelta) -> list[Intent]:
        """Open or unknown intents of this server older than ``older_than`` (younger ones may be in flight)."""
        where = sa.and_(intents.c.server_id == self.server_id, intents.c.state.in_(OPEN_STATES),
                        intents.c.command != CREATE_PLAN, intents.c.created_at < self.store.now() - older_than)
        return self._select(where)

    def plans(self, older_than: timedelta) -> list[Intent]:
        """Create plans still open or made, older than ``older_than`` (younger ones may still be running)."""
        where = sa.and_(intents.c.server_id == self.server_id, intents.c.command == CREATE_PLAN,
                        intents.c.state.in_(OPEN_STATES), intents.c.created_at < self.store.now() - older_than)
        return self._select(where)

    def of_account(self, account: str, after_id: int) -> list[Intent]:
        """The intents of ``account`` written after intent ``after_id`` (what else touched it since)."""
        return self._select(sa.and_(intents.c.server_id == self.server_id, intents.c.account == account,
                                    intents.c.id > after_id))

    def of_origin(self, origin: str) -> list[Intent]:
        """Every intent written for one origin (for example one hook delivery), oldest first."""
        return self._select(sa.and_(intents.c.server_id == self.server_id, intents.c.origin == origin))

    def since(self, commands: Sequence[str], window: timedelta) -> list[Intent]:
        """Intents among ``commands`` written within the last ``window``, oldest first."""
        where = sa.and_(intents.c.server_id == self.server_id, intents.c.command.in_(commands),
                        intents.c.created_at >= self.store.now() - window)
        return self._select(where)

    def latest(self, account: str, commands: Sequence[str]) -> Intent | None:
        """The newest intent of ``account`` among ``commands`` (the state last asked for)."""
        where = sa.and_(intents.c.server_id == self.server_id, intents.c.account == account,
                        intents.c.command.in_(commands))
        found = self._select(where, newest_first=True, limit=1)
        return found[0] if found else None

    def _select(self, where: sa.ColumnElement[bool], *, newest_first: bool = False,
                limit: int | None = None) -> list[Intent]:
        order = intents.c.id.desc() if newest_first else intents.c.id
        query = sa.select(intents).where(where).order_by(order).limit(limit)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [Intent(id=r["id"], server_id=r["server_id"], command=r["command"], account=r["account"],
                       args=tuple(json.loads(r["args_json"])), origin=r["origin"] or "", state=r["state"],
                       created_at=Store.as_utc(r["created_at"]), note=r["note"] or "") for r in rows]


def account_lock(server_id: str, account: str) -> str:
    """The lease name that orders the changes to one Hestia account."""
    return f"account:{server_id}:{account}"


def wait_for_lease(store: Store, name: str, holder: str, hold: timedelta, *, wait: float,
                   sleep: Callable[[float], None] = time.sleep,
                   monotonic: Callable[[], float] = time.monotonic) -> None:
    """Take the named lease, polling for at most ``wait`` seconds; AccountBusyError when it stays taken."""
    deadline = monotonic() + wait
    while not take_lease(store, name, holder, hold):
        if monotonic() >= deadline:
            raise AccountBusyError("another change to this account is still running", nothing_sent=True)
        sleep(0.05)


@contextmanager
def held_lease(store: Store, name: str, *, wait: float, hold: timedelta = timedelta(minutes=2)) -> Iterator[None]:
    """Hold the named lease for the block (another holder makes this wait, at most ``wait`` seconds)."""
    holder = secrets.token_hex(8)
    wait_for_lease(store, name, holder, hold, wait=wait)
    try:
        yield
    finally:
        with contextlib.suppress(*STORE_OUTAGES):
            drop_lease(store, name, holder)


def take_lease(store: Store, name: str, holder: str, length: timedelta) -> bool:
    """Hold the named lease: True for exactly one of several callers (an expired lease is taken over)."""
    now = store.now()
    try:
        with store.engine.begin() as conn:
            conn.execute(sa.insert(leases).values(name=name, holder=holder, expires_at=now + length))
        return True
    except sa.exc.IntegrityError:
        pass
    with store.engine.begin() as conn:
        taken = conn.execute(sa.update(leases).where(leases.c.name == name, leases.c.expires_at < now)
                             .values(holder=holder, expires_at=now + length))
    return bool(taken.rowcount == 1)


def drop_lease(store: Store, name: str, holder: str) -> None:
    """Give a lease back (only its holder can)."""
    with store.engine.begin() as conn:
        conn.execute(sa.delete(leases).where(leases.c.name == name, leases.c.holder == holder))
