"""Overhead ratio: the panel's time for a page or a hook divided by the time of the Hestia call it makes.

Both are measured side by side in one run (call, page, call, page...), against the same mock with the same
injected latency, so the ratio shows what the bridge adds on top of Hestia. A profile of the largest list page
shows where that addition goes.
"""

from __future__ import annotations

import cProfile
import pstats
from dataclasses import dataclass

from bench.harness import Stats, timed
from bench.rig import RESELLER, SERVER_ID, Rig
from bench.seeding import Size

LATENCIES_MS = (0, 100)
# Where a function's own time is counted in the profile, by the path of its source file (first match wins).
BUCKETS = (
    ("rendering (Jinja2 templates, escaping, url_for)", ("jinja2", "markupsafe", "/templates/", "routing")),
    ("Hestia call (requests, urllib3, sockets, waiting)", ("requests", "urllib3", "http/client", "socket",
                                                           "ssl.py", "selectors", "email/")),
    ("parsing (JSON, models, overview)", ("json", "puq_hestia/models", "puq_hestia/ftp_models")),
    ("store (SQLAlchemy, SQLite, ownership index)", ("sqlalchemy", "sqlite3", "puq_hestia/store",
                                                     "puq_hestia/ownership")),
    ("framework (Flask, Werkzeug, sessions, forms)", ("flask", "werkzeug", "itsdangerous", "wtforms",
                                                      "flask_wtf", "flask_limiter", "limits", "panel/")),
)


@dataclass(frozen=True)
class Ratio:
    """One row: a page or hook at one size and latency, its time, the call's time and their ratio."""

    what: str
    size: Size
    latency_ms: int
    page: Stats
    call: Stats
    ratio: Stats
    html_bytes: int = 0


def _pairs(page: object, call: object, runs: int) -> tuple[list[float], list[float]]:
    """Alternate CALL and PAGE RUNS times after one warm-up each; both lists of seconds."""
    page_fn, call_fn = page, call
    assert callable(page_fn) and callable(call_fn)
    call_fn()
    page_fn()
    pages, calls = [], []
    for _ in range(runs):
        calls.append(timed(call_fn))
        pages.append(timed(page_fn))
    return pages, calls


def _ratio(what: str, size: Size, latency: int, pages: list[float], calls: list[float], html: int = 0) -> Ratio:
    ratios = [p / c for p, c in zip(pages, calls, strict=True)]
    return Ratio(what, size, latency, Stats.of(pages), Stats.of(calls), Stats.of(ratios), html)


def list_page_ratios(rig: Rig, sizes: tuple[Size, ...], runs: int) -> list[Ratio]:
    """GET /ftp against one direct v-list-web-domains call, at each size and latency."""
    rows = []
    for latency in LATENCIES_MS:
        rig.latency(latency)
        for size in sizes:
            browser = rig.customer(size.user)
            html = len(browser.get("/ftp").data)

            def page(browser: object = browser) -> None:
                assert getattr(browser, "get")("/ftp").status_code == 200  # noqa: B009

            pages, calls = _pairs(page, lambda user=size.user: rig.direct_list(user), runs)
            rows.append(_ratio("list page", size, latency, pages, calls, html))
    rig.latency(0)
    return rows


def hook_ratios(rig: Rig, sizes: tuple[Size, ...], runs: int) -> list[Ratio]:
    """A signed suspend + unsuspend hook pair against the two direct calls it makes, at each size and latency."""
    rows = []
    billing = rig.app.test_client()
    for size in sizes:
        rig.store.claim_account(SERVER_ID, size.user, RESELLER)
    for latency in LATENCIES_MS:
        rig.latency(latency)
        for size in sizes:
            user = size.user

            def hooks(user: str = user) -> None:
                assert rig.hook(billing, "suspend_account", {"username": user}) == 200
                assert rig.hook(billing, "unsuspend_account", {"username": user}) == 200

            def direct(user: str = user) -> None:
                rig.direct("v-suspend-user", user)
                rig.direct("v-unsuspend-user", user)

            pages, calls = _pairs(hooks, direct, runs)
            rows.append(_ratio("suspend + unsuspend hooks", size, latency, pages, calls))
    rig.latency(0)
    return rows


@dataclass(frozen=True)
class Profile:
    """Where the list page's time goes: seconds of own time per bucket, and the top functions."""

    size: Size
    total: float
    buckets: tuple[tuple[str, float], ...]
    top: tuple[tuple[str, float, int], ...]


def _bucket(filename: str) -> str:
    for name, markers in BUCKETS:
        if any(marker in filename for marker in markers):
            return name
    return "other (Python built-ins, the bridge's own code)"


def profile_list_page(rig: Rig, size: Size, runs: int = 3) -> Profile:
    """cProfile RUNS list pages of SIZE at 0 ms latency; own time summed by bucket (profiler overhead included)."""
    rig.latency(0)
    browser = rig.customer(size.user)
    browser.get("/ftp")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        browser.get("/ftp")
    profiler.disable()
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {}
    functions = []
    entries = stats.stats  # type: ignore[attr-defined]
    for (filename, line, name), (_cc, calls, own, _cum, callers) in entries.items():
        bucket = _bucket(_owner(filename, callers))
        totals[bucket] = totals.get(bucket, 0.0) + own / runs
        functions.append((f"{_short(filename)}:{line}({name})", own / runs, calls // runs))
    total = sum(totals.values())
    buckets = tuple(sorted(totals.items(), key=lambda item: -item[1]))
    top = tuple(sorted(functions, key=lambda item: -item[1])[:10])
    return Profile(size, total, buckets, top)


def _owner(filename: str, callers: dict[tuple[str, int, str], tuple[float, ...]]) -> str:
    """The file a function's time belongs to: built-ins (`~`) count for the caller that spent most in them."""
    if filename != "~" or not callers:
        return filename
    caller = max(callers.items(), key=lambda item: item[1][3])[0]
    return caller[0]


def _short(filename: str) -> str:
    """A source path from its package or project folder on (site-packages and the checkout stripped)."""
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
