"""The list page right after the customer's own change, served from the listing that change just updated.

HestiaCP's v-list-web-domains costs about 20 ms per web domain (4 s at 200 domains), and the page a change leads
back to would list them all again only to show what the change itself just confirmed (issue 19 Must 9).

The freshness rule: the one list page (simple or advanced section) that this browser session opens next after a
change it made itself is served from the stored listing, with no Hestia call, when
- the stored listing is still exactly the one the change left (its version matches: no other writer since), and
- this session read that listing from Hestia at most FRESH_SECONDS before (a list page view), so what is shown
  is Hestia's own listing of under two minutes ago plus the change Hestia has just confirmed.
Anything else reads Hestia as before: a reload, the page after that, a change made elsewhere (Hestia's own panel,
a reseller's hook) is picked up by that next normal read. ``PUQ_LIST_AFTER_CHANGE = False`` turns it off (the
bench's "before").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, session

from puq_hestia.ftp import FtpService, Overview

FRESH_SECONDS = 120.0
READ_AT = "listing_read_at"  # when this session last read the listing from Hestia (clock seconds)
CHANGED = "listing_after_change"  # {"version": ..., "read_at": ...} left by this session's own change
T = TypeVar("T")


def _now() -> float:
    """The panel's wall clock (``PUQ_CLOCK`` in tests)."""
    clock: Callable[[], float] = current_app.config.get("PUQ_CLOCK", time.time)
    return clock()


def _enabled() -> bool:
    return bool(current_app.config.get("PUQ_LIST_AFTER_CHANGE", True))


def note_change(service: FtpService, user: str) -> None:
    """After a change this session made: the next list page may show the listing the change updated."""
    stored = service.stored(user)
    read_at = session.get(READ_AT)
    if stored is None or not isinstance(read_at, int | float):
        session.pop(CHANGED, None)
        return
    session[CHANGED] = {"version": stored[1], "read_at": read_at}


def listing_for_page(service: FtpService, user: str) -> Overview:
    """The listing a list page shows: after this session's own change the stored one, else Hestia's (one call)."""
    changed = session.pop(CHANGED, None)
    if _enabled() and isinstance(changed, dict):
        stored = service.stored(user)
        read_at = changed.get("read_at")
        if (stored is not None and stored[1] == changed.get("version") and isinstance(read_at, int | float)
                and 0 <= _now() - read_at <= FRESH_SECONDS):
            return stored[0]
    overview = service.overview(user)
    session[READ_AT] = _now()
    return overview


def noted(change: Callable[[], T]) -> Callable[[], T]:
    """CHANGE wrapped so that, once it went through, the next list page may be served from the store."""

    def run() -> T:
        result = change()
        note_change(g.server.ftp, g.user)
        return result

    return run
