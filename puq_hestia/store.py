"""The bridge's own small state on SQLAlchemy Core: audit events, one-time tokens, hook records, owners.

Hestia stays the source of truth (DESIGN.md §6); this store only holds what Hestia cannot: who did what,
which single-sign-on tokens are spent, which hook deliveries were already handled (Hestia has no idempotency
keys, SECURITY.md item 17) and which reseller created which account (item 6). Every "first one wins" operation
is an INSERT guarded by a primary key, so racing workers, threads or machines get exactly one winner on SQLite
and PostgreSQL alike, without locks in Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import ColumnElement, Executable

from puq_hestia.database import STORE_OUTAGES, StoreOptions, StoreUnavailableError, make_engine, migrate

__all__ = [
    "DEFAULT_URL", "STORE_OUTAGES", "AuditEvent", "CreateIntent", "FormRecord", "HookRecord", "SessionRecord", "Store",
    "StoreError", "StoreOptions", "StoreUnavailableError", "metadata",
]

DEFAULT_URL = "sqlite:///instance/puq-hestia.sqlite3"
DETAIL_MAX = 500
HOOK_PENDING, HOOK_DONE = "pending", "done"

metadata = sa.MetaData()

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(253)),
    sa.Column("ftp_user", sa.String(64)),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("detail", sa.String(DETAIL_MAX), nullable=False),
    sa.Index("ix_audit_events_server_actor", "server_id", "actor", "id"),
)

used_tokens = sa.Table(
    "used_tokens",
    metadata,
    sa.Column("token_id", sa.String(128), primary_key=True),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

hook_requests = sa.Table(
    "hook_requests",
    metadata,
    sa.Column("reseller_id", sa.String(64), primary_key=True),
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("request_hash", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("result_json", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("reseller_id", sa.String(64), nullable=False),
    sa.Column("service_id", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A name held during an FTP create, so two concurrent creates end in one account (SECURITY.md 26).
ftp_name_claims = sa.Table(
    "ftp_name_claims",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("ftp_user", sa.String(64), primary_key=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
)

# Each customer's last listing (JSON made by puq_hestia.ftp.ownership), so ownership checks cost no Hestia call.
listings = sa.Table(
    "listings",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("listing_json", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Panel sessions (puq_hestia.auth.sessions): only a SHA-256 of the cookie's random id is kept (SECURITY.md 31), so
# the store never holds a credential. Stage "active" is a signed-in session; "pending" is a password checked
# while the 2FA code is asked (short-lived, single use, FAILURES counts wrong codes).
panel_sessions = sa.Table(
    "panel_sessions",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("hestia_user", sa.String(64), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_panel_sessions_account", "server_id", "hestia_user"),
)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A panel session as the store keeps it (no cookie value, only its hash)."""

    server_id: str
    user: str
    stage: str
    failures: int
    created_at: datetime


# What the FTP limit needs to know of an account without a Hestia call: its package (seen at sign-in or set by
# billing) and billing's own number of FTP accounts for it (puq_hestia.ftp.limits).
account_limits = sa.Table(
    "account_limits",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("package", sa.String(64)),
    sa.Column("ftp_accounts", sa.Integer),
)

# A change to Hestia, written down before it is sent (DESIGN.md §7; puq_hestia.intents): never a password.
intents = sa.Table(
    "intents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("command", sa.String(64), nullable=False),
    sa.Column("account", sa.String(64), nullable=False),
    sa.Column("args_json", sa.Text, nullable=False),  # the masked arguments: the evidence that recognises it
    sa.Column("origin", sa.String(255)),  # who asked: "hook:<reseller>:<key>", "panel:<user>", "cli"
    sa.Column("state", sa.String(16), nullable=False),  # open, done, failed, unknown, then settled by maintain
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("note", sa.String(DETAIL_MAX)),
    sa.Index("ix_intents_state", "state", "id"),
)

# Named leases with an expiry: one maintenance run at a time across machines (works on SQLite and PostgreSQL).
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

# A billing create whose v-add-user was sent but is not yet proven made (SECURITY.md 27): written before the call,
# so only the same reseller's same Idempotency-Key may later settle it, by evidence. Never holds a password.
create_intents = sa.Table(
    "create_intents",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("reseller_id", sa.String(64), nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A confirmed terminate (SECURITY.md 29): the reseller's redelivered terminate answers "already gone" from here,
# without touching a later account of the same name.
account_tombstones = sa.Table(
    "account_tombstones",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("reseller_id", sa.String(64), primary_key=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
)


# One row per submitted panel form (SECURITY.md 40): the first POST of a token wins; a resubmission (reload, Back,
# double click) finds the row and is answered "already done" without a Hestia call. Never holds a password.
form_tokens = sa.Table(
    "form_tokens", metadata,
    sa.Column("token", sa.String(128), primary_key=True),
    *(sa.Column(name, sa.String(253), nullable=False) for name in ("actor", "action", "domain", "ftp_user")),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=False, index=True),
)


@dataclass(frozen=True)
class FormRecord:
    """What a one-time form token already did; status is "pending" (running or cut off) or "done"."""

    actor: str
    action: str
    domain: str
    ftp_user: str
    status: str


# -- mail and FTP invitations / access that ends (issue 17; puq_hestia.mail, puq_hestia.ftp.invitations, .expiry) --
# One outgoing message; its context holds no secret (an invitation's link is made only at sending time).
mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("account", sa.String(64), nullable=False),  # the customer it is about (their activity list)
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("context_json", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # queued, sending, sent, failed, dropped
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.String(255)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Index("ix_mail_outbox_state", "state", "id"),
)

# An invitation to choose the password of one FTP user: a nonce, never a token or a link (SECURITY.md 31).
ftp_invitations = sa.Table(
    "ftp_invitations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("hestia_user", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("ftp_user", sa.String(64), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("message", sa.String(DETAIL_MAX)),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # waiting, accepting, accepted, cancelled, revoked, expired
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("accepted_at", sa.DateTime(timezone=True)),
    sa.Column("outbox_id", sa.Integer),
    sa.Index("ix_ftp_invitations_user", "server_id", "hestia_user", "id"),
)

# When an FTP user's access ends, and what then happens to it (locked or deleted) by `puq-hestia maintain`.
ftp_access_ends = sa.Table(
    "ftp_access_ends",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("ftp_user", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(8), nullable=False),  # lock or delete
    sa.Column("state", sa.String(8), nullable=False),  # active or ended
    sa.Column("notice_sent_at", sa.DateTime(timezone=True)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Index("ix_ftp_access_ends_due", "state", "ends_at"),
)


class StoreError(RuntimeError):
    """The store was asked for something inconsistent (for example finishing a hook nobody began)."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One line of the audit trail: who did what to which domain or FTP account, and how it ended."""

    id: int
    time: datetime
    server_id: str
    actor: str
    action: str
    domain: str | None
    ftp_user: str | None
    outcome: str
    detail: str


@dataclass(frozen=True, slots=True)
class HookRecord:
    """An earlier delivery of a hook with the same reseller and Idempotency-Key."""

    reseller_id: str
    idempotency_key: str
    action: str
    request_hash: str
    status: str
    result: dict[str, Any] | None
    created_at: datetime

    @property
    def is_done(self) -> bool:
        """True when the earlier delivery finished and ``result`` is the answer to give again."""
        return self.status == HOOK_DONE

    def same_request(self, request_hash: str) -> bool:
        """Tell whether a redelivery carries the same request; a different one is a key reuse conflict."""
        return self.request_hash == request_hash


@dataclass(frozen=True, slots=True)
class CreateIntent:
    """A create sent to Hestia whose outcome is not yet proven: who sent it, under which Idempotency-Key."""

    reseller_id: str
    idempotency_key: str


def _utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    """Attach UTC to a naive time read back from SQLite, which stores no offset."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Store:
    """The bridge's database: one engine per Store, safe to share between threads and gunicorn workers."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] = _utcnow, options: StoreOptions | None = None,
                 migrate: bool = True) -> None:
        """Connect to ``url`` (any SQLAlchemy URL); with ``migrate``, create or upgrade the schema first."""
        self._clock = clock
        self.options = options or StoreOptions()
        self.engine = make_engine(url, self.options)
        if migrate:
            self.migrate()

    @classmethod
    def from_url(cls, url: str) -> Store:
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

    def __enter__(self) -> Store:
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
        return self._events(_match(audit_events, server_id=server_id, actor=actor), limit)

    def events(self, server_id: str | None = None, limit: int = 100) -> list[AuditEvent]:
        """Return the newest events, of every server or of one, newest first (operators and tests)."""
        where = sa.true() if server_id is None else _match(audit_events, server_id=server_id)
        return self._events(where, limit)

    def _events(self, where: ColumnElement[bool], limit: int) -> list[AuditEvent]:
        """Run an audit query, newest first, and turn its rows into frozen dataclasses."""
        query = sa.select(audit_events).where(where).order_by(audit_events.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [AuditEvent(**{**row, "time": _as_utc(row["time"])}) for row in rows]

    # -- one-time tokens ---------------------------------------------------------------------------------

    def consume_token(self, token_id: str) -> bool:
        """Mark a one-time token as used: True the first time, False for every later or racing attempt."""
        return self._insert_once(used_tokens, token_id=token_id, used_at=self._now())

    def purge_tokens(self, older_than: timedelta) -> int:
        """Forget tokens used more than ``older_than`` ago (they have expired anyway); return how many."""
        return self._write(sa.delete(used_tokens).where(used_tokens.c.used_at < self._now() - older_than))

    # -- one-time form tokens (SECURITY.md 40) ------------------------------------------------------------

    def claim_form(self, token: str, actor: str, action: str, domain: str, ftp_user: str = "") -> FormRecord | None:
        """Claim a form token for one change: None for the one winner, else what the token already did."""
        row = dict(actor=actor, action=action, domain=domain, ftp_user=ftp_user, status=HOOK_PENDING)
        if self._insert_once(form_tokens, token=token, used_at=self._now(), **row):
            return None
        return self.form_record(token) or FormRecord(**row)  # released meanwhile: it was pending

    def form_record(self, token: str) -> FormRecord | None:
        """What a form token did, or None when it was never claimed (or was released)."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(form_tokens).where(form_tokens.c.token == token)).mappings().first()
        return None if found is None else FormRecord(**{f: found[f] for f in FormRecord.__dataclass_fields__})

    def finish_form(self, token: str, ftp_user: str) -> None:
        """Mark a claimed form token done, with the FTP user it changed (never the password)."""
        self._write(sa.update(form_tokens).where(form_tokens.c.token == token).values(status=HOOK_DONE,
                                                                                     ftp_user=ftp_user))

    def release_form(self, token: str, *, older_than: timedelta | None = None) -> int:
        """Forget a claim refused before any change (or, with OLDER_THAN, every older claim); return how many."""
        where = (form_tokens.c.token == token if older_than is None
                 else form_tokens.c.used_at < self._now() - older_than)
        return self._write(sa.delete(form_tokens).where(where))

    # -- hook idempotency --------------------------------------------------------------------------------

    def begin_hook(
        self,
        reseller_id: str,
        key: str,
        action: str,
        request_hash: str,
        *,
        stale_after: timedelta | None = timedelta(minutes=10),
    ) -> HookRecord | None:
        """Claim a hook delivery: None means "yours, go ahead"; a record means an earlier delivery exists.

        A pending record older than ``stale_after`` (its worker died mid-way) is taken over by a redelivery
        of the same request, so a crash does not block the key for ever.
        """
        ids = {"reseller_id": reseller_id, "idempotency_key": key}
        row = {**ids, "action": action, "request_hash": request_hash, "status": HOOK_PENDING}
        # Three rounds cover a record abandoned between our INSERT and our read, which then frees the key.
        for _ in range(3):
            if self._insert_once(hook_requests, **row, created_at=self._now()):
                return None
            mine = _match(hook_requests, **ids, status=HOOK_PENDING, request_hash=request_hash)
            if stale_after is not None and self._take_over(hook_requests, "created_at", mine, stale_after):
                return None
            record = self._hook(ids)
            if record is not None:
                return record
        raise StoreError("the hook record kept changing while it was being read; retry the delivery")

    def _hook(self, ids: Mapping[str, str]) -> HookRecord | None:
        """Read the stored record of a hook delivery, or None when there is none."""
        query = sa.select(hook_requests).where(_match(hook_requests, **ids))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        result_json, created_at = row["result_json"], _as_utc(row["created_at"])
        result = None if result_json is None else json.loads(result_json)
        fields = {name: row[name] for name in ("reseller_id", "idempotency_key", "action", "request_hash")}
        return HookRecord(**fields, status=row["status"], result=result, created_at=created_at)

    def finish_hook(self, reseller_id: str, key: str, result: Mapping[str, Any]) -> None:
        """Store the final answer of a delivery begun with ``begin_hook`` (never put a password in it)."""
        statement = (
            sa.update(hook_requests)
            .where(_match(hook_requests, reseller_id=reseller_id, idempotency_key=key))
            .values(status=HOOK_DONE, result_json=json.dumps(dict(result), sort_keys=True))
        )
        if self._write(statement) != 1:
            raise StoreError("no hook delivery was begun with this reseller and Idempotency-Key")

    def hook_record(self, reseller_id: str, key: str) -> HookRecord | None:
        """The stored record of one delivery, or None."""
        return self._hook({"reseller_id": reseller_id, "idempotency_key": key})

    def settle_hook(self, reseller_id: str, key: str, result: Mapping[str, Any], *,
                    older_than: timedelta = timedelta(0)) -> bool:
        """The maintenance run's answer for a delivery its worker never answered: only while still pending.

        A redelivery that took the record over re-stamped it (begin_hook), so a record younger than
        ``older_than`` is left to that redelivery: True only when this answer was stored.
        """
        where = sa.and_(_match(hook_requests, reseller_id=reseller_id, idempotency_key=key, status=HOOK_PENDING),
                        hook_requests.c.created_at < self._now() - older_than)
        done = sa.update(hook_requests).where(where).values(status=HOOK_DONE,
                                                             result_json=json.dumps(dict(result), sort_keys=True))
        return self._write(done) == 1

    def abandon_hook(self, reseller_id: str, key: str) -> None:
        """Forget a pending delivery that failed before changing anything, so a redelivery may try again."""
        where = _match(hook_requests, reseller_id=reseller_id, idempotency_key=key, status=HOOK_PENDING)
        self._write(sa.delete(hook_requests).where(where))

    # -- account ownership -------------------------------------------------------------------------------

    def claim_account(
        self, server_id: str, user: str, reseller_id: str, service_id: str | None = None
    ) -> bool:
        """Record that ``reseller_id`` owns a Hestia user: True if it now does, False if another one does."""
        row = {"server_id": server_id, "hestia_user": user, "reseller_id": reseller_id}
        # Claiming again for the same reseller is fine (a redelivered "create"); the first claim stays.
        inserted = self._insert_once(accounts, **row, service_id=service_id, created_at=self._now())
        if inserted:  # a new account of the name: this reseller's old terminate no longer speaks for it
            self._write(sa.delete(account_tombstones).where(_match(account_tombstones, **row)))
        return inserted or self.account_owner(server_id, user) == reseller_id

    def account_owner(self, server_id: str, user: str) -> str | None:
        """Return the reseller that owns a Hestia user, or None when no reseller claimed it."""
        return self._scalar(accounts.c.reseller_id, _match(accounts, server_id=server_id, hestia_user=user))

    def accounts_of(self, server_id: str, reseller_id: str) -> set[str]:
        """Every Hestia user a reseller owns on a server, in one query (usage_update)."""
        query = sa.select(accounts.c.hestia_user).where(_match(accounts, server_id=server_id, reseller_id=reseller_id))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def set_account_limits(self, server_id: str, user: str, **values: str | int | None) -> None:
        """Record ``package`` and/or ``ftp_accounts`` (None clears billing's number) of an account."""
        ids = {"server_id": server_id, "hestia_user": user}
        update = sa.update(account_limits).where(_match(account_limits, **ids)).values(**values)
        if not self._write(update) and not self._insert_once(account_limits, **ids, **values):
            self._write(update)  # another worker inserted it in between

    def account_limits(self, server_id: str, user: str) -> tuple[str | None, int | None]:
        """The recorded (package, ftp_accounts) of an account; (None, None) when nothing is known."""
        query = sa.select(account_limits.c.package, account_limits.c.ftp_accounts).where(
            _match(account_limits, server_id=server_id, hestia_user=user))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return (None, None) if row is None else (row[0], row[1])

    def release_account(self, server_id: str, user: str) -> None:
        """Forget who owns a Hestia user (after it was terminated); a no-op when nobody did."""
        self._write(sa.delete(accounts).where(_match(accounts, server_id=server_id, hestia_user=user)))

    # -- account lifecycle: create intents, tombstones, forgetting a name (SECURITY.md 27, 29) ---------------

    def begin_create(
        self, server_id: str, user: str, reseller_id: str, key: str, *, stale_after: timedelta = timedelta(minutes=10)
    ) -> bool:
        """Write the intent before v-add-user of a name Hestia has just said is absent; False while another runs.

        An earlier intent of the same reseller, or one older than any request, is moot (the name is absent).
        """
        ids = {"server_id": server_id, "hestia_user": user}
        values = {"reseller_id": reseller_id, "idempotency_key": key, "created_at": self._now()}
        if self._insert_once(create_intents, **ids, **values):
            return True
        moot = sa.or_(create_intents.c.reseller_id == reseller_id,
                      create_intents.c.created_at < self._now() - stale_after)
        return self._write(sa.update(create_intents).where(_match(create_intents, **ids), moot).values(values)) == 1

    def create_intent(self, server_id: str, user: str) -> CreateIntent | None:
        """The unproven create of a name, or None."""
        query = sa.select(create_intents.c.reseller_id, create_intents.c.idempotency_key).where(
            _match(create_intents, server_id=server_id, hestia_user=user))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else CreateIntent(row[0], row[1])

    def end_create(self, server_id: str, user: str, reseller_id: str) -> None:
        """Forget a reseller's create intent (it was proven made, or proven not made)."""
        where = _match(create_intents, server_id=server_id, hestia_user=user, reseller_id=reseller_id)
        self._write(sa.delete(create_intents).where(where))

    def bury_account(self, server_id: str, user: str, reseller_id: str) -> None:
        """After a confirmed terminate: a tombstone for the reseller, no owner, and the name forgotten."""
        ids = {"server_id": server_id, "hestia_user": user, "reseller_id": reseller_id}
        stamp = sa.update(account_tombstones).where(_match(account_tombstones, **ids)).values(ended_at=self._now())
        if not self._write(stamp):
            self._insert_once(account_tombstones, **ids, ended_at=self._now())
        self.release_account(server_id, user)
        self.forget_account(server_id, user)

    def buried_by(self, server_id: str, user: str, reseller_id: str) -> bool:
        """True when this reseller terminated the name and no account of the name was claimed since."""
        where = _match(account_tombstones, server_id=server_id, hestia_user=user, reseller_id=reseller_id)
        return self._scalar(account_tombstones.c.reseller_id, where) is not None

    def forget_account(self, server_id: str, user: str) -> None:
        """A later account of this name starts clean: no stored listing, and the activity list is archived.

        The audit events stay for operators under ``user#ended-<time>`` (a name Hestia cannot create), so the
        panel's activity list of a new account of the name is empty. Sign-in sessions are ended here too.
        """
        ids = {"server_id": server_id, "hestia_user": user}
        archived = f"{user}#ended-{self._now():%Y%m%dT%H%M%S.%f}"
        self._write(sa.update(audit_events).where(_match(audit_events, server_id=server_id, actor=user))
                    .values(actor=archived))
        self._write(sa.delete(listings).where(_match(listings, **ids)))

    # -- FTP name claims and listings (puq_hestia.ftp, puq_hestia.ftp.ownership) ------------------------------

    def claim_name(
        self, server_id: str, ftp_user: str, *, stale_after: timedelta = timedelta(minutes=5)
    ) -> bool:
        """Hold an FTP name while it is being created: True for exactly one of several racing callers.

        A claim older than ``stale_after`` (its worker died before ``release_name``) is taken over.
        """
        ids = {"server_id": server_id, "ftp_user": ftp_user}
        if self._insert_once(ftp_name_claims, **ids, claimed_at=self._now()):
            return True
        return self._take_over(ftp_name_claims, "claimed_at", _match(ftp_name_claims, **ids), stale_after)

    def release_name(self, server_id: str, ftp_user: str) -> None:
        """Let go of an FTP name claimed with ``claim_name``."""
        where = _match(ftp_name_claims, server_id=server_id, ftp_user=ftp_user)
        self._write(sa.delete(ftp_name_claims).where(where))

    def save_listing(self, server_id: str, user: str, listing_json: str) -> None:
        """Keep the latest listing of a customer, replacing the previous one (the newest write wins)."""
        ids = {"server_id": server_id, "hestia_user": user}
        values = {"listing_json": listing_json, "updated_at": self._now()}
        overwrite = sa.update(listings).where(_match(listings, **ids)).values(**values)
        # UPDATE, else INSERT, else (another worker inserted it in between) UPDATE: portable, no locks.
        if self._write(overwrite) or self._insert_once(listings, **ids, **values):
            return
        self._write(overwrite)

    def replace_listing(self, server_id: str, user: str, expected: str, listing_json: str) -> bool:
        """Compare-and-set: replace the listing only if it still is ``expected``; False when another won."""
        where = _match(listings, server_id=server_id, hestia_user=user, listing_json=expected)
        values = {"listing_json": listing_json, "updated_at": self._now()}
        return self._write(sa.update(listings).where(where).values(**values)) == 1

    def load_listing(self, server_id: str, user: str) -> str | None:
        """Return the latest listing saved for a customer, or None."""
        return self._scalar(listings.c.listing_json, _match(listings, server_id=server_id, hestia_user=user))

    # -- panel sessions (puq_hestia.auth.sessions) ----------------------------------------------------------

    def add_session(self, key_hash: str, server_id: str, user: str, stage: str) -> None:
        """Record a new session under the hash of its cookie id."""
        row = {"key_hash": key_hash, "server_id": server_id, "hestia_user": user, "stage": stage}
        self._write(sa.insert(panel_sessions).values(**row, failures=0, created_at=self._now()))

    def get_session(self, key_hash: str) -> SessionRecord | None:
        """The session recorded under this hash, or None when it was never made or has ended."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(panel_sessions).where(panel_sessions.c.key_hash == key_hash)).first()
        if row is None:
            return None
        return SessionRecord(row.server_id, row.hestia_user, row.stage, row.failures, _as_utc(row.created_at))

    def drop_session(self, key_hash: str) -> bool:
        """End one session: True for the one caller that ended it (a pending record is spent exactly once)."""
        return self._write(sa.delete(panel_sessions).where(panel_sessions.c.key_hash == key_hash)) == 1

    def count_session_failure(self, key_hash: str) -> None:
        """Add one wrong 2FA code to a pending session."""
        where = panel_sessions.c.key_hash == key_hash
        self._write(sa.update(panel_sessions).where(where).values(failures=panel_sessions.c.failures + 1))

    def end_sessions(self, server_id: str, user: str) -> int:
        """End every session of one account (password changed, suspended, terminated, re-created)."""
        where = _match(panel_sessions, server_id=server_id, hestia_user=user)
        return self._write(sa.delete(panel_sessions).where(where))

    def purge_sessions(self, older_than: timedelta) -> int:
        """Forget sessions begun more than ``older_than`` ago (past the absolute lifetime anyway)."""
        return self._write(sa.delete(panel_sessions).where(panel_sessions.c.created_at < self._now() - older_than))

    # -- helpers -----------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The store's clock (injected in tests), in UTC."""
        return self._now()

    @staticmethod
    def as_utc(value: datetime) -> datetime:
        """A time read back from the database, in UTC (SQLite returns it naive)."""
        return _as_utc(value)

    def _now(self) -> datetime:
        """Return the injected clock's time in UTC (SQLite compares stored times as text, so one zone)."""
        return _as_utc(self._clock())

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


def _match(table: sa.Table, **values: str) -> ColumnElement[bool]:
    """Build ``column = value AND ...`` for the given columns of ``table``."""
    return sa.and_(*(table.c[name] == value for name, value in values.items()))


