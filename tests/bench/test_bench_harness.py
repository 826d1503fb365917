"""The benchmark harness runs on tiny sizes and writes every section (never a timed assertion)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import calls, overhead
from bench.__main__ import QUICK, main
from bench.harness import Stats, percentile
from bench.report import Results, render
from bench.rig import Rig
from bench.seeding import TINY_SIZES, customers_seed, scale_seed


def test_stats_summarise_median_and_spread() -> None:
    stats = Stats.of([0.003, 0.001, 0.002])
    assert (stats.median, stats.low, stats.high, stats.runs) == (0.002, 0.001, 0.003, 3)
    assert stats.ms() == "2.00 ms (1.00-3.00)"
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.99) == 4.0


def test_seeds_spread_ftp_users_over_domains() -> None:
    seed = scale_seed(TINY_SIZES)
    domains = seed["users"]["s4"]["domains"]
    assert len(domains) == 2
    assert sum(len(d["ftp"]) for d in domains.values()) == 4
    customers = customers_seed(3, with_ftp=1)["users"]
    assert [len(customers[c]["domains"]) for c in ("c000", "c001", "c002")] == [2, 1, 1]
    assert "alice" in customers  # the demo seed stays underneath


def test_calls_and_ratios_on_tiny_sizes() -> None:
    with Rig(scale_seed(TINY_SIZES)) as rig:
        counts = calls.count_calls(rig, TINY_SIZES)
        pages = overhead.list_page_ratios(rig, TINY_SIZES[:1], runs=1)
    assert calls.list_page_is_one_call(counts)
    by_action = {(c.action, c.size.user): c.commands for c in counts}
    assert by_action[("list page (GET /ftp)", "s4")] == ("v-list-web-domains",)
    assert by_action[("someone else's domain (404)", "s4")] == ()
    assert by_action[("advanced add with folder", "s1")] == ("v-list-fs-directory", "v-add-web-domain-ftp")
    assert len(pages) == len(overhead.LATENCIES_MS)
    assert all(p.html_bytes > 0 and p.ratio.runs == 1 for p in pages)


def test_report_renders_whatever_was_measured() -> None:
    text = render(Results({"date": "d", "machine": "m", "python": "p", "packages": "x", "commit": "c"}, 1,
                          TINY_SIZES, notes=["a note"]))
    assert text.startswith("# Benchmark results")
    assert "- a note" in text
    assert "## Concurrency" not in text


@pytest.mark.timeout(180)
def test_quick_run_writes_every_section(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    assert QUICK.sizes == TINY_SIZES
    assert main(["--quick", "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    for title in ("## Calls per action", "## Overhead ratio: list page", "### Where the time goes",
                  "## Overhead ratio: hooks", "## Concurrency", "## Bulk hooks", "## Load (issue 6)"):
        assert title in text
    assert "**holds**" in text
    assert "answered /healthz with 200" in text
    assert "Every delivery succeeded: yes" in text
    assert "The run held." in text and "0 5xx" in text


def test_journeys_count_calls_before_and_after_on_tiny_sizes() -> None:
    from bench import journeys

    with Rig(scale_seed(journeys.TINY_JOURNEY_SIZES)) as rig:
        results = journeys.measure(rig, journeys.TINY_JOURNEY_SIZES[:1], runs=1)
    by_key = {(r.journey[:4], r.mode): r for r in results}
    assert by_key[("add ", "before")].commands == ("v-list-web-domains", "v-add-web-domain-ftp", "v-list-web-domains")
    assert by_key[("add ", "after")].commands == ("v-list-web-domains", "v-add-web-domain-ftp")
    # The model: 30 ms per call plus 20 ms per web domain on the listing (s1 has one web domain).
    assert by_key[("add ", "after")].hestia_seconds == pytest.approx(0.050 + 0.030)
    assert "| add (list, popup, add, result, list) | 1 | 3 -> 2 |" in "\n".join(journeys.render_section(results))
