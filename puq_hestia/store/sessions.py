"""Panel sessions (puq_hestia.auth.sessions): only a hash of each cookie's key, never the cookie."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from puq_hestia.store.core import StoreCore, match
from puq_hestia.store.records import SessionRecord, as_utc
from puq_hestia.store.tables import panel_sessions

__all__ = ["SessionRows"]


class SessionRows(StoreCore):
    """Revocable panel sessions."""

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
        return SessionRecord(row.server_id, row.hestia_user, row.stage, row.failures, as_utc(row.created_at))

    def drop_session(self, key_hash: str) -> bool:
        """End one session: True for the one caller that ended it (a pending record is spent exactly once)."""
        return self._write(sa.delete(panel_sessions).where(panel_sessions.c.key_hash == key_hash)) == 1

    def count_session_failure(self, key_hash: str) -> None:
        """Add one wrong 2FA code to a pending session."""
        where = panel_sessions.c.key_hash == key_hash
        self._write(sa.update(panel_sessions).where(where).values(failures=panel_sessions.c.failures + 1))

    def end_sessions(self, server_id: str, user: str) -> int:
        """End every session of one account (password changed, suspended, terminated, re-created)."""
        where = match(panel_sessions, server_id=server_id, hestia_user=user)
        return self._write(sa.delete(panel_sessions).where(where))

    def purge_sessions(self, older_than: timedelta) -> int:
        """Forget sessions begun more than ``older_than`` ago (past the absolute lifetime anyway)."""
        return self._write(sa.delete(panel_sessions).where(panel_sessions.c.created_at < self._now() - older_than))
