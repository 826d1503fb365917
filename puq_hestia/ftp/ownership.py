"""The ownership index: the customer's last listing, kept in the store so ownership checks cost no Hestia call.

Hestia stays the source of truth. The index only answers "is this domain / FTP user this customer's?" and "is it
suspended?" between page views; every page view refreshes it, and a change that Hestia refuses because the index
was stale is reported as such.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from puq_hestia.ftp.models import DomainSummary, FtpCard, Overview
from puq_hestia.store import Store

# Compare-and-set rounds before a contended listing is left for the next page view to rebuild.
_CAS_ROUNDS = 5


def dump_overview(overview: Overview) -> str:
    """A compact JSON form of an overview (no secrets are ever in it)."""
    data = {
        "s": overview.user_suspended,
        "d": [[d.name, d.ip, d.suspended, d.ssl] for d in overview.domains],
        "f": [[c.domain, c.username, c.path] for c in overview.cards],
    }
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def load_overview(user: str, text: str) -> Overview:
    """Rebuild an overview from dump_overview's output."""
    data: dict[str, Any] = json.loads(text)
    user_suspended = bool(data["s"])
    counts: dict[str, int] = {}
    for domain, _username, _path in data["f"]:
        counts[domain] = counts.get(domain, 0) + 1
    domains = tuple(DomainSummary(n, ip, bool(s), bool(ssl), counts.get(n, 0)) for n, ip, s, ssl in data["d"])
    by_name = {d.name: d for d in domains}
    cards = tuple(FtpCard(u, d, p, by_name[d].suspended, user_suspended, by_name[d].ip, by_name[d].site_url)
                  for d, u, p in data["f"] if d in by_name)
    return Overview(user, user_suspended, domains, cards)


class OwnershipIndex:
    """Reads and updates the stored listing of each customer of one server."""

    def __init__(self, store: Store | None, server_id: str) -> None:
        self.store = store
        self.server_id = server_id

    def lookup(self, user: str) -> Overview | None:
        """The last known listing of USER, or None when there is none."""
        if self.store is None:
            return None
        text = self.store.load_listing(self.server_id, user)
        return load_overview(user, text) if text else None

    def remember(self, user: str, overview: Overview) -> Overview:
        """Keep OVERVIEW as the latest listing of USER and return it.

        Most page views find the listing unchanged; comparing first turns their write (a transaction that
        takes SQLite's single write lock) into a read, so customers' pages do not queue behind one another.
        """
        if self.store is not None:
            text = dump_overview(overview)
            if self.store.load_listing(self.server_id, user) != text:
                self.store.save_listing(self.server_id, user, text)
        return overview

    def add_account(self, user: str, domain: str, username: str, path: str = "") -> None:
        """Record an FTP user the service has just created."""

        def add(known: Overview) -> Overview | None:
            summary = known.domain(domain)
            if summary is None or known.has(domain, username):
                return None
            return replace(known, cards=(*known.cards, FtpCard.for_new(summary, user, username, path)))

        self._update(user, add)

    def remove_account(self, user: str, domain: str, username: str) -> None:
        """Forget an FTP user the service has just deleted."""
        self._update(user, lambda known: replace(known, cards=tuple(
            c for c in known.cards if not (c.domain == domain and c.username == username))))

    def set_path(self, user: str, domain: str, username: str, path: str) -> None:
        """Record a changed folder."""
        self._update(user, lambda known: replace(known, cards=tuple(
            replace(c, path=path) if (c.domain, c.username) == (domain, username) else c for c in known.cards)))

    def _update(self, user: str, change: Callable[[Overview], Overview | None]) -> None:
        """Apply CHANGE to the stored listing by compare-and-set, so two instances' changes are never lost.

        Two creates of different names on two instances both read the old listing; a plain write let the second
        erase the first (issue 18). On a lost race the change is applied again to the newer listing; after
        several lost races the listing is left for the next page view, which rebuilds it from Hestia.
        """
        if self.store is None:
            return
        for _ in range(_CAS_ROUNDS):
            text = self.store.load_listing(self.server_id, user)
            if text is None:
                return
            changed = change(load_overview(user, text))
            if changed is None:
                return
            new_text = dump_overview(changed)
            if new_text == text or self.store.replace_listing(self.server_id, user, text, new_text):
                return
