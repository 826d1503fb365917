"""Fault-matrix rows "create an account that already exists" (issue 12, SECURITY.md 27).

Reseller B sends create_account for a name that exists at Hestia (the admin's customer alice, reseller A's bob),
copying its contact and package and naming a web domain that cannot be added. Under every fault of the matrix,
once, always and during a total outage, on each command such a create may send, the mock's state and every
password are exactly as before, and B is told "nothing changed" (409 "already taken" or 503) — never "may or may
not", never success. The rows join the printed matrix.
"""

from __future__ import annotations

from typing import Any

import pytest
from chaos_matrix import record
from chaos_operations import FAULTS, MODES, UNCHANGED, Before, Operation, told
from chaos_support import Rig, hashes_of, state_of

VICTIMS = ("alice", "bob")
TARGETS = ("v-list-user", "v-add-user", "v-check-user-password", "v-add-web-domain")
_CREATE = Operation("create existing", "hook", TARGETS, lambda rig, browser: None, "account.create_account")


def _cases() -> list[Any]:
    cases = []
    for victim in VICTIMS:
        for fault in FAULTS:
            for mode in MODES:
                for target in TARGETS if mode != "outage" else (None,):
                    cases.append(pytest.param(victim, fault, mode, target,
                                              id=f"{victim}|{fault}|{mode}" + (f"|{target}" if target else "")))
    return cases


def stolen(rig: Rig, victim: str) -> dict[str, Any]:
    conf = rig.backend.users[victim].conf
    return {"username": victim, "password": "Mallory-pass-2026", "domain": "alice.example", "configoption2": "on",
            "configoption1": conf["PACKAGE"], "clientsdetails": {"email": conf["CONTACT"]}, "serviceid": 666}


@pytest.mark.parametrize(("victim", "fault", "mode", "target"), _cases())
def test_an_existing_account_is_never_touched(rig: Rig, victim: str, fault: str, mode: str,
                                              target: str | None) -> None:
    rig.reset()
    owner = rig.services.store.account_owner("main", victim)
    before = Before.of(rig)
    spec = dict(FAULTS[fault], cmd=target)
    if mode == "once":
        spec["times"] = 1
    rig.fault(**spec)

    response = rig.hook("create_account", stolen(rig, victim), reseller="reseller-b", key=f"steal-{victim}")
    rig.clear_faults()

    said = told(_CREATE, response)
    assert said == UNCHANGED, response.get_json()
    assert state_of(rig.backend) == before.state and hashes_of(rig.backend) == before.hashes
    assert rig.services.store.account_owner("main", victim) == owner
    assert [e for e in rig.events() if e.actor == victim] == []  # nothing written on the victim's activity
    record(f"hook: create existing {victim}" + (f" [{target}]" if target else ""), fault, mode, UNCHANGED, said)
