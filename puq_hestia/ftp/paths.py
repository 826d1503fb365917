"""FTP folder normalisation and strict, anchored containment (SECURITY.md item 1).

Hestia's own check (HESTIA_API.md §4.1) is an unanchored regex substring match on ``readlink -f``: sibling
folders such as ``../example.com2`` or ``../exampleXcom`` pass it, and FTP_PATH is later stored in a
colon-separated, quoted field of web.conf (§4 storage model), a known second-order injection surface
(SECURITY.md "Why these rules"). So the bridge accepts only a small, boring alphabet and proves containment
itself, before any call.
"""

from __future__ import annotations

import posixpath
import re
import string

from puq_hestia.texts import N_

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "InvalidPathError",
    "absolute_ftp_path",
    "domain_dir",
    "is_inside",
    "is_plain_segment",
    "normalize_ftp_path",
    "quote_char",
    "strip_domain_dir",
]

MAX_LENGTH = 200
MAX_DEPTH = 8
MAX_SEGMENT_LENGTH = 64

_SEGMENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SEGMENT_CHARS = frozenset(string.ascii_letters + string.digits + "._-")
# Lexical anchor for callers that do not pass their real domain directory. Because accepted segments are
# never "", "." or "..", the join is already normal and the answer does not depend on the anchor.
_NEUTRAL_BASE = "/home/user/web/domain.invalid"


class InvalidPathError(ValueError):
    """A folder or path component the product refuses; ``str(error)`` is safe to show to the customer."""


def quote_char(char: str) -> str:
    """Quote one offending character for a message: ':' -> "':'", NUL -> "'\\x00'", never raw."""
    return ascii(char)


def _check_characters(raw: str) -> None:
    """Refuse characters outside the segment alphabet, naming the first offender and why."""
    for char in raw:
        if char == "/" or char in _SEGMENT_CHARS:
            continue
        if not char.isprintable():
            raise InvalidPathError(N_("The folder contains an invisible character ({char}).", char=quote_char(char)))
        if char.isspace():
            # Hestia trims arguments (HESTIA_API.md §2), so surrounding spaces would be silently dropped.
            raise InvalidPathError(N_("The folder must not contain spaces or other whitespace."))
        if not char.isascii():
            raise InvalidPathError(N_("The folder contains a non-ASCII character ({char}).", char=quote_char(char)))
        if char == "\\":
            raise InvalidPathError(N_("Use '/' to separate folders; backslashes are not allowed."))
        raise InvalidPathError(
            N_("The folder contains {char}; use only letters, digits, '.', '_' and '-'.", char=quote_char(char))
        )


def _check_segment(segment: str) -> None:
    """Refuse one folder name that does not match the segment rule (its characters are already safe)."""
    if segment == "":
        raise InvalidPathError(N_("The folder contains an empty name ('//')."))
    if segment in (".", ".."):
        raise InvalidPathError(N_("The folder must not contain '.' or '..' parts."))
    if len(segment) > MAX_SEGMENT_LENGTH:
        raise InvalidPathError(N_("Each folder name may have at most {most} characters.",
                                  most=MAX_SEGMENT_LENGTH))
    if not _SEGMENT_RE.fullmatch(segment):
        raise InvalidPathError(N_("The folder name '{segment}' must start with a letter or digit.", segment=segment))


def normalize_ftp_path(raw: str, *, base: str | None = None) -> str:
    """Return the FTP folder relative to the domain directory ("" for its root), or raise InvalidPathError.

    ``base`` is the domain directory to prove containment against; without it a neutral anchor is used,
    which gives the same answer for every accepted path (see ``_NEUTRAL_BASE``).
    """
    if len(raw) > MAX_LENGTH:
        raise InvalidPathError(N_("The folder may have at most {most} characters.", most=MAX_LENGTH))
    _check_characters(raw)
    relative = raw.strip("/")
    if relative == "":
        return ""
    segments = relative.split("/")
    if len(segments) > MAX_DEPTH:
        raise InvalidPathError(N_("The folder may be at most {most} levels deep.", most=MAX_DEPTH))
    for segment in segments:
        _check_segment(segment)
    anchor = _NEUTRAL_BASE if base is None else base
    if not is_inside(anchor, posixpath.normpath(f"{anchor}/{relative}")):
        raise InvalidPathError(N_("The folder must stay inside the domain directory."))
    return relative


def is_plain_segment(name: str) -> bool:
    """Whether NAME is one folder name the segment rule accepts (to offer only folders that can be chosen)."""
    return _SEGMENT_RE.fullmatch(name) is not None


def _check_name(kind: str, value: str) -> None:
    """Refuse a user or domain name that could not be one path component."""
    plain = value.isascii() and value.isprintable() and " " not in value and "/" not in value
    if not plain or value in ("", ".", ".."):
        raise InvalidPathError(N_("Invalid {kind} name for a path.", kind=kind))


def domain_dir(user: str, domain: str) -> str:
    """Return Hestia's directory of a web domain, ``/home/USER/web/DOMAIN`` (HESTIA_API.md §4)."""
    _check_name("user", user)
    _check_name("domain", domain)
    return f"/home/{user}/web/{domain}"


def absolute_ftp_path(user: str, domain: str, rel: str) -> str:
    """Return the absolute directory an FTP account with folder ``rel`` would land in."""
    base = domain_dir(user, domain)
    relative = normalize_ftp_path(rel, base=base)
    return f"{base}/{relative}" if relative else base


def is_inside(directory: str, candidate: str) -> bool:
    """Tell whether ``candidate`` is ``directory`` itself or below it (lexical, anchored, absolute only)."""
    if not directory.startswith("/") or not candidate.startswith("/"):
        return False
    root = posixpath.normpath(directory)
    target = posixpath.normpath(candidate)
    if root in ("/", "//"):
        return True
    return target == root or target.startswith(root + "/")


def strip_domain_dir(raw: str, user: str, domain: str) -> str:
    """Accept a pasted absolute Hestia path: ``/home/USER/web/DOMAIN/x`` becomes ``x`` (issue 19).

    Any other path under ``/home/`` is outside the web domain and refused; everything else is left for
    ``normalize_ftp_path`` (which already drops a leading and a trailing ``/``). Surrounding whitespace from a
    paste is dropped here, before the strict character rule sees it.
    """
    text = raw.strip()
    base = domain_dir(user, domain)
    if text == base or text.startswith(base + "/"):
        return text[len(base):]
    if text.startswith("/home/"):
        raise InvalidPathError(N_("The folder must be inside the web domain's folder {base}.", base=base))
    return text
