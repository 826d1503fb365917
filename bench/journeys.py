"""Calls and seconds per journey (issue 19 Must 9): open the list -> the popup -> the change -> back to the list.

HestiaCP 1.10.3's own v-list-web-domains costs about 20 ms per web domain (148 ms at 6 domains, 840-940 ms at
40), so every listing saved is a second for a big customer. The mock charges that with its `domain_latency`
fault (BASE_MS per call, PER_DOMAIN_MS per web domain on v-list-web-domains); the waits are counted through the
mock's injected sleep instead of slept, so the Hestia seconds are the model's and the panel seconds are measured.

"before" is the panel with ``PUQ_LIST_AFTER_CHANGE = False`` (the list after a change read from Hestia again, as
on main before this change); "after" serves that list from the listing the change updated (panel/fresh.py).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask.testing import FlaskClient

from bench.harness import Stats
from bench.rig import SERVER_ID, Rig
from bench.seeding import Size

#: 1, 10, 40 and 200 web domains (40 with 200 FTP users, as measured on HestiaCP; 200 with issue 7's 1000).
JOURNEY_SIZES = (Size(1, 1), Size(10, 10), Size(200, 40), Size(1000, 200))
TINY_JOURNEY_SIZES = (Size(1, 1), Size(4, 2))
BASE_MS = 30  # 148 ms at 6 domains minus 6 x 20 ms: the script's own start (bash, sudo, conf reads)
PER_DOMAIN_MS = 20
MODES = (("before", False), ("after", True))
FRAGMENT = {"X-Fragment": "1"}
_suffixes = itertools.count(1)

Step = Callable[[FlaskClient], object]


def _add(domain: str, user: str) -> tuple[list[Step], list[Step]]:
    """Add an FTP user in the advanced section; cleaned up by deleting it (unmeasured)."""
    suffix = f"j{next(_suffixes):05d}"
    steps: list[Step] = [
        lambda c: c.get("/ftp"),
        lambda c: c.get(f"/ftp/{domain}/add?back=ftp", headers=FRAGMENT),
        lambda c: _expect(c.post(f"/ftp/{domain}/add", data={"suffix": suffix, "password": "Journey-pass-2026x",
                                                             "back": "ftp"}), 201),
        lambda c: c.get("/ftp"),  # "Done": back to the list
    ]
    cleanup: list[Step] = [lambda c: _expect(c.post(f"/ftp/{domain}/{user}_{suffix}/delete", data={}), 302)]
    return steps, cleanup


def _edit_password(domain: str, login: str) -> list[Step]:
    return [lambda c: c.get("/ftp"),
            lambda c: c.get(f"/ftp/{domain}/{login}/edit?back=ftp", headers=FRAGMENT),
            lambda c: _expect(c.post(f"/ftp/{domain}/{login}/password", data={"password": "", "back": "ftp"}), 200),
            lambda c: c.get("/ftp")]


def _edit_folder(domain: str, login: str) -> list[Step]:
    return [lambda c: c.get("/ftp"),
            lambda c: c.get(f"/ftp/{domain}/{login}/edit?back=ftp", headers=FRAGMENT),
            lambda c: _expect(c.post(f"/ftp/{domain}/{login}/path", data={"path": "public_html", "back": "ftp"}),
                              302),
            lambda c: c.get("/ftp")]


def _expect(response: object, status: int) -> object:
    """The journey went as planned (a failed step would make its figures meaningless)."""
    got = getattr(response, "status_code", 0)
    if got != status:
        raise RuntimeError(f"journey step answered {got}, expected {status}")
    return response


JOURNEYS = ("add (list, popup, add, result, list)", "edit password (list, popup, change, result, list)",
            "edit folder (list, popup, change, list)")


@dataclass(frozen=True)
class JourneyResult:
    """One journey at one size in one mode: its Hestia commands, modelled Hestia time and measured panel time."""

    journey: str
    size: Size
    mode: str
    commands: tuple[str, ...]
    hestia_seconds: float
    panel: Stats

    @property
    def total(self) -> float:
        """What the customer waits: the modelled Hestia seconds plus the panel's own (median)."""
        return self.hestia_seconds + self.panel.median


def _steps(journey: str, domain: str, user: str, login: str) -> tuple[list[Step], list[Step]]:
    if journey.startswith("add"):
        return _add(domain, user)
    if journey.startswith("edit password"):
        return _edit_password(domain, login), []
    return _edit_folder(domain, login), []


def _one_run(rig: Rig, browser: FlaskClient, journey: str, size: Size, domain: str,
             login: str) -> tuple[tuple[str, ...], float, float]:
    """Run the journey once: (commands, modelled Hestia seconds, panel seconds)."""
    steps, cleanup = _steps(journey, domain, size.user, login)
    modelled: list[float] = []
    rig.mock.context.faults.sleep = modelled.append
    rig.clear_calls()
    started = time.perf_counter()
    for step in steps:
        step(browser)
    elapsed = time.perf_counter() - started  # the modelled waits were counted, not slept: the panel's own time
    commands, hestia = tuple(rig.commands()), sum(modelled)
    for step in cleanup:
        step(browser)
    browser.get("/ftp")  # the page after the cleanup: the next run starts from a list read from Hestia
    return commands, hestia, elapsed


def measure(rig: Rig, sizes: tuple[Size, ...], runs: int) -> list[JourneyResult]:
    """Every journey at every size, before and after, RUNS times each (the mock's latency model on)."""
    rig.mock.clear_faults()
    rig.mock.fault(kind="domain_latency", ms=BASE_MS, per_domain_ms=PER_DOMAIN_MS)
    results: list[JourneyResult] = []
    try:
        for size in sizes:
            browser = rig.customer(size.user)
            browser.get("/ftp")
            card = rig.app.extensions["puq"].servers[SERVER_ID].ftp.overview(size.user).cards[0]
            for journey in JOURNEYS:
                for mode, enabled in MODES:
                    rig.app.config["PUQ_LIST_AFTER_CHANGE"] = enabled
                    done = [_one_run(rig, browser, journey, size, card.domain, card.username) for _ in range(runs)]
                    results.append(JourneyResult(journey, size, mode, done[0][0], done[0][1],
                                                 Stats.of([panel for _, _, panel in done])))
    finally:
        rig.app.config.pop("PUQ_LIST_AFTER_CHANGE", None)
        rig.mock.context.faults.sleep = None
        rig.mock.clear_faults()
    return results


def render_section(results: list[JourneyResult]) -> list[str]:
    """The RESULTS.md section: calls and seconds before and after, side by side, with their ratios."""
    by_key = {(r.journey, r.size, r.mode): r for r in results}
    rows = []
    for journey in dict.fromkeys(r.journey for r in results):
        for size in dict.fromkeys(r.size for r in results if r.journey == journey):
            before, after = by_key[(journey, size, "before")], by_key[(journey, size, "after")]
            rows.append([journey, size.domains, f"{len(before.commands)} -> {len(after.commands)}",
                         f"{before.hestia_seconds:.2f} -> {after.hestia_seconds:.2f}",
                         f"{before.panel.median:.3f} -> {after.panel.median:.3f}",
                         f"{before.total:.2f} -> {after.total:.2f}", f"{after.total / before.total:.2f}x"])
    header = ["journey", "web domains", "Hestia calls", "Hestia s (model)", "panel s (measured)", "total s",
              "after / before"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    largest = results[-1].size
    commands = [f"- {r.journey}, {r.mode}: {', '.join(r.commands)}" for r in results if r.size == largest]
    return ["## Calls and seconds per journey (issue 19)", "",
            f"The mock's latency model: {BASE_MS} ms per call plus {PER_DOMAIN_MS} ms per web domain on "
            "`v-list-web-domains` (HestiaCP 1.10.3's script: ~20 ms per domain). Hestia seconds are the model's "
            "(counted, not slept); panel seconds are measured (median). Before: the list after a change is "
            "read from Hestia again; after: it is the listing the change updated (panel/fresh.py). The popups "
            "cost no call in either.", "", *lines, "",
            f"Commands at {largest.domains} web domains:", "", *commands, ""]
