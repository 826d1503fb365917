"""Outgoing e-mail: `[mail]` settings, Jinja2 templates (text and HTML) and a durable outbox in the store.

A message is written to the outbox *before* it is sent, as its kind, recipient and template context, never as a
rendered body: an invitation's one-time link is a credential (SECURITY.md 31), so it is rendered only at the
moment of sending, by an "extra" registered for that kind (see :meth:`Mailer.register_extra`). A failed send is
kept (state ``failed``, with the reason), audited on the customer's activity list and retried by
``puq-hestia maintain``; nothing is lost silently. No Flask here: the templates are package data.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa

from puq_hestia.store import Store, mail_outbox
from puq_hestia.texts import LANGUAGES, catalog, format_moment

__all__ = ["MailError", "MailSettings", "Mailer", "OutboxEntry", "mail_outbox"]

log = logging.getLogger(__name__)

SECURITY_MODES = ("starttls", "tls", "none")
MAX_ATTEMPTS = 10
QUEUED, SENDING, SENT, FAILED, DROPPED = "queued", "sending", "sent", "failed", "dropped"

class MailError(RuntimeError):
    """A message could not be handed to the SMTP server; the text names the reason, never a password."""


@dataclass(frozen=True)
class MailSettings:
    """The `[mail]` table; the SMTP password comes from PUQ_HESTIA_MAIL_PASSWORD (or the file)."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    from_address: str = "puq-hestia@localhost"
    reply_to: str = ""
    brand: str = "Hosting panel"  # [mail] brand, else the panel's [panel.brand] name (issue 16)
    support_url: str = ""  # the panel brand's support link and footer, signed under every message
    footer: str = ""
    timeout: float = 10.0
    notice_before_hours: float = 48.0  # how long before an FTP user's access ends its customer is told
    ca_file: str = ""  # PEM certificates to trust for the mail server instead of the system's (a private CA)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], env: Mapping[str, str]) -> MailSettings:
        """Build from the parsed `[mail]` table; unknown keys and a wrong security mode are refused."""
        known = {"host", "port", "security", "user", "password", "from_address", "reply_to", "brand", "timeout",
                 "notice_before_hours", "ca_file"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"[mail] has unknown keys {unknown}; known: {sorted(known)}")
        security = str(raw.get("security", "starttls")).lower()
        if security not in SECURITY_MODES:
            raise ValueError(f"mail.security must be one of {', '.join(SECURITY_MODES)}, not {security!r}")
        port = int(raw.get("port", 465 if security == "tls" else 25))
        if not 1 <= port <= 65535:
            raise ValueError(f"mail.port must be between 1 and 65535, not {port}")
        if raw.get("user") and security == "none":
            raise ValueError("mail.user is set but mail.security is \"none\": the password would cross the network "
                             "in clear; use \"starttls\" or \"tls\"")
        ca_file = str(raw.get("ca_file", ""))
        if ca_file and not Path(ca_file).is_file():
            raise ValueError(f"mail.ca_file {ca_file!r} is not a readable file")
        if ca_file:
            try:
                ssl.create_default_context(cafile=ca_file)
            except ssl.SSLError as error:
                raise ValueError(f"mail.ca_file {ca_file!r} holds no PEM certificate ({error.reason})") from None
        return cls(host=str(raw.get("host", "127.0.0.1")), port=port, security=security,
                   user=str(raw.get("user", "")),
                   password=env.get("PUQ_HESTIA_MAIL_PASSWORD", str(raw.get("password", ""))),
                   from_address=str(raw.get("from_address", cls.from_address)),
                   reply_to=str(raw.get("reply_to", "")), brand=str(raw.get("brand", cls.brand)),
                   timeout=float(raw.get("timeout", 10.0)),
                   notice_before_hours=float(raw.get("notice_before_hours", 48.0)), ca_file=ca_file)


@dataclass(frozen=True)
class OutboxEntry:
    """One message of the outbox as an operator sees it (`puq-hestia mail list`)."""

    id: int
    server_id: str
    account: str
    kind: str
    recipient: str
    subject: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@lru_cache(maxsize=len(LANGUAGES) + 1)
def _templates(language: str) -> jinja2.Environment:
    """The mail templates in one language: the panel's catalogs (puq_hestia/texts.py), read without Flask."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("puq_hestia", "mail_templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"],
    )
    environment.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    environment.install_gettext_translations(catalog(language), newstyle=True)  # type: ignore[attr-defined]
    environment.filters["mail_time"] = lambda value: _mail_time(value, language)
    return environment


def _mail_time(value: str, language: str) -> str:
    """A time of the context ("2026-12-04 21:00 UTC", as stored) in the reader's locale, still in UTC."""
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value
    return format_moment(moment, language)

#: kind -> a function of the stored context giving what must not be stored (an invitation's link), or None
#: when the message must no longer be sent (the invitation was cancelled meanwhile).
Extra = Callable[[Mapping[str, Any]], "dict[str, Any] | None"]


class Mailer:
    """Queues, renders and sends the product's e-mail through one SMTP server."""

    def __init__(self, settings: MailSettings, store: Store, *,
                 smtp_factory: Callable[[MailSettings], smtplib.SMTP] | None = None) -> None:
        self.settings = settings
        self.store = store
        self._smtp_factory = smtp_factory or _connect
        self._extras: dict[tuple[str, str], Extra] = {}

    def register_extra(self, server_id: str, kind: str, extra: Extra) -> None:
        """Add the secret part of a kind of message of one server at sending time (never written to the outbox)."""
        self._extras[(server_id, kind)] = extra

    def queue(self, server_id: str, account: str, kind: str, recipient: str, context: Mapping[str, Any]) -> int:
        """Write a message to the outbox (nothing sent yet) and return its id."""
        subject = _render(f"{kind}.subject.txt", self._base(context)).strip()
        row = {"server_id": server_id, "account": account, "kind": kind, "recipient": recipient,
               "subject": subject[:255], "context_json": json.dumps(dict(context), sort_keys=True),
               "state": QUEUED, "attempts": 0, "created_at": self.store.now()}
        with self.store.engine.begin() as conn:
            return int(conn.execute(sa.insert(mail_outbox).values(**row)).inserted_primary_key[0])  # type: ignore[index]

    def deliver(self, entry_id: int) -> bool:
        """Try to send one queued or failed message now: True when the SMTP server accepted it."""
        row = self._claim(entry_id)
        if row is None:
            return self.state(entry_id) == SENT
        context = json.loads(row["context_json"])
        extra = self._extras.get((row["server_id"], row["kind"]))
        secret = extra(context) if extra else {}
        if secret is None:
            self._finish(entry_id, DROPPED, "no longer to be sent")
            return False
        try:
            self._send(row, {**context, **secret})
        except MailError as error:
            self._finish(entry_id, FAILED, str(error))
            self.store.record_event(row["server_id"], row["account"], "mail.failed", outcome="failure",
                                    detail=f"to {row['recipient']}: {error}; it will be retried")
            return False
        self._finish(entry_id, SENT, None)
        return True

    def retry(self, *, stale: timedelta = timedelta(minutes=10)) -> list[str]:
        """Send every failed (or long-stuck) message once more (`puq-hestia maintain`); lines of what happened."""
        cutoff = self.store.now() - stale
        waiting = sa.or_(mail_outbox.c.state == FAILED,
                         sa.and_(mail_outbox.c.state.in_((QUEUED, SENDING)), mail_outbox.c.created_at < cutoff))
        query = sa.select(mail_outbox.c.id, mail_outbox.c.recipient).where(
            waiting, mail_outbox.c.attempts < MAX_ATTEMPTS).order_by(mail_outbox.c.id)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [f"mail #{i} to {to}: {'sent' if self.deliver(i) else self.state(i)}" for i, to in rows]

    def state(self, entry_id: int) -> str | None:
        """The outbox state of one message (queued, sending, sent, failed, dropped)."""
        with self.store.engine.connect() as conn:
            value = conn.execute(sa.select(mail_outbox.c.state).where(mail_outbox.c.id == entry_id)).scalar()
        return None if value is None else str(value)

    def entries(self, limit: int = 50) -> list[OutboxEntry]:
        """The newest messages, newest first."""
        query = sa.select(mail_outbox).order_by(mail_outbox.c.id.desc()).limit(limit)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        names = ("id", "server_id", "account", "kind", "recipient", "subject", "state", "attempts", "last_error")
        return [OutboxEntry(**{n: r[n] for n in names}, created_at=Store.as_utc(r["created_at"]),
                            sent_at=Store.as_utc(r["sent_at"]) if r["sent_at"] else None) for r in rows]

    # -- helpers ---------------------------------------------------------------------------------------------
    def _base(self, context: Mapping[str, Any]) -> dict[str, Any]:
        return {"brand": self.settings.brand, "support_url": self.settings.support_url,
                "footer": self.settings.footer, **context}

    def _claim(self, entry_id: int) -> Mapping[Any, Any] | None:
        """Take the message for sending; None when another sender has it or it was already sent."""
        now = self.store.now()
        stuck = sa.and_(mail_outbox.c.state == SENDING, mail_outbox.c.claimed_at < now - timedelta(minutes=10))
        where = sa.and_(mail_outbox.c.id == entry_id, sa.or_(mail_outbox.c.state.in_((QUEUED, FAILED)), stuck))
        with self.store.engine.begin() as conn:
            if conn.execute(sa.update(mail_outbox).where(where).values(
                    state=SENDING, claimed_at=now, attempts=mail_outbox.c.attempts + 1)).rowcount != 1:
                return None
            return conn.execute(sa.select(mail_outbox).where(mail_outbox.c.id == entry_id)).mappings().one()

    def _finish(self, entry_id: int, state: str, error: str | None) -> None:
        values: dict[str, Any] = {"state": state, "last_error": error[:255] if error else None}
        if state == SENT:
            values["sent_at"] = self.store.now()
        with self.store.engine.begin() as conn:
            conn.execute(sa.update(mail_outbox).where(mail_outbox.c.id == entry_id).values(**values))

    def _send(self, row: Mapping[str, Any], context: Mapping[str, Any]) -> None:
        """Render and hand one message to the SMTP server (MailError on any failure)."""
        message = self._message(row, self._base(context))
        try:
            with self._smtp_factory(self.settings) as smtp:
                smtp.send_message(message)
        except MailError:
            raise
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(_reason(error, self.settings)) from None

    def _message(self, row: Mapping[str, Any], context: Mapping[str, Any]) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = row["subject"]
        message["From"] = self.settings.from_address
        message["To"] = row["recipient"]
        if self.settings.reply_to:
            message["Reply-To"] = self.settings.reply_to
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.settings.from_address.rpartition("@")[2] or None)
        message.set_content(_render(f"{row['kind']}.txt", context))
        message.add_alternative(_render(f"{row['kind']}.html", context), subtype="html")
        return message


def _render(name: str, context: Mapping[str, Any]) -> str:
    """One mail template with CONTEXT, in the context's language (HTML templates escape every value)."""
    language = str(context.get("language") or "en")
    language = language if language in LANGUAGES else "en"
    return _templates(language).get_template(name).render(**{**context, "language": language})


def _tls_context(settings: MailSettings) -> ssl.SSLContext:
    """Certificate and host name checked; against mail.ca_file when set, else the system's certificates."""
    return ssl.create_default_context(cafile=settings.ca_file or None)


def _connect(settings: MailSettings) -> smtplib.SMTP:
    """An SMTP connection in the configured mode, logged in when a user is set (never before TLS is up)."""
    smtp: smtplib.SMTP
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=_tls_context(settings))
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                # Required, not optional: without it the login and the message would go in clear.
                raise MailError(f"the mail server {settings.host}:{settings.port} does not offer STARTTLS, so "
                                "nothing was sent (mail.security = \"starttls\" never falls back to plain text)")
            smtp.starttls(context=_tls_context(settings))
        if settings.user:
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("auth"):
                raise MailError(f"the mail server {settings.host}:{settings.port} offers no login (AUTH) over this "
                                "connection; nothing was sent")
            smtp.login(settings.user, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reason(error: BaseException, settings: MailSettings) -> str:
    """What went wrong, for the operator and the audit log: never the password, never a message body."""
    where = f"{settings.host}:{settings.port}"
    if isinstance(error, ssl.SSLCertVerificationError):
        trusted = f"the CA file {settings.ca_file}" if settings.ca_file else "the system's certificates"
        return (f"the certificate of the mail server {where} is not trusted ({error.verify_message}): set "
                f"mail.ca_file to the certificate of the CA that signed it (checked against {trusted})")
    if isinstance(error, ssl.SSLError):
        return f"TLS with the mail server {where} failed ({error.reason or type(error).__name__})"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"the mail server {where} refused the login of {settings.user!r} ({error.smtp_code})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the mail server {where} refused the message ({error.smtp_code})"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"the mail server {where} refused the recipient"
    if isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)):
        return f"the mail server {where} did not answer ({type(error).__name__})"
    # The exception text of smtplib may quote the server's reply, never our password; the type is enough.
    return f"the mail server {where} refused or did not answer ({type(error).__name__})"
