"""Access that ends: an FTP user with an "access until" time is locked or deleted then, by `puq-hestia maintain`.

Locking sets the password to a random value that is not kept (nobody can log in any more, the files stay);
"Renew" sets a new end and a new password, shown once. The customer is e-mailed a configurable time before the
end, at the CONTACT address of their Hestia user (v-list-user). Every step is a compare-and-set on the row's
state, so two maintenance runs (or a run and a renewal) never act twice; the Hestia calls go through the
FtpService, hence through the intent journal like every other change (DESIGN.md §7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from puq_hestia.ftp.invitations import Outbox, format_time
from puq_hestia.ftp.models import FtpRuleError, InvalidInputError, NotOwnedError, PasswordChanged
from puq_hestia.hestia.errors import HestiaError
from puq_hestia.store import Store, ftp_access_ends
from puq_hestia.texts import N_, Nn_

if TYPE_CHECKING:
    from puq_hestia.ftp.service import FtpService

__all__ = ["ACTIONS", "AccessEnd", "AccessEnds", "forget_end", "parse_until", "remaining_text"]

LOCK, DELETE = "lock", "delete"
ACTIONS = (LOCK, DELETE)
ACTIVE, ENDING, ENDED = "active", "ending", "ended"
NOTICE_KIND = "access_ending"
LONGEST = timedelta(days=5 * 366)


@dataclass(frozen=True)
class AccessEnd:
    """When one FTP user's access ends and what happens then."""

    ftp_user: str
    domain: str
    ends_at: datetime
    action: str
    state: str

    @property
    def ended(self) -> bool:
        """True once maintenance locked the account (a deleted one has no row any more)."""
        return self.state == ENDED


def parse_until(text: str, now: datetime) -> datetime | None:
    """An "access until" value (ISO 8601, e.g. 2026-12-24T18:00; no offset means UTC), or None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise InvalidInputError(N_("Enter the end as a date and time, like 2026-12-24 18:00."),
                                field="access_until") from None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value <= now:
        raise InvalidInputError(N_("The end of access must be in the future."), field="access_until")
    if value > now + LONGEST:
        raise InvalidInputError(N_("The end of access may be at most five years ahead."), field="access_until")
    return value


def parse_action(text: str) -> str:
    """What happens at the end: "lock" (the default) or "delete"."""
    action = (text or LOCK).strip().lower()
    if action not in ACTIONS:
        raise InvalidInputError(N_("Choose whether the FTP user is locked or deleted at the end."),
                                field="access_action")
    return action


def remaining_text(end: AccessEnd, now: datetime) -> str:
    """What the card says: "ended", "ends in 3 days", "ends in 5 hours", "ends in 12 minutes"."""
    if end.ended:
        return N_("ended")
    seconds = (end.ends_at - now).total_seconds()
    if seconds <= 0:
        return N_("ends now")
    if seconds >= 86400:
        return Nn_("ends in {count} day", "ends in {count} days", int(seconds // 86400))
    if seconds >= 3600:
        return Nn_("ends in {count} hour", "ends in {count} hours", int(seconds // 3600))
    if seconds >= 60:
        return Nn_("ends in {count} minute", "ends in {count} minutes", int(seconds // 60))
    return N_("ends in less than a minute")


def forget_end(store: Store | None, server_id: str, ftp_user: str) -> None:
    """Drop the end of an FTP user that was deleted."""
    if store is not None:
        where = sa.and_(ftp_access_ends.c.server_id == server_id, ftp_access_ends.c.ftp_user == ftp_user)
        with store.engine.connect() as conn:  # a read first: most FTP users have no end (no write lock taken)
            if conn.execute(sa.select(ftp_access_ends.c.ftp_user).where(where)).first() is None:
                return
        with store.engine.begin() as conn:
            conn.execute(sa.delete(ftp_access_ends).where(where))


class AccessEnds:
    """The access ends of the FTP users of one Hestia server (the FtpService's)."""

    def __init__(self, service: FtpService) -> None:
        if service.store is None:
            raise ValueError("access that ends needs the store")
        self.service, self.store, self.server_id = service, service.store, service.server_id

    def set(self, user: str, domain: str, username: str, ends_at: datetime | None,
            action: str = LOCK) -> AccessEnd | None:
        """Set (or with None, remove) the end of an active FTP user of USER; audited."""
        if not self.service.owns(user, domain, username):
            raise NotOwnedError(N_("No such web domain or FTP user in your account."))
        current = self.of_user(user).get(username)
        if current is not None and current.ended:
            raise InvalidInputError(N_("This FTP user's access has ended; use Renew to give it a new end."),
                                    field="access_until")
        forget_end(self.store, self.server_id, username)
        if ends_at is None:
            if current is not None:
                self._audit(user, domain, username, "ftp.access_until", "access no longer ends")
            return None
        row = {"server_id": self.server_id, "ftp_user": username, "hestia_user": user, "domain": domain,
               "ends_at": ends_at, "action": action, "state": ACTIVE}
        with self.store.engine.begin() as conn:
            conn.execute(sa.insert(ftp_access_ends).values(**row))
        self._audit(user, domain, username, "ftp.access_until", f"until {format_time(ends_at)}, then {action}")
        return AccessEnd(username, domain, ends_at, action, ACTIVE)

    def renew(self, user: str, domain: str, username: str, ends_at: datetime | None,
              action: str = LOCK) -> PasswordChanged:
        """An ended (locked) FTP user: a new password, shown once, and a new end (or none)."""
        current = self.of_user(user).get(username)
        if current is None or not current.ended:
            raise InvalidInputError(N_("Only an FTP user whose access has ended can be renewed."), field="access_until")
        changed = self.service.change_password(user, domain, username)
        forget_end(self.store, self.server_id, username)
        self._audit(user, domain, username, "ftp.access_renewed",
                    f"until {format_time(ends_at)}" if ends_at else "access no longer ends")
        if ends_at is not None:
            self.set(user, domain, username, ends_at, action)
        return changed

    def of_user(self, user: str) -> dict[str, AccessEnd]:
        """Every end of USER's FTP users, by login (for the cards)."""
        query = sa.select(ftp_access_ends).where(ftp_access_ends.c.server_id == self.server_id,
                                                 ftp_access_ends.c.hestia_user == user)
        with self.store.engine.connect() as conn:
            return {r["ftp_user"]: _end(r) for r in conn.execute(query).mappings()}

    # -- maintenance -----------------------------------------------------------------------------------------
    def run_due(self, outbox: Outbox | None, notice_before: timedelta, panel_url: str = "") -> list[str]:
        """Send the notices that are due, then lock or delete every FTP user whose end has come."""
        lines = self._notify(outbox, notice_before, panel_url) if outbox is not None else []
        now = self.store.now()
        due = sa.and_(ftp_access_ends.c.server_id == self.server_id, ftp_access_ends.c.state == ACTIVE,
                      ftp_access_ends.c.ends_at <= now)
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(ftp_access_ends).where(due)).mappings().all()
        return lines + [self._end_one(row) for row in rows if self._move(row["ftp_user"], ACTIVE, ENDING)]

    def _end_one(self, row: Mapping[Any, Any]) -> str:
        user, domain, login, action = row["hestia_user"], row["domain"], row["ftp_user"], row["action"]
        try:
            if action == DELETE:
                self.service.delete(user, domain, login)  # also forgets this row and kills open invitations
            else:
                self.service.change_password(user, domain, login)  # a random password, dropped unseen
        except NotOwnedError:
            forget_end(self.store, self.server_id, login)
            return f"{login}: access ended (the FTP user was already gone)"
        except (FtpRuleError, HestiaError) as error:
            self._move(login, ENDING, ACTIVE)  # tried again by the next run
            return f"{login}: access end not applied yet ({type(error).__name__})"
        if action == LOCK:
            where = sa.and_(ftp_access_ends.c.server_id == self.server_id, ftp_access_ends.c.ftp_user == login)
            with self.store.engine.begin() as conn:
                conn.execute(sa.update(ftp_access_ends).where(where).values(state=ENDED, ended_at=self.store.now()))
        done = "deleted" if action == DELETE else "locked (its password replaced by one nobody knows)"
        self._audit(user, domain, login, "ftp.access_ended", done)
        return f"{login}: access ended, {done}"

    def _notify(self, outbox: Outbox, before: timedelta, panel_url: str) -> list[str]:
        now = self.store.now()
        due = sa.and_(ftp_access_ends.c.server_id == self.server_id, ftp_access_ends.c.state == ACTIVE,
                      ftp_access_ends.c.notice_sent_at.is_(None), ftp_access_ends.c.ends_at > now,
                      ftp_access_ends.c.ends_at <= now + before)
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(ftp_access_ends).where(due)).mappings().all()
        lines = []
        for row in rows:
            where = sa.and_(ftp_access_ends.c.server_id == self.server_id,
                            ftp_access_ends.c.ftp_user == row["ftp_user"], ftp_access_ends.c.notice_sent_at.is_(None))
            with self.store.engine.begin() as conn:  # claimed first: a notice is queued once
                if conn.execute(sa.update(ftp_access_ends).where(where).values(notice_sent_at=now)).rowcount != 1:
                    continue
            try:
                account = self.service.client.users.get(row["hestia_user"])
                contact, language = account.contact, account.language  # the notice in the customer's LANGUAGE
            except HestiaError:
                contact, language = "", ""
            if not contact:
                lines.append(f"{row['ftp_user']}: no contact address for {row['hestia_user']}, no notice sent")
                continue
            context = {"account": row["hestia_user"], "login": row["ftp_user"], "domain": row["domain"],
                       "ends_at": format_time(row["ends_at"]), "action": row["action"], "panel_url": panel_url,
                       "language": language}
            entry = outbox.queue(self.server_id, row["hestia_user"], NOTICE_KIND, contact, context)
            sent = outbox.deliver(entry)
            lines.append(f"{row['ftp_user']}: end notice to {contact} {'sent' if sent else 'kept for a retry'}")
        return lines

    def _move(self, login: str, old: str, new: str) -> bool:
        where = sa.and_(ftp_access_ends.c.server_id == self.server_id, ftp_access_ends.c.ftp_user == login,
                        ftp_access_ends.c.state == old)
        with self.store.engine.begin() as conn:
            return conn.execute(sa.update(ftp_access_ends).where(where).values(state=new)).rowcount == 1

    def _audit(self, user: str, domain: str, login: str, action: str, detail: str) -> None:
        self.store.record_event(self.server_id, user, action, domain=domain, ftp_user=login, outcome="success",
                                detail=detail)


def _end(row: Mapping[Any, Any]) -> AccessEnd:
    return AccessEnd(row["ftp_user"], row["domain"], Store.as_utc(row["ends_at"]), row["action"], row["state"])
