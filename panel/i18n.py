"""The reader's language: Flask-Babel, the choice of locale, the footer's switcher and the core's messages.

Order of the choice (README "Languages"): the language picked with the footer's switcher in this browser, else
the customer's Hestia LANGUAGE (read by the login policy or the single-sign-on lookup and kept in the session:
no Hestia call of its own), else the browser's Accept-Language among the shipped languages, else
``[panel] language``. The core (puq_hestia) never imports Flask-Babel: its messages are ``Text`` values
(puq_hestia/texts.py) translated here, at display time, with the template and parameters they carry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, abort, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale, gettext, ngettext

from panel.extensions import services
from panel.security import safe_next
from puq_hestia.texts import CATALOG_DIR, LANGUAGES, Text, format_moment

bp = Blueprint("i18n", __name__)

#: Session keys: the switcher's choice (kept across sign-in and sign-out) and the Hestia LANGUAGE of the account.
CHOICE_KEY = "lang"
HESTIA_KEY = "hestia_lang"

babel = Babel()


def shipped(value: object) -> str | None:
    """The shipped language a value names ('de', 'de_DE', 'DE-at' -> 'de'), or None."""
    if not isinstance(value, str):
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def select_locale() -> str:
    """The reader's language: switcher, then Hestia LANGUAGE, then Accept-Language, then the default."""
    for key in (CHOICE_KEY, HESTIA_KEY):
        found = shipped(session.get(key))
        if found:
            return found
    best = request.accept_languages.best_match(list(LANGUAGES)) if request else None
    return best or services().settings.language


def current_language() -> str:
    """The language of this request (a two-letter code of LANGUAGES)."""
    locale = get_locale()
    return str(locale.language) if locale is not None else services().settings.language


def translate(message: str) -> str:
    """A message of the core in the reader's language: a Text by its template, any other str by itself."""
    if isinstance(message, Text):
        # Parameters may be messages themselves ("You have {quota}, ..."): each in the reader's language too.
        params = {key: translate(value) if isinstance(value, Text) else value for key, value in message.params.items()}
        if message.plural is not None and message.number is not None:
            return str(ngettext(message.template, message.plural, message.number)).format(**params)
        return str(gettext(message.template)).format(**params)
    return str(gettext(message)) if message else message


def local_time(value: datetime) -> str:
    """A moment in the reader's locale, in UTC (the panel's times are UTC, as the forms say)."""
    return format_moment(value, current_language())


@bp.post("/language")
def choose() -> ResponseReturnValue:
    """The footer's switcher: keep the chosen language in the session and go back to the page."""
    choice = shipped(request.form.get("language"))
    if choice is None or request.form.get("language") != choice:
        abort(400)
    session[CHOICE_KEY] = choice
    return redirect(safe_next(request.form.get("next")) or url_for("auth.login"))


def _switcher_context() -> dict[str, Any]:
    here = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return {"languages": LANGUAGES, "current_language": current_language(), "language_next": here}


def init_app(app: Flask) -> None:
    """Install Flask-Babel with the panel's catalogs, the switcher and the template helpers."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(CATALOG_DIR))
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # msgids without the templates' line breaks (babel.cfg)
    app.register_blueprint(bp)
    app.context_processor(_switcher_context)
    app.add_template_filter(translate, "translate")
    app.add_template_filter(local_time, "local_time")
