"""Blueprint `invite`: invitations to an FTP user and access that ends (issue 17), beside the `ftp` blueprint.

The customer's side (signed in): invite someone to an FTP user, cancel an invitation, set or remove the end of
access, renew an ended one (a new password, shown once); each form carries a one-time token (panel/once.py). The
invitee's side (no session): the mail's link `/invite/<token>` swaps its token for a cookie and redirects to
`/invite/open/<id>`, where they choose the password; the pages are no-store and send no Referer, and a reload or a
second submit answers "already set" without a Hestia call. The rules live in puq_hestia.ftp.invitations and .expiry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from panel.auth import login_required
from panel.errors import error_page, wants_fragment
from panel.extensions import ServerServices, limiter, services
from panel.forms import BackForm, PanelForm
from panel.i18n import current_language, local_time, translate
from panel.once import DONE_TEXT, run_once
from panel.security import no_store
from puq_hestia.ftp import FtpCard, FtpRuleError, InvalidInputError, NotOwnedError
from puq_hestia.ftp.expiry import ACTIONS, AccessEnd, parse_action, parse_until, remaining_text
from puq_hestia.ftp.invitations import (
    OPEN_FOR,
    Invitation,
    InvitationError,
    Invitations,
    InvitationUsedError,
    valid_email,
    valid_message,
)
from puq_hestia.hestia.errors import HestiaError
from puq_hestia.texts import N_, message_of

bp = Blueprint("invite", __name__)
INVALID = 422
# The shorthand dict of wtforms 3.3 (tuples are deprecated there).
ACTION_CHOICES = {"lock": N_("Lock it (keep the files; Renew gives a new password)"),
                  "delete": N_("Delete the FTP user")}


class InviteForm(BackForm):
    """Invite someone to use an FTP user: their e-mail address and an optional message."""

    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "email", "type": "email", "spellcheck": "false"})
    message = TextAreaField(_l("Message (optional)"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3})
    submit = SubmitField(_l("Send invitation"))


class AccessForm(BackForm):
    """When the FTP user's access ends (empty: never) and what happens then."""

    access_until = StringField(_l("Access until (UTC)"), validators=[Optional(), Length(max=32)],
                               render_kw={"type": "datetime-local"})
    access_action = SelectField(_l("At the end"), choices=ACTION_CHOICES, validate_choice=True, default="lock")
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The labels in the reader's language (plain strings: wtforms' shorthand dict takes nothing else).
        self.access_action.choices = {key: translate(label) for key, label in ACTION_CHOICES.items()}


class ChoosePasswordForm(PanelForm):
    """The invitee's own password, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"), validators=[DataRequired(), EqualTo("password",
                            message=_l("The two passwords differ."))], render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set my password"))


# What a resubmitted form of this blueprint did (panel/once.py's "This was already done" page). A renew records
# the action "password": it set a new password, and that page then offers to set another.
DONE_TEXT.setdefault("invite", N_("An invitation to use {user} was sent when this form was first sent."))
DONE_TEXT.setdefault("cancel", N_("The invitation to use {user} was cancelled when this form was first sent."))
DONE_TEXT.setdefault("access", N_("The access of {user} was changed when this form was first sent."))


class _NothingDone(Exception):
    """The change found nothing to do: run_once forgets the token (nothing was done), the view answers this."""

    def __init__(self, response: ResponseReturnValue) -> None:
        super().__init__("nothing done")
        self.response = response


# -- helpers ---------------------------------------------------------------------------------------------------
def _server() -> ServerServices:
    server: ServerServices = g.server
    return server


def _invitations() -> Invitations:
    found = _server().invitations
    if found is None:
        abort(404)
    return found


def _card(domain: str, username: str) -> FtpCard:
    """The signed-in customer's card, from the stored listing: 404 for anybody else's (no Hestia call)."""
    card = _server().ftp.listing(g.user).card(domain, username)
    if card is None:
        abort(404)
    return card


def _back_url(back: str | None, domain: str) -> str:
    return url_for("ftp.domain", domain=domain) if back == "domain" else url_for("ftp.index")


def _show(form: PanelForm, error: FtpRuleError) -> None:
    if isinstance(error, NotOwnedError):
        abort(404)
    for name, message in (error.errors or {error.field or "": error.message}).items():
        if name and name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


def _render(template: str, *, invalid: bool, **context: Any) -> ResponseReturnValue:
    """A popup body for the script (X-Fragment: 1), or the same form as a full page; 422 when invalid."""
    fragment = wants_fragment()
    html = render_template(template if fragment else "invite/form_page.html", fragment_template=template,
                           fragment=fragment, **context)
    response = make_response(html, INVALID if invalid else 200)
    response.vary.add("X-Fragment")
    return response


def _now() -> datetime:
    return services().store.now()


@bp.app_template_global()
def ftp_extras(card: FtpCard) -> dict[str, Any]:
    """What a card shows of issue 17: the invitation, the end of access (read once per request)."""
    if "_issue17" not in g:
        server = g.get("server")
        user = g.get("user")
        invites = server.invitations.latest(user) if server and server.invitations and user else {}
        ends = server.ends.of_user(user) if server and server.ends and user else {}
        g._issue17 = (invites, ends)
    invites, ends = g._issue17
    invitation: Invitation | None = invites.get(card.username)
    end: AccessEnd | None = ends.get(card.username)
    return {"invitation": invitation, "end": end, "remaining": remaining_text(end, _now()) if end else "",
            "mail_enabled": services().mailer is not None}


bp.add_app_template_filter(local_time, "utc_time")  # in the reader's locale (panel/i18n.py)


def _finished(url: str) -> ResponseReturnValue:
    """After a change: a redirect, or for the popup script 204 with X-Redirect, so the flash waits for that page."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["X-Redirect"] = url
        return response
    return redirect(url)


# -- the customer's side ---------------------------------------------------------------------------------------
@bp.route("/ftp/<domain>/<username>/invite", methods=["GET", "POST"])
@login_required
def invite(domain: str, username: str) -> ResponseReturnValue:
    """Invite someone to choose the password of this FTP user (they get the details and a one-time link)."""
    card = _card(domain, username)
    form = InviteForm()
    if form.validate_on_submit():
        def send() -> tuple[str, ResponseReturnValue]:
            sent = _invitations().invite(g.user, domain, username, form.email.data, form.message.data or "",
                                         language=current_language())
            if sent.mail_state == "sent":
                flash(gettext("An invitation to use %(login)s was sent to %(email)s.", login=username,
                              email=sent.email), "success")
            else:
                flash(gettext("The invitation e-mail to %(email)s could not be sent yet; it is kept and will be sent "
                              "again automatically.", email=sent.email), "warning")
            return username, _finished(_back_url(form.back.data, domain))
        try:
            return run_once("invite", domain, username, _back_url(form.back.data, domain), send)
        except FtpRuleError as error:
            _show(form, error)
    elif request.method == "GET":
        form.back.data = request.args.get("back", "ftp")
    return _render("invite/_modal_invite.html", invalid=bool(form.errors), form=form, card=card,
                   mail_enabled=services().mailer is not None, cancel_url=_back_url(form.back.data, domain))


@bp.post("/ftp/<domain>/<username>/invite/<int:invitation_id>/cancel")
@login_required
def cancel(domain: str, username: str, invitation_id: int) -> ResponseReturnValue:
    """Cancel a waiting invitation: its link stops working at once."""
    _card(domain, username)
    form = BackForm()
    if not form.validate_on_submit():
        abort(400)
    back_url = _back_url(form.back.data, domain)

    def cancel_it() -> tuple[str, ResponseReturnValue]:
        try:
            cancelled = _invitations().cancel(g.user, invitation_id)
        except NotOwnedError:
            abort(404)
        if not cancelled:  # not a change: a later form may still cancel a newer invitation
            flash(gettext("That invitation was no longer waiting."), "info")
            raise _NothingDone(_finished(back_url))
        flash(gettext("The invitation was cancelled; its link no longer works."), "success")
        return username, _finished(back_url)
    try:
        return run_once("cancel", domain, username, back_url, cancel_it)
    except _NothingDone as nothing:
        return nothing.response


@bp.route("/ftp/<domain>/<username>/access", methods=["GET", "POST"])
@login_required
def access(domain: str, username: str) -> ResponseReturnValue:
    """Set or remove the end of access; for an ended FTP user, Renew: a new end and a new password."""
    card = _card(domain, username)
    ends = _server().ends
    if ends is None:
        abort(404)
    current = ends.of_user(g.user).get(username)
    form = AccessForm()
    if form.validate_on_submit():
        back_url = _back_url(form.back.data, domain)
        renewing = current is not None and current.ended

        def change() -> tuple[str, ResponseReturnValue]:
            until = parse_until(form.access_until.data or "", _now())
            action = parse_action(form.access_action.data)
            if renewing:
                changed = ends.renew(g.user, domain, username, until, action)
                html = render_template("ftp/result.html", card=changed.card, password=changed.password,
                                       created=False, generated=True, back_url=back_url)
                return username, no_store(make_response(html, 200))
            ends.set(g.user, domain, username, until, action)
            flash(gettext("%(login)s has access until %(when)s.", login=username, when=local_time(until)) if until
                  else gettext("The access of %(login)s no longer ends.", login=username), "success")
            return username, _finished(back_url)
        try:
            return run_once("password" if renewing else "access", domain, username, back_url, change)
        except FtpRuleError as error:
            _show(form, error)
    elif request.method == "GET":
        form.back.data = request.args.get("back", "ftp")
        if current is not None and not current.ended:
            form.access_until.data = current.ends_at.strftime("%Y-%m-%dT%H:%M")
            form.access_action.data = current.action
    return _render("invite/_modal_access.html", invalid=bool(form.errors), form=form, card=card, current=current,
                   cancel_url=_back_url(form.back.data, domain))


# -- in the add popups (panel/ftp.py calls these two) --------------------------------------------------------------
def parse_add_extras(formdata: MultiDict[str, str]) -> dict[str, Any]:
    """The optional invitation and end of access of an add popup, checked before anything is created."""
    extras: dict[str, Any] = {"email": (formdata.get("invite_email") or "").strip(),
                              "message": formdata.get("invite_message") or ""}
    extras["until"] = parse_until(formdata.get("access_until") or "", _now())
    extras["action"] = parse_action(formdata.get("access_action") or "lock")
    if extras["email"]:
        if services().mailer is None:
            raise InvalidInputError(N_("E-mail is not configured on this panel, so nobody can be invited."),
                                    field="invite_email")
        extras["email"], extras["message"] = valid_email(extras["email"]), valid_message(extras["message"])
    return extras


def apply_add_extras(card: FtpCard, extras: dict[str, Any]) -> list[str]:
    """After a create: set its end and send its invitation; the sentences the result page shows."""
    notes = []
    server = _server()
    try:
        if extras.get("until") and server.ends is not None:
            server.ends.set(g.user, card.domain, card.username, extras["until"], extras["action"])
            when = local_time(extras["until"])
            notes.append(gettext("Access ends %(when)s; then the FTP user is deleted.", when=when)
                         if extras["action"] == "delete" else
                         gettext("Access ends %(when)s; then the FTP user is locked.", when=when))
        if extras.get("email") and server.invitations is not None:
            sent = server.invitations.invite(g.user, card.domain, card.username, extras["email"], extras["message"],
                                             language=current_language())
            notes.append(gettext("An invitation was sent to %(email)s.", email=sent.email)
                         if sent.mail_state == "sent" else
                         gettext("The invitation e-mail to %(email)s could not be sent yet; it will be sent again "
                                 "automatically.", email=sent.email))
    except FtpRuleError as error:
        notes.append(gettext("The FTP user was created, but: %(reason)s", reason=translate(error.message)))
    return notes


# -- the invitee's side ----------------------------------------------------------------------------------------
# The rule (README, "Invitations"): the first GET of the mail's link swaps its token for a cookie of that browser
# (HttpOnly, SameSite=Lax, path /invite/, one hour after its last use) and redirects to /invite/open/<id>, a URL
# without the token. The link is then spent: that browser may open it again (it goes back to the page), any other
# browser only hears that it was opened already. Reloads of the page work for the hour; the password is still set
# once, by the compare-and-set on the invitation row.
NOT_HERE = N_("This page opens only from the link in the invitation e-mail, in the browser where that link was first "
              "opened. Open the link from the e-mail, or ask for a new invitation.")


def _cookie(invitation_id: int) -> str:
    return f"puq_invite_{invitation_id}"


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = no_store(make_response(render_template(template, **context), status))
    response.headers["Referrer-Policy"] = "no-referrer"  # nothing of this page's visit leaves in a Referer
    return response


def _hold(response: Response, invitation_id: int, token: str) -> Response:
    """Give this browser (only) the token of the opened invitation, for an hour from now."""
    response.set_cookie(_cookie(invitation_id), token, max_age=int(OPEN_FOR.total_seconds()), path="/invite/",
                        httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _refused(error: InvitationError) -> Response:
    if isinstance(error, InvitationUsedError):
        return _page("invite/ended.html", 409, message=message_of(error), used=True)
    return _page("invite/ended.html", 410, message=message_of(error))


@bp.get("/invite/<token>")
def open_link(token: str) -> ResponseReturnValue:
    """The link of the invitation e-mail: its token becomes this browser's cookie, and the URL loses it."""
    found = next((s for s in services().servers.values() if s.invitations and s.invitations.is_mine(token)), None)
    invitation_id = found.invitations.target(token) if found is not None and found.invitations else None
    if found is None or found.invitations is None or invitation_id is None:
        return _page("invite/ended.html", 410, message=N_("This invitation link is not valid. Ask for a new one."))
    invitations = found.invitations
    response = no_store(make_response("", 303))
    response.headers["Location"] = url_for("invite.choose_password", invitation_id=invitation_id)
    response.headers["Referrer-Policy"] = "no-referrer"
    held = request.cookies.get(_cookie(invitation_id), "")
    if held and invitations.is_mine(held, opened=True, invitation_id=invitation_id):
        return response  # opened here before (a reload, the link again): the page says what is true now
    try:
        _, opened = invitations.swap(token)
    except InvitationError as error:
        return _refused(error)
    return _hold(response, invitation_id, opened)


@bp.route("/invite/open/<int:invitation_id>", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def choose_password(invitation_id: int) -> ResponseReturnValue:
    """The invitee's page: the FTP user's details and a form to choose its password, once."""
    held = request.cookies.get(_cookie(invitation_id), "")
    found = next((s for s in services().servers.values() if held and s.invitations
                  and s.invitations.is_mine(held, opened=True, invitation_id=invitation_id)), None)
    if found is None or found.invitations is None:
        return _page("invite/ended.html", 410, message=NOT_HERE)
    invitations = found.invitations
    form = ChoosePasswordForm()
    try:
        if form.validate_on_submit():
            try:
                done = invitations.accept(held, form.password.data, opened=True)
            except FtpRuleError as error:
                _show(form, error)
            else:
                return _page("invite/done.html", invitation=done, endpoint=invitations.endpoint)
        invitation = invitations.open(held, opened=True)
    except InvitationError as error:
        return _refused(error)
    except HestiaError:
        return _page("invite/ended.html", 503, message=N_("The control panel does not answer right now; try again."))
    response = _page("invite/page.html", INVALID if form.errors else 200, form=form, invitation=invitation,
                     endpoint=invitations.endpoint)
    return _hold(response, invitation_id, invitations.refreshed(held))  # an hour more from now


__all__ = ["ACTIONS", "apply_add_extras", "bp", "error_page", "parse_add_extras"]
