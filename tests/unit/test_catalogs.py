"""The catalogs are complete and compiled (issue 16): a fresh extraction against every .po and .mo file.

A string marked in a template, the panel or the core but missing from a catalog, left untranslated or fuzzy,
translated with other placeholders, or changed in a .po without `make translations` fails here, so a customer
never meets an English sentence in a German page by accident.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from puq_hestia.texts import CATALOG_DIR, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
# The same keywords as `make messages` (Makefile): the core's markers N_/Nn_ and Flask-Babel's lazy _l.
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "Nn_": (1, 2), "_l": None}
# %(name)s for gettext and Jinja, {name} for the core's str.format templates.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


@cache
def extracted() -> frozenset[str | tuple[str, str]]:
    """Every msgid a fresh extraction finds (a plural as its (singular, plural) pair)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT, method_map, options_map,
                                                                        keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return frozenset(found)


def catalog(language: str) -> Catalog:
    """The .po file of LANGUAGE."""
    with (CATALOG_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def placeholders(text: str) -> set[str]:
    """The names of the placeholders in TEXT."""
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_the_extraction_finds_the_panel_the_core_and_the_mails() -> None:
    found = extracted()
    assert "Sign in" in found  # templates/auth/login.html
    assert "Wrong username or password." in found  # panel/auth.py, N_
    assert "The FTP user {username} already exists." in found  # puq_hestia/ftp/service.py, N_
    assert ("{count} FTP user", "{count} FTP users") in found  # puq_hestia/ftp/limits.py, Nn_
    assert "If you did not expect this message, ignore it: nothing happens unless the link is used." in found
    assert "Enter the 6 digits." in found  # panel/forms.py, _l


def test_the_makefile_extracts_with_the_same_keywords() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-k N_ -k Nn_:1,2 -k _l" in makefile and "-F babel.cfg" in makefile


def msgid_of(message: Message) -> str | tuple[str, str]:
    """A catalog entry's msgid as the extraction gives it."""
    return message.id if isinstance(message.id, str) else (message.id[0], message.id[1])


def problems(po: Catalog) -> list[str]:
    """What is wrong with a catalog: a msgid missing, untranslated or fuzzy, a placeholder lost or made up."""
    entries = {msgid_of(message): message for message in po if message.id}
    found = [f"missing: {msgid!r}" for msgid in sorted(extracted(), key=str) if msgid not in entries]
    found += [f"no longer in the code: {msgid!r}" for msgid in entries if msgid not in extracted()]
    for msgid, message in entries.items():
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(forms) or message.fuzzy:
            found.append(f"untranslated or fuzzy: {msgid!r}")
        source = placeholders(msgid if isinstance(msgid, str) else " ".join(msgid))
        # A singular form may say "one" instead of its count; every other placeholder must stay.
        needed = source - {"num", "count"}
        found += [f"placeholders of {form!r} differ from {msgid!r}" for form in forms
                  if not needed <= placeholders(form) <= source]
    return found


def compiled(language: str) -> Catalog:
    """The .mo file of LANGUAGE."""
    with (CATALOG_DIR / language / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        return read_mo(mo)


def stale(po: Catalog, mo: Catalog) -> bool:
    """True when the compiled catalog does not say what the .po file says."""
    def table(catalog: Catalog) -> dict[object, object]:
        return {msgid_of(m): m.string if isinstance(m.string, str) else tuple(m.string) for m in catalog if m.id}

    return table(mo) != table(po)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_msgid_is_in_the_catalog_and_translated(language: str) -> None:
    assert problems(catalog(language)) == [], "run `make messages`, translate, then `make translations`"
    assert not catalog(language).obsolete


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_compiled_catalog_matches_its_po_file(language: str) -> None:
    assert not stale(catalog(language), compiled(language)), "run `make translations`: the .mo file is stale"


def test_a_missing_msgid_a_lost_placeholder_and_a_stale_mo_are_caught() -> None:
    """The checks above bite: the German catalog with one entry gone, one placeholder dropped, one changed."""
    po = catalog("de")
    po.delete("Sign in")
    assert problems(po) == ["missing: 'Sign in'"]
    po = catalog("de")
    entry = po.get("The FTP user {username} already exists.")
    assert entry is not None
    entry.string = "Der FTP-Benutzer existiert bereits."
    assert problems(po) == [f"placeholders of {entry.string!r} differ from {entry.id!r}"]
    po = catalog("de")
    entry = po.get("Sign in")
    assert entry is not None and entry.string == "Anmelden" and not stale(po, compiled("de"))
    entry.string = "Einloggen"  # the .po changed, the .mo was not compiled again
    assert stale(po, compiled("de"))
