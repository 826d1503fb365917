"""Invitations: someone the customer names chooses the password of one FTP user, and nobody else ever sees it.

The customer gives an e-mail address (and a message); the invitee gets the connection details and a one-time link
to a panel page where they choose their own password (the usual rules; v-change-web-domain-ftp-password). No
e-mail carries a password. The link is an itsdangerous signature, made with the panel's secret key, over the
server, the invitation id and a random nonce kept in the row: the store holds no link and no token
(SECURITY.md 31), and the mail is rendered with its link only when it is sent (puq_hestia.mail). A link works
once (the row moves from ``waiting`` by compare-and-set, so a double submit sets nothing twice), for 72 hours by
default, for that FTP user on that server only, and dies when the invitation is cancelled or the FTP user deleted.

The link's first opening (:meth:`Invitations.swap`) gives the row a new nonce by compare-and-set and that browser a
timed token for it (kept in a cookie, an hour after its last use): from then on the link itself is spent.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from puq_hestia.ftp import credentials
from puq_hestia.ftp.models import FtpRuleError, InvalidInputError, NotOwnedError
from puq_hestia.hestia.errors import HestiaError
from puq_hestia.store import Store, ftp_invitations
from puq_hestia.texts import N_, message_of

if TYPE_CHECKING:
    from puq_hestia.ftp.service import FtpService

__all__ = ["OPEN_FOR", "FtpEndpoint", "Invitation", "InvitationError", "InvitationOpenedError", "InvitationUsedError",
           "Invitations", "Outbox",
           "expire_invitations", "format_time", "revoke_for",
           "valid_email", "valid_message"]

INVITE_SALT = "puq-ftp-invite"
OPENED_SALT = "puq-ftp-invite-opened"
OPEN_FOR = timedelta(hours=1)  # how long an opened invitation page may sit unused before the browser loses it
KIND = "invitation"
DEFAULT_VALIDITY = timedelta(hours=72)
WAITING, ACCEPTING, ACCEPTED = "waiting", "accepting", "accepted"
CANCELLED, REVOKED, EXPIRED = "cancelled", "revoked", "expired"
MESSAGE_MAX = 500
_EMAIL = re.compile(r"[^@\s<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class InvitationError(Exception):
    """An invitation link that cannot be used (bad, expired, cancelled, gone); the message is safe to show."""

    status = 410


class InvitationUsedError(InvitationError):
    """The link was used already: the password is set (a reload or a double submit lands here)."""


class InvitationOpenedError(InvitationError):
    """The link was opened already, and its token swapped for that browser's cookie: it is spent everywhere else."""


OPENED = N_("This invitation link was opened already, in another browser or more than an hour ago, so it no longer "
            "works. Finish in the browser where it was opened, or ask for a new invitation.")
LEFT = N_("This invitation page was left unused for more than an hour, so it closed and its link no longer works. "
          "Ask the person who invited you for a new invitation.")


def _clocked(clock: Callable[[], datetime]) -> type[TimestampSigner]:
    """A TimestampSigner on the store's clock (tests move it; nothing sleeps)."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock().timestamp())

    return Signer


Extra = Callable[[Mapping[str, Any]], "dict[str, Any] | None"]


class Outbox(Protocol):
    """What invitations need of the mailer (puq_hestia.mail.Mailer), injected so ftp/ imports no mail code."""

    def queue(self, server_id: str, account: str, kind: str, recipient: str, context: Mapping[str, Any]) -> int:
        """Write a message to the outbox."""

    def deliver(self, entry_id: int) -> bool:
        """Send a queued message now."""

    def state(self, entry_id: int) -> str | None:
        """The outbox state of a message."""

    def register_extra(self, server_id: str, kind: str, extra: Extra) -> None:
        """Add the secret part of a kind of message at sending time."""


@dataclass(frozen=True)
class FtpEndpoint:
    """Where the FTP server of this Hestia server answers, as an FTP client needs it."""

    host: str
    port: int = 21
    tls: bool = True

    @property
    def protocol(self) -> str:
        """The protocol as an FTP client names it."""
        return N_("Explicit FTPS (FTP over TLS)") if self.tls else N_("FTP (unencrypted)")


@dataclass(frozen=True)
class Invitation:
    """One invitation as the customer's card and the invitee's page show it (no nonce, no link)."""

    id: int
    hestia_user: str
    domain: str
    ftp_user: str
    email: str
    state: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    mail_state: str | None = None


def format_time(value: datetime) -> str:
    """A time as the product writes it everywhere: 2026-12-04 21:00 UTC."""
    return Store.as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def revoke_for(store: Store | None, server_id: str, ftp_user: str) -> int:
    """Kill every open invitation of an FTP user (it was deleted); returns how many."""
    if store is None:
        return 0
    where = sa.and_(ftp_invitations.c.server_id == server_id, ftp_invitations.c.ftp_user == ftp_user,
                    ftp_invitations.c.state == WAITING)
    # A read first: on every FTP delete, a write transaction for nothing would contend for SQLite's write lock.
    with store.engine.connect() as conn:
        if conn.execute(sa.select(ftp_invitations.c.id).where(where).limit(1)).first() is None:
            return 0
    with store.engine.begin() as conn:
        return int(conn.execute(sa.update(ftp_invitations).where(where).values(state=REVOKED)).rowcount)


class Invitations:
    """Invitations for the FTP users of one Hestia server (the FtpService's)."""

    def __init__(self, service: FtpService, outbox: Outbox | None, *, secret_key: str, public_url: str,
                 endpoint: FtpEndpoint, validity: timedelta = DEFAULT_VALIDITY,
                 nonce: Callable[[], str] = lambda: secrets.token_urlsafe(24)) -> None:
        if service.store is None or not secret_key:
            raise ValueError("invitations need the store and the panel's secret key")
        self.service, self.store, self.outbox = service, service.store, outbox
        self.server_id = service.server_id
        self._serializer = URLSafeSerializer(secret_key, salt=INVITE_SALT)
        self._opened = URLSafeTimedSerializer(secret_key, salt=OPENED_SALT, signer=_clocked(service.store.now))
        self._public_url = public_url.rstrip("/")
        self.endpoint, self.validity, self._nonce = endpoint, validity, nonce
        if outbox is not None:
            outbox.register_extra(self.server_id, KIND, self._link_extra)

    @property
    def available(self) -> bool:
        """False when no [mail] is configured: an invitation could never reach anyone."""
        return self.outbox is not None

    # -- the customer's side ---------------------------------------------------------------------------------
    def invite(self, user: str, domain: str, username: str, email: str, message: str = "", *,
               language: str = "en") -> Invitation:
        """Write an invitation and send its mail now (a failed send is kept and retried by maintain).

        LANGUAGE is the inviting customer's (the panel's language of that request): the mail is written in it.
        """
        if self.outbox is None:
            raise InvalidInputError(N_("E-mail is not configured on this panel, so nobody can be invited."))
        email, message = valid_email(email), valid_message(message)
        card = self.service.listing(user).card(domain, username)
        if card is None:
            raise NotOwnedError(N_("No such web domain or FTP user in your account."))
        now = self.store.now()
        expires_at = now + self.validity
        row = {"server_id": self.server_id, "hestia_user": user, "domain": domain, "ftp_user": username,
               "email": email, "message": message or None, "nonce": self._nonce(), "state": WAITING,
               "created_at": now, "expires_at": expires_at}
        with self.store.engine.begin() as conn:
            invitation_id = int(conn.execute(sa.insert(ftp_invitations).values(**row)).inserted_primary_key[0])  # type: ignore[index]
        # The FTP user is shut in its folder: the client starts in "/", which is SITE_FOLDER of the domain.
        context = {"invitation_id": invitation_id, "inviter": user, "domain": domain, "login": username,
                   "folder": "/", "site_folder": card.display_path, "host": self.endpoint.host,
                   "port": self.endpoint.port, "tls": self.endpoint.tls, "protocol": self.endpoint.protocol,
                   "message": message, "expires_at": format_time(expires_at), "language": language}
        outbox_id = self.outbox.queue(self.server_id, user, KIND, email, context)
        self._update(invitation_id, outbox_id=outbox_id)
        sent = self.outbox.deliver(outbox_id)
        self.store.record_event(self.server_id, user, "ftp.invite", domain=domain, ftp_user=username,
                                outcome="success" if sent else "mail_failed", detail=f"to {email}")
        return self._get(invitation_id)

    def cancel(self, user: str, invitation_id: int) -> bool:
        """Cancel a waiting invitation of USER: its link stops working at once. False when none was waiting."""
        found = self._get(invitation_id)
        if found is None or found.hestia_user != user:
            raise NotOwnedError(N_("No such invitation in your account."))
        if not self._move(invitation_id, WAITING, CANCELLED):
            return False
        self.store.record_event(self.server_id, user, "ftp.invite_cancelled", domain=found.domain,
                                ftp_user=found.ftp_user, outcome="success", detail=f"to {found.email}")
        return True

    def latest(self, user: str) -> dict[str, Invitation]:
        """The newest invitation of each of USER's FTP users, by login (for the cards)."""
        query = sa.select(ftp_invitations).where(
            ftp_invitations.c.server_id == self.server_id, ftp_invitations.c.hestia_user == user,
            ftp_invitations.c.state.in_((WAITING, ACCEPTING, ACCEPTED))).order_by(ftp_invitations.c.id.desc())
        with self.store.engine.connect() as conn:
            rows = conn.execute(query.limit(500)).mappings().all()
        found: dict[str, Invitation] = {}
        for row in rows:
            found.setdefault(row["ftp_user"], self._invitation(row))
        return found

    # -- the invitee's side ----------------------------------------------------------------------------------
    def link(self, invitation_id: int, nonce: str) -> str:
        """The one-time link of an invitation (made only when its mail is sent)."""
        token = self._serializer.dumps({"s": self.server_id, "i": invitation_id, "n": nonce})
        return f"{self._public_url}/invite/{token}"

    def is_mine(self, token: str, *, opened: bool = False, invitation_id: int | None = None) -> bool:
        """True when TOKEN (a link's, or with OPENED a browser's) is well signed, for this server (and that id)."""
        payload = self._payload(token, opened=opened, max_age=None)
        return (payload is not None and payload.get("s") == self.server_id
                and invitation_id in (None, payload["i"]))

    def target(self, token: str) -> int | None:
        """The invitation id a well-signed link of this server points to (whether or not it may still be used)."""
        payload = self._payload(token, opened=False, max_age=None)
        return payload["i"] if payload is not None and payload.get("s") == self.server_id else None

    def swap(self, token: str) -> tuple[Invitation, str]:
        """The first opening of a link: a new nonce for the row (compare-and-set) and the browser's token for it.

        The link is spent by this: opened again without the browser's token it raises InvitationOpenedError.
        """
        row = self._usable(token)
        fresh = self._nonce()
        where = sa.and_(ftp_invitations.c.id == row["id"], ftp_invitations.c.state == WAITING,
                        ftp_invitations.c.nonce == row["nonce"])
        with self.store.engine.begin() as conn:
            if conn.execute(sa.update(ftp_invitations).where(where).values(nonce=fresh)).rowcount != 1:
                raise InvitationOpenedError(OPENED)  # another browser opened it at the same moment
        return self._invitation(row), str(self._opened.dumps({"s": self.server_id, "i": row["id"], "n": fresh}))

    def refreshed(self, token: str) -> str:
        """The browser's token (checked already) signed again now: an hour more from its last use."""
        payload = self._opened.loads(token)  # its content, whatever its age
        return str(self._opened.dumps({"s": self.server_id, "i": payload["i"], "n": payload["n"]}))

    def open(self, token: str, *, opened: bool = False) -> Invitation:
        """The invitation a link (or a browser's token) points to, if usable (one Hestia call: is the user there?)."""
        row = self._usable(token, opened=opened)
        try:
            exists = self.service.overview(row["hestia_user"]).has(row["domain"], row["ftp_user"])
        except HestiaError:
            raise InvitationError(N_("The control panel does not answer right now; try again in a minute.")) from None
        if not exists:
            revoke_for(self.store, self.server_id, row["ftp_user"])
            raise InvitationError(N_("This FTP user no longer exists, so the invitation has ended."))
        return self._invitation(row)

    def accept(self, token: str, password: str, *, opened: bool = False) -> Invitation:
        """Set the password the invitee chose, once; a second submit raises InvitationUsedError."""
        row = self._usable(token, opened=opened)
        try:
            credentials.validate_password(password)
        except ValueError as error:
            raise InvalidInputError(message_of(error), field="password") from error
        if not self._move(row["id"], WAITING, ACCEPTING):
            raise InvitationUsedError(N_("This invitation was used already: the password is set."))
        try:
            self.service.change_password(row["hestia_user"], row["domain"], row["ftp_user"], password)
        except (FtpRuleError, HestiaError):
            self._move(row["id"], ACCEPTING, WAITING)  # nothing spent: the invitee may try again
            raise
        self._update(row["id"], state=ACCEPTED, accepted_at=self.store.now())
        self.store.record_event(self.server_id, row["hestia_user"], "ftp.invite_accepted", domain=row["domain"],
                                ftp_user=row["ftp_user"], outcome="success", detail=f"password set by {row['email']}")
        return self._get(row["id"])

    def expire_due(self) -> int:
        """Maintenance: see :func:`expire_invitations`."""
        return expire_invitations(self.store, self.server_id)

    # -- helpers ---------------------------------------------------------------------------------------------
    def _payload(self, token: str, *, opened: bool, max_age: int | None) -> dict[str, Any] | None:
        """The signed content of a link's (or a browser's) token; None when forged; SignatureExpired when old."""
        try:
            payload: Any = (self._opened.loads(token, max_age=max_age) if opened else self._serializer.loads(token))
        except SignatureExpired:
            raise
        except BadData:
            return None
        ok = isinstance(payload, dict) and isinstance(payload.get("i"), int) and isinstance(payload.get("s"), str)
        return payload if ok else None

    def _usable(self, token: str, *, opened: bool = False) -> Mapping[Any, Any]:
        """The row behind a link (or a browser's token) that is well signed, for this server, waiting, unexpired."""
        invalid = InvitationError(N_("This invitation link is not valid. Ask for a new one."))
        try:
            payload = self._payload(token, opened=opened, max_age=int(OPEN_FOR.total_seconds()) if opened else None)
        except SignatureExpired:
            raise InvitationError(LEFT) from None
        if payload is None or payload.get("s") != self.server_id:
            raise invalid
        row = self._row(payload["i"])
        if row is None:
            raise invalid
        if row["state"] in (ACCEPTING, ACCEPTED):
            raise InvitationUsedError(N_("This invitation was used already: the password is set."))
        if row["state"] != WAITING:
            raise InvitationError(N_("This invitation has been {state}. Ask for a new one.", state=row["state"]))
        if Store.as_utc(row["expires_at"]) <= self.store.now():
            raise InvitationError(N_("This invitation has expired. Ask for a new one."))
        if not hmac.compare_digest(str(payload.get("n", "")), row["nonce"]):
            # Well signed by us, so it was a real link: its nonce was swapped when a browser opened it.
            raise InvitationOpenedError(OPENED) if not opened else invalid
        return row

    def _link_extra(self, context: Mapping[str, Any]) -> dict[str, Any] | None:
        """At sending time: the link of a still-waiting invitation, or None (its mail is then not sent)."""
        row = self._row(int(context["invitation_id"]))
        if row is None or row["state"] != WAITING or Store.as_utc(row["expires_at"]) <= self.store.now():
            return None
        return {"link": self.link(row["id"], row["nonce"])}

    def _row(self, invitation_id: int) -> Mapping[Any, Any] | None:
        where = sa.and_(ftp_invitations.c.id == invitation_id, ftp_invitations.c.server_id == self.server_id)
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(ftp_invitations).where(where)).mappings().first()

    def _get(self, invitation_id: int) -> Invitation:
        row = self._row(invitation_id)
        if row is None:
            raise NotOwnedError(N_("No such invitation."))
        return self._invitation(row)

    def _invitation(self, row: Mapping[Any, Any]) -> Invitation:
        mail_state = self.outbox.state(row["outbox_id"]) if self.outbox and row["outbox_id"] else None
        return Invitation(id=row["id"], hestia_user=row["hestia_user"], domain=row["domain"],
                          ftp_user=row["ftp_user"], email=row["email"], state=row["state"],
                          created_at=Store.as_utc(row["created_at"]), expires_at=Store.as_utc(row["expires_at"]),
                          accepted_at=Store.as_utc(row["accepted_at"]) if row["accepted_at"] else None,
                          mail_state=mail_state)

    def _move(self, invitation_id: int, old: str, new: str) -> bool:
        """Compare-and-set of the state: True for the one caller that moved it."""
        where = sa.and_(ftp_invitations.c.id == invitation_id, ftp_invitations.c.state == old)
        with self.store.engine.begin() as conn:
            return conn.execute(sa.update(ftp_invitations).where(where).values(state=new)).rowcount == 1

    def _update(self, invitation_id: int, **values: Any) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(sa.update(ftp_invitations).where(ftp_invitations.c.id == invitation_id).values(**values))


def valid_email(email: str) -> str:
    """One plain address (no display name, no header tricks), at most 254 characters."""
    email = (email or "").strip()
    if len(email) > 254 or not email.isprintable() or not _EMAIL.fullmatch(email):
        raise InvalidInputError(N_("Enter one e-mail address, like name@example.com."), field="email")
    return email


def valid_message(message: str) -> str:
    """An optional note of at most 500 characters; line breaks allowed, other control characters not."""
    message = (message or "").replace("\r\n", "\n").strip()
    if len(message) > MESSAGE_MAX or any(not ch.isprintable() and ch != "\n" for ch in message):
        raise InvalidInputError(N_("The message may have at most {most} characters of plain text.", most=MESSAGE_MAX),
                                field="message")
    return message


def expire_invitations(store: Store, server_id: str, stuck_after: timedelta = timedelta(minutes=10)) -> int:
    """Maintenance: waiting invitations past their end become expired (audited); stuck accepts reopen."""
    now = store.now()
    base = ftp_invitations.c.server_id == server_id
    # An accept whose worker died between the claim and the answer: the invitee may try again.
    stuck = sa.and_(base, ftp_invitations.c.state == ACCEPTING, ftp_invitations.c.accepted_at.is_(None),
                    ftp_invitations.c.created_at < now - stuck_after)
    due = sa.and_(base, ftp_invitations.c.state == WAITING, ftp_invitations.c.expires_at <= now)
    with store.engine.begin() as conn:
        conn.execute(sa.update(ftp_invitations).where(stuck).values(state=WAITING))
        rows = conn.execute(sa.select(ftp_invitations).where(due)).mappings().all()
    expired = 0
    for row in rows:
        where = sa.and_(ftp_invitations.c.id == row["id"], ftp_invitations.c.state == WAITING)
        with store.engine.begin() as conn:
            if conn.execute(sa.update(ftp_invitations).where(where).values(state=EXPIRED)).rowcount != 1:
                continue
        expired += 1
        store.record_event(server_id, row["hestia_user"], "ftp.invite_expired", domain=row["domain"],
                           ftp_user=row["ftp_user"], outcome="success", detail=f"to {row['email']}: never used")
    return expired
