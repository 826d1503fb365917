"""One-time form tokens (SECURITY.md 40): reload, Back or a double click never repeats a change.

Every changing form carries a fresh random token in the hidden field ``once``. The first POST of a token claims it
in the store before any Hestia call; a later POST of the same token (the browser's "resubmit" on reload or Back, a
second click) finds the claim and gets the "This was already done" page, with no Hestia call. The token is the
only thing stored: never the password, which is shown once in the answer to the first POST and then gone, so the
"already done" page offers a way forward ("set a new password") instead of the password.

A change refused before it happened (a rule error, Hestia down) releases its token, so the corrected form or a
retry can be sent; only a change that went through is remembered as done.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from flask import abort, current_app, g, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from panel.extensions import services
from panel.security import no_store
from puq_hestia.store import FormRecord
from puq_hestia.texts import N_

FIELD = "once"
TOKEN_BYTES = 18
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")

# action -> (what happened, sentence for the page); {user} and {domain} come from the stored claim.
DONE_TEXT: dict[str, str] = {
    "create": N_("The FTP user {user} was created on {domain} when this form was first sent."),
    "password": N_("A new password for {user} was set when this form was first sent."),
    "path": N_("The folder of {user} was changed when this form was first sent."),
    "delete": N_("The FTP user {user} was deleted when this form was first sent."),
}


def new_token() -> str:
    """A fresh token for one rendering of a changing form (template global ``form_token``)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _required() -> bool:
    """Whether a POST without a token is refused: always, except where tests post hand-made forms without CSRF."""
    return bool(current_app.config.get("PUQ_FORM_TOKENS_REQUIRED", current_app.config.get("WTF_CSRF_ENABLED", True)))


def _posted_token() -> str | None:
    """The form's token, namespaced by server; None when absent and not required. Malformed: 400."""
    token = request.form.get(FIELD, "")
    if not token:
        if _required():
            abort(400)
        return None
    if not _TOKEN.fullmatch(token):
        abort(400)
    return f"{g.server.settings.id}:{token}"


def run_once(action: str, domain: str, ftp_user: str, back_url: str,
             change: Callable[[], tuple[str, ResponseReturnValue]]) -> ResponseReturnValue:
    """Run CHANGE (which returns the FTP user it changed and its response) at most once per posted token."""
    token = _posted_token()
    store = services().store
    if token is not None:
        record = store.claim_form(token, g.user, action, domain, ftp_user)
        if record is not None:
            if record.actor != g.user:  # another customer's token: not this form's
                abort(400)
            return already_done(record, back_url)
    try:
        changed_user, response = change()
    except BaseException:
        if token is not None:
            store.release_form(token)
        raise
    if token is not None:
        store.finish_form(token, changed_user)
    return response


def answered_before(back_url: str) -> ResponseReturnValue | None:
    """The "already done" page when the posted token was used before, else None; for a route to ask first.

    A delete asks before its ownership check: after the first POST the FTP user is gone, and a reload should
    hear "already deleted", not "no such FTP user".
    """
    token = _posted_token()
    record = services().store.form_record(token) if token is not None else None
    if record is None or record.actor != g.user:
        return None  # run_once will claim it (or refuse another customer's token)
    return already_done(record, back_url)


def already_done(record: FormRecord, back_url: str) -> ResponseReturnValue:
    """The honest answer to a resubmitted form: what it did, and what the customer can do now."""
    done = record.status == "done"
    template = gettext(DONE_TEXT[record.action]) if done and record.action in DONE_TEXT else ""
    text = template.format(user=record.ftp_user, domain=record.domain)  # in the reader's language
    shows_password = done and record.action in ("create", "password")
    html = render_template("ftp/already_done.html", record=record, done=done, text=text,
                           shows_password=shows_password, back_url=back_url,
                           fragment=request.headers.get("X-Fragment") == "1")
    return no_store(make_response(html, 200))
