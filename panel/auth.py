"""Blueprint `auth`: sign in the way Hestia does, the 2FA step, sign out (here or everywhere), the session's identity.

A session belongs to exactly one (server id, Hestia user) pair (DESIGN.md §3); every view reads the user from
`g.user`, never from the request. The decisions are made in `puq_hestia.auth` (the login policy and the
server-side session records); this module only reads forms, keeps ids in the cookie and renders. The cookie
holds a random session id whose record in the store is checked on every request, so ending the record ends
the session for every copy of the cookie (SECURITY.md 34).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import ParamSpec, TypeVar

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from panel.errors import error_page
from panel.extensions import ServerServices, services
from panel.forms import CodeForm, LoginForm
from panel.i18n import CHOICE_KEY, HESTIA_KEY, shipped, translate
from panel.login_limits import LimitStorageDown, count_failure, is_blocked
from panel.security import safe_next
from puq_hestia.auth.policy import LoginResult, Outcome, normalise_username
from puq_hestia.texts import N_

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

FAILED_LOGIN = N_("Wrong username or password.")
WRONG_CODE = N_("Wrong code. Enter the current 6-digit code from your authenticator app.")
SIGN_IN_AGAIN = N_("Please sign in again.")
LIMITS_DOWN = N_("Signing in is not possible right now (the panel cannot check its login limits). "
                 "Please try again in a few minutes.")


def start_session(server_id: str, user: str, session_id: str | None = None, *, language: str = "") -> None:
    """Begin a fresh session for USER on SERVER_ID (cleared first, so no earlier value survives a login).

    Only the language picked with the footer's switcher is kept; LANGUAGE is the account's Hestia LANGUAGE,
    read by the same v-list-user as the login policy (panel/i18n.py).
    """
    choice = session.get(CHOICE_KEY)
    session.clear()
    if shipped(choice):
        session[CHOICE_KEY] = choice
    if shipped(language):
        session[HESTIA_KEY] = shipped(language)
    session.permanent = True
    session["sid"] = session_id or services().sessions.open(server_id, user)
    session["server"] = server_id
    session["user"] = user
    session["login_at"] = int(time.time())


@bp.before_app_request
def load_identity() -> None:
    """Put the signed-in user and their server's services on `g`; a session without a live record is over."""
    g.user = None
    g.server = None
    user, server_id, login_at = session.get("user"), session.get("server"), session.get("login_at")
    if not user:
        return
    panel = services()
    server = panel.server(str(server_id))
    absolute: timedelta = current_app.config["PUQ_SESSION_ABSOLUTE"]
    fresh = isinstance(login_at, int) and time.time() - login_at <= absolute.total_seconds()
    sid = session.get("sid")
    if server is None or not fresh or not isinstance(sid, str) or not panel.sessions.is_current(
            sid, str(server_id), str(user)):
        session.clear()
        return
    g.user, g.server = str(user), server


@bp.after_app_request
def signed_in_pages_are_not_stored(response: BaseResponse) -> BaseResponse:
    """Cache-Control: no-store on every page of a signed-in session and on the sign-in pages (SECURITY.md 38)."""
    if g.get("user") is not None or request.blueprint == "auth":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_errorhandler(LimitStorageDown)
def _limits_down(error: LimitStorageDown) -> ResponseReturnValue:
    return error_page(503, LIMITS_DOWN)


def login_required(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
    """Send anonymous visitors to the login page, remembering where they wanted to go."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
        if g.get("user") is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=target))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the login form; on POST apply Hestia's login policy (puq_hestia.auth.policy)."""
    target = safe_next(request.args.get("next"))
    if g.user is not None:
        return redirect(target or url_for("ftp.index"))
    panel = services()
    form = LoginForm(server=panel.settings.default_server)
    form.server.choices = [(sid, sid) for sid in panel.servers]
    if not form.validate_on_submit():
        return _login_page(form, target)
    server, username = panel.servers[form.server.data], normalise_username(form.username.data)
    if is_blocked(server.settings.id, username):
        return error_page(429)
    result = panel.login_policy(server).sign_in(username, form.password.data, request.remote_addr or "",
                                                request.user_agent.string)
    if result.package:  # read by the policy's v-list-user anyway: the FTP user limit needs no call of its own
        panel.store.set_account_limits(server.settings.id, result.user, package=result.package)
    if result.outcome is Outcome.CODE_NEEDED:
        _clear_keeping_language()
        session["pending"] = result.session_id
        session[HESTIA_KEY] = result.language  # the code page in the account's language; start_session keeps it
        return redirect(url_for("auth.login_code", next=target))
    if result.outcome is not Outcome.SIGNED_IN:
        _failed(server, result)
        form.password.errors = [translate(FAILED_LOGIN)]
        return _login_page(form, target, status=401)
    return _signed_in(server, result, target, "password")


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> ResponseReturnValue:
    """The second step for accounts with Hestia 2FA: the 6-digit code, checked with v-check-user-2fa."""
    target = safe_next(request.args.get("next"))
    panel = services()
    pending_id = session.get("pending")
    pending = panel.sessions.pending(pending_id) if isinstance(pending_id, str) else None
    server = panel.server(pending.server_id) if pending is not None else None
    if pending is None or server is None or not isinstance(pending_id, str):
        session.pop("pending", None)
        flash(translate(SIGN_IN_AGAIN), "info")
        return redirect(url_for("auth.login", next=target))
    form = CodeForm()
    if not form.validate_on_submit():
        return _code_page(form, target)
    if is_blocked(server.settings.id, pending.user):
        return error_page(429)
    result = panel.login_policy(server).check_code(pending_id, form.code.data, request.remote_addr or "",
                                                   request.user_agent.string)
    if result.outcome is Outcome.SIGNED_IN:
        return _signed_in(server, result, target, "password and 2FA code")
    _failed(server, result)
    if result.outcome is Outcome.CODE_WRONG:
        form.code.errors = [translate(WRONG_CODE)]
        return _code_page(form, target, status=401)
    session.pop("pending", None)
    flash(translate(SIGN_IN_AGAIN), "info")
    return redirect(url_for("auth.login", next=target))


def _failed(server: ServerServices, result: LoginResult) -> None:
    """Count the failure and log it: never the password; the name repr()'d so it cannot forge log lines."""
    count_failure(server.settings.id, result.user)
    log.warning("failed login for %r on server %r from %s: %s", result.user, server.settings.id,
                request.remote_addr, result.reason)


def _signed_in(server: ServerServices, result: LoginResult, target: str | None, how: str) -> BaseResponse:
    language = result.language or str(session.get(HESTIA_KEY) or "")  # after a 2FA step: kept with the pending id
    start_session(server.settings.id, result.user, result.session_id, language=language)
    services().store.record_event(server.settings.id, result.user, "login", outcome="success", detail=how)
    log.info("login of %r on server %r from %s", result.user, server.settings.id, request.remote_addr)
    return redirect(target or url_for("ftp.index"))


def _login_page(form: LoginForm, target: str | None, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/login.html", form=form, next=target,
                           multi_server=len(services().servers) > 1), status


def _code_page(form: CodeForm, target: str | None, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/code.html", form=form, next=target), status


@bp.route("/logout", methods=["POST"])
def logout() -> BaseResponse:
    """End this session on the server too; a POST guarded by CSRFProtect, so no other site can sign you out."""
    sid = session.get("sid")
    if isinstance(sid, str):
        services().sessions.end(sid)
    if g.user is not None:
        log.info("logout of %r", g.user)
    _clear_keeping_language()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout/everywhere", methods=["POST"])
def logout_everywhere() -> BaseResponse:
    """End every session of this account, in every browser (a POST with a CSRF token)."""
    if g.user is not None:
        ended = services().sessions.end_all(g.server.settings.id, g.user)
        log.info("sign-out everywhere of %r: %d sessions ended", g.user, ended)
        services().store.record_event(g.server.settings.id, g.user, "logout.everywhere", outcome="success",
                                      detail=f"signed out everywhere ({ended} sessions)")
    _clear_keeping_language()
    flash(gettext("You have signed out on every device."), "info")
    return redirect(url_for("auth.login"))


def _clear_keeping_language() -> None:
    """End the session's identity; only the language picked with the switcher stays (a browser preference)."""
    choice = session.get(CHOICE_KEY)
    session.clear()
    if shipped(choice):
        session[CHOICE_KEY] = choice
