"""Customer-facing messages of the core, marked for translation without importing Flask or Flask-Babel.

The core speaks English. A message a customer may read is built with ``N_`` (or ``Nn_`` when it counts
something): the result *is* the English text (a ``str``, so logs, tests and ``str(error)`` read as before) and
also carries its template and parameters, so the panel translates it at display time in the reader's language
(panel/i18n.py). ``pybabel extract`` finds the templates through the ``N_`` and ``Nn_`` keywords (babel.cfg).
Templates use ``{name}`` placeholders (str.format), which every translation must keep.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time

__all__ = ["CATALOG_DIR", "LANGUAGES", "N_", "Nn_", "Text", "catalog", "format_moment", "message_of"]

#: The languages the panel ships catalogs for (panel/translations/), each with its own name for the switcher.
LANGUAGES: Mapping[str, str] = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español",
                                "nl": "Nederlands"}
#: The compiled catalogs (``make translations``). They are package data of the panel, found here by path, not
#: by import, so the core (the mails of ``puq-hestia maintain``) reads the same catalogs without Flask.
CATALOG_DIR = Path(__file__).resolve().parent.parent / "panel" / "translations"


class Text(str):
    """An English message that remembers its template, parameters and (for counts) its plural form."""

    template: str
    plural: str | None
    number: int | None  # the count that chose the form (``str.count`` is taken)
    params: Mapping[str, object]

    def __new__(cls, template: str, params: Mapping[str, object], plural: str | None = None,
                count: int | None = None) -> Text:
        """The English text of TEMPLATE (or PLURAL when COUNT is not 1), formatted with PARAMS."""
        chosen = plural if plural is not None and count != 1 else template
        self = super().__new__(cls, chosen.format(**params) if params else chosen)
        self.template, self.plural, self.number, self.params = template, plural, count, dict(params)
        return self


def N_(template: str, /, **params: object) -> Text:  # gettext's conventional marker name
    """Mark TEMPLATE for translation; the result reads as the English text formatted with PARAMS."""
    return Text(template, params)


def Nn_(singular: str, plural: str, count: int, /, **params: object) -> Text:
    """Mark a counted message (``count`` is also a parameter), as ngettext would choose it."""
    return Text(singular, {"count": count, **params}, plural, count)


def message_of(error: BaseException) -> str:
    """The error's message as raised, keeping a Text (``str(error)`` would turn it into a plain str)."""
    first = error.args[0] if error.args else None
    return first if isinstance(first, str) else str(error)


@lru_cache(maxsize=len(LANGUAGES) + 1)
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of LANGUAGE (English, the source language, and unknown codes: no translation)."""
    if language not in LANGUAGES or language == "en":
        return gettext.NullTranslations()
    return gettext.translation("messages", localedir=CATALOG_DIR, languages=[language], fallback=True)


def format_moment(value: datetime, language: str) -> str:
    """A moment in UTC as a reader of LANGUAGE writes it ("6. Dez. 2026, 12:00 UTC").

    English keeps the product's own unambiguous "2026-12-06 12:00 UTC"; the other languages get their locale's
    date with a 24-hour time (Babel's CLDR data), still in UTC as every form of the panel says.
    """
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if language not in LANGUAGES or language == "en":
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    locale = Locale.parse(language)
    day = format_date(moment, "medium", locale=locale)
    hour = format_time(moment, "short", tzinfo=UTC, locale=locale)
    text = str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", hour)
    return catalog(language).gettext("%(time)s UTC") % {"time": text}
