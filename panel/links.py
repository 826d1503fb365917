"""The card sections' links, built from one url_for per kind of link and page instead of one per link.

url_for costs about 13 µs (Werkzeug finds the rule and quotes every value); a list page builds some 400 links
(one per web domain, several per card), which was a fifth of its rendering (issue 7). Here the first link of a
kind is made by url_for with placeholders for the domain and the FTP login; the others reuse its text with the
placeholders replaced by the values quoted exactly as Werkzeug's string converter quotes them. Same URLs
(tests/panel/test_links.py compares them with url_for), same routes as the only source of truth.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import g, url_for

from puq_hestia.ftp import FtpCard

# werkzeug.routing.BaseConverter.to_url: what a path segment leaves unquoted.
SEGMENT_SAFE = "!$&'()*+,/:;=@"
# Control characters, which url_for always quotes (to %00 and %01), so they cannot clash with a real value.
_DOMAIN, _LOGIN = "\x00", "\x01"
_CACHE = "_puq_link_patterns"


def _pattern(endpoint: str, back: str | None, with_login: bool) -> tuple[str, ...]:
    """The url_for text of ENDPOINT cut where the domain (and login) go; kept for this request only."""
    patterns: dict[tuple[str, str | None, bool], tuple[str, ...]] = g.setdefault(_CACHE, {})
    key = (endpoint, back, with_login)
    if key not in patterns:
        values: dict[str, Any] = {"domain": _DOMAIN, "back": back}  # back=None adds no query string
        if with_login:
            values["username"] = _LOGIN
        built = url_for(endpoint, **values)
        head, rest = built.split(quote(_DOMAIN), 1)
        patterns[key] = (head, *rest.split(quote(_LOGIN), 1)) if with_login else (head, rest)
    return patterns[key]


def domain_link(endpoint: str, domain: str, back: str | None = None) -> str:
    """url_for(ENDPOINT, domain=DOMAIN, back=BACK), built from the page's first such link."""
    head, tail = _pattern(endpoint, back, with_login=False)
    return f"{head}{quote(domain, safe=SEGMENT_SAFE)}{tail}"


def card_link(endpoint: str, card: FtpCard, back: str | None = None) -> str:
    """url_for(ENDPOINT, domain=card.domain, username=card.username, back=BACK), built the same way."""
    head, middle, tail = _pattern(endpoint, back, with_login=True)
    return f"{head}{quote(card.domain, safe=SEGMENT_SAFE)}{middle}{quote(card.username, safe=SEGMENT_SAFE)}{tail}"
