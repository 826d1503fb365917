"""`python -m bench` (`make bench`): run every benchmark and rewrite bench/RESULTS.md.

    python -m bench                 # the full run (under ten minutes on two cores)
    python -m bench --quick         # tiny sizes and short runs: checks the harness, figures mean nothing
    python -m bench --journeys      # only the calls and seconds per journey (issue 19), printed (make bench-journeys)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import bulk, calls, concurrency, journeys, load, overhead
from bench.harness import machine
from bench.report import Results, render
from bench.rig import Rig
from bench.seeding import SIZES, TINY_SIZES, Size, customers_seed, scale_seed
from bench.served import Served

RESULTS = Path(__file__).with_name("RESULTS.md")


@dataclass(frozen=True)
class Plan:
    """How big and how long each benchmark runs."""

    sizes: tuple[Size, ...]
    runs: int
    levels: tuple[int, ...]
    load_seconds: float
    accounts: int
    bulk_runs: int
    load: load.Plan
    workers: int = 2
    threads: int = 8
    journey_sizes: tuple[Size, ...] = journeys.JOURNEY_SIZES

    @property
    def in_flight(self) -> int:
        """Concurrent hook deliveries: what gunicorn serves at once (the documented rule)."""
        return self.workers * self.threads


FULL = Plan(SIZES, runs=7, levels=concurrency.LEVELS, load_seconds=4.0, accounts=bulk.ACCOUNTS, bulk_runs=2,
            load=load.FULL)
QUICK_LOAD = load.Plan(customers=2, rounds=1, bulk_accounts=2, bulk_passes=1, workers=1, threads=2)
QUICK = Plan(TINY_SIZES, runs=2, levels=(1, 3), load_seconds=0.3, accounts=4, bulk_runs=1, load=QUICK_LOAD,
             workers=1, threads=2, journey_sizes=journeys.TINY_JOURNEY_SIZES)


def _log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def run_in_process(plan: Plan, results: Results) -> None:
    """Calls per action, overhead ratios and the profile: mock on a socket, panel in this process."""
    _log(f"seeding the mock: {', '.join(s.label for s in plan.sizes)}")
    with Rig(scale_seed(plan.sizes)) as rig:
        _log("calls per action")
        results.calls = calls.count_calls(rig, plan.sizes)
        _log("overhead ratio: list page")
        results.pages = overhead.list_page_ratios(rig, plan.sizes, plan.runs)
        _log("profile of the largest list page")
        results.profile = overhead.profile_list_page(rig, max(plan.sizes, key=lambda s: s.ftp_users))
        _log("overhead ratio: hooks")
        results.hooks = overhead.hook_ratios(rig, plan.sizes, plan.runs)


def run_journeys(plan: Plan, results: Results) -> None:
    """Calls and seconds per journey, before and after, under the mock's per-domain latency model."""
    _log(f"journeys at {', '.join(f'{s.domains} domains' for s in plan.journey_sizes)}")
    with Rig(scale_seed(plan.journey_sizes)) as rig:
        results.journeys = journeys.measure(rig, plan.journey_sizes, min(plan.runs, 3))


def run_served(plan: Plan, results: Results) -> None:
    """Concurrency and bulk hooks: the mock and gunicorn as their own processes."""
    customers = max(max(plan.levels), plan.accounts)
    _log(f"starting the mock ({customers} customers) and gunicorn")
    with Served(customers_seed(customers, with_ftp=max(plan.levels)), workers=plan.workers,
                threads=plan.threads) as served:
        results.serving = concurrency.check_cli_serve(served.config_path) + "."
        results.capacity = (plan.workers, plan.threads)
        _log(f"concurrency at {', '.join(map(str, plan.levels))} customers")
        results.levels = concurrency.measure_levels(served, plan.levels, plan.load_seconds, min(plan.runs, 3))
        _log(f"bulk hooks: {plan.accounts} suspensions")
        results.bulk = bulk.suspend_all(served, plan.accounts, plan.bulk_runs, plan.in_flight)
    _log(f"load: {plan.load.customers} customers and a reseller at once")
    results.load = load.run(plan.load)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the results file."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and short runs (harness check)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument("--no-served", action="store_true", help="skip concurrency and bulk hooks (gunicorn)")
    parser.add_argument("--journeys", action="store_true", help="only the journeys, printed (RESULTS.md unchanged)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    results = Results(machine(), plan.runs, plan.sizes)
    started = time.perf_counter()
    if args.journeys:
        run_journeys(plan, results)
        print("\n".join(journeys.render_section(results.journeys)))
        return 0
    run_in_process(plan, results)
    run_journeys(plan, results)
    if not args.no_served:
        run_served(plan, results)
    results.notes.append(f"This run took {time.perf_counter() - started:.0f} s.")
    args.output.write_text(render(results), encoding="utf-8")
    _log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
