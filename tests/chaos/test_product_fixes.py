"""One focused test per product fix the chaos suite led to (each fails without its fix)."""

from __future__ import annotations

import time

import pytest
import requests
from chaos_operations import FAULTS, OPERATIONS, UNCHANGED, UNKNOWN, told
from chaos_support import Rig, password_works

from hestia_mock.faults import CallLog, CallRecord
from hestia_mock.testing import MockHestia
from panel import create_app


class _SlowLog(CallLog):
    """A calls log that takes its time, so a log written after the socket closes is seen late."""

    def record(self, call: CallRecord) -> None:
        time.sleep(0.2)
        super().record(call)


def test_the_mock_logs_a_dropped_call_before_the_client_sees_the_drop() -> None:
    with MockHestia(ftp=False) as hestia:
        hestia.context.calls = _SlowLog()
        hestia.fault(kind="drop_after", cmd="v-list-users", times=1)
        with pytest.raises(requests.ConnectionError):
            hestia.api("v-list-users", "json")
        assert [c["fault"] for c in hestia.calls()] == ["drop_after"]


def test_a_lost_answer_is_not_reported_as_nothing_changed(fresh: Rig) -> None:
    """The password change ran twice but both answers were lost: the customer is not told 'nothing changed'."""
    browser = fresh.customer()
    fresh.fault(kind="drop_after", cmd="v-change-web-domain-ftp-password")
    response = browser.post("/ftp/alice.example/alice_deploy/password", data={"password": "Changed-pass-2026"})
    assert response.status_code == 503
    assert told(OPERATIONS[2], response) == UNKNOWN
    assert password_works(fresh.backend, "alice_deploy", "Changed-pass-2026")
    assert [e.outcome for e in fresh.events() if e.action == "ftp.change_password"] == ["unknown"]


def test_a_create_whose_check_fails_is_unknown_not_unchanged(fresh: Rig) -> None:
    """The create ran, its answer and every later call were lost: 'may or may not', never 'nothing changed'."""
    browser = fresh.customer()
    fresh.fault(kind="read_timeout")
    response = browser.post("/ftp/alice.example/add", data={"suffix": "late", "password": "Late-pass-2026"})
    assert told(OPERATIONS[1], response) == UNKNOWN
    assert "alice_late" in fresh.backend.passwd
    assert [e.outcome for e in fresh.events() if e.action == "ftp.create"] == ["unknown"]


def test_a_failed_change_is_audited_as_a_failure(fresh: Rig) -> None:
    browser = fresh.customer()
    fresh.fault(kind="refused")
    response = browser.post("/ftp/alice.example/alice_deploy/delete")
    assert told(OPERATIONS[4], response) == UNCHANGED
    events = [e for e in fresh.events() if e.action == "ftp.delete"]
    assert [e.outcome for e in events] == ["failure"]


def test_a_failed_hook_is_audited_on_its_account(fresh: Rig) -> None:
    fresh.fault(kind="refused")
    response = fresh.hook("suspend_account", {"username": "bob"})
    assert response.status_code == 503
    [event] = [e for e in fresh.events() if e.action == "account.suspend_account"]
    assert (event.actor, event.outcome) == ("bob", "error")
    assert response.get_json()["message"] in event.detail


@pytest.mark.parametrize("fault", ["drop after (applied)", "HTTP 502", "read timeout (applied)"])
def test_an_idempotent_hook_is_sent_once_more_when_its_answer_is_lost(fresh: Rig, fault: str) -> None:
    fresh.fault(**dict(FAULTS[fault], cmd="v-suspend-user", times=1))
    response = fresh.hook("suspend_account", {"username": "bob"})
    assert response.get_json() == {"result": "success"}
    assert fresh.backend.users["bob"].suspended


DAVE = {"username": "dave", "password": "Dave-pass-2026", "domain": "dave.example", "configoption2": "on",
        "clientsdetails": {"email": "dave@example.com"}}


def _unsettled_create(rig: Rig, key: str) -> None:
    """v-add-user runs but its answer is lost, and the evidence check cannot be made: 'may or may not'."""
    rig.fault(kind="read_timeout", cmd="v-add-user", times=1)
    rig.fault(kind="read_timeout", cmd="v-check-user-password")
    first = rig.hook("create_account", DAVE, key=key)
    assert "may or may not" in first.get_json()["message"]
    assert "dave" in rig.backend.users and not rig.backend.users["dave"].domains
    assert rig.services.store.account_owner("main", "dave") is None  # not proven made: not claimed
    rig.clear_faults()


def test_a_create_left_unsettled_is_finished_by_the_same_create(fresh: Rig) -> None:
    _unsettled_create(fresh, "create-dave-1")
    again = fresh.hook("create_account", DAVE, key="create-dave-1")
    assert again.get_json() == {"result": "success"}
    assert list(fresh.backend.users["dave"].domains) == ["dave.example"]
    assert fresh.services.store.account_owner("main", "dave") == "reseller-a"


def test_a_create_left_unsettled_is_not_finished_under_another_key(fresh: Rig) -> None:
    _unsettled_create(fresh, "create-dave-1")
    before = [c["cmd"] for c in fresh.calls()]
    other = fresh.hook("create_account", DAVE, key="create-dave-2")
    assert other.status_code == 409
    mutations = [c["cmd"] for c in fresh.calls()[len(before):] if not c["cmd"].startswith(("v-list-", "v-check-"))]
    assert mutations == [] and not fresh.backend.users["dave"].domains


def test_another_resellers_half_made_account_is_not_adopted(fresh: Rig) -> None:
    _unsettled_create(fresh, "create-dave-1")
    seen = len(fresh.calls())
    other = fresh.hook("create_account", DAVE, reseller="reseller-b", key="create-dave-1")
    assert other.status_code == 409
    assert not fresh.backend.users["dave"].domains
    assert [c["cmd"] for c in fresh.calls()[seen:]] == ["v-list-user"]  # looked, refused: not even a check


def test_an_app_without_rate_limits_does_not_switch_them_off_for_the_next_app(fresh: Rig) -> None:
    """flask-limiter keeps `enabled` on the shared Limiter; each app must set its own (the chaos rig turns it off)."""
    assert fresh.app.config["RATELIMIT_ENABLED"] is False
    limited = create_app({"PUQ_SETTINGS": fresh.settings, "TESTING": True, "WTF_CSRF_ENABLED": False,
                          "PUQ_LOGIN_LIMIT_ACCOUNT": "2 per minute"})
    browser = limited.test_client()
    statuses = [browser.post("/login", data={"username": "nobody", "password": "Wrong-pass-2026"}).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]
    limited.extensions["puq"].store.close()
