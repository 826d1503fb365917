"""Fixtures of the chaos suite (helpers live in chaos_support, a unique module name) and the matrix printout."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from chaos_matrix import FIGURES, MATRIX, render_figures, render_matrix
from chaos_support import FAST_TMP, Rig, chaos_settings

from hestia_mock import bridge
from hestia_mock.models import Backend

# bench/ is run from the checkout, not installed: the load test imports bench.load from the repository root.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    """One in-process bridge over one mock (no sockets), shared by a module's cases; reset it per case."""
    root = Path(tempfile.mkdtemp(prefix="chaos-", dir=FAST_TMP))
    backend = Backend(root)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        control = bridge.install(rsps, backend)
        rig = Rig(backend, control, chaos_settings(bridge.DEFAULT_URL))
        yield rig
        rig.services.store.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh(rig: Rig) -> Rig:
    """The shared rig, reset to the demo seed with an empty store."""
    rig.reset()
    return rig


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the fault matrix (operations x faults x outcome) when any matrix case ran."""
    if MATRIX:
        terminalreporter.write_sep("=", "fault matrix (tests/chaos)")
        terminalreporter.write_line(render_matrix())
    if FIGURES:
        terminalreporter.write_sep("-", "chaos figures")
        terminalreporter.write_line(render_figures())
