"""Timing and the machine description: medians and spreads over repeated runs, never a single sample."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

PACKAGES = ("flask", "werkzeug", "jinja2", "requests", "urllib3", "sqlalchemy", "gunicorn", "tenacity")


@dataclass(frozen=True)
class Stats:
    """The median of repeated samples and their spread (lowest and highest)."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        """Summarise SAMPLES (at least one)."""
        if not samples:
            raise ValueError("no samples")
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def ms(self) -> str:
        """`12.3 ms (11.9-13.0)`: seconds shown as milliseconds."""
        return f"{_num(self.median * 1000)} ms ({_num(self.low * 1000)}-{_num(self.high * 1000)})"

    def plain(self, unit: str = "") -> str:
        """`1.08 (1.05-1.12)` with an optional unit after the median."""
        return f"{_num(self.median)}{unit} ({_num(self.low)}-{_num(self.high)})"


def _num(value: float) -> str:
    """Three significant figures, without an exponent for the sizes the bench sees."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def timed(action: Callable[[], object]) -> float:
    """The wall-clock seconds ACTION takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def repeat(action: Callable[[], object], runs: int, warmup: int = 1) -> list[float]:
    """Seconds of RUNS calls of ACTION after WARMUP untimed ones (caches, connections, compiled templates)."""
    for _ in range(warmup):
        action()
    return [timed(action) for _ in range(runs)]


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of SAMPLES (fraction 0.95 for p95)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    """The checked-out commit, plus `+changes` when the tree differs from it (read-only git commands)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def machine() -> dict[str, str]:
    """What RESULTS.md says about where and when the figures were taken."""
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(versions),
        "commit": _commit(),
    }
