"""create_account: make a new Hestia account, and never take one that already exists (SECURITY.md 27, 28).

The bridge holds an admin key, so "the name exists now" is never proof that this call made it. In order:

1. params valid and the name not reserved (no Hestia call);
2. look first, ``v-list-user USER``: an existing account is refused with 409 and no mutation, unless this very
   create is being finished (an account this reseller owns, or its own unproven create under this
   Idempotency-Key) and the password this create carries passes ``v-check-user-password`` (evidence a
   stranger lacks);
3. ``v-list-users``: a name that shares Hestia's suspend lock with another user (``X`` / ``X_...``) is refused;
4. the intent is written, then ``v-add-user``. A lost answer is settled by evidence: the name absent means it
   never ran (send it once more); present, it is ours only if our password checks out. Only a proven account
   is claimed for the reseller;
5. ``v-add-web-domain``; when it fails, the account this create made is deleted again (all or nothing).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from typing import Any

from puq_hestia.billing.base import (
    Connect,
    Failure,
    Kind,
    Outcome,
    ProvisioningContext,
    detail,
    read_only,
    taken,
)
from puq_hestia.billing.names import prefix_clash, refused_reason, role_reason
from puq_hestia.billing.whmcs import AccountParams, ftp_accounts_param, new_account_params
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import (
    AlreadyExistsError,
    HestiaConnectionError,
    HestiaError,
    LimitError,
    NotFoundError,
)
from puq_hestia.hestia.models import HestiaUser
from puq_hestia.intents import CREATE_PLAN, IntentLog, current_origin, intent_origin
from puq_hestia.store import STORE_OUTAGES, Store

__all__ = ["run_create"]

_UNFINISHED = ("The control panel stopped answering while the account was being set up, so it may or may not "
               "have been made. Retrying is safe: sending the same create again finishes it.")


class _Ledger:
    """What the store knows of this create: the owner claim and the intent (no-ops without a store)."""

    def __init__(self, ctx: ProvisioningContext, account: AccountParams, ftp_accounts: int | None = None) -> None:
        self.ctx, self.account, self.ftp_accounts = ctx, account, ftp_accounts
        self.me = ctx.reseller_id or ""  # "" is the operator, who claims nothing
        self.key = ctx.idempotency_key or ""
        self.plan = _Plan(None, ctx.server_id, account, None)  # written by begin() for a name that is new

    @property
    def owned(self) -> bool:
        """True when this reseller owns the name already (an account it was proven to have made)."""
        store = self.ctx.store
        if not self.me or store is None:
            return False
        return store.account_owner(self.ctx.server_id, self.account.username) == self.me

    @property
    def resuming(self) -> bool:
        """True when an unproven create of this reseller under this same Idempotency-Key is being finished."""
        if self.ctx.store is None or not self.key:
            return False
        intent = self.ctx.store.create_intent(self.ctx.server_id, self.account.username)
        return intent is not None and (intent.reseller_id, intent.idempotency_key) == (self.me, self.key)

    @property
    def made_here(self) -> bool:
        """True when this same delivery's plan proved the account made (its worker died, or its answer was lost)."""
        store = self.ctx.store
        if store is None or not (self.me and self.key):
            return False
        plans = IntentLog(store, self.ctx.server_id).of_origin(f"hook:{self.me}:{self.key}")
        return any(p.command == CREATE_PLAN and p.account == self.account.username and p.state in ("made", "done")
                   for p in plans)

    def begin(self) -> None:
        """Before v-add-user of a name Hestia says is absent: write the intent (one create of a name at a time).

        First the plan of the whole create (the steps it will take, never the password), so that the maintenance
        run can finish or roll back a create whose worker died between them (puq_hestia.unfinished).
        """
        store, server, user = self.ctx.store, self.ctx.server_id, self.account.username
        if store is None:
            return
        self.plan = _Plan(store, server, self.account, self.ftp_accounts)
        if not store.begin_create(server, user, self.me, self.key):
            self.plan.close("failed", "another create of the name was running; nothing was sent")
            raise Failure(Kind.CONFLICT, f"Another create of the username '{user}' is running right now; "
                                         "nothing was changed. Try again in a few minutes.")

    def proven(self, *, made_now: bool = False) -> None:
        """The account is proven made by this create: claim it for the reseller, forget the intent.

        ``made_now``: v-add-user itself succeeded, so another reseller's record of the name is of an account that
        is gone. Proven only by evidence, an account another reseller holds is not taken (409).
        """
        store, server, user = self.ctx.store, self.ctx.server_id, self.account.username
        if store is None:
            return
        owner = store.account_owner(server, user)
        if self.me and owner not in (None, self.me):
            if not made_now:
                self.not_made()
                raise Failure(Kind.CONFLICT, taken(user))
            store.release_account(server, user)
        if self.me:
            store.claim_account(server, user, self.me, self.account.service_id or None)
        self.plan.close("made", "v-add-user proven made by this create")
        store.end_create(server, user, self.me)

    def not_made(self) -> None:
        """This create made nothing (or not this account): forget its intent."""
        if self.ctx.store is not None:
            self.plan.close("failed", "this create made no account")
            self.ctx.store.end_create(self.ctx.server_id, self.account.username, self.me)

    def removed(self) -> None:
        """The rollback deleted the account: nobody owns the name."""
        self.plan.close("rolled back", "the web domain could not be added; the account was removed again")
        if self.ctx.store is not None and self.me:
            self.ctx.store.release_account(self.ctx.server_id, self.account.username)


class _Plan:
    """The create's plan in the intent log (CREATE_PLAN): what a maintenance run needs to finish or undo it."""

    def __init__(self, store: Store | None, server_id: str, account: AccountParams, ftp_accounts: int | None) -> None:
        self.log = IntentLog(store, server_id) if store is not None else None
        domain = account.domain if account.create_domain else ""
        limit = "" if ftp_accounts is None else str(ftp_accounts)
        args = [account.username, domain, account.package, account.service_id or "", limit]
        self.id = self.log.plan(account.username, args) if self.log is not None else 0
        self.state = "open"

    @property
    def ended(self) -> bool:
        """True once the create's end is recorded (done, failed or rolled back)."""
        return self.state not in ("open", "made")

    def close(self, state: str, note: str) -> None:
        """Record how far the create got ("made" keeps it for the maintenance run until it ends).

        A store that fails here loses nothing: the plan stays as it was, and the maintenance run settles it by
        evidence (the v-add-user intent's own answer, the account and its domain at Hestia).
        """
        if self.log is None or not self.id or self.ended:
            return
        with contextlib.suppress(*STORE_OUTAGES):
            self.log.finish(self.id, state, note)
            self.state = state


def run_create(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """Look, refuse what is not new, create, settle an unknown outcome by evidence, add the domain."""
    raw = params.get("username")
    reason = refused_reason(raw) if isinstance(raw, str) else None
    if reason is not None:
        raise Failure(Kind.INVALID, reason)
    account = new_account_params(params)
    client = connect()
    ledger = _Ledger(ctx, account, ftp_accounts_param(params))  # what maintain needs to finish it
    existing = read_only(lambda: _get_or_none(client, account.username))
    if existing is None:
        names = read_only(lambda: [u.name for u in client.users.list()])
        clash = prefix_clash(account.username, names)
        if clash is not None:
            raise Failure(Kind.CONFLICT, clash)
        # The plan's steps are its origin's intents: a create nobody named (CLI, library) gets a name of its own.
        with intent_origin(current_origin() or f"create:{secrets.token_hex(8)}"):
            return _create_new(client, account, ledger)
    if not _finish(client, account, existing, ledger) and account.create_domain:
        _add_domain(client, account, ledger)
    return Outcome(account.username, account.domain)


def _create_new(client: HestiaClient, account: AccountParams, ledger: _Ledger) -> Outcome:
    """A name Hestia says is absent: plan, v-add-user, v-add-web-domain; the plan records how far it got."""
    ledger.begin()
    try:
        _make(client, account, ledger)
        if account.create_domain:
            _add_domain(client, account, ledger)
    except Failure as failure:
        if failure.kind is not Kind.UNAVAILABLE:  # the create's end is known; else maintain settles it
            ledger.plan.close("failed", failure.message)
        raise
    ledger.plan.close("done", "created")
    return Outcome(account.username, account.domain)


def _get_or_none(client: HestiaClient, user: str) -> HestiaUser | None:
    """v-list-user USER json, or None when Hestia has no such user."""
    try:
        return client.users.get(user)
    except NotFoundError:
        return None


def _finish(client: HestiaClient, account: AccountParams, existing: HestiaUser, ledger: _Ledger) -> bool:
    """The name exists: refuse (409, no mutation) unless this same create is proven to be finishing its account.

    True when there is nothing left to do: this same delivery (reseller and Idempotency-Key) made the account
    and every step of it, and only its answer was lost.

    Only an account the reseller owns, or its own unproven create under this Idempotency-Key, qualifies; the
    account must still be as the create left it (same contact and package, no web domain when one is asked
    for) and the password this create carries must check out. A failed check counts towards fail2ban (§2.6), so
    it is only made for such a name.
    """
    user = account.username
    if existing.role != "user":
        raise Failure(Kind.CONFLICT, role_reason(user, existing.role))
    owned, resuming = ledger.owned, ledger.resuming
    if owned and ledger.made_here and _complete(client, account):
        # This very delivery made it, and every step is done (its answer was lost): a redelivery hears "success".
        return True
    # A finished account of the reseller (no domain to add) is a repeated create: "taken", as Hestia would say.
    if not resuming and not (owned and account.create_domain):
        raise Failure(Kind.CONFLICT, taken(user))
    same = existing.contact == account.email and existing.package == account.package
    if not same or not read_only(lambda: _unfinished(client, account)):
        if resuming:
            ledger.not_made()
        raise Failure(Kind.CONFLICT, taken(user))
    ledger.proven()
    return False


def _complete(client: HestiaClient, account: AccountParams) -> bool:
    """Every step of the create is at Hestia: the account has its web domain, or none was asked for."""
    user, domain = account.username, account.domain
    return not account.create_domain or read_only(lambda: any(d.name == domain for d in client.web_domains(user)))


def _unfinished(client: HestiaClient, account: AccountParams) -> bool:
    """No web domain yet (when one is asked for) and this create's password works: it is this create's account."""
    if account.create_domain and client.web_domains(account.username):
        return False
    return client.users.check_password(account.username, account.password)


def _make(client: HestiaClient, account: AccountParams, ledger: _Ledger) -> None:
    """v-add-user; an unknown outcome is settled by evidence, never by existence (SECURITY.md 22, 27)."""
    try:
        made = _send(client, account)
    except HestiaError as error:
        if not error.outcome_unknown:
            ledger.not_made()
            raise
        _settle(client, account, ledger)
        return
    except Failure:
        ledger.not_made()
        raise
    if not made:
        ledger.not_made()
        raise Failure(Kind.CONFLICT, taken(account.username))
    ledger.proven(made_now=True)


def _settle(client: HestiaClient, account: AccountParams, ledger: _Ledger) -> None:
    """After a lost v-add-user answer: absent → send once more; present → ours only if our password works."""
    user = account.username
    try:
        existing = _get_or_none(client, user)
        if existing is None and _send(client, account):
            ledger.proven(made_now=True)
            return
        existing = existing or client.users.get(user)  # made meanwhile (perhaps ours, late): the evidence decides
        ours = existing.role == "user" and client.users.check_password(user, account.password)
    except HestiaError as failed:
        # The first v-add-user may have run, so this stays unknown, and the intent stays for a retry to settle.
        raise HestiaConnectionError(f"v-add-user {user}: outcome unknown ({type(failed).__name__} while "
                                    "checking)", outcome_unknown=True) from failed
    except Failure:
        ledger.not_made()
        raise
    if not ours:
        ledger.not_made()  # someone else's account: never changed, never claimed
        raise Failure(Kind.CONFLICT, taken(user))
    ledger.proven()


def _send(client: HestiaClient, account: AccountParams) -> bool:
    """v-add-user USER PASSWORD EMAIL PACKAGE NAME: True when made, False on E_EXISTS (never adopted)."""
    try:
        client.users.create(account.username, account.password, account.email, account.package, account.name)
    except AlreadyExistsError:
        return False
    except NotFoundError:
        # The only thing v-add-user looks up is the package (HESTIA_API.md §6.1 step 7).
        raise Failure(Kind.INVALID, f"The package '{account.package}' does not exist on the server; set the "
                                    "product's Package option to an existing Hestia package.") from None
    return True


def _add_domain(client: HestiaClient, account: AccountParams, ledger: _Ledger) -> None:
    """v-add-web-domain USER DOMAIN; on failure the account this create made is deleted again."""
    user, domain = account.username, account.domain
    try:
        client.add_web_domain(user, domain)
    except HestiaError as error:
        reason = _domain_reason(error)
        try:
            client.users.delete(user)
        except HestiaError as cleanup:
            if isinstance(cleanup, HestiaConnectionError) and not isinstance(error, AlreadyExistsError):
                # The server stopped answering mid-way; the same create finishes the account (it is claimed).
                raise Failure(Kind.UNAVAILABLE, _UNFINISHED, user=user, domain=domain) from None
            message = (f"The web domain '{domain}' could not be added ({reason}), and removing the new "
                       f"account failed too ({detail(cleanup)}): delete the user '{user}' on the server "
                       "by hand.")
            raise Failure(Kind.REFUSED, message, user=user, domain=domain) from None
        ledger.removed()
        kind = Kind.CONFLICT if isinstance(error, AlreadyExistsError) else Kind.REFUSED
        message = (f"The web domain '{domain}' could not be added ({reason}); the account was removed again, "
                   "so nothing was left behind.")
        raise Failure(kind, message, user=user, domain=domain) from None


def _domain_reason(error: HestiaError) -> str:
    if isinstance(error, AlreadyExistsError):
        return "it already exists on the server, perhaps in another account"
    if isinstance(error, LimitError):
        return "the package allows no more web domains"
    return detail(error)
