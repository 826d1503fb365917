"""Blueprint `hooks`: `POST /hooks/<action>` for resellers' billing systems, and its OpenAPI document.

A request is authenticated before anything else is read (DESIGN.md §3, SECURITY.md 16): `X-Puq-Reseller` names
a configured reseller, `X-Puq-Timestamp` is within 300 s of the bridge's clock, and `X-Puq-Signature` is
`sha256=<hex HMAC-SHA256 of timestamp + "." + raw body>` under any of the reseller's secrets (several during a
rotation). The signed body must name its action (`"action": "<the URL's action>"`), so a signature cannot be
moved to another action's URL (SECURITY.md 30): the signed string stays one byte string, which survives proxies
that rewrite the path prefix, and the WHMCS module has always sent it. The same signed request is accepted
once; an `Idempotency-Key` makes a redelivery return the stored answer without a second Hestia call (item 17),
and a single-sign-on record keeps only that a link was issued (item 31). The reseller acts only on accounts it
created (item 6) and on its configured server, never on a host named in the body. Every answer under /hooks/
is JSON, unexpected errors and unrouted paths included; bad input gets a 4xx, never a 500. CSRF does not apply
here (the signature is the proof of origin): create_app exempts this blueprint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from panel.extensions import services
from panel.health import store_outage_response
from panel.hooks_openapi import openapi_document
from puq_hestia.auth.sso import SsoSigner
from puq_hestia.billing.provisioning import ACTIONS, HookResult, ProvisioningContext, run_action
from puq_hestia.intents import intent_origin
from puq_hestia.settings import ResellerSettings
from puq_hestia.store import STORE_OUTAGES

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
log = logging.getLogger(__name__)

TIMESTAMP_TOLERANCE_S = 300
MAX_BODY_BYTES = 64 * 1024
_SIGNATURE_RE = re.compile(r"sha256=([0-9a-fA-F]{64})")
# RFC 9110 token-ish: visible ASCII, bounded by the store's column width.
_IDEMPOTENCY_KEY_RE = re.compile(r"[!-~]{1,255}")
_BAD_SIGNATURE = "Unknown reseller or wrong signature (X-Puq-Reseller, X-Puq-Signature). Nothing was changed."
_UNEXPECTED = "Unexpected error in the bridge; see its log. Nothing is known about the change."
_STATUS_TEXTS = {
    404: "No such hooks address; POST /hooks/<action> (see /hooks/openapi.json). Nothing was changed.",
    405: "Hooks take POST /hooks/<action> (see /hooks/openapi.json). Nothing was changed.",
    503: "The bridge is unavailable right now; nothing was changed. Try again later.",
}
_NO_ACTION = ("The signed body must name its action (\"action\": \"{action}\"), so that a signature cannot be "
              "moved to another action. Nothing was changed.")


class HookError(Exception):
    """A request refused before any provisioning: answered as ``{"result": "error", "message"}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> Response:
    """The JSON error body every refusal uses."""
    response = jsonify({"result": "error", "message": message})
    response.status_code = status
    return response


@bp.errorhandler(HookError)
def _hook_error(error: HookError) -> Response:
    return error_response(error.status, error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    # Errors raised while reading the request (e.g. 413) stay JSON for billing systems.
    return error_response(error.code or 400, error.description or error.name)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> ResponseReturnValue:
    # A bug: JSON, so billing systems show this text rather than "check the Hostname field". A store outage is a
    # 503 that says what is known (this blueprint's catch-all would otherwise win over the app's handler).
    if isinstance(error, STORE_OUTAGES):
        return store_outage_response(error)
    log.error("unexpected error on %s %s", request.method, request.path, exc_info=error)
    return error_response(500, _UNEXPECTED)


@bp.after_app_request
def _json_everywhere(response: Response) -> Response:
    """Turn any non-JSON answer under /hooks/ (an unrouted path, the app's HTML error pages) into JSON."""
    if not request.path.startswith(bp.url_prefix or "/hooks") or response.is_json or response.status_code < 400:
        return response
    replaced = error_response(response.status_code, _STATUS_TEXTS.get(response.status_code, _UNEXPECTED))
    for name in ("Allow", "Retry-After"):
        if name in response.headers:
            replaced.headers[name] = response.headers[name]
    return replaced


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this endpoint."""
    return jsonify(openapi_document(request.host_url.rstrip("/")))


@bp.post("/<action>")
def run_hook(action: str) -> Response:
    """Authenticate, de-duplicate and run one provisioning action for the calling reseller."""
    if action not in ACTIONS:
        raise HookError(404, f"Unknown action '{action}'. See /hooks/openapi.json.")
    body = _read_body()
    reseller, signature = _authenticate(body)
    params = _parse_params(body)
    if "action" not in params:
        raise HookError(400, _NO_ACTION.format(action=action))
    if params["action"] != action:
        raise HookError(400, "The body's 'action' does not match the URL. Nothing was changed.")
    if not services().store.consume_token(_replay_token(reseller.id, signature)):
        raise HookError(409, "This signed request was already received (replay); sign each delivery anew. "
                             "Nothing was changed.")
    key = request.headers.get("Idempotency-Key")
    # Every change this delivery makes is written down as its intent, tied to the delivery (DESIGN.md §7).
    with intent_origin(f"hook:{reseller.id}:{key}" if key is not None else f"hook:{reseller.id}"):
        if key is None:
            return _respond(_provision(action, params, reseller, None))
        return _run_once(action, params, reseller, key, body)


def _read_body() -> bytes:
    """The raw body (the signature covers these exact bytes), bounded in size."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise HookError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    body = request.get_data(cache=True)
    if len(body) > MAX_BODY_BYTES:
        raise HookError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    return body


def _authenticate(body: bytes) -> tuple[ResellerSettings, str]:
    """Check reseller, timestamp and signature (401 for each failure); return the reseller and signature."""
    reseller = services().settings.resellers.get(request.headers.get("X-Puq-Reseller", ""))
    timestamp = request.headers.get("X-Puq-Timestamp", "")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise HookError(401, "X-Puq-Timestamp must be the current time in Unix seconds. Nothing was changed.")
    if abs(_now() - int(timestamp)) > TIMESTAMP_TOLERANCE_S:
        raise HookError(401, f"X-Puq-Timestamp is more than {TIMESTAMP_TOLERANCE_S} s away from the bridge's "
                             "clock; check the billing server's time. Nothing was changed.")
    match = _SIGNATURE_RE.fullmatch(request.headers.get("X-Puq-Signature", ""))
    if match is None:
        raise HookError(401, "X-Puq-Signature must be 'sha256=' and 64 hex digits. Nothing was changed.")
    signature = match.group(1).lower()
    if reseller is None or not _signature_ok(reseller, timestamp, body, signature):
        log.warning("refused a hook with a bad signature for reseller %r from %s",
                    request.headers.get("X-Puq-Reseller", "")[:64], request.remote_addr)
        raise HookError(401, _BAD_SIGNATURE)
    return reseller, signature


def _now() -> float:
    """The bridge's clock (tests may set PUQ_HOOKS_CLOCK)."""
    clock = current_app.config.get("PUQ_HOOKS_CLOCK", time.time)
    return float(clock())


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp + "." + body`` under ``secret`` (what billing systems send)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _signature_ok(reseller: ResellerSettings, timestamp: str, body: bytes, signature: str) -> bool:
    """True when any of the reseller's secrets produced the signature (constant-time comparisons)."""
    results = [hmac.compare_digest(sign(secret, timestamp, body), signature) for secret in reseller.secrets]
    return any(results)


def _parse_params(body: bytes) -> dict[str, Any]:
    """The JSON object of WHMCS-style params (400 for anything else)."""
    try:
        params = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError):
        raise HookError(400, "The body must be a JSON object of params. Nothing was changed.") from None
    if not isinstance(params, dict):
        raise HookError(400, "The body must be a JSON object of params. Nothing was changed.")
    return params


def _replay_token(reseller_id: str, signature: str) -> str:
    """The store key that marks one signed request as received (shared table with SSO tokens, so prefixed)."""
    return "hook:" + hashlib.sha256(f"{reseller_id}:{signature}".encode()).hexdigest()


def _provision(action: str, params: dict[str, Any], reseller: ResellerSettings, key: str | None) -> HookResult:
    """Run the action on the reseller's configured server, limited to the reseller's accounts."""
    panel = services()
    server = panel.server(reseller.server)
    if server is None:
        raise HookError(503, f"The bridge has no server '{reseller.server}' for this reseller; tell its "
                             "operator.")
    ctx = ProvisioningContext(
        client=server.client,
        server_id=reseller.server,
        store=panel.store,
        reseller_id=reseller.id,
        sso=SsoSigner(panel.settings.secret_key, panel.settings.public_url),
        idempotency_key=key,
    )
    return run_action(action, params, ctx)


def _run_once(
    action: str, params: dict[str, Any], reseller: ResellerSettings, key: str, body: bytes
) -> Response:
    """Run at most once per (reseller, Idempotency-Key); a redelivery gets the stored answer."""
    if not _IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise HookError(400, "Idempotency-Key must be 1-255 visible ASCII characters. Nothing was changed.")
    store = services().store
    request_hash = hashlib.sha256(action.encode() + b"\n" + body).hexdigest()
    earlier = store.begin_hook(reseller.id, key, action, request_hash)
    if earlier is not None:
        if not earlier.same_request(request_hash):
            raise HookError(409, "This Idempotency-Key was already used for a different request. "
                                 "Nothing was changed.")
        if not earlier.is_done or earlier.result is None:
            raise HookError(409, "A delivery with this Idempotency-Key is still running; retry in a moment.")
        if action in _FRESH_ON_REDELIVERY and earlier.result["status"] == 200:
            # The record holds no link (a credential); a redelivery gets a new one-time link, no Hestia call.
            response = _respond(_provision(action, params, reseller, key))
        else:
            response = _json(int(earlier.result["status"]), earlier.result["body"])
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        result = _provision(action, params, reseller, key)
    except BaseException:
        store.abandon_hook(reseller.id, key)
        raise
    if result.final:
        store.finish_hook(reseller.id, key, {"status": result.status, "body": _storable(action, result)})
    else:
        # Nothing was done (bad params, Hestia unreachable, ...): a redelivery may try again.
        store.abandon_hook(reseller.id, key)
    return _respond(result)


#: Actions whose answer holds a credential: the idempotency record keeps only that it was issued (SECURITY.md 31).
_FRESH_ON_REDELIVERY = frozenset({"single_sign_on"})


def _storable(action: str, result: HookResult) -> dict[str, Any]:
    """The body to keep for redeliveries: never a login link."""
    if action in _FRESH_ON_REDELIVERY and result.ok:
        return {"result": "success", "link_issued": True}
    return result.body


def _respond(result: HookResult) -> Response:
    return _json(result.status, result.body)


def _json(status: int, body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
