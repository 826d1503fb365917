"""Issue 12 finding 1: a reseller's create never takes an account that existed before (SECURITY.md 27).

Reseller B sends ``create_account`` for a name that already exists at Hestia: the admin, the admin's own
customer, and reseller A's customer. B copies the victim's contact e-mail and package (what the old reconcile
took as "ours"), and names a web domain that cannot be added (what made the old rollback delete the victim).
Under every fault kind of the mock on each command the create may send, the whole mock (users, web domains,
FTP accounts, shadow hashes, files) is byte-for-byte what it was, B gets a clear error and owns nothing, and B's
later change_password and single_sign_on on that name are refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from provisioning_support import Mock, panel_app, panel_store, post_hook

from puq_hestia.store import Store

__all__ = ["panel_app"]

#: Every fault kind of hestia_mock/faults.py. In-process a stall is only a delay (a socket and a read timeout turn
#: it into read_timeout, which is here too; tests/chaos/test_stall.py runs the real one).
FAULT_KINDS: dict[str, dict[str, Any]] = {
    "latency": {"kind": "latency", "ms": 5},
    "stall": {"kind": "stall", "seconds": 0.01},
    "http 500": {"kind": "http_status", "status": 500, "body": "html"},
    "http 502": {"kind": "http_status", "status": 502, "body": "html"},
    "http 503": {"kind": "http_status", "status": 503, "body": "html"},
    "E_LA": {"kind": "exit_code", "code": 14, "message": "Error: LA is too high"},
    "lies E_NOTEXIST": {"kind": "exit_code", "code": 3, "message": "Error: user doesn't exist"},
    "drop before": {"kind": "drop_before"},
    "connect timeout": {"kind": "connect_timeout"},
    "refused": {"kind": "refused"},
    "drop after": {"kind": "drop_after"},
    "read timeout": {"kind": "read_timeout"},
}
COMMANDS = ("v-add-user", "v-list-user", "v-check-user-password", "v-add-web-domain")
# admin: ROOT_USER; boss: a second administrator (ROLE admin); alice: the admin's own customer; bob: reseller A's.
VICTIMS = ("admin", "boss", "alice", "bob")
MALLORY_PASSWORD = "Mallory-pass-2026"


def mock_state(mock: Mock) -> str:
    """The whole mock as one string: its snapshot, every shadow hash and every file under its root."""
    backend = mock.backend
    snapshot = backend.snapshot()
    with backend.lock:
        hashes = {name: entry.hash for name, entry in backend.passwd.items()}
    root = Path(snapshot.pop("root"))
    # Hestia's auth.log records every API call (the look included); it is a log of calls, not account state.
    snapshot.pop("auth_log", None)
    files = {str(p.relative_to(root)): (p.read_bytes().hex() if p.is_file() else "dir")
             for p in sorted(root.rglob("*"))}
    return json.dumps({"snapshot": snapshot, "hashes": hashes, "files": files}, sort_keys=True)


def stolen_create(mock: Mock, victim: str) -> dict[str, Any]:
    """B's create: the victim's name, contact and package, B's password, a domain that cannot be added."""
    conf = mock.user(victim).conf
    return {"username": victim, "password": MALLORY_PASSWORD, "domain": "alice.example", "configoption2": "on",
            "configoption1": conf["PACKAGE"], "serviceid": 666,
            "clientsdetails": {"email": conf["CONTACT"], "firstname": "Mallory", "lastname": "B"}}


def assert_clear_refusal(response: Any) -> None:
    """A JSON error that says the name is taken, not a customer, or that nothing was changed."""
    body = response.get_json()
    assert body["result"] == "error", body
    message = body["message"]
    assert response.status_code in (409, 422, 503), (response.status_code, message)
    assert ("already taken" in message or "role 'admin'" in message or "administrator name" in message
            or "nothing was changed" in message.lower()), message


def assert_b_has_nothing(http: FlaskClient, store: Store, mock: Mock, victim: str, owner: str | None) -> None:
    """B owns nothing; B's change_password and single sign-on on the name are refused; no intent is left."""
    assert store.account_owner("main", victim) == owner
    intent = store.create_intent("main", victim)
    assert intent is None or intent.reseller_id != "reseller-b"
    before = mock_state(mock)
    for action, extra in (("change_password", {"password": "Mallory-new-2026"}), ("single_sign_on", {})):
        response = post_hook(http, action, {"username": victim, **extra}, reseller="reseller-b")
        assert response.status_code == 404, response.get_json()
    assert mock_state(mock) == before


@pytest.fixture
def http(panel_app: Any) -> FlaskClient:
    client: FlaskClient = panel_app.test_client()
    return client


@pytest.fixture
def store(panel_app: Any, mock: Mock) -> Store:
    """The panel's store, where reseller A owns bob; the mock gets a second administrator, boss."""
    with mock.backend.lock:
        mock.backend.create_user("boss", "Boss-pass-2026", "boss@example.test", mock.backend.packages["default"],
                                 "Boss", role="admin")
    found = panel_store(panel_app)
    found.claim_account("main", "bob", "reseller-a")
    return found


@pytest.mark.parametrize("mode", ["once", "always"])
@pytest.mark.parametrize("fault", list(FAULT_KINDS))
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("victim", VICTIMS[1:])  # admin is refused by its name before any call (below)
def test_a_create_under_a_fault_never_touches_an_existing_account(
    http: FlaskClient, mock: Mock, store: Store, victim: str, command: str, fault: str, mode: str
) -> None:
    owner = store.account_owner("main", victim)
    before = mock_state(mock)
    spec = dict(FAULT_KINDS[fault], cmd=command, **({"times": 1} if mode == "once" else {}))
    mock.fault(**spec)

    response = post_hook(http, "create_account", stolen_create(mock, victim), reseller="reseller-b")

    mock.app.test_client().delete("/_mock/faults")
    assert_clear_refusal(response)
    assert mock_state(mock) == before, f"{victim} changed under {fault} on {command}"
    assert mock.mutations() in ([], ["v-add-user"])  # at most a v-add-user that Hestia refused
    assert_b_has_nothing(http, store, mock, victim, owner)


@pytest.mark.parametrize("lost", ["drop after", "http 502", "read timeout"])
@pytest.mark.parametrize("victim", VICTIMS)
def test_a_lost_create_after_a_lying_existence_check_is_settled_by_evidence(
    http: FlaskClient, mock: Mock, store: Store, victim: str, lost: str
) -> None:
    """Finding 1b: the look says "no such user" and v-add-user's answer is lost: B's password decides, not B."""
    owner = store.account_owner("main", victim)
    before = mock_state(mock)
    mock.fault(**FAULT_KINDS["lies E_NOTEXIST"], cmd="v-list-user", times=1)
    mock.fault(**FAULT_KINDS[lost], cmd="v-add-user")

    response = post_hook(http, "create_account", stolen_create(mock, victim), reseller="reseller-b")

    mock.app.test_client().delete("/_mock/faults")
    assert_clear_refusal(response)
    assert response.status_code != 503  # settled: B is told the name is not B's, not "try again"
    assert mock_state(mock) == before
    assert "v-change-user-password" not in mock.commands() and "v-delete-user" not in mock.commands()
    assert_b_has_nothing(http, store, mock, victim, owner)


def test_the_admin_name_is_refused_before_any_call(http: FlaskClient, mock: Mock, store: Store) -> None:
    before = mock_state(mock)
    response = post_hook(http, "create_account", stolen_create(mock, "admin"), reseller="reseller-b")
    assert response.status_code == 422
    assert "administrator name" in response.get_json()["message"]
    assert mock.calls() == [] and mock_state(mock) == before
    assert_b_has_nothing(http, store, mock, "admin", None)


def test_an_existing_name_is_refused_before_any_mutation(http: FlaskClient, mock: Mock, store: Store) -> None:
    """Without faults: one look, 409, and nothing sent that could change anything."""
    response = post_hook(http, "create_account", stolen_create(mock, "alice"), reseller="reseller-b")
    assert response.status_code == 409
    assert response.get_json()["message"] == ("The username 'alice' is already taken on the server; choose "
                                               "another username.")
    assert mock.commands() == ["v-list-user"]
