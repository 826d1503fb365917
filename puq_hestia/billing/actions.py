"""The account operations behind the provisioning functions: what each one asks Hestia, and in which order.

Each action validates its params first, then makes the fewest Hestia calls that reach the goal. Failures are
raised as :class:`Failure` with a kind (which becomes the hooks endpoint's HTTP status) and a text naming what
to fix; :mod:`puq_hestia.billing.provisioning` turns them into WHMCS's return values and logs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from puq_hestia.auth.sso import SsoSigner
from puq_hestia.billing.whmcs import AccountParams, new_account_params, package_param, password_param, username_param
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import (
    AlreadyExistsError,
    HestiaConnectionError,
    HestiaError,
    LimitError,
    NotFoundError,
    NotSuspendedError,
    SuspendedError,
)
from puq_hestia.hestia.models import HestiaUser
from puq_hestia.store import Store

__all__ = ["ACTIONS", "Action", "Failure", "Kind", "Outcome", "ProvisioningContext"]


class Kind(StrEnum):
    """Why a provisioning call failed."""

    INVALID = "invalid"  # a params value is wrong; nothing was sent to Hestia
    FOREIGN = "foreign"  # the account belongs to another reseller (or none); nothing was sent
    NOT_FOUND = "not_found"  # Hestia has no such account
    CONFLICT = "conflict"  # the name is taken
    LIMIT = "limit"  # a package limit (E_LIMIT)
    SUSPENDED = "suspended"  # Hestia refuses this on a suspended account
    REFUSED = "refused"  # Hestia refused for another reason
    UNAVAILABLE = "unavailable"  # Hestia unreachable or busy
    INTERNAL = "internal"  # a bug in the bridge


class Failure(Exception):
    """A provisioning call that did not reach its goal; ``message`` is safe to show to the reseller."""

    def __init__(self, kind: Kind, message: str, *, user: str = "", domain: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.user = user
        self.domain = domain


@dataclass(frozen=True)
class Outcome:
    """A successful call: its account, a note such as "already suspended", and extra result fields."""

    user: str = ""
    domain: str = ""
    note: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProvisioningContext:
    """Where and for whom a provisioning function acts.

    ``client`` is the configured server's client (hooks endpoint, CLI); without it, one is built from the
    params' server fields with ``client_factory``. ``reseller_id`` limits the call to accounts that reseller
    created (the store records owners); None means an operator acting on any account.
    """

    client: HestiaClient | None = None
    server_id: str = "default"
    store: Store | None = None
    reseller_id: str | None = None
    sso: SsoSigner | None = None
    client_factory: Callable[[ServerConfig], HestiaClient] = field(default=HestiaClient, repr=False)


#: Returns the Hestia client, connecting on first use (so actions validate everything before it).
Connect = Callable[[], HestiaClient]
Runner = Callable[[Mapping[str, Any], ProvisioningContext, Connect], Outcome]


@dataclass(frozen=True)
class Action:
    """One provisioning action: its runner, and whether it acts on an existing account (ownership checked)."""

    run: Runner
    account: bool = True


# -- create -------------------------------------------------------------------------------------------------


def _create(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-add-user, then v-add-web-domain; if the domain fails, v-delete-user (all or nothing)."""
    account = new_account_params(params)
    client = connect()
    newly_claimed = _claim(ctx, client, account)
    try:
        # Only a name this reseller already held may be finished after an interrupted create (_stopped_halfway).
        _create_user(client, account, resumable=not newly_claimed)
    except BaseException as error:
        # An unknown outcome keeps the claim: the account may exist, and the reseller's retry must find it theirs.
        if newly_claimed and not getattr(error, "outcome_unknown", False):
            _release(ctx, account.username)
        raise
    if account.create_domain:
        _add_domain(ctx, client, account, newly_claimed)
    return Outcome(account.username, account.domain)


def _claim(ctx: ProvisioningContext, client: HestiaClient, account: AccountParams) -> bool:
    """Record the reseller as owner before creating; True when this call made the claim (so may undo it).

    Terminated accounts keep their owner, so a repeated terminate stays idempotent for that reseller; the name
    passes to another reseller only once Hestia confirms the old account is gone (one read-only call).
    """
    store, reseller, user = ctx.store, ctx.reseller_id, account.username
    if store is None or reseller is None:
        return False
    owner = store.account_owner(ctx.server_id, user)
    if owner not in (None, reseller):
        if _exists(client, user):
            raise Failure(Kind.CONFLICT, _taken(user))
        store.release_account(ctx.server_id, user)
        owner = None
    if not store.claim_account(ctx.server_id, user, reseller, account.service_id or None):
        raise Failure(Kind.CONFLICT, _taken(user))
    return owner is None


def _exists(client: HestiaClient, user: str) -> bool:
    """v-list-user USER json: whether the Hestia user exists."""
    try:
        client.users.get(user)
    except NotFoundError:
        return False
    return True


def _release(ctx: ProvisioningContext, user: str) -> None:
    if ctx.store is not None:
        ctx.store.release_account(ctx.server_id, user)


def _taken(user: str) -> str:
    return f"The username '{user}' is already taken on the server; choose another username."


def _create_user(client: HestiaClient, account: AccountParams, *, resumable: bool) -> None:
    """Create the Hestia user; a create whose outcome is unknown is reconciled, never resent blindly."""
    try:
        _send_create(client, account, resumable=resumable)
    except HestiaError as error:
        if not error.outcome_unknown:
            raise
        # SECURITY.md 22: the request may have run; look before sending it again.
        try:
            _reconcile_create(client, account)
        except HestiaError as failed:
            # The first v-add-user may have run, so this stays unknown even when the failed call was a read.
            raise HestiaConnectionError(f"v-add-user {account.username}: outcome unknown "
                                        f"({type(failed).__name__} while checking)", outcome_unknown=True) from failed


def _send_create(client: HestiaClient, account: AccountParams, *, resumable: bool = False) -> None:
    """v-add-user USER PASSWORD EMAIL PACKAGE NAME, with its refusals turned into texts."""
    try:
        client.users.create(account.username, account.password, account.email, account.package, account.name)
    except AlreadyExistsError:
        if not (resumable and _stopped_halfway(client, account)):
            raise Failure(Kind.CONFLICT, _taken(account.username)) from None
    except NotFoundError:
        # The only thing v-add-user looks up is the package (HESTIA_API.md §6.1 step 7).
        raise Failure(Kind.INVALID, f"The package '{account.package}' does not exist on the server; set the "
                                    "product's Package option to an existing Hestia package.") from None


def _stopped_halfway(client: HestiaClient, account: AccountParams) -> bool:
    """True when the existing user is this very account, left without its web domain by an interrupted create.

    Only then may a repeated create finish the job (issue 6: "retrying is safe"). The caller must know the
    account's password, so adopting it grants nothing new; an account that already has web domains is never
    adopted (a repeated create of a finished account still says "already taken"). The password is checked
    last, and only for a name the reseller already held: a failed check counts towards fail2ban (§2.6).
    """
    if not account.create_domain:
        return False
    existing = client.users.get(account.username)
    if existing.contact != account.email or existing.package != account.package:
        return False
    return not client.web_domains(account.username) and client.users.check_password(account.username,
                                                                                      account.password)


def _reconcile_create(client: HestiaClient, account: AccountParams) -> None:
    """After an unknown outcome: if our account exists, set the intended password; if none, create once."""
    try:
        existing: HestiaUser | None = client.users.get(account.username)
    except NotFoundError:
        existing = None
    if existing is None:
        _send_create(client, account)
    elif existing.contact == account.email and existing.package == account.package:
        client.users.change_password(account.username, account.password)
    else:
        raise Failure(Kind.CONFLICT, _taken(account.username))


def _add_domain(ctx: ProvisioningContext, client: HestiaClient, account: AccountParams, newly: bool) -> None:
    """v-add-web-domain USER DOMAIN; on failure the new user is deleted again so nothing is left behind."""
    user, domain = account.username, account.domain
    try:
        client.add_web_domain(user, domain)
    except HestiaError as error:
        reason = _domain_reason(error)
        try:
            client.users.delete(user)
        except HestiaError as cleanup:
            if isinstance(cleanup, HestiaConnectionError) and not isinstance(error, AlreadyExistsError):
                # The server stopped answering mid-way; the same create finishes the account (_stopped_halfway).
                raise Failure(Kind.UNAVAILABLE, _UNFINISHED, user=user, domain=domain) from None
            message = (f"The web domain '{domain}' could not be added ({reason}), and removing the new "
                       f"account failed too ({_detail(cleanup)}): delete the user '{user}' on the server "
                       "by hand.")
            raise Failure(Kind.REFUSED, message, user=user, domain=domain) from None
        if newly:
            _release(ctx, user)
        kind = Kind.CONFLICT if isinstance(error, AlreadyExistsError) else Kind.REFUSED
        message = (f"The web domain '{domain}' could not be added ({reason}); the account was removed again, "
                   "so nothing was left behind.")
        raise Failure(kind, message, user=user, domain=domain) from None


_UNFINISHED = ("The control panel stopped answering while the account was being set up, so it may or may not "
               "have been made. Retrying is safe: sending the same create again finishes it.")


def _domain_reason(error: HestiaError) -> str:
    if isinstance(error, AlreadyExistsError):
        return "it already exists on the server, perhaps in another account"
    if isinstance(error, LimitError):
        return "the package allows no more web domains"
    return _detail(error)


def _detail(error: HestiaError) -> str:
    """Hestia's own words for a failure (already masked by the transport), or the error class."""
    text = getattr(error, "text", "") or error.message
    return str(text).removeprefix("Error: ")


# -- existing accounts ---------------------------------------------------------------------------------------


def _resend_if_unknown(change: Callable[[], None]) -> None:
    """Run an idempotent change; send it once more when its answer was lost (it may or may not have run).

    Safe because each of these changes is idempotent, and a second suspend or delete that finds the goal
    reached answers E_SUSPENDED or E_NOTEXIST, which the callers treat as done (SECURITY.md 23).
    """
    try:
        change()
    except HestiaError as error:
        if not error.outcome_unknown:
            raise
        change()


def _missing(user: str) -> Failure:
    return Failure(Kind.NOT_FOUND, f"The account '{user}' does not exist on the server.", user=user)


def _suspend(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-suspend-user USER; E_SUSPENDED means the goal is already reached (SECURITY.md 23)."""
    user = username_param(params)
    client = connect()
    try:
        _resend_if_unknown(lambda: client.users.suspend(user))
    except SuspendedError:
        return Outcome(user, note="already suspended")
    except NotFoundError:
        raise _missing(user) from None
    return Outcome(user)


def _unsuspend(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-unsuspend-user USER (Hestia answers 0 for an active user, E_UNSUSPENDED is handled all the same)."""
    user = username_param(params)
    client = connect()
    try:
        _resend_if_unknown(lambda: client.users.unsuspend(user))
    except NotSuspendedError:
        return Outcome(user, note="already active")
    except NotFoundError:
        raise _missing(user) from None
    return Outcome(user)


def _terminate(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-delete-user USER; E_NOTEXIST means the account is already gone (SECURITY.md 23).

    The owner record stays (see _claim), so the same reseller may repeat the terminate and get "success".
    """
    user = username_param(params)
    try:
        client = connect()
        _resend_if_unknown(lambda: client.users.delete(user))
    except NotFoundError:
        return Outcome(user, note="already gone")
    return Outcome(user)


def _change_password(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-change-user-password USER PASSWORD (refused with E_SUSPENDED for a suspended user, §6.4)."""
    user, password = username_param(params), password_param(params)
    client = connect()
    try:
        _resend_if_unknown(lambda: client.users.change_password(user, password))
    except SuspendedError:
        raise Failure(Kind.SUSPENDED, f"The account '{user}' is suspended; unsuspend it before changing its "
                                      "password.", user=user) from None
    except NotFoundError:
        raise _missing(user) from None
    return Outcome(user)


def _change_package(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-list-user-packages, then v-change-user-package USER PACKAGE; E_LIMIT becomes a clear text (§6.5)."""
    user, package = username_param(params), package_param(params)
    names = [p.name for p in connect().users.packages()]
    if package not in names:
        raise Failure(Kind.INVALID, f"The package '{package}' does not exist on the server (it has: "
                                    f"{', '.join(names) or 'none'}); set the product's Package option to one "
                                    "of them.", user=user)
    try:
        client = connect()
        _resend_if_unknown(lambda: client.users.change_package(user, package))
    except LimitError as error:
        raise Failure(Kind.LIMIT, f"The account '{user}' uses more than package '{package}' allows "
                                  f"({_detail(error)}); choose a larger package or reduce the usage first.",
                      user=user) from None
    except NotFoundError:
        raise _missing(user) from None
    return Outcome(user, note=f"package {package}")


# -- server-wide and static ----------------------------------------------------------------------------------


def _test_connection(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """One read-only call (v-list-users json) proves URL, TLS, key and API settings."""
    connect().ping()
    return Outcome()


def _usage_update(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """Disk and bandwidth of every account in ONE call (v-list-users json); a reseller sees only its own."""
    users = connect().users.list()
    if ctx.reseller_id is not None and ctx.store is not None:
        owned = ctx.store.accounts_of(ctx.server_id, ctx.reseller_id)  # one query, not one per account
        users = [u for u in users if u.name in owned]
    accounts = [
        {
            "username": u.name,
            "package": u.package,
            "suspended": u.suspended,
            "disk_used_mb": u.disk_used,
            "disk_limit_mb": u.disk_quota,
            "bandwidth_used_mb": u.bandwidth_used,
            "bandwidth_limit_mb": u.bandwidth_limit,
        }
        for u in users
        if not u.is_admin
    ]
    return Outcome(fields={"accounts": accounts})


def _single_sign_on(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """A one-time panel login link for the account (DESIGN.md §3); no Hestia call."""
    user = username_param(params)
    if ctx.sso is None:
        raise Failure(Kind.INVALID, "Single sign-on needs the bridge's panel settings; call it through the "
                                    "bridge's hooks endpoint or the puq-hestia command.")
    return Outcome(user, note="login link issued", fields={"redirectTo": ctx.sso.link(ctx.server_id, user)})


METADATA: dict[str, Any] = {
    "DisplayName": "HestiaCP (puq-hestia)",
    "APIVersion": "1.1",
    "RequiresServer": True,
    "DefaultNonSSLPort": "8083",
    "DefaultSSLPort": "8083",
    "ServiceSingleSignOnLabel": "Log in to the FTP panel",
}

CONFIG_OPTIONS: dict[str, Any] = {
    "Package": {"Type": "text", "Size": "25", "Default": "default",
                "Description": "Hestia package for new accounts (configoption1)"},
    "Create web domain": {"Type": "yesno", "Default": "on",
                          "Description": "Add the service's domain as a web domain (configoption2)"},
    "FTP accounts": {"Type": "text", "Size": "5", "Default": "",
                     "Description": "Most FTP users the customer may create; empty = the package's limit in the "
                                    "bridge's settings (configoption3)"},
}


def _static(name: str, value: dict[str, Any]) -> Runner:
    def run(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
        return Outcome(fields={name: value})

    return run


#: Every provisioning action by its hook name (``POST /hooks/<name>``).
ACTIONS: dict[str, Action] = {
    "create_account": Action(_create, account=False),
    "suspend_account": Action(_suspend),
    "unsuspend_account": Action(_unsuspend),
    "terminate_account": Action(_terminate),
    "change_password": Action(_change_password),
    "change_package": Action(_change_package),
    "test_connection": Action(_test_connection, account=False),
    "usage_update": Action(_usage_update, account=False),
    "single_sign_on": Action(_single_sign_on),
    "metadata": Action(_static("metadata", METADATA), account=False),
    "config_options": Action(_static("config_options", CONFIG_OPTIONS), account=False),
}
