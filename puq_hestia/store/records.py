"""What the store hands back: frozen records of its rows, and its one error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from puq_hestia.store.tables import HOOK_DONE

__all__ = ["AuditEvent", "CreateIntent", "FormRecord", "HookRecord", "SessionRecord", "StoreError", "as_utc",
           "utcnow"]


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


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A panel session as the store keeps it (no cookie value, only its hash)."""

    server_id: str
    user: str
    stage: str
    failures: int
    created_at: datetime


@dataclass(frozen=True)
class FormRecord:
    """What a one-time form token already did; status is "pending" (running or cut off) or "done"."""

    actor: str
    action: str
    domain: str
    ftp_user: str
    status: str


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Attach UTC to a naive time read back from SQLite, which stores no offset."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

