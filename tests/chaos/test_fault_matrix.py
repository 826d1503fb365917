"""Issue 6 item 1: every mutating operation under every fault the mock injects, in three modes.

Each case asserts that the mock ends either unchanged or with exactly the change a run without faults makes
(never half, never twice), that what the customer or reseller was told matches, and that the store's audit
event says the same. The 30-second stall is in test_stall.py (it needs a real socket).
"""

from __future__ import annotations

from typing import Any

import pytest
from chaos_matrix import FIGURES, record
from chaos_operations import (
    APPLIED,
    FAULTS,
    MODES,
    OPERATIONS,
    UNCHANGED,
    UNKNOWN,
    Before,
    Operation,
    check_audit,
    reference_state,
    state_outcome,
    told,
)
from chaos_support import Rig
from flask.testing import FlaskClient

_REFERENCE: dict[str, dict[str, Any]] = {}


def _cases() -> list[Any]:
    cases = []
    for op in OPERATIONS:
        for fault in FAULTS:
            for mode in MODES:
                targets = op.targets if mode != "outage" else (None,)
                for target in targets:
                    name = f"{op.label}|{fault}|{mode}" + (f"|{target}" if len(op.targets) > 1 and target else "")
                    cases.append(pytest.param(op, fault, mode, target, id=name))
    return cases


def applied_state(rig: Rig, op: Operation) -> dict[str, Any]:
    """The state a fault-free run leaves, computed once per operation."""
    if op.label not in _REFERENCE:
        _REFERENCE[op.label] = reference_state(rig, op)
    return _REFERENCE[op.label]


@pytest.mark.parametrize(("op", "fault", "mode", "target"), _cases())
def test_fault_leaves_nothing_half_done(rig: Rig, op: Operation, fault: str, mode: str, target: str | None) -> None:
    applied = applied_state(rig, op)
    rig.reset()
    browser = rig.customer() if op.actor == "panel" else rig.app.test_client()
    before = Before.of(rig)
    spec = dict(FAULTS[fault], cmd=target)
    if mode == "once":
        spec["times"] = 1
    rig.fault(**spec)

    response = op.act(rig, browser)
    rig.clear_faults()
    FIGURES["fault matrix: faults injected (failed calls)"] += sum(1 for c in rig.calls() if c["fault"])

    said = told(op, response)
    state = state_outcome(op, rig, before, applied, response, partial_ok=said == UNKNOWN)
    if said != UNKNOWN:
        assert said == state, f"{op.label} under {fault} ({mode}): told {said}, but the change is {state}"
    check_audit(op, rig, said)
    if said == UNKNOWN and op.retry_safe:
        _retrying_finishes_it(rig, op, browser, before, applied)
    label = op.label + (f" [{target}]" if target and len(op.targets) > 1 else "")
    record(label, fault, mode, state, said)


def _retrying_finishes_it(rig: Rig, op: Operation, browser: FlaskClient, before: Before,
                          applied: dict[str, Any]) -> None:
    """'Trying again is safe': the same request, once the fault is gone, ends in exactly the applied state."""
    op.act(rig, browser)
    assert state_outcome(op, rig, before, applied, None) == APPLIED


def test_a_transient_fault_never_reaches_the_customer(rig: Rig) -> None:
    """Faults known not to have reached Hestia (refused, connect timeout, E_LA) are retried into a success."""
    for op in OPERATIONS:
        for fault in ("refused", "connect timeout", "E_LA + Retry-After"):
            rig.reset()
            browser = rig.customer() if op.actor == "panel" else rig.app.test_client()
            rig.fault(**dict(FAULTS[fault], cmd=op.targets[0], times=1))
            assert told(op, op.act(rig, browser)) == APPLIED, (op.label, fault)


def test_retry_after_is_honoured_without_sleeping(fresh: Rig) -> None:
    """E_LA with Retry-After: 2 makes the transport wait exactly 2 s (injected sleep), then succeed."""
    browser = fresh.customer()
    fresh.sleeps.clear()
    fresh.fault(kind="exit_code", code=14, retry_after="2", cmd="v-change-web-domain-ftp-password", times=1)
    response = browser.post("/ftp/alice.example/alice_deploy/password", data={"password": "Changed-pass-2026"})
    assert response.status_code == 200
    assert fresh.sleeps == [2.0]


def test_nothing_changed_is_told_for_a_refused_server(fresh: Rig) -> None:
    """A server that refuses connections: 503, 'nothing was changed', no mutation reached the mock."""
    browser = fresh.customer()
    fresh.fault(kind="refused")
    response = browser.post("/ftp/alice.example/alice_deploy/delete")
    assert response.status_code == 503
    assert told(OPERATIONS[4], response) == UNCHANGED
    assert all(call["exit_code"] is None for call in fresh.calls() if call["cmd"] == "v-delete-web-domain-ftp")
