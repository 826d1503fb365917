"""`make mutation`: mutmut over the core rules, one module at a time with its fast tests, report to MUTATION.md.

Each module runs in its own scratch copy of the tree (``$PUQ_MUTATION_DIR/<module>``, default
``/tmp/puq-hestia-mutation``) with a ``[mutmut]`` section that mutates only that module and runs only its tests,
so runs stay bounded and one module's cache never mixes with another's. A surviving mutant is listed with the
reason recorded in ``tests/mutation_reasons.txt`` (``mutant-name<TAB>reason``) or as UNEXPLAINED.

Usage: ``python tests/mutation.py [module ...]`` (default: every module); ``--report-only`` rewrites the report
from the last runs without running mutmut again; ``--survivors`` copies the current tests into the last run's
scratch tree and runs only the mutants that survived it (quick, after adding tests; the code must be unchanged).
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "tests" / "MUTATION.md"
REASONS = ROOT / "tests" / "mutation_reasons.txt"
SCRATCH = Path(os.environ.get("PUQ_MUTATION_DIR", "/tmp/puq-hestia-mutation"))
COPIED = ["puq_hestia", "panel", "hestia_mock", "templates", "tests", "setup.cfg", "pyproject.toml"]
KILLED = {"killed", "timeout"}
TARGET = 90.0


@dataclass(frozen=True)
class Module:
    """One module under mutation and the fast tests that must kill its mutants."""

    name: str
    source: str
    tests: tuple[str, ...]


MODULES = [
    Module("paths", "puq_hestia/ftp/paths.py", ("tests/unit/test_paths.py",)),
    Module("credentials", "puq_hestia/ftp/credentials.py", ("tests/unit/test_credentials.py",)),
    Module(
        "transport",
        "puq_hestia/hestia/transport.py",
        ("tests/unit/test_transport.py", "tests/unit/test_retry_policy.py", "tests/unit/test_transport_edges.py"),
    ),
    Module(
        "service", "puq_hestia/ftp/service.py",
        ("tests/service/test_ftp_service.py", "tests/service/test_ftp_service_edges.py",
         "tests/service/test_ftp_service_round2.py"),
    ),
    Module(
        "hooks",
        "panel/hooks.py",
        ("tests/provisioning/test_hooks_endpoint.py", "tests/provisioning/test_hooks_edges.py",
         "tests/provisioning/test_hook_ownership.py"),
    ),
]


def _prepare(module: Module) -> Path:
    """Lay a fresh scratch copy of the tree whose [mutmut] section targets this module only."""
    work = SCRATCH / module.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.exists():
            shutil.copy2(source, work / name)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(work / "setup.cfg")
    section = parser["mutmut"]
    section["only_mutate"] = module.source
    section["pytest_add_cli_args_test_selection"] = "\n" + "\n".join(t for t in module.tests if (ROOT / t).exists())
    with (work / "setup.cfg").open("w") as handle:
        parser.write(handle)
    return work


def _run(module: Module) -> None:
    """Run mutmut for one module on one worker (the machine is shared)."""
    work = _prepare(module)
    mutmut = Path(sys.executable).with_name("mutmut")
    subprocess.run([str(mutmut), "run", "--max-children", "1"], cwd=work, check=False)


def _rerun_survivors(module: Module) -> None:
    """Refresh the tests of the module's last run and run only its surviving mutants again."""
    work = SCRATCH / module.name
    survivors = [k for k, v in _results(module).items() if v not in KILLED | {"skipped", "not checked"}]
    if not survivors:
        return
    for target in (work / "tests", work / "mutants" / "tests"):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ROOT / "tests", target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    mutmut = Path(sys.executable).with_name("mutmut")
    subprocess.run([str(mutmut), "run", "--max-children", "1", *survivors], cwd=work, check=False)


def _results(module: Module) -> dict[str, str]:
    """Return mutant name -> status from the module's last run ({} when it never ran)."""
    work = SCRATCH / module.name
    if not (work / "mutants").exists():
        return {}
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run(
        [str(mutmut), "results", "--all", "true"], cwd=work, capture_output=True, text=True, check=False
    ).stdout
    found = (re.match(r"\s*([\w.]+__mutmut_\d+): (.+)$", line) for line in out.splitlines())
    return {m.group(1): m.group(2).strip() for m in found if m}


def _reasons() -> dict[str, str]:
    """Read the recorded reasons survivors are equivalent or cosmetic."""
    if not REASONS.exists():
        return {}
    pairs = (line.split("\t", 1) for line in REASONS.read_text().splitlines() if "\t" in line)
    return {name.strip(): reason.strip() for name, reason in pairs}


def _section(module: Module, results: dict[str, str], reasons: dict[str, str]) -> list[str]:
    """Render one module's score line and its survivors."""
    tested = {k: v for k, v in results.items() if v not in ("skipped", "not checked")}
    killed = sum(v in KILLED for v in tested.values())
    score = 100.0 * killed / len(tested) if tested else 0.0
    lines = [f"## {module.name} (`{module.source}`)", ""]
    lines.append(f"{killed} of {len(tested)} killed ({score:.1f} %), target {TARGET:.0f} %.")
    lines.append(f"Tests: {', '.join(f'`{t}`' for t in module.tests)}.")
    survivors = sorted(k for k, v in tested.items() if v not in KILLED)
    if survivors:
        lines += ["", "| surviving mutant | status | why it may survive |", "| --- | --- | --- |"]
        lines += [f"| `{k}` | {tested[k]} | {reasons.get(k, 'UNEXPLAINED')} |" for k in survivors]
    return [*lines, ""]


def main(argv: list[str]) -> int:
    """Run the named modules (all by default) and rewrite the report from every module's last run."""
    report_only, survivors = "--report-only" in argv, "--survivors" in argv
    names = [a for a in argv if not a.startswith("--")] or [m.name for m in MODULES]
    for module in MODULES:
        if module.name in names and not report_only:
            _rerun_survivors(module) if survivors else _run(module)
    reasons = _reasons()
    body = ["# Mutation testing", "", "Written by `make mutation` (`tests/mutation.py`); see README.", ""]
    header = REPORT.read_text().split("<!-- generated -->")[0] if REPORT.exists() else "\n".join(body) + "\n"
    sections = []
    for module in MODULES:
        results = _results(module)
        sections += _section(module, results, reasons) if results else [f"## {module.name}", "", "Not run.", ""]
    REPORT.write_text(header + "<!-- generated -->\n\n" + "\n".join(sections))
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
