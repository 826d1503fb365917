"""Liveness and readiness for load balancers, and the answer every route gives while the store is down.

`/healthz` is liveness: the process answers, nothing else is asked. `/readyz` is readiness: the store answers
within its bounded waits (and Redis, when the rate limits live there); 503 otherwise, so a load balancer stops
sending customers to an instance that cannot serve them (DESIGN.md §7). A store outage on any route is a 503
with Retry-After (JSON under /hooks/), and says only what is known: a request that sent no change to Hestia
(its intents scope is empty) changed nothing; any other change may have reached Hestia and is settled by
`puq-hestia maintain`.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, g, jsonify, make_response, request
from flask.typing import ResponseReturnValue

from panel.errors import error_page
from panel.extensions import limiter, services
from puq_hestia.intents import AccountBusyError, changes_sent, close_scope, open_scope
from puq_hestia.store import STORE_OUTAGES, StoreUnavailableError
from puq_hestia.texts import N_

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

RETRY_AFTER_S = 30
# Shown to customers (error_page translates them); the HOOK_ texts below are for billing systems, in English.
NOT_SENT = N_("The panel's database is unavailable right now, so nothing was changed. Your FTP users keep "
              "working; please try again in a minute.")
MAY_HAVE = N_("The panel's database became unavailable during your change, so it may or may not have been made. "
              "It is recorded and checked automatically. Your FTP users keep working; look again in a few minutes.")
BUSY = N_("Another change to this account is still in progress, so nothing was changed. Please try again in a "
          "moment.")
HOOK_NOT_SENT = ("The bridge's database is unavailable, so nothing was sent to the control panel and nothing was "
                 "changed. Retry later.")
HOOK_MAY_HAVE = ("The bridge's database became unavailable during the change, so it may or may not have been made "
                 "at the control panel. It is recorded and settled by the maintenance run; redeliver with the "
                 "same Idempotency-Key later.")


@bp.get("/healthz")
@limiter.exempt
def healthz() -> dict[str, str]:
    """Liveness: the process answers (neither Hestia nor the store is asked)."""
    return {"status": "ok"}


@bp.get("/readyz")
@limiter.exempt
def readyz() -> ResponseReturnValue:
    """Readiness: the store (and Redis, when configured) answer within their bounded waits."""
    checks: dict[str, str] = {}
    try:
        services().store.ping()
        checks["store"] = "ok"
    except StoreUnavailableError as error:
        checks["store"] = str(error)
    if services().settings.ratelimit_storage_uri.startswith(("redis://", "rediss://")):
        checks["ratelimit_storage"] = "ok" if _limiter_storage_ok() else "unavailable"
    ready = all(value == "ok" for value in checks.values())
    response = jsonify({"status": "ready" if ready else "unavailable", "checks": checks})
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _limiter_storage_ok() -> bool:
    """True when the rate-limit storage answers its own health check."""
    try:
        return bool(limiter.storage.check())
    except Exception:  # any client error means "not ready"; the detail goes to the log
        log.warning("rate-limit storage check failed", exc_info=True)
        return False


def store_outage_response(error: Exception) -> ResponseReturnValue:
    """503 with Retry-After for a store outage, saying only what is known (JSON under /hooks/)."""
    nothing_sent = getattr(error, "nothing_sent", False) or not changes_sent()
    log.error("store unavailable on %s %s: %s", request.method, request.path, type(error).__name__)
    busy = isinstance(error, AccountBusyError)
    if request.path.startswith("/hooks/"):
        text = BUSY if busy else HOOK_NOT_SENT if nothing_sent else HOOK_MAY_HAVE
        response = jsonify({"result": "error", "message": text})
        response.status_code = 503
    else:
        response = make_response(error_page(503, BUSY if busy else NOT_SENT if nothing_sent else MAY_HAVE))
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_store_outage_handlers(app: Flask) -> None:
    """Answer every store outage with 503 and Retry-After: JSON for hooks, a page for customers."""

    for outage in STORE_OUTAGES:
        app.register_error_handler(outage, store_outage_response)

    # One intent scope per request: intents name their request, and an outage knows whether a change was sent.
    @app.before_request
    def _open_intent_scope() -> None:
        # Intents name the signed-in customer ("panel:alice", known once the session is loaded), else the request.
        g.intent_scope = open_scope(f"panel:{request.method} {request.path}",
                                    named=lambda: f"panel:{g.user}" if g.get("user") else None)

    @app.teardown_request
    def _close_intent_scope(_error: BaseException | None) -> None:
        token = g.pop("intent_scope", None)
        if token is not None:
            close_scope(token)
