"""Issue 6 item 1, the "30-second stall": Hestia holds the request for 30 s before running it.

Only a real socket and the client's read timeout end such a wait, so this runs against a threaded MockHestia
with a 0.3 s read timeout (the production default is 30 s). Nothing here waits 30 s: clearing the faults wakes
the stalled request, which then runs, exactly as a late Hestia would, before the state is judged.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from chaos_matrix import FIGURES, record
from chaos_operations import OPERATIONS, UNKNOWN, Before, Operation, check_audit, reference_state, state_outcome, told
from chaos_support import FAST_TMP, Rig, chaos_settings

from hestia_mock.testing import MockHestia

READ_TIMEOUT = 0.3
STALL = "stall 30 s"


@pytest.fixture(scope="module")
def socket_rig() -> Iterator[Rig]:
    """The bridge over a real-socket mock, with a short read timeout."""
    root = Path(tempfile.mkdtemp(prefix="chaos-stall-", dir=FAST_TMP))
    with MockHestia(ftp=False, root=root) as hestia:
        rig = Rig(hestia.backend, hestia.app, chaos_settings(hestia.url, read_timeout=READ_TIMEOUT))
        yield rig
        rig.services.store.close()
    shutil.rmtree(root, ignore_errors=True)


def _wait_for_stalled_call(rig: Rig, command: str) -> None:
    """Until the woken request has run and is in the calls log (bounded: it runs at once)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if any(c["cmd"] == command and c["fault"] == "stall" for c in rig.calls()):
            return
        time.sleep(0.01)
    raise AssertionError(f"the stalled {command} never finished")


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_a_stalled_change_is_never_doubled(socket_rig: Rig, op: Operation) -> None:
    rig = socket_rig
    applied = reference_state(rig, op)
    rig.reset()
    browser = rig.customer() if op.actor == "panel" else rig.app.test_client()
    before = Before.of(rig)
    target = op.targets[0]
    rig.fault(kind="stall", seconds=30, cmd=target, times=1)

    started = time.monotonic()
    response = op.act(rig, browser)
    elapsed = time.monotonic() - started
    rig.clear_faults()
    _wait_for_stalled_call(rig, target)
    FIGURES["fault matrix: faults injected (failed calls)"] += 1

    assert elapsed < 5, f"the customer waited {elapsed:.1f}s"
    said = told(op, response)
    state = state_outcome(op, rig, before, applied, response, partial_ok=said == UNKNOWN)
    if said != UNKNOWN:
        assert said == state
    check_audit(op, rig, said)
    record(op.label, STALL, "once", state, said)
