"""Blueprint `sso`: `GET /sso/<token>` turns a one-time login link from billing into a panel session.

The token (made by the `single_sign_on` hook or `puq-hestia sso-link`) is checked, spent in the store, and the
account is looked up once so a link for a terminated account leads nowhere. Then the session is started afresh
for exactly that server and user, and the browser is sent to `/ftp`, a clean URL with no token left in the
address bar or in a Referer (DESIGN.md §3, SECURITY.md 18). A bad or used link shows a 403 or 410 page and
leaves a session already open in that browser alone (SECURITY.md 36): a stale link in a mail must not sign
the customer out.
"""

from __future__ import annotations

import logging

from flask import Blueprint, g, redirect, url_for
from flask.typing import ResponseReturnValue

from panel.auth import start_session
from panel.errors import error_page
from panel.extensions import services
from puq_hestia.auth.sso import SsoError, SsoInvalidError, SsoSigner
from puq_hestia.hestia.errors import NotFoundError
from puq_hestia.texts import N_, message_of

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)

GONE = N_("This account no longer exists. Ask your provider for help.")


def signer() -> SsoSigner:
    """The signer for this panel: its secret key and public URL."""
    settings = services().settings
    return SsoSigner(settings.secret_key, settings.public_url)


@bp.get("/sso/<token>")
def login(token: str) -> ResponseReturnValue:
    """Redeem a one-time login link and start a session for its user."""
    panel = services()
    try:
        grant = signer().redeem(token, panel.store)
    except SsoError as error:
        return _refuse(403 if isinstance(error, SsoInvalidError) else 410, message_of(error))
    server = panel.server(grant.server_id)
    if server is None:
        return _refuse(403, N_("This login link is for a server this panel does not know."))
    try:
        account = server.client.users.get(grant.user)
    except NotFoundError:
        return _refuse(410, GONE)
    panel.store.set_account_limits(grant.server_id, grant.user, package=account.package)  # for the FTP limit
    start_session(grant.server_id, grant.user, language=account.language)  # the same lookup: no extra call
    panel.store.record_event(grant.server_id, grant.user, "login", outcome="success", detail="single sign-on")
    log.info("single sign-on of %r on server %r", grant.user, grant.server_id)
    response = redirect(url_for("ftp.index"))
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse(status: int, message: str) -> ResponseReturnValue:
    """Refuse the link; an open session is not touched (a good link replaces it in start_session)."""
    g.sso_refused = True  # the error page then points to the billing system for a new link
    log.info("refused a single sign-on link (%s)", status)
    return error_page(status, message)
