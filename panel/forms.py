"""The panel's forms.

Only shape checks live here; the product's rules (names, passwords, folders) are checked once, in puq_hestia
(credentials.py and paths.py, through FtpService), and come back as errors shown next to their field.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

BACK_CHOICES = ("ftp", "domain")
# flask-wtf's "read the request" default for formdata (its sentinel is private, its default value is not).
_AUTO = FlaskForm.__init__.__defaults__[0]


def _single_text_values(data: Any) -> ImmutableMultiDict[str, str]:
    """The submitted fields when each is exactly one text value; anything else is a 400 (SECURITY.md 39).

    A file part, a JSON number, list or object, or a repeated field is not what any panel form sends, and
    WTForms would otherwise meet a value of the wrong type deep inside a validator (a 500).
    """
    if request.files:
        abort(400)
    if isinstance(data, dict):
        data = ImmutableMultiDict(data)
    if not isinstance(data, ImmutableMultiDict):
        abort(400)
    for key in data:
        values = data.getlist(key)
        if len(values) != 1 or not isinstance(values[0], str):
            abort(400)
    return data


class PanelForm(FlaskForm):  # type: ignore[misc]  # flask-wtf ships no type hints
    """Base of the panel's forms (CSRF-protected through flask-wtf)."""

    class Meta(FlaskForm.Meta):  # type: ignore[misc]
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """Read the form body (or a JSON object) and refuse values of the wrong type with a 400."""
            if formdata is not _AUTO or request.method not in SUBMIT_METHODS:
                return super().wrap_formdata(form, formdata)
            if request.is_json and not request.form and not request.files:
                return _single_text_values(request.get_json(silent=True))
            data = super().wrap_formdata(form, formdata)
            return None if data is None else _single_text_values(data)


class LoginForm(PanelForm):
    """Hestia username and password; a server choice only when several servers are configured."""

    server = SelectField(_l("Server"), validate_choice=True)
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class CodeForm(PanelForm):
    """The 6-digit code of Hestia's two-factor authentication (the second sign-in step)."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=10), Regexp(r"^\s*[0-9]{6}\s*$",
                                                                                 message=_l("Enter the 6 digits."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
                                  "spellcheck": "false", "pattern": "[0-9 ]*"})
    submit = SubmitField(_l("Verify"))


class BackForm(PanelForm):
    """A CSRF-protected bare button that remembers which section to return to (logout, delete)."""

    back = HiddenField(default="ftp", validators=[Optional(), AnyOf(BACK_CHOICES)])


class SimpleAddForm(BackForm):
    """Simple section: choose a domain; the username suffix and the password are generated."""

    # Choices are the customer's addable domains; ownership is checked against the service, not the choices,
    # so a tampered value is a 404 without a Hestia call rather than a form error.
    domain = SelectField(_l("Web domain"), validators=[DataRequired()], validate_choice=False)
    submit = SubmitField(_l("Create FTP user"))


class AdvancedAddForm(BackForm):
    """Advanced section: username suffix, password (empty = generated) and an optional folder."""

    suffix = StringField(_l("Username"), validators=[DataRequired(), Length(max=30)],
                         render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    path = StringField(_l("Folder"), validators=[Optional(), Length(max=200)],
                       render_kw={"autocomplete": "off", "spellcheck": "false", "placeholder": "public_html"})
    submit = SubmitField(_l("Create FTP user"))


class PasswordForm(BackForm):
    """Change an FTP user's password; empty means generate a strong one."""

    password = PasswordField(_l("New password"), validators=[Optional(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))


class PathForm(BackForm):
    """Change an FTP user's folder; empty means the domain root."""

    path = StringField(_l("Folder"), validators=[Optional(), Length(max=200)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    # "1" from the offer after a reset: create the missing folder (v-add-fs-directory) and use it.
    create = HiddenField(validators=[Optional(), AnyOf(["", "1"])])
    submit = SubmitField(_l("Change folder"))


class DeleteForm(BackForm):
    """Confirm the deletion of an FTP user."""

    submit = SubmitField(_l("Delete FTP user"))


class LogoutForm(PanelForm):
    """The sign-out button (a POST with a CSRF token, never a GET link)."""

    submit = SubmitField(_l("Sign out"))
