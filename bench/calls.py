"""Calls per action: how many Hestia calls each page and each change costs, read from the mock's call log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask.testing import FlaskClient

from bench.rig import SERVER_ID, Rig
from bench.seeding import Size

Action = Callable[[FlaskClient, str, str], object]


@dataclass(frozen=True)
class CallCount:
    """The Hestia commands one action made for one customer size."""

    action: str
    size: Size
    commands: tuple[str, ...]
    status: int

    @property
    def count(self) -> int:
        """How many calls."""
        return len(self.commands)


def _first_account(rig: Rig, user: str) -> tuple[str, str]:
    """The first web domain of USER and its first FTP user, from the panel's own stored listing."""
    listing = rig.app.extensions["puq"].servers[SERVER_ID].ftp.overview(user)
    card = listing.cards[0]
    return card.domain, card.username


# Each action: (name, what it does). Run in this order on the same customer, so later ones find what earlier
# ones made (the new FTP user `<user>_benchnew` is changed and finally deleted).
ACTIONS: tuple[tuple[str, Action], ...] = (
    ("list page (GET /ftp)", lambda c, d, u: c.get("/ftp")),
    ("advanced page (GET /ftp/<domain>)", lambda c, d, u: c.get(f"/ftp/{d}")),
    ("add popup (GET /ftp/add)", lambda c, d, u: c.get("/ftp/add")),
    ("simple add (POST /ftp/add)", lambda c, d, u: c.post("/ftp/add", data={"domain": d})),
    ("advanced add with folder", lambda c, d, u: c.post(
        f"/ftp/{d}/add", data={"suffix": "benchnew", "password": "Bench-new-2026x", "path": "public_html"})),
    ("edit popup", lambda c, d, u: c.get(f"/ftp/{d}/{u}_benchnew/edit")),
    ("change password", lambda c, d, u: c.post(f"/ftp/{d}/{u}_benchnew/password", data={"password": ""})),
    ("change folder (exists)", lambda c, d, u: c.post(f"/ftp/{d}/{u}_benchnew/path",
                                                      data={"path": "public_html"})),
    ("change folder (missing: reset)", lambda c, d, u: c.post(f"/ftp/{d}/{u}_benchnew/path",
                                                              data={"path": "no/such/folder"})),
    ("FileZilla file", lambda c, d, u: c.get(f"/ftp/{d}/{u}_benchnew/filezilla.xml")),
    ("delete", lambda c, d, u: c.post(f"/ftp/{d}/{u}_benchnew/delete", data={})),
    ("someone else's domain (404)", lambda c, d, u: c.get("/ftp/alice.example")),
)


def count_calls(rig: Rig, sizes: tuple[Size, ...]) -> list[CallCount]:
    """Every action of ACTIONS for the customer of each size (user `s<n>` of the scale seed)."""
    counts: list[CallCount] = []
    rig.latency(0)
    for size in sizes:
        browser = rig.customer(size.user)
        browser.get("/ftp")  # the customer's first page, as after logging in
        domain, _ = _first_account(rig, size.user)
        for name, action in ACTIONS:
            rig.clear_calls()
            response = action(browser, domain, size.user)
            status = getattr(response, "status_code", 0)
            counts.append(CallCount(name, size, tuple(rig.commands()), status))
    return counts


def list_page_is_one_call(counts: list[CallCount]) -> bool:
    """The issue's rule: the list page costs one Hestia call at every size."""
    return all(c.count == 1 for c in counts if c.action.startswith("list page"))
