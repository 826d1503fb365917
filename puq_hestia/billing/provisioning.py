"""WHMCS-style provisioning: one function per server-module function, each returning what WHMCS expects.

``create_account(params)`` and its siblings take the ``params`` mapping WHMCS passes to a server module and
return ``"success"`` or an error text the reseller can act on; they never raise. Everything is validated
before the first Hestia call (:mod:`puq_hestia.billing.whmcs`). A :class:`ProvisioningContext` decides which Hestia
server is used: the hooks endpoint passes the bridge's configured client for the reseller (never a host named
in the request: SSRF), while direct calls (library, CLI) build the connection from the params' server fields.

Every call is logged on ``puq_hestia.billing.provisioning`` with masked params (WHMCS's logModuleCall idea) and, when
a store is at hand, recorded as an audit event on the customer's account.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from puq_hestia.billing.actions import ACTIONS, Action, Failure, Kind, Outcome, ProvisioningContext
from puq_hestia.billing.whmcs import (
    ParamsError,
    ftp_accounts_param,
    mask_params,
    package_param,
    server_config_from_params,
    username_param,
)
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import (
    AuthenticationError,
    HestiaCommandError,
    HestiaConnectionError,
    HestiaError,
    HestiaTLSError,
    HestiaUsageError,
    LoadTooHighError,
)
from puq_hestia.intents import AccountBusyError, changes_sent
from puq_hestia.store import STORE_OUTAGES

__all__ = [
    "ACTIONS",
    "HookResult",
    "Kind",
    "ProvisioningContext",
    "change_package",
    "change_password",
    "config_options",
    "create_account",
    "describe_hestia_error",
    "metadata",
    "run_action",
    "single_sign_on",
    "suspend_account",
    "terminate_account",
    "test_connection",
    "unsuspend_account",
    "usage_update",
]

log = logging.getLogger("puq_hestia.billing.provisioning")

#: HTTP status of each failure kind at the hooks endpoint.
HTTP_STATUS: dict[Kind, int] = {
    Kind.INVALID: 422,
    Kind.FOREIGN: 404,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.LIMIT: 422,
    Kind.SUSPENDED: 409,
    Kind.REFUSED: 502,
    Kind.UNAVAILABLE: 503,
    Kind.INTERNAL: 500,
}
# Failures a redelivery may try again, because nothing was done: not stored as the idempotent answer.
_RETRYABLE = frozenset({Kind.INVALID, Kind.FOREIGN, Kind.UNAVAILABLE, Kind.INTERNAL})


@dataclass(frozen=True)
class HookResult:
    """One provisioning outcome as the hooks endpoint answers it: a JSON body and an HTTP status."""

    body: dict[str, Any]
    kind: Kind | None = None

    @property
    def ok(self) -> bool:
        """True for ``{"result": "success"}``."""
        return self.kind is None

    @property
    def message(self) -> str:
        """The error text ("" on success)."""
        return str(self.body.get("message", ""))

    @property
    def status(self) -> int:
        """The HTTP status for this outcome."""
        return 200 if self.kind is None else HTTP_STATUS[self.kind]

    @property
    def final(self) -> bool:
        """True when a redelivery with the same Idempotency-Key must get this same answer."""
        return self.kind not in _RETRYABLE


# Actions after which no panel session of the account may go on (a re-created name is a new customer).
ENDS_SESSIONS = frozenset({"change_password", "suspend_account", "terminate_account", "create_account"})


def run_action(action: str, params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> HookResult:
    """Run one provisioning action by name (``create_account``, ...); never raises."""
    ctx = ctx or ProvisioningContext()
    spec = ACTIONS.get(action)
    if spec is None:
        return _failed(action, params, ctx, Failure(Kind.INVALID, f"Unknown action '{action}'."))
    if not isinstance(params, Mapping):
        return _failed(action, params, ctx, Failure(Kind.INVALID, "params must be an object."))
    try:
        limits = _limits_asked(action, params)  # checked before any Hestia call
        outcome = _run(spec, params, ctx)
        _remember_limits(ctx, outcome.user, limits)
    except Failure as failure:
        return _failed(action, params, ctx, failure)
    except ParamsError as error:
        return _failed(action, params, ctx, Failure(Kind.INVALID, str(error)))
    except STORE_OUTAGES as error:
        return _failed(action, params, ctx, Failure(Kind.UNAVAILABLE, _store_outage_text(error)))
    except HestiaError as error:
        described = describe_hestia_error(error)
        # Audit the failure on the account, as the reseller is told (without it, a change of unknown outcome left
        # no trace in the activity list; issue 6 matrix). Only on an account the caller may act on, so nobody
        # writes into a stranger's activity list.
        described.user = _audit_target(spec, params, ctx)
        return _failed(action, params, ctx, described)
    except Exception:  # never raise to WHMCS; the traceback goes to the log, which holds no secret
        log.exception("%s failed unexpectedly; params %s", action, _masked(params))
        internal = Failure(Kind.INTERNAL, "Unexpected error in the bridge; see its log.")
        return _failed(action, params, ctx, internal, logged=True)
    log.info("%s %s: %s%s", action, _masked(params), outcome.note or "success", _by(ctx))
    # "already" outcomes (suspend of a suspended account, ...) are audited as such (SECURITY.md 23).
    audit_outcome = "already" if outcome.note.startswith("already") else "success"
    _audit(ctx, action, outcome.user, outcome.domain, audit_outcome, outcome.note)
    if action in ENDS_SESSIONS and ctx.store is not None and outcome.user:
        # SECURITY.md 34: a copied panel cookie stops working once billing changed who may use the account.
        ctx.store.end_sessions(ctx.server_id, outcome.user)
    if outcome.ends_account and ctx.store is not None:
        # After the audit, so the terminate itself is archived with the account's activity (SECURITY.md 29).
        ctx.store.bury_account(ctx.server_id, outcome.user, ctx.reseller_id or "")
    return HookResult({"result": "success", **outcome.fields})


def _limits_asked(action: str, params: Mapping[str, Any]) -> dict[str, str | int | None] | None:
    """The package and FTP user limit a create or package change sets (puq_hestia.ftp.limits), validated."""
    if action not in ("create_account", "change_package"):
        return None
    return {"package": package_param(params), "ftp_accounts": ftp_accounts_param(params)}


def _remember_limits(ctx: ProvisioningContext, user: str, limits: dict[str, str | int | None] | None) -> None:
    """Keep them where the panel's FTP limit reads them, with no Hestia call."""
    if limits is not None and ctx.store is not None and user:
        ctx.store.set_account_limits(ctx.server_id, user, **limits)


def _store_outage_text(error: Exception) -> str:
    """What a reseller is told when the bridge's own database failed (only what is known)."""
    if isinstance(error, AccountBusyError):
        return ("Another change to this account is still in progress, so nothing was changed. Retry in a "
                "moment.")
    if getattr(error, "nothing_sent", False) or not changes_sent():
        return ("The bridge's database is unavailable, so nothing was sent to the control panel and nothing "
                "was changed. Retry later.")
    return ("The bridge's database became unavailable during the change, so it may or may not have been made at "
            "the control panel; it is recorded and settled by the maintenance run. Retry later.")


def _run(spec: Action, params: Mapping[str, Any], ctx: ProvisioningContext) -> Outcome:
    """Check ownership (no Hestia call for a foreign account), then run the action."""
    if spec.account and ctx.reseller_id is not None and ctx.store is not None:
        user = username_param(params)
        if ctx.store.account_owner(ctx.server_id, user) != ctx.reseller_id:
            if spec.gone_ok and ctx.store.buried_by(ctx.server_id, user, ctx.reseller_id):
                # Answered from the tombstone: no Hestia call, and nothing written on a later account of the name.
                return Outcome(note="already gone")
            raise Failure(Kind.FOREIGN, "No such account for this reseller.", user=user)
    built: list[HestiaClient] = []

    def connect() -> HestiaClient:
        if ctx.client is not None:
            return ctx.client
        if not built:
            built.append(ctx.client_factory(server_config_from_params(params)))
        return built[0]

    try:
        return spec.run(params, ctx, connect)
    finally:
        for client in built:  # a client built from params serves this one call
            client.close()


def _audit_target(spec: Action, params: Mapping[str, Any], ctx: ProvisioningContext) -> str:
    """The account a failed call is audited on: one the reseller owns (or any, for an operator), else none."""
    user = str(params.get("username", ""))
    if not user or ctx.reseller_id is None or ctx.store is None:
        return user if spec.account or ctx.reseller_id is None else ""
    return user if ctx.store.account_owner(ctx.server_id, user) == ctx.reseller_id else ""


def _failed(
    action: str, params: Any, ctx: ProvisioningContext, failure: Failure, *, logged: bool = False
) -> HookResult:
    """Log and audit a failure, and shape it as ``{"result": "error", "message": ...}``."""
    if not logged:
        masked = _masked(params) if isinstance(params, Mapping) else "(not an object)"
        log.warning("%s %s: %s (%s)%s", action, masked, failure.message, failure.kind.value, _by(ctx))
    if failure.user and failure.kind is not Kind.FOREIGN:
        _audit(ctx, action, failure.user, failure.domain, "error", failure.message)
    return HookResult({"result": "error", "message": failure.message}, failure.kind)


def _audit(ctx: ProvisioningContext, action: str, user: str, domain: str, outcome: str, detail: str) -> None:
    """Record the event on the customer's account, so the panel's activity list shows billing's actions."""
    if ctx.store is None or not user:
        return
    by = f"by reseller {ctx.reseller_id}" if ctx.reseller_id else "by the billing system"
    ctx.store.record_event(ctx.server_id, user, f"account.{action}", domain=domain or None, outcome=outcome,
                           detail=f"{by}; {detail}" if detail else by)


def _masked(params: Mapping[str, Any]) -> str:
    """Params as one JSON log field with every secret masked."""
    return json.dumps(mask_params(params), sort_keys=True, default=str)


def _by(ctx: ProvisioningContext) -> str:
    return f" (reseller {ctx.reseller_id})" if ctx.reseller_id else ""


def describe_hestia_error(error: HestiaError) -> Failure:
    """Turn a Hestia error into a failure kind and a text that says what happened and what to do."""
    if isinstance(error, HestiaUsageError):
        return Failure(Kind.INVALID, "A value contains a control character or is otherwise unusable; fix it.")
    if isinstance(error, HestiaTLSError):
        return Failure(Kind.UNAVAILABLE, "The control panel's TLS certificate could not be verified; nothing "
                                         "was changed. Install a valid certificate or pin its CA.")
    if isinstance(error, HestiaConnectionError | LoadTooHighError):
        if error.outcome_unknown:
            return Failure(Kind.UNAVAILABLE, "The control panel stopped answering during the change; it may "
                                             "or may not have been made. Retrying is safe.")
        return Failure(Kind.UNAVAILABLE, "The control panel could not be reached or is too busy; nothing was "
                                         "changed. Try again later.")
    if isinstance(error, AuthenticationError):
        return Failure(Kind.REFUSED, f"The control panel refused the bridge's API key ({error.code_name}); "
                                     "check the key, its permissions and the API's allowed IP addresses.")
    if isinstance(error, HestiaCommandError):
        detail = error.text.removeprefix("Error: ") or error.code_name
        return Failure(Kind.REFUSED, f"The control panel refused the change ({error.code_name}): {detail}")
    return Failure(Kind.REFUSED, "The control panel gave an answer the bridge cannot read; nothing is known "
                                 "about the change. Check the server.")


# -- the WHMCS module functions -----------------------------------------------------------------------------


def _text_result(result: HookResult) -> str:
    return "success" if result.ok else result.message


def create_account(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> str:
    """CreateAccount: v-add-user, then v-add-web-domain when a domain is given; all or nothing."""
    return _text_result(run_action("create_account", params, ctx))


def suspend_account(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> str:
    """SuspendAccount: v-suspend-user; an already suspended account is a success."""
    return _text_result(run_action("suspend_account", params, ctx))


def unsuspend_account(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> str:
    """UnsuspendAccount: v-unsuspend-user; an active account is a success."""
    return _text_result(run_action("unsuspend_account", params, ctx))


def terminate_account(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> str:
    """TerminateAccount: v-delete-user; an account that is already gone is a success."""
    return _text_result(run_action("terminate_account", params, ctx))


def change_password(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> str:
    """ChangePassword: v-change-user-password."""
    return _text_result(run_action("change_password", params, ctx))


def change_package(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> str:
    """ChangePackage: v-change-user-package, after checking that the package exists."""
    return _text_result(run_action("change_package", params, ctx))


def test_connection(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> dict[str, Any]:
    """TestConnection: ``{"success": bool, "error": str}``."""
    result = run_action("test_connection", params, ctx)
    return {"success": result.ok, "error": result.message}


def usage_update(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> dict[str, Any]:
    """UsageUpdate: ``{"success", "error", "accounts": [...]}``, disk and bandwidth per user in one call."""
    result = run_action("usage_update", params, ctx)
    return {"success": result.ok, "error": result.message, "accounts": result.body.get("accounts", [])}


def single_sign_on(params: Mapping[str, Any], ctx: ProvisioningContext | None = None) -> dict[str, Any]:
    """ServiceSingleSignOn: ``{"success": True, "redirectTo": url}`` or ``{"success": False, "errorMsg"}``."""
    result = run_action("single_sign_on", params, ctx)
    if result.ok:
        return {"success": True, "redirectTo": result.body["redirectTo"]}
    return {"success": False, "errorMsg": result.message}


def metadata(
    params: Mapping[str, Any] | None = None, ctx: ProvisioningContext | None = None
) -> dict[str, Any]:
    """MetaData: the module's name, API version and ports."""
    body = run_action("metadata", params or {}, ctx).body
    result: dict[str, Any] = body["metadata"]
    return result


def config_options(
    params: Mapping[str, Any] | None = None, ctx: ProvisioningContext | None = None
) -> dict[str, Any]:
    """ConfigOptions: the product fields (configoption1 = package, configoption2 = create a web domain)."""
    body = run_action("config_options", params or {}, ctx).body
    result: dict[str, Any] = body["config_options"]
    return result
