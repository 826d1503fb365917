"""RESULTS.md: every figure as a median with its spread (lowest-highest) over the repeated runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.bulk import BulkResult
from bench.calls import CallCount, list_page_is_one_call
from bench.concurrency import LATENCY_MS, Level
from bench.journeys import JourneyResult, render_section
from bench.load import LoadResult
from bench.overhead import Profile, Ratio
from bench.seeding import Size

RATIO_TARGET = 1.2
HTML_TARGET = 300 * 1024
HOW_PAGED = ("- How: the page shows 50 cards at a time with a server-side filter (panel/paging.py) and each card is "
             "lean (connection details come in a popup that makes no Hestia call); the one call still lists, and "
             "the bridge still parses, every FTP user and web domain, since the domain list and the counts need "
             "them all.")
WHY_MISSED = ("- Why missed: see the profile below for where the time beyond the one Hestia call goes at this size; "
              "the calls-per-action table shows the call count is not the cause.")


@dataclass
class Results:
    """Everything one `python -m bench` run measured (sections left empty were not run)."""

    machine: dict[str, str]
    runs: int
    sizes: tuple[Size, ...]
    calls: list[CallCount] = field(default_factory=list)
    pages: list[Ratio] = field(default_factory=list)
    hooks: list[Ratio] = field(default_factory=list)
    profile: Profile | None = None
    serving: str = ""
    levels: list[Level] = field(default_factory=list)
    capacity: tuple[int, int] = (0, 0)
    bulk: BulkResult | None = None
    load: LoadResult | None = None
    journeys: list[JourneyResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _calls(results: Results) -> list[str]:
    actions = list(dict.fromkeys(c.action for c in results.calls))
    by_key = {(c.action, c.size): c for c in results.calls}
    rows = []
    for action in actions:
        cells = [by_key[(action, s)] for s in results.sizes if (action, s) in by_key]
        commands = ", ".join(dict.fromkeys(cmd for c in cells for cmd in c.commands)) or "none"
        rows.append([action, *(c.count for c in cells), commands])
    verdict = "holds" if list_page_is_one_call(results.calls) else "**FAILS**"
    return ["## Calls per action", "",
            "Hestia calls each page or change makes, from the mock's call log (exact counts, not timings).",
            f"Rule: the list page makes one call at every size: **{verdict}**.", "",
            *_table(["action", *(s.label for s in results.sizes), "commands"], rows)]


def _ratios(title: str, rows: list[Ratio], intro: str, html: bool) -> list[str]:
    header = ["size", "latency", "bridge", "the Hestia call", "ratio"] + (["HTML"] if html else [])
    cells = [[r.size.label, f"{r.latency_ms} ms", r.page.ms(), r.call.ms(), r.ratio.plain("x")]
             + ([f"{r.html_bytes / 1024:.0f} KB"] if html else []) for r in rows]
    return [f"## {title}", "", intro, "", *_table(header, cells)]


def _targets(results: Results) -> list[str]:
    largest = max(results.sizes, key=lambda s: s.ftp_users)
    page = next((r for r in results.pages if r.size == largest and r.latency_ms == 100), None)
    if page is None:
        return []
    ratio_ok = page.ratio.median <= RATIO_TARGET
    html_ok = page.html_bytes < HTML_TARGET
    return ["### Targets", "",
            f"- List page at 100 ms latency, {largest.label}: {page.ratio.median:.2f}x the call "
            f"(target <= {RATIO_TARGET}x): " + ("**met**" if ratio_ok else
                                              f"**missed** by {page.ratio.median - RATIO_TARGET:.2f}x"),
            f"- HTML of that page: {page.html_bytes / 1024:.0f} KB (target < 300 KB): "
            + ("**met**" if html_ok else f"**missed** by {(page.html_bytes - HTML_TARGET) / 1024:.0f} KB"),
            HOW_PAGED, *([] if ratio_ok and html_ok else [WHY_MISSED]), ""]


def _profile(profile: Profile) -> list[str]:
    rows = [[name, f"{seconds * 1000:.1f} ms", f"{seconds / profile.total:.0%}"] for name, seconds in
            profile.buckets]
    top = [[f"`{name}`", f"{seconds * 1000:.1f} ms", calls] for name, seconds, calls in profile.top]
    return [f"### Where the time goes: profile of the {profile.size.label} list page (0 ms latency)", "",
            f"Own time per area under cProfile (which slows Python code down, so the total, "
            f"{profile.total * 1000:.0f} ms, is above the unprofiled page time); built-ins are counted for "
            "their caller.", "", *_table(["area", "time per page", "share"], rows),
            *_table(["function (top 10 by own time)", "time per page", "calls"], top)]


def _levels(results: Results) -> list[str]:
    workers, threads = results.capacity
    rows = [[lv.customers, f"{lv.ideal_rps:.0f}", lv.rps.plain(), f"{lv.efficiency:.0%}", lv.p50.ms(),
             lv.p95.ms(), lv.p99.ms(), lv.failed] for lv in results.levels]
    return ["## Concurrency", "",
            f"gunicorn, {workers} gthread workers x {threads} threads (the README's command), against the mock "
            f"with {LATENCY_MS} ms per call; each customer is a distinct Hestia user with 10 FTP users loading "
            "`/ftp` again and again. Ideal = min(customers, workers x threads) / latency. The load generator, "
            "the mock and gunicorn share the machine's cores.", "", results.serving, "",
            *_table(["customers", "ideal req/s", "req/s", "of ideal", "p50", "p95", "p99", "failed"], rows)]


def _bulk(bulk: BulkResult) -> list[str]:
    rows = [["one at a time", bulk.sequential.plain(" s"), bulk.sequential_calls],
            [f"{bulk.in_flight} in flight (documented)", bulk.concurrent.plain(" s"), bulk.concurrent_calls]]
    return ["## Bulk hooks", "",
            f"A reseller suspends {bulk.accounts} accounts through signed `suspend_account` hooks with "
            f"Idempotency-Keys; the mock adds {LATENCY_MS} ms per call. Every delivery succeeded: "
            f"{'yes' if bulk.all_succeeded else '**no**'}. Speed-up: {bulk.speedup:.1f}x.", "",
            *_table(["way", "time for all", "Hestia calls"], rows)]


def _load(load: LoadResult) -> list[str]:
    verdict = "held" if load.ok else "**did not hold**"
    problems = [*load.unexpected, *load.leaks, *load.state_problems]
    return ["## Load (issue 6)", "",
            "Many customers at once (sign in, read their pages, create, change and delete their own FTP users, "
            "probe another customer's domain) while a reseller suspends and unsuspends other accounts through "
            f"signed hooks; `python -m bench.load`. The run {verdict}.", "",
            load.summary() + ".", "",
            f"Statuses: {dict(sorted(load.statuses.items()))}; "
            f"hook results: {dict(sorted(load.hook_results.items()))}.",
            "", *(f"- {line}" for line in problems), *([""] if problems else [])]


def render(results: Results) -> str:
    """The whole RESULTS.md."""
    m = results.machine
    lines = ["# Benchmark results", "", "Written by `make bench` (`python -m bench`); do not edit by hand.", "",
             f"- Date: {m['date']}", f"- Machine: {m['machine']}", f"- Python: {m['python']}",
             f"- Packages: {m['packages']}", f"- Commit: {m['commit']}",
             f"- Every time is the median of {results.runs} runs, with the lowest-highest in brackets.", ""]
    if results.calls:
        lines += _calls(results)
    if results.pages:
        lines += _ratios("Overhead ratio: list page", results.pages,
                         "`GET /ftp` through the panel (Flask test client: framework, session, store, parsing, "
                         "rendering, and its real HTTP call to the mock) against the same `v-list-web-domains` "
                         "call made directly, alternated in one run.", html=True)
        lines += _targets(results)
    if results.profile is not None:
        lines += _profile(results.profile)
    if results.journeys:
        lines += render_section(results.journeys)
    if results.hooks:
        lines += _ratios("Overhead ratio: hooks", results.hooks,
                         "A signed `suspend_account` + `unsuspend_account` pair through the panel (signature, "
                         "replay and ownership checks in the store, audit) against the same two commands made "
                         "directly.", html=False)
    if results.levels:
        lines += _levels(results)
    if results.bulk is not None:
        lines += _bulk(results.bulk)
    if results.load is not None:
        lines += _load(results.load)
    if results.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in results.notes), ""]
    return "\n".join(lines).rstrip() + "\n"
