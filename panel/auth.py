"""Blueprint `auth`: sign in with the Hestia username and password, sign out, and the session's identity.

A session belongs to exactly one (server id, Hestia user) pair (DESIGN.md §3); every view reads the user from
`g.user`, never from the request. Single sign-on (`GET /sso/<token>`, issue 5) will call `start_session` too.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import ParamSpec, TypeVar

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as BaseResponse

from panel.extensions import ServerServices, limiter, services
from panel.forms import LoginForm
from panel.security import safe_next

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_ACCOUNT_LIMIT = "5 per minute; 30 per hour"
DEFAULT_ADDRESS_LIMIT = "20 per minute; 200 per hour"
FAILED_LOGIN = "Wrong username or password."
# Hestia's user name rule (HESTIA_API.md §3); anything else cannot be an account, so Hestia is not asked.
_HESTIA_USER = re.compile(r"[A-Za-z0-9]([-._A-Za-z0-9]{0,28}[A-Za-z0-9])?")


def start_session(server_id: str, user: str) -> None:
    """Begin a fresh session for USER on SERVER_ID (cleared first, so no earlier value survives a login)."""
    session.clear()
    session.permanent = True
    session["server"] = server_id
    session["user"] = user
    session["login_at"] = int(time.time())


@bp.before_app_request
def load_identity() -> None:
    """Put the signed-in user and their server's services on `g`; end sessions past the absolute lifetime."""
    g.user = None
    g.server = None
    user, server_id, login_at = session.get("user"), session.get("server"), session.get("login_at")
    if not user:
        return
    server = services().server(str(server_id))
    absolute: timedelta = current_app.config["PUQ_SESSION_ABSOLUTE"]
    if server is None or not isinstance(login_at, int) or time.time() - login_at > absolute.total_seconds():
        session.clear()
        return
    g.user, g.server = str(user), server


def login_required(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
    """Send anonymous visitors to the login page, remembering where they wanted to go."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
        if g.get("user") is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=target))
        return view(*args, **kwargs)

    return wrapped


def _account_key() -> str:
    """Rate-limit key for the account tried, the same for existing and unknown users (SECURITY.md 11)."""
    return "login-account:" + request.form.get("username", "").strip().lower()[:64]


def _account_limit() -> str:
    return str(current_app.config.get("PUQ_LOGIN_LIMIT_ACCOUNT", DEFAULT_ACCOUNT_LIMIT))


def _address_limit() -> str:
    return str(current_app.config.get("PUQ_LOGIN_LIMIT_ADDRESS", DEFAULT_ADDRESS_LIMIT))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key)
def login() -> ResponseReturnValue:
    """Show the login form; on POST check the password with Hestia (v-check-user-password)."""
    target = safe_next(request.args.get("next"))
    if g.user is not None:
        return redirect(target or url_for("ftp.index"))
    panel = services()
    form = LoginForm(server=panel.settings.default_server)
    form.server.choices = [(sid, sid) for sid in panel.servers]
    if not form.validate_on_submit():
        return _login_page(form, target)
    server, username = panel.servers[form.server.data], form.username.data.strip()
    if not _password_ok(server, username, form.password.data):
        # Never the password; the name is repr()'d so a crafted value cannot forge log lines.
        log.warning("failed login for %r on server %r from %s", username, server.settings.id,
                    request.remote_addr)
        form.password.errors = [FAILED_LOGIN]
        return _login_page(form, target, status=401)
    start_session(server.settings.id, username)
    panel.store.record_event(server.settings.id, username, "login", outcome="success")
    log.info("login of %r on server %r from %s", username, server.settings.id, request.remote_addr)
    return redirect(target or url_for("ftp.index"))


def _password_ok(server: ServerServices, username: str, password: str) -> bool:
    """Ask Hestia, unless the values could never be a valid login (then fail the same way, with no call)."""
    if not _HESTIA_USER.fullmatch(username) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in password):
        return False
    return server.client.users.check_password(username, password)


def _login_page(form: LoginForm, target: str | None, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/login.html", form=form, next=target,
                           multi_server=len(services().servers) > 1), status


@bp.route("/logout", methods=["POST"])
def logout() -> BaseResponse:
    """End the session; a POST guarded by CSRFProtect, so another site cannot sign the customer out."""
    if g.user is not None:
        log.info("logout of %r", g.user)
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
