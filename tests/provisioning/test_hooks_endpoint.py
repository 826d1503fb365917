"""POST /hooks/<action>: signatures, replay, idempotency, reseller isolation, 4xx errors (SECURITY.md 6, 16, 17)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from provisioning_support import Mock, hook_headers, panel_store, pin_hooks_clock, post_hook, whmcs_params

from puq_hestia.store import Store

NEW_ACCOUNT = {k: v for k, v in whmcs_params().items() if not k.startswith("server")}
CREATE = {"action": "create_account"}


@pytest.fixture
def http(panel_app: Flask) -> FlaskClient:
    return panel_app.test_client()


@pytest.fixture
def store(panel_app: Flask) -> Store:
    return panel_store(panel_app)


def assert_nothing_changed(mock: Mock, store: Store) -> None:
    assert mock.mutations() == []
    assert store.events() == []
    assert store.account_owner("main", "dave") is None


def test_create_succeeds_and_records_the_owner(http: FlaskClient, mock: Mock, store: Store) -> None:
    response = post_hook(http, "create_account", NEW_ACCOUNT)
    assert (response.status_code, response.get_json()) == (200, {"result": "success"})
    assert store.account_owner("main", "dave") == "reseller-a"
    assert mock.mutations() == ["v-add-user", "v-add-web-domain"]


def test_server_fields_in_the_body_are_ignored(http: FlaskClient, mock: Mock) -> None:
    # SSRF: the bridge always uses the reseller's configured server, whatever the body names.
    params = dict(NEW_ACCOUNT, serverhostname="169.254.169.254", serverport="80", serveraccesshash="X:Y")
    assert post_hook(http, "create_account", params).status_code == 200
    assert mock.user("dave") is not None


def test_a_rotated_secret_is_still_accepted(http: FlaskClient) -> None:
    response = post_hook(http, "metadata", {}, secret="old-reseller-a-secret")
    assert response.status_code == 200
    assert response.get_json()["metadata"]["DisplayName"] == "HestiaCP (puq-hestia)"


# -- authentication: 401 and nothing changed -------------------------------------------------------------------


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda h: _without(h, "X-Puq-Signature"), id="signature missing"),
        pytest.param(lambda h: _without(h, "X-Puq-Timestamp"), id="timestamp missing"),
        pytest.param(lambda h: _without(h, "X-Puq-Reseller"), id="reseller missing"),
        pytest.param(lambda h: dict(h, **{"X-Puq-Reseller": "reseller-x"}), id="unknown reseller"),
        pytest.param(lambda h: dict(h, **{"X-Puq-Reseller": "reseller-b"}), id="other reseller's name"),
        pytest.param(lambda h: dict(h, **{"X-Puq-Signature": "sha256=" + "0" * 64}), id="wrong signature"),
        pytest.param(lambda h: dict(h, **{"X-Puq-Signature": "sha256=zz"}), id="malformed hex"),
        pytest.param(lambda h: dict(h, **{"X-Puq-Signature": h["X-Puq-Signature"][7:]}), id="no prefix"),
        pytest.param(lambda h: dict(h, **{"X-Puq-Signature": "md5=abc"}), id="other scheme"),
        pytest.param(lambda h: dict(h, **{"X-Puq-Timestamp": "soon"}), id="timestamp not a number"),
        pytest.param(lambda h: dict(h, **{"X-Puq-Timestamp": "1" * 40}), id="timestamp huge"),
    ],
)
def test_bad_authentication_is_401_with_nothing_changed(
    http: FlaskClient, mock: Mock, store: Store, mutate: Any
) -> None:
    body = json.dumps(NEW_ACCOUNT).encode()
    response = http.post("/hooks/create_account", data=body, headers=mutate(hook_headers(body)))
    assert response.status_code == 401
    assert response.get_json()["result"] == "error"
    assert_nothing_changed(mock, store)


@pytest.mark.parametrize("offset", [-301, 301, -100_000])
def test_a_timestamp_more_than_300_s_off_is_401(http: FlaskClient, mock: Mock, store: Store, offset: int) -> None:
    response = post_hook(http, "create_account", NEW_ACCOUNT, timestamp=pin_hooks_clock(http) + offset)
    assert response.status_code == 401
    assert "300 s" in response.get_json()["message"]
    assert_nothing_changed(mock, store)


def test_a_body_changed_after_signing_is_401(http: FlaskClient, mock: Mock, store: Store) -> None:
    headers = hook_headers(json.dumps(NEW_ACCOUNT).encode())
    tampered = json.dumps(dict(NEW_ACCOUNT, username="mallory")).encode()
    assert http.post("/hooks/create_account", data=tampered, headers=headers).status_code == 401
    assert_nothing_changed(mock, store)


def test_the_same_signed_request_is_refused_the_second_time(http: FlaskClient, mock: Mock) -> None:
    body = json.dumps({"action": "suspend_account", "username": "dave"}).encode()
    headers = hook_headers(body)
    post_hook(http, "create_account", NEW_ACCOUNT)
    assert http.post("/hooks/suspend_account", data=body, headers=headers).status_code == 200
    replay = http.post("/hooks/suspend_account", data=body, headers=headers)
    assert replay.status_code == 409
    assert "replay" in replay.get_json()["message"]
    assert mock.mutations().count("v-suspend-user") == 1


# -- idempotency -----------------------------------------------------------------------------------------------


def test_a_redelivery_gets_the_stored_result_without_a_hestia_call(http: FlaskClient, mock: Mock) -> None:
    now = pin_hooks_clock(http)
    first = post_hook(http, "create_account", NEW_ACCOUNT, key="svc42-create-1", timestamp=now - 1)
    again = post_hook(http, "create_account", NEW_ACCOUNT, key="svc42-create-1", timestamp=now)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json() == {"result": "success"}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert mock.commands().count("v-add-user") == 1


def test_a_stored_failure_is_answered_again(http: FlaskClient, mock: Mock) -> None:
    params = dict(NEW_ACCOUNT, domain="alice.example")
    now = pin_hooks_clock(http)
    first = post_hook(http, "create_account", params, key="k1", timestamp=now - 1)
    again = post_hook(http, "create_account", params, key="k1", timestamp=now)
    assert first.status_code == again.status_code == 409
    assert first.get_json() == again.get_json()
    assert mock.commands().count("v-add-user") == 1


def test_the_same_key_with_another_body_is_409(http: FlaskClient, mock: Mock) -> None:
    now = pin_hooks_clock(http)
    post_hook(http, "create_account", NEW_ACCOUNT, key="k2", timestamp=now - 1)
    other = post_hook(http, "create_account", dict(NEW_ACCOUNT, username="erin"), key="k2", timestamp=now)
    assert other.status_code == 409
    assert "different request" in other.get_json()["message"]
    assert mock.user("erin") is None


def test_an_unreachable_hestia_does_not_burn_the_key(http: FlaskClient, mock: Mock) -> None:
    mock.fault(kind="refused", times=1)
    now = pin_hooks_clock(http)
    first = post_hook(http, "create_account", NEW_ACCOUNT, key="k3", timestamp=now - 1)
    assert first.status_code == 503
    again = post_hook(http, "create_account", NEW_ACCOUNT, key="k3", timestamp=now)
    assert (again.status_code, again.get_json()) == (200, {"result": "success"})


def test_a_malformed_idempotency_key_is_400(http: FlaskClient, mock: Mock) -> None:
    assert post_hook(http, "create_account", NEW_ACCOUNT, key="x" * 256).status_code == 400
    assert mock.calls() == []


# -- reseller isolation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["suspend_account", "unsuspend_account", "terminate_account",
                                    "change_password", "change_package", "single_sign_on"])
def test_reseller_b_cannot_touch_reseller_a_account(http: FlaskClient, mock: Mock, action: str) -> None:
    assert post_hook(http, "create_account", NEW_ACCOUNT).status_code == 200
    before = mock.calls()
    params = {"username": "dave", "password": "Other-pass-2026", "configoption1": "small"}
    response = post_hook(http, action, params, reseller="reseller-b")
    assert response.status_code == 404
    assert response.get_json() == {"result": "error", "message": "No such account for this reseller."}
    assert mock.calls() == before


def test_accounts_created_outside_the_hooks_belong_to_no_reseller(http: FlaskClient, mock: Mock) -> None:
    assert post_hook(http, "terminate_account", {"username": "alice"}).status_code == 404
    assert mock.calls() == []


def test_usage_update_lists_only_the_reseller_accounts(http: FlaskClient, mock: Mock) -> None:
    post_hook(http, "create_account", NEW_ACCOUNT)
    mine = post_hook(http, "usage_update", {}).get_json()["accounts"]
    theirs = post_hook(http, "usage_update", {}, reseller="reseller-b").get_json()["accounts"]
    assert [a["username"] for a in mine] == ["dave"]
    assert theirs == []


def test_a_taken_name_of_another_reseller_is_refused_without_a_change(http: FlaskClient, mock: Mock) -> None:
    post_hook(http, "create_account", NEW_ACCOUNT)
    before = mock.mutations()
    response = post_hook(http, "create_account", NEW_ACCOUNT, reseller="reseller-b")
    assert response.status_code == 409
    assert mock.mutations() == before


def test_terminate_repeats_as_success_for_the_owner(http: FlaskClient, mock: Mock) -> None:
    post_hook(http, "create_account", NEW_ACCOUNT)
    assert post_hook(http, "terminate_account", {"username": "dave"}).status_code == 200
    again = post_hook(http, "terminate_account", {"username": "dave"}, timestamp=pin_hooks_clock(http) - 1)
    assert (again.status_code, again.get_json()) == (200, {"result": "success"})
    assert mock.user("dave") is None


def test_single_sign_on_returns_a_panel_link(http: FlaskClient) -> None:
    post_hook(http, "create_account", NEW_ACCOUNT)
    body = post_hook(http, "single_sign_on", {"username": "dave"}).get_json()
    assert body["result"] == "success"
    assert body["redirectTo"].startswith("http://panel.test/sso/")


# -- bad input: clear 4xx ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"{not json", 400), (b"[1, 2]", 400), (b'"text"', 400), (b"\xff\xfe\x00", 400),
     (b"[" * 5000 + b"]" * 5000, 400), (json.dumps({"username": ["dave"], **CREATE}).encode(), 422),
     (json.dumps(dict(NEW_ACCOUNT, password=12345678, **CREATE)).encode(), 422),
     (json.dumps(dict(NEW_ACCOUNT, clientsdetails=None, configoption2=[], **CREATE)).encode(), 422),
     (json.dumps(dict(NEW_ACCOUNT, configoption1={"a": 1}, **CREATE)).encode(), 422),
     (json.dumps(NEW_ACCOUNT).encode(), 400)],
)
def test_malformed_bodies_get_clear_4xx(http: FlaskClient, mock: Mock, raw: bytes, status: int) -> None:
    response = http.post("/hooks/create_account", data=raw, headers=hook_headers(raw))
    assert response.status_code == status
    assert response.get_json()["result"] == "error"
    assert mock.mutations() == []


def test_unknown_action_is_404(http: FlaskClient) -> None:
    response = post_hook(http, "format_disk", {})
    assert response.status_code == 404
    assert response.get_json()["message"].startswith("Unknown action 'format_disk'")


def test_a_huge_body_is_413(http: FlaskClient) -> None:
    raw = json.dumps({"username": "dave", "pad": "x" * 70_000}).encode()
    assert http.post("/hooks/suspend_account", data=raw, headers=hook_headers(raw)).status_code == 413


def test_csrf_does_not_apply_to_hooks(mock: Mock) -> None:
    from provisioning_support import build_panel, panel_settings

    app = build_panel(panel_settings())
    app.config["WTF_CSRF_ENABLED"] = True
    assert post_hook(app.test_client(), "metadata", {}).status_code == 200


def test_openapi_document_lists_every_action(http: FlaskClient) -> None:
    document = http.get("/hooks/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/hooks/create_account" in document["paths"]
    assert len(document["paths"]) == 11


def test_an_action_in_the_body_must_match_the_url(http: FlaskClient, mock: Mock) -> None:
    # A signature made for one action cannot be moved to another one.
    response = post_hook(http, "terminate_account", {"action": "suspend_account", "username": "dave"})
    assert response.status_code == 400
    assert mock.calls() == []
