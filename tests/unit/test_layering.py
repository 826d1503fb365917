"""The house keeps its arrows pointing down (DESIGN.md §1): a test that reads every import with ast.

`hestia/` is the client and imports nothing of the product; `ftp/` builds on `hestia/` and the store; `auth/` and
`billing/` may use `ftp/`; nothing in `puq_hestia` imports the panel or Flask; only the mock itself, the tests and
the benchmark harness (which drives the mock as the tests do) import `hestia_mock`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Which first-party modules each room may import (prefixes of dotted names). The package root ``puq_hestia``
#: itself (its ``__version__``) is always allowed: importing any room runs it anyway.
ALLOWED: dict[str, tuple[str, ...]] = {
    "puq_hestia.hestia": ("puq_hestia.hestia",),
    "puq_hestia.database": (),
    "puq_hestia.store": ("puq_hestia.store", "puq_hestia.database"),
    "puq_hestia.ftp": ("puq_hestia.ftp", "puq_hestia.hestia", "puq_hestia.store", "puq_hestia.intents",
                       "puq_hestia.texts"),
    "puq_hestia.auth": ("puq_hestia.auth", "puq_hestia.ftp", "puq_hestia.hestia", "puq_hestia.store",
                        "puq_hestia.texts"),
    "puq_hestia.billing": ("puq_hestia.billing", "puq_hestia.auth", "puq_hestia.ftp", "puq_hestia.hestia",
                           "puq_hestia.store", "puq_hestia.intents"),
    "puq_hestia.intents": ("puq_hestia.store", "puq_hestia.database"),
    # The maintenance run also does the FTP rules' scheduled work (access that ends, issue 17) and retries mail.
    "puq_hestia.maintenance": ("puq_hestia.intents", "puq_hestia.store", "puq_hestia.hestia", "puq_hestia.ftp",
                               "puq_hestia.mail", "puq_hestia.unfinished", "puq_hestia.texts"),
    # Issue 18: billing creates whose worker died between their steps, settled by the maintenance run.
    "puq_hestia.unfinished": ("puq_hestia.intents", "puq_hestia.store", "puq_hestia.hestia"),
    # Outgoing e-mail (issue 17): settings, templates and the outbox in the store; used by maintenance and the
    # panel, and handed to ftp/ by injection (ftp.invitations.Outbox), so ftp/ does not import it.
    "puq_hestia.mail": ("puq_hestia.store", "puq_hestia.database", "puq_hestia.texts"),
    # Customer-facing messages marked for translation, and the shipped languages (issue 16): imports nothing.
    "puq_hestia.texts": (),
    "puq_hestia.branding": ("puq_hestia.hestia",),
    "puq_hestia.settings": ("puq_hestia.hestia", "puq_hestia.database", "puq_hestia.mail", "puq_hestia.branding",
                            "puq_hestia.texts"),
    "puq_hestia.cli": ("puq_hestia",),
}
FIRST_PARTY = ("puq_hestia", "panel", "hestia_mock")
FORBIDDEN_IN_CORE = ("panel", "flask", "werkzeug", "flask_wtf", "flask_limiter", "flask_babel", "hestia_mock")


def module_name(path: Path) -> str:
    """The dotted module name of a file under ROOT."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved, TYPE_CHECKING blocks included."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # `from puq_hestia import store` imports the submodule puq_hestia.store
            names.update(f"{base}.{alias.name}" for alias in node.names
                         if base in FIRST_PARTY and not alias.name.startswith("__"))
    return names


def is_under(name: str, prefix: str) -> bool:
    """True when the dotted name is the prefix or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def room_of(module: str) -> str:
    """The ALLOWED key a puq_hestia module belongs to."""
    for room in sorted(ALLOWED, key=len, reverse=True):
        if is_under(module, room):
            return room
    raise AssertionError(f"{module} is in no room of DESIGN.md §1; add it to one")


def import_allowed(name: str, allowed: tuple[str, ...]) -> bool:
    """Whether a core module may import ``name``, given the prefixes its room allows."""
    if any(is_under(name, bad) for bad in FORBIDDEN_IN_CORE):
        return False
    if name == "puq_hestia" or not is_under(name, "puq_hestia"):
        return True
    return any(is_under(name, ok) for ok in allowed)


def layering_violations(files: list[Path]) -> list[str]:
    """Every import in ``files`` that breaks the rules above, as 'module imports name' lines."""
    found = []
    for path in files:
        module = module_name(path)
        allowed = ALLOWED[room_of(module)]
        found += [f"{module} imports {name}" for name in sorted(imported_names(path))
                  if not import_allowed(name, allowed)]
    return found


def core_files() -> list[Path]:
    """Every Python file of puq_hestia except the package root."""
    return [p for p in sorted((ROOT / "puq_hestia").rglob("*.py")) if p != ROOT / "puq_hestia" / "__init__.py"]


def test_puq_hestia_keeps_its_layers() -> None:
    assert layering_violations(core_files()) == []


def test_every_room_named_in_design_exists() -> None:
    for room in ("hestia", "ftp", "auth", "billing"):
        assert (ROOT / "puq_hestia" / room / "__init__.py").is_file()


@pytest.mark.parametrize("source, expected", [
    ("from puq_hestia.store import Store\n", "puq_hestia.hestia.client imports puq_hestia.store"),
    ("from puq_hestia.ftp import FtpService\n", "puq_hestia.hestia.client imports puq_hestia.ftp"),
    ("import flask\n", "puq_hestia.hestia.client imports flask"),
    ("from panel.extensions import services\n", "puq_hestia.hestia.client imports panel.extensions"),
    ("from puq_hestia import store\n", "puq_hestia.hestia.client imports puq_hestia.store"),
    ("from .. import store\n", "puq_hestia.hestia.client imports puq_hestia.store"),
    ("if TYPE_CHECKING:\n    from puq_hestia.billing.actions import Kind\n",
     "puq_hestia.hestia.client imports puq_hestia.billing.actions"),
])
def test_the_check_catches_a_client_that_imports_the_product(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             source: str, expected: str) -> None:
    fake_root = tmp_path
    client = fake_root / "puq_hestia" / "hestia" / "client.py"
    client.parent.mkdir(parents=True)
    client.write_text("from __future__ import annotations\n" + source)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", fake_root)
    assert expected in layering_violations([client])


def test_ftp_may_not_import_billing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = tmp_path / "puq_hestia" / "ftp" / "service.py"
    service.parent.mkdir(parents=True)
    service.write_text("from puq_hestia.billing.actions import Kind\nfrom puq_hestia.hestia import HestiaClient\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert layering_violations([service]) == ["puq_hestia.ftp.service imports puq_hestia.billing.actions"]


def test_only_the_mock_tests_and_bench_import_the_mock() -> None:
    offenders = []
    for folder in ("puq_hestia", "panel"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            offenders += [f"{module_name(path)} imports {n}" for n in imported_names(path)
                          if is_under(n, "hestia_mock")]
    assert offenders == []


def test_the_mock_imports_neither_the_core_nor_the_panel() -> None:
    offenders = []
    for path in sorted((ROOT / "hestia_mock").rglob("*.py")):
        offenders += [f"{module_name(path)} imports {n}" for n in imported_names(path)
                      if is_under(n, "puq_hestia") or is_under(n, "panel")]
    assert offenders == []
