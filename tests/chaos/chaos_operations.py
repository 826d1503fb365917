"""Every mutating operation of the bridge, the faults the mock can inject, and the verdict on one run.

An operation acts through the panel (a customer's browser) or the hooks (a reseller's billing system). After
it ran under a fault, `judge()` compares the mock's state with the state before and with the state a run
without faults leaves ("applied"), and checks that what the actor was told and what the store's audit says
match that state. Half-done or doubled changes match neither and fail the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaos_support import Rig, hashes_of, normalise_new_names, password_works, shown_password, state_of
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

APPLIED, UNCHANGED, UNKNOWN, PARTIAL = "applied", "unchanged", "unknown", "partial"

# The faults of /_mock/faults (hestia_mock/faults.py). The 30-second stall needs a real socket and a read
# timeout, so test_stall.py runs it; every other fault runs in-process.
FAULTS: dict[str, dict[str, Any]] = {
    "refused": {"kind": "refused"},
    "connect timeout": {"kind": "connect_timeout"},
    "read timeout (applied)": {"kind": "read_timeout"},
    "drop before": {"kind": "drop_before"},
    "drop after (applied)": {"kind": "drop_after"},
    "HTTP 500": {"kind": "http_status", "status": 500, "body": "html"},
    "HTTP 502": {"kind": "http_status", "status": 502, "body": "html"},
    "HTTP 503": {"kind": "http_status", "status": 503, "body": "html"},
    "E_LA + Retry-After": {"kind": "exit_code", "code": 14, "retry_after": "2",
                           "message": "Error: LA is too high"},
}
# once: the operation's command fails one time; always: it fails every time; outage: every command fails.
MODES = ("once", "always", "outage")

Act = Callable[[Rig, FlaskClient], TestResponse]


@dataclass(frozen=True)
class Operation:
    """One mutating operation and what it must leave behind when applied."""

    name: str
    actor: str  # "panel" or "hook"
    targets: tuple[str, ...]  # the Hestia commands that make the change (where faults are aimed)
    act: Act
    audit: str  # the audit event's action
    secret: tuple[str, str] | None = None  # (account, password) that must work once applied
    shows_password: bool = False  # the response shows a password that must work for the new account
    retry_safe: bool = True  # sending the same request again converges (not so for a random new name)

    @property
    def label(self) -> str:
        """How the matrix names the operation."""
        return f"{self.actor}: {self.name}"


def _post(url: str, **data: str) -> Act:
    return lambda rig, browser: browser.post(url, data=data)


def _hook(action: str, **params: Any) -> Act:
    return lambda rig, browser: rig.hook(action, params)


NEW_ACCOUNT = {"username": "dave", "password": "Dave-pass-2026", "domain": "dave.example",
               "clientsdetails": {"email": "dave@example.com", "firstname": "Dave", "lastname": "Example"},
               "configoption1": "default", "configoption2": "on", "serviceid": 42}

OPERATIONS: tuple[Operation, ...] = (
    Operation("create (simple)", "panel", ("v-add-web-domain-ftp",),
              _post("/ftp/add", domain="alice.example"), "ftp.create", shows_password=True,
              retry_safe=False),
    Operation("create (advanced)", "panel", ("v-add-web-domain-ftp",),
              _post("/ftp/alice.example/add", suffix="chaos", password="Chaos-pass-2026", path="public_html"),
              "ftp.create", secret=("alice_chaos", "Chaos-pass-2026")),
    Operation("change password", "panel", ("v-change-web-domain-ftp-password",),
              _post("/ftp/alice.example/alice_deploy/password", password="Changed-pass-2026"),
              "ftp.change_password", secret=("alice_deploy", "Changed-pass-2026")),
    Operation("change folder", "panel", ("v-change-web-domain-ftp-path",),
              _post("/ftp/alice.example/alice_deploy/path", path="public_html/media"), "ftp.change_path"),
    Operation("delete", "panel", ("v-delete-web-domain-ftp",),
              _post("/ftp/alice.example/alice_deploy/delete"), "ftp.delete"),
    Operation("create", "hook", ("v-add-user", "v-add-web-domain"), _hook("create_account", **NEW_ACCOUNT),
              "account.create_account", secret=("dave", "Dave-pass-2026")),
    Operation("suspend", "hook", ("v-suspend-user",), _hook("suspend_account", username="bob"),
              "account.suspend_account"),
    Operation("unsuspend", "hook", ("v-unsuspend-user",), _hook("unsuspend_account", username="carol"),
              "account.unsuspend_account"),
    Operation("terminate", "hook", ("v-delete-user",), _hook("terminate_account", username="bob"),
              "account.terminate_account"),
    Operation("change password", "hook", ("v-change-user-password",),
              _hook("change_password", username="bob", password="Bob-new-pass-2026"),
              "account.change_password", secret=("bob", "Bob-new-pass-2026")),
    Operation("change package", "hook", ("v-change-user-package",),
              _hook("change_package", username="bob", configoption1="default"), "account.change_package"),
)


def told(op: Operation, response: TestResponse) -> str:
    """What the customer or reseller was told: applied, unchanged, or that the outcome is unknown."""
    if op.actor == "hook":
        body = response.get_json()
        if body["result"] == "success":
            assert response.status_code == 200
            return APPLIED
        message = body["message"].lower()
        assert message and response.status_code in (404, 409, 422, 502, 503), (response.status_code, message)
        return UNKNOWN if "may or may not" in message else UNCHANGED
    status, text = response.status_code, response.get_data(as_text=True)
    if status in (200, 201, 302):
        return APPLIED
    assert status in (404, 409, 422, 503), status
    if "may or may not have been made" in text:
        return UNKNOWN
    assert "Nothing was changed" in text, text
    return UNCHANGED


@dataclass(frozen=True)
class Before:
    """The mock before an operation: its state, the shadow hashes, the names that existed."""

    state: dict[str, Any]
    hashes: dict[str, str]

    @classmethod
    def of(cls, rig: Rig) -> Before:
        """Take the snapshot."""
        return cls(state_of(rig.backend), hashes_of(rig.backend))

    @property
    def names(self) -> set[str]:
        """Every account name that existed."""
        return set(self.state["passwd"])


def state_outcome(op: Operation, rig: Rig, before: Before, applied: dict[str, Any],
                  response: TestResponse | None, *, partial_ok: bool = False) -> str:
    """APPLIED or UNCHANGED (PARTIAL only when PARTIAL_OK); a doubled change or a wrong password fails here."""
    after, hashes = state_of(rig.backend), hashes_of(rig.backend)
    if after == before.state and hashes == before.hashes:
        return UNCHANGED
    normalised = normalise_new_names(after, before.names)
    if normalised != applied and partial_ok and _part_of(normalised, before, applied):
        return PARTIAL
    assert normalised == applied, f"{op.label}: half-done or doubled change:\n{normalised}\n!=\n{applied}"
    _check_passwords(op, rig, before, hashes, response)
    return APPLIED


def _part_of(state: dict[str, Any], before: Before, applied: dict[str, Any]) -> bool:
    """True for the one partial state an interrupted create may leave: the new user without its web domain."""
    old = normalise_new_names(before.state, before.names)
    for section in ("users", "passwd"):
        for name, value in state[section].items():
            target = applied[section].get(name)
            if value in (old[section].get(name), target):
                continue
            if section == "users" and target is not None and value == dict(target, domains={}):
                continue
            return False
    return set(state["users"]) <= set(applied["users"]) | set(old["users"]) and not state["new_ftp_homes"]


def _check_passwords(op: Operation, rig: Rig, before: Before, hashes: dict[str, str],
                     response: TestResponse | None) -> None:
    """The intended password works; no other existing password changed (locks aside)."""
    target = op.secret[0] if op.secret else None
    for name, old in before.hashes.items():
        if name != target and name in hashes:
            assert hashes[name].lstrip("!") == old.lstrip("!"), f"{op.label}: password of {name} changed"
    if op.secret is not None:
        assert password_works(rig.backend, *op.secret), f"{op.label}: the intended password does not work"
    if op.shows_password and response is not None and response.status_code == 201:
        new = [n for n in hashes if n not in before.hashes]
        password = shown_password(response)
        assert len(new) == 1 and password and password_works(rig.backend, new[0], password)


def audit_outcome(op: Operation, rig: Rig) -> str | None:
    """The newest audit event's outcome for the operation's action (None when there is none)."""
    events = [e for e in rig.events() if e.action == op.audit]
    return events[0].outcome if events else None


def check_audit(op: Operation, rig: Rig, said: str) -> None:
    """The store's audit event says what the actor was told."""
    outcome = audit_outcome(op, rig)
    if said == APPLIED:
        assert outcome in ("success", "already", "reset_to_root"), (op.label, outcome)
    elif op.actor == "hook" and op.audit == "account.create_account" and said in (UNCHANGED, UNKNOWN):
        # Nothing is left: the failure is noted on the account when one was made and removed again ("error"),
        # and nowhere when none was made (a reseller never writes into a stranger's activity list). An unknown
        # outcome is not proven made, so it is not the reseller's account and is not written on it either
        # (SECURITY.md 27); it is noted when the account was proven made and then left unfinished.
        assert outcome in (None, "error"), (op.label, outcome)
    elif op.actor == "hook":
        assert outcome == "error", (op.label, outcome)
    else:
        assert outcome == ("unknown" if said == UNKNOWN else "failure"), (op.label, said, outcome)


def reference_state(rig: Rig, op: Operation) -> dict[str, Any]:
    """The state a run without any fault leaves (normalised), after checking that run fully."""
    rig.reset()
    browser = rig.customer() if op.actor == "panel" else rig.app.test_client()
    before = Before.of(rig)
    response = op.act(rig, browser)
    assert told(op, response) == APPLIED, response.get_data(as_text=True)
    applied = normalise_new_names(state_of(rig.backend), before.names)
    changed = applied != normalise_new_names(before.state, before.names) or hashes_of(rig.backend) != before.hashes
    assert changed, f"{op.label} changed nothing"
    return applied
