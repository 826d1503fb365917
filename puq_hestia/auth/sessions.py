"""Panel sessions that can be ended (SECURITY.md 34, DESIGN.md §3).

The cookie carries a random session id; the store keeps only its SHA-256 with the server, the Hestia user and
a stage, and every request looks the record up. Ending a session deletes the record, so a copied cookie stops
working at once: logout ends one session, a password change, suspend, terminate or re-creation of the account
ends all of them (:meth:`SessionBook.end_all`, also reachable as ``Store.end_sessions`` for billing).

A "pending" record stands for "password verified, 2FA code still asked": it lives a few minutes, is spent once
(the one request that deletes it wins) and ends after three wrong codes. No password is kept anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from puq_hestia.store import SessionRecord, Store

__all__ = ["ACTIVE", "PENDING", "PendingLogin", "SessionBook", "session_label"]

ACTIVE, PENDING = "active", "pending"
PENDING_LIFETIME = timedelta(minutes=5)
MAX_CODE_FAILURES = 3


def _key(session_id: str) -> str:
    """What the store keeps instead of the id: its SHA-256 (the id is 256 random bits, so no salt is needed)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def session_label(session_id: str) -> str:
    """A short public name of a session for Hestia's login history: not the cookie, and not usable as one."""
    return hashlib.sha256(b"hestia-login-history:" + session_id.encode()).hexdigest()[:26]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PendingLogin:
    """A password already verified by Hestia, waiting for the account's 2FA code."""

    server_id: str
    user: str
    failures: int


class SessionBook:
    """Opens, checks and ends panel sessions in the store."""

    def __init__(
        self,
        store: Store,
        *,
        absolute: timedelta,
        pending_lifetime: timedelta = PENDING_LIFETIME,
        max_code_failures: int = MAX_CODE_FAILURES,
        clock: Callable[[], datetime] = _now,
        new_id: Callable[[], str] = lambda: secrets.token_urlsafe(32),
    ) -> None:
        self._store = store
        self._absolute = absolute
        self._pending_lifetime = pending_lifetime
        self._max_failures = max_code_failures
        self._clock = clock
        self._new_id = new_id

    def open(self, server_id: str, user: str) -> str:
        """Start a signed-in session and return its id (for the cookie only; never log it)."""
        return self._open(server_id, user, ACTIVE)

    def is_current(self, session_id: str, server_id: str, user: str) -> bool:
        """True when the session still exists, belongs to this account and is within its absolute lifetime."""
        record = self._record(session_id, ACTIVE, self._absolute)
        return record is not None and (record.server_id, record.user) == (server_id, user)

    def end(self, session_id: str) -> None:
        """End one session (logout, or a pending login that is over)."""
        self._store.drop_session(_key(session_id))

    def end_all(self, server_id: str, user: str) -> int:
        """End every session of one account; returns how many there were."""
        return self._store.end_sessions(server_id, user)

    def open_pending(self, server_id: str, user: str) -> str:
        """Remember that USER's password was right while the 2FA code is asked; returns the pending id."""
        return self._open(server_id, user, PENDING)

    def pending(self, session_id: str) -> PendingLogin | None:
        """The pending login behind this id, or None (unknown, spent, expired or out of tries)."""
        record = self._record(session_id, PENDING, self._pending_lifetime)
        if record is None or record.failures >= self._max_failures:
            return None
        return PendingLogin(record.server_id, record.user, record.failures)

    def code_failed(self, session_id: str) -> bool:
        """Count a wrong code; True while tries are left, False once the pending login has ended."""
        self._store.count_session_failure(_key(session_id))
        if self.pending(session_id) is not None:
            return True
        self.end(session_id)
        return False

    def promote(self, session_id: str) -> str | None:
        """Spend a pending login for a signed-in session: the new session id, or None if it was already spent."""
        found = self.pending(session_id)
        if found is None or not self._store.drop_session(_key(session_id)):
            return None
        return self.open(found.server_id, found.user)

    def purge(self) -> int:
        """Forget records past the absolute lifetime (housekeeping; they are refused anyway)."""
        return self._store.purge_sessions(self._absolute)

    def _open(self, server_id: str, user: str, stage: str) -> str:
        session_id = self._new_id()
        self._store.add_session(_key(session_id), server_id, user, stage)
        return session_id

    def _record(self, session_id: str, stage: str, lifetime: timedelta) -> SessionRecord | None:
        """The record of this stage, if it exists and is younger than LIFETIME (the store's clock stamps it)."""
        if not isinstance(session_id, str) or not session_id:
            return None
        record = self._store.get_session(_key(session_id))
        if record is None or record.stage != stage or self._clock() - record.created_at > lifetime:
            return None
        return record
