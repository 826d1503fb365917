"""POST /hooks/<action> at its edges (issue 15): body limits, clock tolerance, in-flight keys, 503, key rules.

Every request here is signed against the injected hooks clock (PUQ_HOOKS_CLOCK), never the wall clock, so two
deliveries always carry different timestamps and signatures.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from provisioning_support import (
    PANEL_SECRET,
    Mock,
    hook_headers,
    panel_store,
    pin_hooks_clock,
    post_hook,
    services_of,
    whmcs_params,
)

import panel.hooks as panel_hooks
from puq_hestia.auth.sso import SsoSigner

NOW = 1_900_000_000
#: The smallest body a hook accepts: it names its action (SECURITY.md 30, issue 12).
META = b'{"action": "metadata"}'


@pytest.fixture
def http(panel_app: Flask) -> FlaskClient:
    client = panel_app.test_client()
    assert pin_hooks_clock(client) == NOW
    return client


def _padded(size: int) -> bytes:
    """A JSON object body of exactly SIZE bytes."""
    base = json.dumps({"action": "metadata", "pad": ""}).encode()
    body = json.dumps({"action": "metadata", "pad": "x" * (size - len(base))}).encode()
    assert len(body) == size
    return body


def _post_raw(http: FlaskClient, action: str, body: bytes, **options: Any) -> Any:
    return http.post(f"/hooks/{action}", data=body, headers=hook_headers(body, timestamp=NOW, **options))


def _chunked(http: FlaskClient, action: str, body: bytes) -> Any:
    """POST with Transfer-Encoding: chunked, so the request has no Content-Length.

    A WSGI server that de-chunks the body (gunicorn, Werkzeug's) says so with ``wsgi.input_terminated``.
    """
    headers = hook_headers(body, timestamp=NOW) | {"Transfer-Encoding": "chunked"}
    return http.post(f"/hooks/{action}", input_stream=io.BytesIO(body), headers=headers,
                     environ_overrides={"wsgi.input_terminated": True})


# -- body size ------------------------------------------------------------------------------------------------


def test_exactly_64_kib_is_accepted_and_one_byte_more_is_413(http: FlaskClient) -> None:
    assert _post_raw(http, "metadata", _padded(65536)).status_code == 200
    refused = _post_raw(http, "metadata", _padded(65537))
    assert refused.status_code == 413
    assert refused.get_json() == {"result": "error", "message": "The body is larger than 65536 bytes."}


def test_a_chunked_body_is_read_and_bounded_without_a_content_length(http: FlaskClient) -> None:
    accepted = _chunked(http, "metadata", _padded(65536))
    assert accepted.status_code == 200 and "metadata" in accepted.get_json()
    refused = _chunked(http, "metadata", _padded(65537))
    assert refused.status_code == 413
    assert refused.get_json()["message"] == "The body is larger than 65536 bytes."


NO_ACTION = ('The signed body must name its action ("action": "metadata"), so that a signature cannot be moved to '
             "another action. Nothing was changed.")


def test_an_empty_body_names_no_action_and_is_400(http: FlaskClient) -> None:
    response = _post_raw(http, "metadata", b"")
    assert (response.status_code, response.get_json()) == (400, {"result": "error", "message": NO_ACTION})
    assert _post_raw(http, "metadata", b"  \n", reseller="reseller-b").status_code == 400


def test_an_empty_chunked_body_names_no_action_and_is_400(http: FlaskClient) -> None:
    response = _chunked(http, "metadata", b"")
    assert (response.status_code, response.get_json()) == (400, {"result": "error", "message": NO_ACTION})


# -- the clock tolerance ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [300, -300, 0])
def test_exactly_300_s_off_is_accepted(http: FlaskClient, offset: int) -> None:
    assert post_hook(http, "metadata", {}, timestamp=NOW + offset).status_code == 200


@pytest.mark.parametrize("offset", [301, -301])
def test_301_s_off_is_401_with_the_tolerance_named(http: FlaskClient, offset: int) -> None:
    response = post_hook(http, "metadata", {}, timestamp=NOW + offset)
    assert response.status_code == 401
    assert response.get_json()["message"].startswith("X-Puq-Timestamp is more than 300 s away")


@pytest.mark.parametrize("value", ["\u0661\u0669\u0660\u0660", "1" * 13, "", "-5", "1.5"])
def test_a_timestamp_that_is_not_plain_unix_seconds_is_401(http: FlaskClient, value: str) -> None:
    body = META
    headers = hook_headers(body, timestamp=NOW) | {"X-Puq-Timestamp": value}
    response = http.post("/hooks/metadata", data=body, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"].startswith("X-Puq-Timestamp must be the current time in Unix seconds")


# -- signatures -------------------------------------------------------------------------------------------------


def test_an_upper_case_hex_signature_is_accepted(http: FlaskClient) -> None:
    headers = hook_headers(META, timestamp=NOW)
    headers["X-Puq-Signature"] = "sha256=" + headers["X-Puq-Signature"].removeprefix("sha256=").upper()
    assert http.post("/hooks/metadata", data=META, headers=headers).status_code == 200
    # ... and it is the same signed request as its lower-case form: a replay.
    again = http.post("/hooks/metadata", data=META, headers=hook_headers(META, timestamp=NOW))
    assert again.status_code == 409


@pytest.mark.parametrize("prefix", ["SHA256=", "sha256:", "", "sha512="])
def test_a_signature_without_its_exact_prefix_is_401(http: FlaskClient, prefix: str) -> None:
    headers = hook_headers(META, timestamp=NOW)
    headers["X-Puq-Signature"] = prefix + headers["X-Puq-Signature"].removeprefix("sha256=")
    response = http.post("/hooks/metadata", data=META, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"] == "X-Puq-Signature must be 'sha256=' and 64 hex digits. Nothing was changed."


# -- Idempotency-Key ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["k" * 255, "!", "~", "a-b_c.d:e/f"])
def test_keys_of_visible_ascii_up_to_255_characters_are_accepted(http: FlaskClient, key: str) -> None:
    assert _post_raw(http, "metadata", META, key=key).status_code == 200


@pytest.mark.parametrize("key", ["k" * 256, "", "a b", "caf\u00e9", "tab\tkey"])
def test_other_keys_are_400_with_nothing_run(http: FlaskClient, mock: Mock, key: str) -> None:
    body = META
    headers = hook_headers(body, timestamp=NOW) | {"Idempotency-Key": key}
    try:
        response = http.post("/hooks/metadata", data=body, headers=headers)
    except ValueError:  # pragma: no cover - a header value werkzeug itself will not send
        pytest.skip("the test client refuses this header value")
    assert response.status_code == 400
    assert response.get_json()["message"] == ("Idempotency-Key must be 1-255 visible ASCII characters. "
                                              "Nothing was changed.")
    assert mock.calls() == []


def test_a_delivery_still_running_is_409_and_runs_nothing(http: FlaskClient, panel_app: Flask, mock: Mock) -> None:
    body = json.dumps({"action": "suspend_account", "username": "dave"}).encode()
    request_hash = hashlib.sha256(b"suspend_account\n" + body).hexdigest()
    assert panel_store(panel_app).begin_hook("reseller-a", "busy-1", "suspend_account", request_hash) is None
    response = _post_raw(http, "suspend_account", body, key="busy-1")
    assert response.status_code == 409
    assert response.get_json()["message"] == "A delivery with this Idempotency-Key is still running; retry in a moment."
    assert mock.mutations() == []


def test_the_key_is_released_when_the_action_raises(
    http: FlaskClient, mock: Mock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug in an action")

    with monkeypatch.context() as patch:
        patch.setattr(panel_hooks, "run_action", boom)
        failed = _post_raw(http, "metadata", META, key="release-1")  # a bug: a JSON 500 (issue 12, finding 7)
        assert failed.status_code == 500 and failed.get_json()["result"] == "error"
    again = http.post("/hooks/metadata", data=META, headers=hook_headers(META, timestamp=NOW - 1,
                                                                          key="release-1"))
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers


def test_a_reseller_whose_server_is_gone_gets_503(http: FlaskClient, panel_app: Flask, mock: Mock,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type(services_of(panel_app)), "server", lambda self, server_id: None)
    response = _post_raw(http, "metadata", META, key="no-server-1")
    assert response.status_code == 503
    assert response.get_json() == {"result": "error", "message": "The bridge has no server 'main' for this "
                                                                 "reseller; tell its operator."}
    assert mock.calls() == []
    # Refused before anything ran: the key is free for the redelivery.
    monkeypatch.undo()
    again = http.post("/hooks/metadata", data=META, headers=hook_headers(META, timestamp=NOW - 1,
                                                                          key="no-server-1"))
    assert again.status_code == 200


def test_the_same_key_for_another_request_is_409_with_its_message(http: FlaskClient, mock: Mock) -> None:
    assert _post_raw(http, "metadata", META, key="used-1").status_code == 200
    different = b'{"action": "metadata", "x": 1}'
    other = http.post("/hooks/metadata", data=different, headers=hook_headers(different, timestamp=NOW - 1,
                                                                              key="used-1"))
    assert other.status_code == 409
    assert other.get_json() == {"result": "error", "message": "This Idempotency-Key was already used for a "
                                                              "different request. Nothing was changed."}


def test_a_replayed_answer_is_marked_and_not_cached(http: FlaskClient) -> None:
    first = _post_raw(http, "metadata", META, key="replay-1")
    again = http.post("/hooks/metadata", data=META, headers=hook_headers(META, timestamp=NOW - 1, key="replay-1"))
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Cache-Control"] == again.headers["Cache-Control"] == "no-store"


def test_a_12_digit_timestamp_is_read_and_13_digits_are_not(http: FlaskClient) -> None:
    twelve = post_hook(http, "metadata", {}, timestamp=100_000_000_000)
    assert twelve.get_json()["message"] == ("X-Puq-Timestamp is more than 300 s away from the bridge's clock; check "
                                            "the billing server's time. Nothing was changed.")
    thirteen = post_hook(http, "metadata", {}, timestamp=1_000_000_000_000)
    assert thirteen.get_json()["message"] == ("X-Puq-Timestamp must be the current time in Unix seconds. Nothing "
                                              "was changed.")


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_400_with_its_message(http: FlaskClient, raw: bytes) -> None:
    response = _post_raw(http, "metadata", raw)
    assert response.status_code == 400
    assert response.get_json() == {"result": "error",
                                   "message": "The body must be a JSON object of params. Nothing was changed."}


def test_a_bad_signature_is_logged_with_the_reseller_and_the_address(
    http: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="panel.hooks"):
        response = post_hook(http, "metadata", {}, timestamp=NOW, secret="wrong-secret")
    assert response.status_code == 401
    assert [r.getMessage() for r in caplog.records if r.name == "panel.hooks"] == [
        "refused a hook with a bad signature for reseller 'reseller-a' from 127.0.0.1"
    ]


def test_a_bad_signature_gets_the_one_message_and_the_log_bounds_the_name(
    http: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = META
    long_name = "r" * 100
    with caplog.at_level(logging.WARNING, logger="panel.hooks"):
        named = http.post("/hooks/metadata", data=body, headers=hook_headers(body, long_name, timestamp=NOW))
        headers = {k: v for k, v in hook_headers(body, timestamp=NOW).items() if k != "X-Puq-Reseller"}
        unnamed = http.post("/hooks/metadata", data=body, headers=headers)
    for response in (named, unnamed):
        assert response.status_code == 401
        assert response.get_json()["message"] == ("Unknown reseller or wrong signature (X-Puq-Reseller, "
                                                  "X-Puq-Signature). Nothing was changed.")
    assert [r.getMessage() for r in caplog.records if r.name == "panel.hooks"] == [
        f"refused a hook with a bad signature for reseller '{'r' * 64}' from 127.0.0.1",
        "refused a hook with a bad signature for reseller '' from 127.0.0.1",
    ]


# -- a single sign-on redelivered: the record keeps no link, a success gets a fresh one ---------------------------


def _sso(http: FlaskClient, user: str, key: str, timestamp: int) -> Any:
    body = json.dumps({"action": "single_sign_on", "username": user}).encode()
    return http.post("/hooks/single_sign_on", data=body, headers=hook_headers(body, timestamp=timestamp, key=key))


def _stored(panel_app: Flask, key: str, user: str) -> Any:
    body = json.dumps({"action": "single_sign_on", "username": user}).encode()
    request_hash = hashlib.sha256(b"single_sign_on\n" + body).hexdigest()
    return panel_store(panel_app).begin_hook("reseller-a", key, "single_sign_on", request_hash)


def test_a_redelivered_single_sign_on_gets_a_fresh_working_link(http: FlaskClient, panel_app: Flask,
                                                                 mock: Mock) -> None:
    panel_store(panel_app).claim_account("main", "bob", "reseller-a")
    first = _sso(http, "bob", "sso-edge-1", NOW)
    assert _stored(panel_app, "sso-edge-1", "bob").result == {
        "status": 200, "body": {"result": "success", "link_issued": True}}
    calls = len(mock.calls())
    again = _sso(http, "bob", "sso-edge-1", NOW - 1)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    link = again.get_json()["redirectTo"]
    assert link != first.get_json()["redirectTo"]
    assert set(again.get_json()) == {"result", "redirectTo"}
    assert len(mock.calls()) == calls  # the fresh link needs no Hestia call
    grant = SsoSigner(PANEL_SECRET, "http://panel.test").verify(link.rsplit("/", 1)[1])
    assert (grant.server_id, grant.user) == ("main", "bob")


def test_a_refused_single_sign_on_is_not_kept_so_its_redelivery_asks_again(http: FlaskClient, panel_app: Flask,
                                                                          mock: Mock) -> None:
    first = _sso(http, "carol", "sso-edge-2", NOW)  # carol is not reseller-a's: refused, nothing was done
    assert first.status_code == 404
    assert _stored(panel_app, "sso-edge-2", "carol") is None  # the key is free again (and now taken by this look)
    panel_store(panel_app).abandon_hook("reseller-a", "sso-edge-2")
    panel_store(panel_app).claim_account("main", "carol", "reseller-a")
    again = _sso(http, "carol", "sso-edge-2", NOW - 1)
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    assert again.get_json()["redirectTo"].startswith("http://panel.test/sso/")


# -- a create whose outcome stayed unknown is finished by its own redelivery, and only by it ----------------------


def _create(http: FlaskClient, key: str, timestamp: int) -> Any:
    body = json.dumps({"action": "create_account", **{k: v for k, v in whmcs_params().items()
                                                     if not k.startswith("server")}}).encode()
    return http.post("/hooks/create_account", data=body, headers=hook_headers(body, timestamp=timestamp, key=key))


@pytest.mark.parametrize(("redelivery_key", "finished"), [("create-edge-1", True), ("another-key", False)])
def test_an_unproven_create_is_finished_by_the_redelivery_of_its_own_key(
    http: FlaskClient, panel_app: Flask, mock: Mock, redelivery_key: str, finished: bool
) -> None:
    mock.fault(kind="drop_after", cmd="v-add-user", times=1)  # made, but the answer was lost ...
    mock.fault(kind="drop_before", cmd="v-check-user-password", times=1)  # ... and the proof could not be read
    first = _create(http, "create-edge-1", NOW)
    assert first.status_code >= 500 and "may or may not" in first.get_json()["message"]
    assert mock.user("dave") is not None and "dave.example" not in mock.user("dave").domains
    again = _create(http, redelivery_key, NOW - 1)
    if finished:
        assert (again.status_code, again.get_json()) == (200, {"result": "success"})
        assert "dave.example" in mock.user("dave").domains
        assert panel_store(panel_app).account_owner("main", "dave") == "reseller-a"
    else:  # another key is another request: the existing name proves nothing, so it is not adopted
        assert again.status_code == 409
        assert panel_store(panel_app).account_owner("main", "dave") is None
    assert mock.commands().count("v-add-user") == 1
