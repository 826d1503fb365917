"""`puq-hestia maintain`: settle what a crash left open, release what it left held, purge what has expired.

Safe on every machine at once (DESIGN.md §7): a lease row in the store lets one run work while the others
report "skipped". For each open intent (a change written down but never answered, older than the grace time
so that calls still in flight are left alone) it asks Hestia with read-only calls whether the change happened,
records "done" or "failed" on the intent and audits it on the customer's activity list, so an account that
exists at Hestia never goes unrecorded. A suspend or unsuspend whose outcome was unknown is checked against the
state billing asked for *last*, and corrected once when Hestia holds an older one (a late-running command).
Hook deliveries whose changes are all settled are freed for their redelivery at once (instead of "still
running" for ten minutes); stale FTP name claims are released; expired rows are purged. A billing create whose
worker died between its steps is finished or rolled back as the create would have ended (puq_hestia.unfinished).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from puq_hestia.ftp.expiry import AccessEnds
from puq_hestia.ftp.invitations import expire_invitations
from puq_hestia.ftp.service import FtpService
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import HestiaError, NotFoundError
from puq_hestia.hestia.models import HestiaUser
from puq_hestia.intents import OPEN_STATES, Intent, IntentLog, account_lock, drop_lease, take_lease
from puq_hestia.mail import Mailer
from puq_hestia.store import HOOK_PENDING, Store, ftp_name_claims, hook_requests, intents, used_tokens
from puq_hestia.texts import N_
from puq_hestia.unfinished import settle_creates

__all__ = ["MaintenanceReport", "Retention", "run_maintenance"]

log = logging.getLogger(__name__)

LEASE_NAME = "maintain"
# How far back a freed hook delivery is stamped: past any takeover delay of Store.begin_hook (10 minutes), far
# short of the records' retention (so the purge does not delete it before its redelivery arrives).
_FREED_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Retention:
    """How long each kind of row is kept; ``grace`` is how old an open intent must be before it is settled."""

    grace: timedelta = timedelta(minutes=2)
    correction_window: timedelta = timedelta(days=1)
    lease: timedelta = timedelta(minutes=10)
    name_claims: timedelta = timedelta(minutes=5)
    used_tokens: timedelta = timedelta(days=1)
    hook_records: timedelta = timedelta(days=30)
    intents: timedelta = timedelta(days=90)


@dataclass
class MaintenanceReport:
    """What one run did, line by line (printed by the CLI)."""

    skipped: str = ""
    settled: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    freed_hooks: int = 0
    released_claims: int = 0
    purged: dict[str, int] = field(default_factory=dict)
    access_ended: list[str] = field(default_factory=list)
    expired_invitations: int = 0
    mail: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable lines for an operator."""
        if self.skipped:
            return [f"skipped: {self.skipped}"]
        return [*(f"settled: {s}" for s in self.settled), *(f"corrected: {c}" for c in self.corrected),
                f"hook deliveries freed for redelivery: {self.freed_hooks}",
                f"stale FTP name claims released: {self.released_claims}",
                *(f"access: {a}" for a in self.access_ended), *self.mail,
                f"invitations expired: {self.expired_invitations}",
                *(f"purged {what}: {n}" for what, n in sorted(self.purged.items()))]


def run_maintenance(store: Store, clients: Mapping[str, HestiaClient], *, retention: Retention | None = None,
                    holder: str | None = None, mailer: Mailer | None = None,
                    panel_url: str = "") -> MaintenanceReport:
    """One maintenance run over every configured server; returns what it did.

    With a ``mailer`` (its invitation links registered), failed mail is sent again and end notices go out.
    """
    keep = retention or Retention()
    me = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    if not take_lease(store, LEASE_NAME, me, keep.lease):
        return MaintenanceReport(skipped="another maintenance run holds the lease")
    report = MaintenanceReport()
    try:
        for server_id, client in clients.items():
            log_ = IntentLog(store, server_id)
            for intent in log_.pending(keep.grace):
                report.settled.append(_settle(store, log_, client, intent))
            # After their steps are settled: finish or roll back creates whose worker died between the steps.
            report.settled += settle_creates(store, log_, client, keep.grace)
            report.corrected += _correct_suspension(store, log_, client, keep.correction_window)
            report.freed_hooks += _free_settled_hooks(store, log_, keep.grace)
            report.access_ended += _scheduled_ftp_work(store, server_id, client, mailer, panel_url, report)
        if mailer is not None:
            report.mail = mailer.retry()
        report.released_claims = _purge(store, ftp_name_claims.c.claimed_at, keep.name_claims)
        report.purged = {"used tokens": _purge(store, used_tokens.c.used_at, keep.used_tokens),
                         "hook records": _purge(store, hook_requests.c.created_at, keep.hook_records),
                         "settled intents": _purge_intents(store, keep.intents)}
    finally:
        drop_lease(store, LEASE_NAME, me)
    return report


def _scheduled_ftp_work(store: Store, server_id: str, client: HestiaClient, mailer: Mailer | None, panel_url: str,
                        report: MaintenanceReport) -> list[str]:
    """Issue 17: expire unused invitations; notify, then lock or delete FTP users whose access has ended."""
    report.expired_invitations += expire_invitations(store, server_id)
    notice = timedelta(hours=mailer.settings.notice_before_hours) if mailer else timedelta(0)
    return AccessEnds(FtpService(client, store=store, server_id=server_id)).run_due(mailer, notice, panel_url)


# -- settling one intent ---------------------------------------------------------------------------------------

#: command -> a check of Hestia: True = the change happened, False = it did not, None = cannot be told.
Check = Callable[[HestiaClient, tuple[str, ...]], "bool | None"]


def _ftp_exists(client: HestiaClient, args: tuple[str, ...], *, full: bool) -> bool:
    user, domain, name = args[0], args[1], args[2]
    login = name if full else f"{user}_{name}"
    try:
        found = client.web_domain(user, domain)
    except NotFoundError:
        return False
    return any(a.username == login for a in found.ftp_accounts)


def _ftp_path_is(client: HestiaClient, args: tuple[str, ...]) -> bool:
    user, domain, login, path = args[:4]
    try:
        found = client.web_domain(user, domain)
    except NotFoundError:
        return False
    return any(a.username == login and a.path == path.strip("/") for a in found.ftp_accounts)


def _user(client: HestiaClient, name: str) -> HestiaUser | None:
    """v-list-user NAME json, or None when Hestia has no such user."""
    try:
        return client.users.get(name)
    except NotFoundError:
        return None


def _user_has(client: HestiaClient, name: str, test: Callable[[HestiaUser], bool]) -> bool:
    """True when the user exists and passes ``test``."""
    user = _user(client, name)
    return user is not None and test(user)


def _domain_exists(client: HestiaClient, args: tuple[str, ...]) -> bool:
    return any(d.name == args[1] for d in client.web_domains(args[0])) if _user(client, args[0]) else False


CHECKS: dict[str, Check] = {
    "v-add-web-domain-ftp": lambda c, a: _ftp_exists(c, a, full=False),
    "v-delete-web-domain-ftp": lambda c, a: not _ftp_exists(c, a, full=True),
    "v-change-web-domain-ftp-path": _ftp_path_is,
    "v-change-web-domain-ftp-password": lambda c, a: None,  # a password cannot be read back
    "v-add-user": lambda c, a: _user(c, a[0]) is not None,
    "v-delete-user": lambda c, a: _user(c, a[0]) is None,
    "v-suspend-user": lambda c, a: _user_has(c, a[0], lambda u: u.suspended),
    "v-unsuspend-user": lambda c, a: _user_has(c, a[0], lambda u: not u.suspended),
    "v-change-user-password": lambda c, a: None,
    "v-change-user-package": lambda c, a: _user_has(c, a[0], lambda u: u.package == a[1]),
    "v-add-web-domain": _domain_exists,
}

_INTERRUPTED = "checked after an interruption"  # how every note of a settled intent begins (matched below)
# What the customer reads in their activity list about a change maintain settled (marked for the panel's
# catalogs: the panel shows each in the reader's language).
_UNVERIFIABLE = N_("checked after an interruption: the answer was lost and Hestia cannot tell whether it was "
                   "applied; set a new password to be sure")
_NOT_MADE = N_("checked after an interruption: the change was not made")
_FTP_USER_MADE = N_("checked after an interruption: the FTP user was created, but its password was never shown to "
                    "anyone; set a new password before using it")
_ACCOUNT_EXISTS = N_("checked after an interruption: an account of this name exists now; that alone does not prove "
                     "the interrupted create made it, so its redelivery settles it")
_MADE = N_("checked after an interruption: the change was made")


def _settle(store: Store, log_: IntentLog, client: HestiaClient, intent: Intent) -> str:
    """Ask Hestia whether an open intent happened; record it on the intent and on the activity list."""
    check = CHECKS.get(intent.command)
    try:
        happened = check(client, intent.args) if check else None
    except HestiaError as error:
        log.warning("intent %s (%s) not settled: %s", intent.id, intent.command, type(error).__name__)
        return f"#{intent.id} {intent.command} {intent.account}: left open (Hestia: {type(error).__name__})"
    state, note = _verdict(intent, happened)
    log_.finish(intent.id, state, note)
    drop_lease(store, account_lock(intent.server_id, intent.account), f"intent:{intent.id}")  # its dead turn
    domain = intent.args[1] if "web-domain" in intent.command else None
    login = _login(intent)
    if intent.command == "v-add-web-domain-ftp" and login:
        store.release_name(intent.server_id, login)  # no longer "being created right now"
    if login and state != "unverified":
        _refresh_listing(store, intent.server_id, client, intent.account)
    if state != "exists":  # an unproven account's activity list is not ours to write in
        store.record_event(intent.server_id, intent.account, f"maintenance.{intent.command}", domain=domain,
                           ftp_user=login, outcome=state, detail=note)
    return f"#{intent.id} {intent.command} {' '.join(intent.args)}: {state} ({note})"


def _refresh_listing(store: Store, server_id: str, client: HestiaClient, account: str) -> None:
    """The stored listing (what the panel's popups read) as Hestia holds it now; kept as it was on failure."""
    try:
        FtpService(client, store=store, server_id=server_id).overview(account)
    except HestiaError as error:
        log.warning("listing of %s not refreshed: %s", account, type(error).__name__)


def _verdict(intent: Intent, happened: bool | None) -> tuple[str, str]:
    """The intent's settled state and the sentence that explains it."""
    if happened is None:
        return "unverified", _UNVERIFIABLE
    if not happened:
        return "failed", _NOT_MADE
    if intent.command == "v-add-web-domain-ftp":
        return "done", _FTP_USER_MADE
    if intent.command == "v-add-user":
        # A name that exists is not proof that this call made it (SECURITY.md 27): nobody is told it was theirs;
        # the same create's redelivery settles it by evidence (the password it sent checks out).
        return "exists", _ACCOUNT_EXISTS
    return "done", _MADE


def _login(intent: Intent) -> str | None:
    if intent.command == "v-add-web-domain-ftp":
        return f"{intent.args[0]}_{intent.args[2]}"
    return intent.args[2] if "web-domain-ftp" in intent.command else None


def _correct_suspension(store: Store, log_: IntentLog, client: HestiaClient, window: timedelta) -> list[str]:
    """Accounts whose last suspend/unsuspend was unknown or late: bring Hestia to the state last asked for."""
    corrected = []
    commands = ("v-suspend-user", "v-unsuspend-user")
    # Only accounts where an answer was lost: a state changed by hand in Hestia since is not billing's to undo.
    interrupted = {i.account: i.id for i in log_.since(commands, window) if i.note.startswith(_INTERRUPTED)}
    for account, interrupted_id in sorted(interrupted.items()):
        last = log_.latest(account, commands)
        if last is None or last.state in ("open", "unknown", "failed") or last.id < interrupted_id:
            continue
        user = _user(client, account)
        want_suspended = last.command == "v-suspend-user"
        if user is None or user.suspended == want_suspended:
            continue
        try:
            (client.users.suspend if want_suspended else client.users.unsuspend)(account)
        except HestiaError as error:
            corrected.append(f"{account}: {last.command} again failed ({type(error).__name__})")
            continue
        store.record_event(log_.server_id, account, "maintenance.corrected", outcome="success",
                           detail=f"Hestia held an older state; {last.command} applied again as billing last asked")
        corrected.append(f"{account}: {last.command} applied again (Hestia held an older state)")
    return corrected


def _free_settled_hooks(store: Store, log_: IntentLog, grace: timedelta) -> int:
    """Pending hook records whose changes are all settled: let their redelivery take over at once."""
    cutoff = store.now() - grace
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(hook_requests.c.reseller_id, hook_requests.c.idempotency_key).where(
            hook_requests.c.status == HOOK_PENDING, hook_requests.c.created_at < cutoff)).all()
    freed = 0
    for reseller, key in rows:
        if any(i.state in OPEN_STATES for i in log_.of_origin(f"hook:{reseller}:{key}")):
            continue
        where = sa.and_(hook_requests.c.reseller_id == reseller, hook_requests.c.idempotency_key == key,
                        hook_requests.c.status == HOOK_PENDING)
        with store.engine.begin() as conn:
            # Stamped old: the next redelivery's begin_hook takes it over at once (Store.begin_hook).
            stamp = store.now() - _FREED_AGE
            freed += conn.execute(sa.update(hook_requests).where(where).values(created_at=stamp)).rowcount
    return freed


# -- leases and purges -----------------------------------------------------------------------------------------


def _purge(store: Store, stamp: sa.Column[datetime], older_than: timedelta) -> int:
    table = stamp.table
    with store.engine.begin() as conn:
        return int(conn.execute(sa.delete(table).where(stamp < store.now() - older_than)).rowcount)


def _purge_intents(store: Store, older_than: timedelta) -> int:
    where = sa.and_(intents.c.state.not_in(OPEN_STATES), intents.c.created_at < store.now() - older_than)
    with store.engine.begin() as conn:
        return int(conn.execute(sa.delete(intents).where(where)).rowcount)
