"""The account operations behind the provisioning functions: what each one asks Hestia, and in which order.

Each action validates its params first, then makes the fewest Hestia calls that reach the goal. Failures are
raised as :class:`Failure` with a kind (which becomes the hooks endpoint's HTTP status) and a text naming what
to fix; :mod:`puq_hestia.billing.provisioning` turns them into WHMCS's return values and logs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from puq_hestia.billing.base import (
    Action,
    Connect,
    Failure,
    Kind,
    Outcome,
    ProvisioningContext,
    Runner,
    detail,
    read_only,
)
from puq_hestia.billing.create import run_create
from puq_hestia.billing.whmcs import package_param, password_param, username_param
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import (
    HestiaError,
    LimitError,
    NotFoundError,
    NotSuspendedError,
    SuspendedError,
)

__all__ = ["ACTIONS", "Action", "Failure", "Kind", "Outcome", "ProvisioningContext"]


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


def _lock_clash(client: HestiaClient, user: str, doing: str, lock: str) -> None:
    """Refuse when Hestia's prefix lock would reach another user: v-(un)suspend-user X (un)locks X_* (§4.5)."""
    others = sorted(u.name for u in read_only(client.users.list, user=user) if u.name.startswith(f"{user}_"))
    if others:
        raise Failure(Kind.CONFLICT, f"{doing} '{user}' would also {lock} the logins of "
                                     f"{', '.join(repr(o) for o in others)}: Hestia applies it to every name "
                                     f"that starts with '{user}_'. Nothing was changed; ask the server's "
                                     "operator to rename one of them.", user=user)


def _suspend(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-list-users (prefix lock), then v-suspend-user USER; E_SUSPENDED means already reached (SECURITY.md 23)."""
    user = username_param(params)
    client = connect()
    _lock_clash(client, user, "Suspending", "lock")
    try:
        _resend_if_unknown(lambda: client.users.suspend(user))
    except SuspendedError:
        return Outcome(user, note="already suspended")
    except NotFoundError:
        raise _missing(user) from None
    return Outcome(user)


def _unsuspend(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-list-users (prefix lock), then v-unsuspend-user USER (0 for an active user; E_UNSUSPENDED all the same)."""
    user = username_param(params)
    client = connect()
    _lock_clash(client, user, "Unsuspending", "unlock")
    try:
        _resend_if_unknown(lambda: client.users.unsuspend(user))
    except NotSuspendedError:
        return Outcome(user, note="already active")
    except NotFoundError:
        raise _missing(user) from None
    return Outcome(user)


def _terminate(params: Mapping[str, Any], ctx: ProvisioningContext, connect: Connect) -> Outcome:
    """v-delete-user USER; E_NOTEXIST means the account is already gone (SECURITY.md 23).

    Either way the terminate is confirmed, so ownership ends (``ends_account``): a tombstone answers the same
    reseller's redelivery "already gone", and a later account of the name is nobody's (SECURITY.md 29).
    """
    user = username_param(params)
    try:
        client = connect()
        _resend_if_unknown(lambda: client.users.delete(user))
    except NotFoundError:
        return Outcome(user, note="already gone", ends_account=True)
    return Outcome(user, ends_account=True)


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
                                  f"({detail(error)}); choose a larger package or reduce the usage first.",
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
    "create_account": Action(run_create, account=False),
    "suspend_account": Action(_suspend),
    "unsuspend_account": Action(_unsuspend),
    "terminate_account": Action(_terminate, gone_ok=True),
    "change_password": Action(_change_password),
    "change_package": Action(_change_package),
    "test_connection": Action(_test_connection, account=False),
    "usage_update": Action(_usage_update, account=False),
    "single_sign_on": Action(_single_sign_on),
    "metadata": Action(_static("metadata", METADATA), account=False),
    "config_options": Action(_static("config_options", CONFIG_OPTIONS), account=False),
}
