"""Blueprint `ftp`: the simple section, the advanced section, their popups and the POST-only actions.

Every route takes the Hestia user from the session (g.user) and checks the domain and FTP account named in the
URL or form with FtpService.owns() first, which answers from the stored listing: somebody else's domain or
account is a 404 with no Hestia call (SECURITY.md 5). Popups are fragments of the same routes, which render
full pages without JavaScript. A password is shown once, in the response to the POST that made it, marked
no-store (SECURITY.md 13).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from wtforms.widgets import TextInput

from panel.activity import describe
from panel.auth import login_required
from panel.errors import wants_fragment
from panel.extensions import services
from panel.forms import (
    BACK_CHOICES,
    AdvancedAddForm,
    DeleteForm,
    PanelForm,
    PasswordForm,
    PathForm,
    SimpleAddForm,
)
from panel.fresh import listing_for_page, noted
from panel.invite import apply_add_extras, parse_add_extras
from panel.links import card_link, domain_link
from panel.once import answered_before, new_token, run_once
from panel.paging import CardPage, card_text, page_number, paginate
from panel.security import no_store
from panel.sharing import connection_details, cyberduck_bookmark, filezilla_filename, filezilla_site
from puq_hestia.ftp import Created, FtpCard, FtpRuleError, FtpService, NotOwnedError
from puq_hestia.ftp.credentials import generate_password
from puq_hestia.store import AuditEvent
from puq_hestia.texts import N_

bp = Blueprint("ftp", __name__)

FILTER_THRESHOLD = 6  # more cards than this get a filter box
INVALID = 422


# -- helpers -------------------------------------------------------------------------------------------------
def _service() -> FtpService:
    service: FtpService = g.server.ftp
    return service


def _require(domain: str, username: str | None = None) -> None:
    """404 unless the domain (and FTP user) are the signed-in customer's, decided without a Hestia call."""
    if not _service().owns(g.user, domain, username):
        abort(404)


def _events(domain: str | None = None) -> list[AuditEvent]:
    """The customer's recent activity from the store (not Hestia), optionally for one domain."""
    events = services().store.recent_events(g.server.settings.id, g.user, limit=20)
    return [e for e in events if domain is None or e.domain == domain]


def _back() -> str:
    """Which section a popup returns to: the query parameter when valid, else the simple section."""
    value = request.args.get("back", "ftp")
    return value if value in BACK_CHOICES else "ftp"


def _paged(cards: tuple[FtpCard, ...]) -> CardPage:
    """The page of CARDS the query string asks for (`?q=` filter, `?page=N`; see panel/paging.py)."""
    return paginate(cards, request.args.get("q", ""), page_number(request.args.get("page")))


def _page_url(number: int | None, *, query: bool = True) -> str:
    """This section at page NUMBER (None or 1: no `page` parameter), keeping the filter unless QUERY is False."""
    q = request.args.get("q", "").strip() if query else ""
    args = {**(request.view_args or {}), "page": number if number and number > 1 else None, "q": q or None}
    return url_for(request.endpoint or "ftp.index", **args)


def _back_url(back: str | None, domain: str) -> str:
    return url_for("ftp.domain", domain=domain) if back == "domain" else url_for("ftp.index")


def _show_rule_error(form: PanelForm, error: FtpRuleError) -> None:
    """Put a rule error next to its field, or above the form when it belongs to no field."""
    if isinstance(error, NotOwnedError):
        abort(404)
    for name, message in (error.errors or {"": error.message}).items():
        field = form[name] if name and name in form else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def _why_not(domain: str) -> str:
    """Why nothing can be added or changed on DOMAIN right now ("" when it can), from the stored listing."""
    known = _service().listing(g.user)
    summary = known.domain(domain)
    if known.user_suspended:
        return N_("Your hosting account is suspended, so FTP users cannot be added or changed.")
    if summary is not None and summary.suspended:
        return N_("The web domain {domain} is suspended, so FTP users cannot be added or changed until it is active "
                  "again (its FTP users keep working; deleting one is possible).", domain=domain)
    return ""


def _say_why_not(form: PanelForm, domain: str) -> None:
    """A direct URL to a forbidden form says why before anything is typed (issue 19 Must 7)."""
    reason = _why_not(domain)
    if reason:
        form.form_errors.append(reason)


def _render_form(template: str, *, invalid: bool, **context: object) -> ResponseReturnValue:
    """A popup body for the script (X-Fragment: 1), or the same form as a full page; 422 when invalid."""
    if wants_fragment():
        html = render_template(template, fragment=True, **context)
    else:
        html = render_template("ftp/form_page.html", fragment_template=template, fragment=False, **context)
    response = make_response(html, INVALID if invalid else 200)
    response.vary.add("X-Fragment")
    return response


def _shown_once(card: FtpCard, password: str, *, created: bool, generated: bool,
                back: str, add_notes: list[str] | None = None) -> ResponseReturnValue:
    """The one response that shows a new password: rendered from the POST, never redirected, never cached."""
    html = render_template("ftp/result.html", card=card, password=password, created=created,
                           generated=generated, back_url=_back_url(back, card.domain), fragment=wants_fragment(),
                           add_notes=add_notes or [])
    return no_store(make_response(html, 201 if created else 200))


def _finished(url: str) -> ResponseReturnValue:
    """After a change: a redirect, or for the popup script 204 with X-Redirect (the flash waits on that page)."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["X-Redirect"] = url
        return response
    return redirect(url)


def _created(created: Created, back: str | None,
             add_notes: list[str] | None = None) -> tuple[str, ResponseReturnValue]:
    """What run_once records (the new login) and shows (the password, once) for a create."""
    return created.card.username, _shown_once(created.card, created.password, created=True,
                                              generated=created.generated, back=back or "ftp", add_notes=add_notes)


FOLDER_OFFER = "folder_offer"  # the session key of "create /x and use it instead" (names only, no secret)


def _take_folder_offer() -> dict[str, str] | None:
    """The offer left by a folder reset, shown once on the next page (template global ``take_folder_offer``)."""
    offer: dict[str, str] | None = session.pop(FOLDER_OFFER, None)
    return offer


bp.add_app_template_global(_take_folder_offer, "take_folder_offer")


@bp.app_template_global("folder_prefix")
def _folder_prefix(domain: str) -> str:
    """The real start of every folder of DOMAIN, shown in front of the folder field."""
    return f"/home/{g.user}/web/{domain}/"


@bp.app_context_processor
def _sharing_context() -> dict[str, object]:
    """Templates build connection details and the file-manager link from the session's server."""
    server = g.server.settings if g.get("server") else None
    return {"server": server, "connection": lambda card: connection_details(server, card) if server else None,
            "filter_threshold": FILTER_THRESHOLD}


bp.add_app_template_global(card_link)
bp.add_app_template_global(new_token, "form_token")
bp.add_app_template_global(domain_link)


@bp.app_template_filter("filter_text")
def _filter_text(card: FtpCard) -> str:
    return card_text(card)


@bp.app_template_filter("event_text")
def _event_text(event: AuditEvent) -> str:
    return describe(event)


# -- pages ---------------------------------------------------------------------------------------------------
@bp.get("/")
def home() -> ResponseReturnValue:
    """The panel's front door is the simple section."""
    return redirect(url_for("ftp.index"))


@bp.get("/ftp")
@login_required
def index() -> ResponseReturnValue:
    """Simple section: every FTP user over all web domains, from one Hestia call, a page of cards at a time."""
    service = _service()
    overview = listing_for_page(service, g.user)  # after the customer's own change: the listing it updated
    return render_template("ftp/index.html", overview=overview, page=_paged(overview.cards), page_url=_page_url,
                           events=_events(), quota=service.quota(g.user, overview))


@bp.get("/ftp/<domain>")
@login_required
def domain(domain: str) -> ResponseReturnValue:
    """Advanced section of one web domain: its FTP users with their folders."""
    service = _service()
    known = service.known(g.user)
    if known is not None and not known.has(domain):
        abort(404)  # not this customer's domain: answered from the stored listing, no Hestia call
    overview = listing_for_page(service, g.user)  # also the ownership check when nothing is stored yet
    summary = overview.domain(domain)
    if summary is None:  # gone at Hestia since the stored listing
        abort(404)
    cards = overview.cards_for(domain)
    return render_template("ftp/domain.html", overview=overview, domain=summary, total=len(cards),
                           page=_paged(cards), page_url=_page_url, events=_events(domain),
                           quota=service.quota(g.user, overview))


@bp.get("/ftp/<domain>/<username>/connection")
@login_required
def connection(domain: str, username: str) -> ResponseReturnValue:
    """Connection details of one FTP user (popup or page): the stored listing and the settings, no Hestia call."""
    card = _service().listing(g.user).card(domain, username)  # a call only when nothing is stored yet
    if card is None:  # somebody else's domain or account, or one on another of her domains
        abort(404)
    return _render_form("ftp/_modal_connection.html", invalid=False, card=card,
                        page_title=gettext("Connect as %(login)s", login=username),
                        cancel_url=_back_url(_back(), domain))


@bp.get("/ftp/<domain>/<username>/filezilla.xml")
@login_required
def filezilla(domain: str, username: str) -> ResponseReturnValue:
    """A FileZilla site file for one FTP user (no password in it, no Hestia call)."""
    _require(domain, username)
    response = make_response(filezilla_site(g.server.settings, domain, username))
    response.mimetype = "application/xml"
    response.headers["Content-Disposition"] = f'attachment; filename="{filezilla_filename(domain, username)}"'
    return response


@bp.get("/ftp/<domain>/<username>/cyberduck.duck")
@login_required
def cyberduck(domain: str, username: str) -> ResponseReturnValue:
    """A Cyberduck bookmark for one FTP user (no password, no remote folder, no Hestia call)."""
    _require(domain, username)
    response = make_response(cyberduck_bookmark(g.server.settings, domain, username))
    response.mimetype = "application/octet-stream"
    name = filezilla_filename(domain, username, "duck")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/ftp/<domain>/folders")
@login_required
def folders(domain: str) -> ResponseReturnValue:
    """The folders to offer in a folder field (JSON for the popup script): one v-list-fs-directory call."""
    _require(domain)
    return jsonify(folders=_service().folders(g.user, domain))


# -- add -----------------------------------------------------------------------------------------------------
@bp.route("/ftp/add", methods=["GET", "POST"])
@login_required
def add() -> ResponseReturnValue:
    """Simple add: choose a domain; the username suffix and the password are generated."""
    form = SimpleAddForm()
    if form.validate_on_submit():
        domain = form.domain.data
        _require(domain)
        try:
            extras = parse_add_extras(request.form)  # issue 17: checked before anything is created

            def create_simple() -> tuple[str, ResponseReturnValue]:
                made = _service().create(g.user, domain)
                return _created(made, form.back.data, apply_add_extras(made.card, extras))

            return run_once("create", domain, "", _back_url(form.back.data, domain), noted(create_simple))
        except FtpRuleError as error:
            _show_rule_error(form, error)
    elif request.method == "GET":
        form.domain.data, form.back.data = request.args.get("domain"), _back()
    overview = _service().listing(g.user)  # the stored listing: the popup costs no Hestia call (issue 19 Must 9)
    form.domain.choices = [(d.name, d.name) for d in overview.addable_domains]
    return _render_form("ftp/_modal_add.html", invalid=bool(form.errors), form=form, overview=overview,
                        page_title=gettext("Add an FTP user"),
                        cancel_url=url_for("ftp.index"))


@bp.route("/ftp/<domain>/add", methods=["GET", "POST"])
@login_required
def add_advanced(domain: str) -> ResponseReturnValue:
    """Advanced add: username suffix, password (empty = generated) and an optional folder."""
    _require(domain)
    form = AdvancedAddForm()
    if form.validate_on_submit():
        def create(extras: dict[str, Any]) -> tuple[str, ResponseReturnValue]:
            made = _service().create(g.user, domain, suffix=form.suffix.data.strip(),
                                     password=form.password.data or None, path=form.path.data or "")
            return _created(made, form.back.data, apply_add_extras(made.card, extras))
        try:
            extras = parse_add_extras(request.form)  # issue 17: checked before anything is created
            return run_once("create", domain, "", _back_url(form.back.data, domain),
                            noted(lambda: create(extras)))
        except FtpRuleError as error:
            _show_rule_error(form, error)
    elif request.method == "GET":
        form.back.data = _back()
        _say_why_not(form, domain)
    return _render_form("ftp/_modal_add_advanced.html", invalid=bool(form.errors), form=form, domain=domain,
                        page_title=gettext("Add an FTP user to %(domain)s", domain=domain),
                        prefix=f"{g.user}_", cancel_url=_back_url(form.back.data, domain))


# -- edit ----------------------------------------------------------------------------------------------------
def _render_edit(domain: str, username: str,
                 posted: PasswordForm | PathForm | None = None) -> ResponseReturnValue:
    """The edit popup: a password form and a folder form for one FTP user, from the stored listing."""
    card = _service().listing(g.user).card(domain, username)  # the stored listing: no Hestia call (issue 19)
    if card is None:
        abort(404)
    back = posted.back.data if posted is not None else _back()
    blocked = posted is None and (card.domain_suspended or card.user_suspended)
    password_form = posted if isinstance(posted, PasswordForm) else PasswordForm(formdata=None, back=back)
    generated = posted is None and request.args.get("generate") == "1"
    if generated:  # "Generate a password": shown in the field, saved only by "Change password"
        password_form.password.data = generate_password()
        password_form.password.widget = TextInput()
    path_form = posted if isinstance(posted, PathForm) else PathForm(formdata=None, back=back, path=card.path)
    return _render_form("ftp/_modal_edit.html", invalid=posted is not None and bool(posted.errors), card=card,
                        page_title=gettext("Edit %(login)s", login=username),
                        password_form=password_form, path_form=path_form, cancel_url=_back_url(back, domain),
                        generated=generated, blocked=_why_not(domain) if blocked else "")


@bp.get("/ftp/<domain>/<username>/edit")
@login_required
def edit(domain: str, username: str) -> ResponseReturnValue:
    """The edit popup (or page) of one FTP user."""
    _require(domain, username)
    response = make_response(_render_edit(domain, username))
    return no_store(response) if request.args.get("generate") == "1" else response


@bp.post("/ftp/<domain>/<username>/password")
@login_required
def change_password(domain: str, username: str) -> ResponseReturnValue:
    """Set a new password (typed, or generated when empty) and show it once."""
    _require(domain, username)
    form = PasswordForm()
    if form.validate_on_submit():
        def change() -> tuple[str, ResponseReturnValue]:
            changed = _service().change_password(g.user, domain, username, form.password.data or None)
            return username, _shown_once(changed.card, changed.password, created=False,
                                         generated=changed.generated, back=form.back.data)
        try:
            return run_once("password", domain, username, _back_url(form.back.data, domain), noted(change))
        except FtpRuleError as error:
            _show_rule_error(form, error)
    return _render_edit(domain, username, form)


@bp.post("/ftp/<domain>/<username>/path")
@login_required
def change_path(domain: str, username: str) -> ResponseReturnValue:
    """Change the folder; a folder that does not exist resets it to the domain root, and says so."""
    _require(domain, username)
    form = PathForm()
    if form.validate_on_submit():
        def change() -> tuple[str, ResponseReturnValue]:
            create = form.create.data == "1"
            changed = _service().change_path(g.user, domain, username, form.path.data or "", create_missing=create)
            if changed.reset_to_root:
                # The product's promise (DESIGN.md §4) with its consequence, and the way out on the same page.
                flash(gettext("The folder /%(folder)s does not exist, so the folder of %(login)s was reset to the "
                              "domain root (/). %(login)s can now reach the whole web domain %(domain)s.",
                              folder=changed.requested, login=username, domain=domain), "warning")
                session[FOLDER_OFFER] = {"domain": domain, "username": username, "folder": changed.requested,
                                         "back": form.back.data or "ftp"}
            elif create:
                flash(gettext("The folder %(folder)s was created, and %(login)s now starts there.",
                              folder=changed.card.display_path, login=username), "success")
            else:
                flash(gettext("The folder of %(login)s is now %(folder)s.", login=username,
                              folder=changed.card.display_path), "success")
            return username, _finished(_back_url(form.back.data, domain))
        try:
            return run_once("path", domain, username, _back_url(form.back.data, domain), noted(change))
        except FtpRuleError as error:
            _show_rule_error(form, error)
    return _render_edit(domain, username, form)


# -- delete --------------------------------------------------------------------------------------------------
@bp.route("/ftp/<domain>/<username>/delete", methods=["GET", "POST"])
@login_required
def delete(domain: str, username: str) -> ResponseReturnValue:
    """GET: the confirmation popup; POST: delete the FTP user (allowed on a suspended domain, like Hestia)."""
    form = DeleteForm()
    if request.method == "POST" and (done := answered_before(_back_url(form.back.data, domain))) is not None:
        return done
    _require(domain, username)
    if form.validate_on_submit():
        def remove() -> tuple[str, ResponseReturnValue]:
            _service().delete(g.user, domain, username)
            flash(gettext("The FTP user %(login)s was deleted.", login=username), "success")
            return username, _finished(_back_url(form.back.data, domain))
        try:
            return run_once("delete", domain, username, _back_url(form.back.data, domain), noted(remove))
        except FtpRuleError as error:
            _show_rule_error(form, error)
    elif request.method == "GET":
        form.back.data = _back()
    return _render_form("ftp/_modal_delete.html", invalid=bool(form.errors), form=form, domain=domain,
                        page_title=gettext("Delete %(login)s?", login=username),
                        username=username, cancel_url=_back_url(form.back.data, domain))
