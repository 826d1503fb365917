"""Concurrency: the panel under gunicorn against the mock with 100 ms per call, 1 to 200 customers at once.

Each simulated customer is a thread with its own HTTP session and signed session cookie, loading the list page
again and again for a fixed time. Throughput is compared with the ideal: every request waits LATENCY for its one
Hestia call, so at most min(customers, workers x threads) requests are answered per LATENCY.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.harness import Stats, percentile
from bench.seeding import customer_name
from bench.served import Served, free_port, wait_until_up

LEVELS = (1, 10, 50, 200)
LATENCY_MS = 100


@dataclass(frozen=True)
class LoadRun:
    """One timed run at one level: completed requests, failures, seconds, and every request's latency."""

    completed: int
    failed: int
    seconds: float
    latencies: tuple[float, ...]

    @property
    def rps(self) -> float:
        """Requests answered per second."""
        return self.completed / self.seconds


@dataclass(frozen=True)
class Level:
    """The runs at one concurrency level, summarised."""

    customers: int
    ideal_rps: float
    rps: Stats
    p50: Stats
    p95: Stats
    p99: Stats
    failed: int

    @property
    def efficiency(self) -> float:
        """Median throughput as a share of the ideal."""
        return self.rps.median / self.ideal_rps


def _customer(served: Served, user: str, seconds: float, start: threading.Barrier,
              out: list[float], failures: list[int]) -> None:
    """One customer: its own connection, loading /ftp for SECONDS once every customer is ready."""
    with requests.Session() as http:
        http.cookies.set("puq_session", served.session_cookie(user))
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                ok = http.get(f"{served.url}/ftp", timeout=30, allow_redirects=False).status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                out.append(time.perf_counter() - began)  # list.append is atomic: no lock needed
            else:
                failures.append(1)


def load(served: Served, customers: int, seconds: float) -> LoadRun:
    """CUSTOMERS distinct customers (c000...) loading their list page for SECONDS."""
    latencies: list[float] = []
    failures: list[int] = []
    start = threading.Barrier(customers + 1)
    threads = [threading.Thread(target=_customer,
                                args=(served, customer_name(i), seconds, start, latencies, failures))
               for i in range(customers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return LoadRun(len(latencies), len(failures), time.perf_counter() - began, tuple(latencies))


def measure_levels(served: Served, levels: tuple[int, ...], seconds: float, runs: int) -> list[Level]:
    """Every level RUNS times, at LATENCY_MS per Hestia call."""
    served.latency(LATENCY_MS)
    capacity = served.workers * served.threads
    results = []
    for customers in levels:
        load(served, customers, min(seconds, 1.0))  # warm-up: connections, templates, listings
        samples = [load(served, customers, seconds) for _ in range(runs)]
        ideal = min(customers, capacity) / (LATENCY_MS / 1000)
        results.append(Level(
            customers, ideal,
            Stats.of([s.rps for s in samples]),
            Stats.of([percentile(s.latencies, 0.50) for s in samples]),
            Stats.of([percentile(s.latencies, 0.95) for s in samples]),
            Stats.of([percentile(s.latencies, 0.99) for s in samples]),
            sum(s.failed for s in samples),
        ))
    served.latency(0)
    return results


def check_cli_serve(config: Path, workers: int = 1) -> str:
    """Start `puq-hestia serve --workers N` and ask it for /healthz; a one-line verdict for RESULTS.md.

    One worker by default: the bench config keeps login counters in memory://, which `serve` refuses with more
    than one worker (SECURITY.md 35); the multi-worker figures come from gunicorn started directly (served.py).
    """
    script = Path(sys.executable).with_name("puq-hestia")
    port = free_port()
    command = [str(script), "--config", str(config), "serve", "--workers", str(workers), "--port", str(port)]
    # A new session, so the whole group (the CLI and the gunicorn it starts) can be stopped together.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", seconds=60)
        status = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code
        verdict = f"`puq-hestia serve --workers {workers}` answered /healthz with {status}"
    except RuntimeError as error:
        verdict = f"`puq-hestia serve --workers {workers}` did not start: {error}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    return verdict
