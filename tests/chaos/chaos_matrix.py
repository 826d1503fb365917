"""The fault matrix's results, collected while the cases run and printed at the end of the run."""

from __future__ import annotations

from collections import Counter

#: (operation label, fault name, mode) -> short outcome, filled by test_fault_matrix.py.
MATRIX: dict[tuple[str, str, str], str] = {}
#: Figures for the README's "Reliability" section (faults injected, examples, inputs), added by the tests.
FIGURES: Counter[str] = Counter()

# What each cell means; a half-done or doubled change fails its test and never reaches the matrix.
SYMBOLS = {
    ("applied", "applied"): "OK",  # made, and the actor was told so
    ("unchanged", "unchanged"): "--",  # nothing made, and the actor was told "nothing was changed"
    ("applied", "unknown"): "?+",  # made; the actor was told it may or may not have been (retry is safe)
    ("unchanged", "unknown"): "?-",  # not made; told it may or may not have been
    ("partial", "unknown"): "?~",  # an account without its web domain; told so; the same request finishes it
}
LEGEND = ("OK made and told so | -- nothing changed and told so | ?+ made, told 'may or may not' | "
          "?- not made, told 'may or may not' | ?~ user made without its domain, told 'may or may not', "
          "and the same request again finished it; each cell: once/always/outage")


def record(operation: str, fault: str, mode: str, state: str, said: str) -> None:
    """Remember one case's verdict."""
    MATRIX[(operation, fault, mode)] = SYMBOLS[(state, said)]


def render_matrix() -> str:
    """The matrix as text: one row per operation (and target), one column per fault."""
    operations = list(dict.fromkeys(op for op, _, _ in MATRIX))
    faults = list(dict.fromkeys(fault for _, fault, _ in MATRIX))
    modes = {fault: list(dict.fromkeys(m for _, f, m in MATRIX if f == fault)) for fault in faults}
    width = max(len(op) for op in operations) + 1
    head = " " * width + " | ".join(f"{fault[:14]:<14}" for fault in faults)
    lines = [LEGEND, head]
    for op in operations:
        cells = ["/".join(MATRIX.get((op, fault, mode), "  ") for mode in modes[fault]) for fault in faults]
        lines.append(f"{op:<{width}}" + " | ".join(f"{cell:<14}" for cell in cells))
    counts: Counter[str] = Counter(MATRIX.values())
    lines.append(f"{len(MATRIX)} cases: " + ", ".join(f"{symbol} {n}" for symbol, n in sorted(counts.items()))
                 + "; half-done or doubled: 0")
    return "\n".join(lines)


def render_figures() -> str:
    """The run's figures, one per line."""
    return "\n".join(f"{name}: {count}" for name, count in sorted(FIGURES.items()))
