"""Every error the panel shows, mapped in one place; a customer never sees a stack trace."""

from __future__ import annotations

import logging
import math

from flask import Flask, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from panel.i18n import translate
from puq_hestia.ftp import FtpRuleError, NotOwnedError
from puq_hestia.hestia.breaker import CircuitOpenError
from puq_hestia.hestia.errors import HestiaError
from puq_hestia.texts import N_

log = logging.getLogger(__name__)

UNREACHABLE = N_("The control panel is unreachable or failing right now. Nothing was changed.")

# status -> (title, message); anything not listed gets the generic text of its status code.
PAGES: dict[int, tuple[str, str]] = {
    400: (N_("Request not accepted"), N_("The request was incomplete or malformed. Nothing was changed.")),
    403: (N_("Not allowed"), N_("You may not do this.")),
    404: (N_("Not found"), N_("There is no such page, web domain or FTP user in your account.")),
    405: (N_("Not allowed"), N_("This address does not accept that kind of request. Nothing was changed.")),
    409: (N_("Not possible right now"), N_("Nothing was changed.")),
    410: (N_("Link no longer valid"), N_("This link has expired or was already used.")),
    413: (N_("Request too large"), N_("The request was larger than this panel accepts. Nothing was changed.")),
    429: (N_("Too many attempts"), N_("Please wait a minute before trying again.")),
    500: (N_("Something went wrong"), N_("An unexpected error happened on our side. Nothing was changed.")),
    503: (N_("Control panel unavailable"), UNREACHABLE),
}
# A change whose answer was lost (read timeout, dropped connection, 5xx) may have been made: saying "nothing was
# changed" would be false (found by the fault matrix, tests/chaos). Trying again is safe: changes are idempotent.
OUTCOME_UNKNOWN = N_("The control panel stopped answering during the change, so it may or may not have been made. "
                     "Reload the page to see the current state; trying again is safe.")
BREAKER_OPEN = ("The control panel has failed several times in a row, so the panel is not contacting it for "
                "{seconds} seconds. Nothing was changed. Please try again then.")
CSRF_MESSAGE = N_("This form has expired or did not come from this panel. Reload the page and try again. "
                  "Nothing was changed.")


def wants_fragment() -> bool:
    """True when the panel's JavaScript asked for a popup body instead of a full page."""
    return request.headers.get("X-Fragment") == "1"


def error_page(status: int, message: str | None = None) -> ResponseReturnValue:
    """Render the error page (or, for the popup script, just its message) with STATUS."""
    title, default = PAGES.get(status, (N_("Error"), N_("The request could not be completed.")))
    template = "errors/_message.html" if wants_fragment() else "errors/error.html"
    # Titles and messages are English Text values (also the core's): shown in the reader's language.
    return render_template(template, status=status, title=translate(title),
                           message=translate(message or default)), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers: HTTP errors, CSRF, FTP rules, Hestia failures and anything unexpected."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        return error_page(error.code or 500)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> ResponseReturnValue:
        log.info("refused a request without a valid CSRF token: %s %s", request.method, request.path)
        return error_page(400, CSRF_MESSAGE)

    @app.errorhandler(NotOwnedError)
    def _not_owned(error: NotOwnedError) -> ResponseReturnValue:
        return error_page(404)

    @app.errorhandler(FtpRuleError)
    def _rule_error(error: FtpRuleError) -> ResponseReturnValue:
        # Views show rule errors next to their field; this catches the ones raised outside a form.
        return error_page(409, gettext("%(message)s Nothing was changed.", message=translate(error.message)))

    @app.errorhandler(HestiaError)
    def _hestia_error(error: HestiaError) -> ResponseReturnValue:
        # The class name is enough to diagnose; messages are masked by the client but stay out of the page.
        log.warning("Hestia call failed on %s %s: %s", request.method, request.path, type(error).__name__)
        return error_page(503, OUTCOME_UNKNOWN if error.outcome_unknown else None)

    @app.errorhandler(CircuitOpenError)
    def _breaker_open(error: CircuitOpenError) -> ResponseReturnValue:
        # Refused before any call (puq_hestia/hestia/breaker.py): fast, and certainly nothing changed.
        seconds = max(1, math.ceil(error.retry_after))
        response = make_response(error_page(503, N_(
            "The control panel has failed several times in a row, so the panel is not contacting it for "
            "{seconds} seconds. Nothing was changed. Please try again then.", seconds=seconds)))
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(InternalServerError)
    def _internal_error(error: InternalServerError) -> ResponseReturnValue:
        log.error("unexpected error on %s %s", request.method, request.path,
                  exc_info=error.original_exception)
        return error_page(500)
