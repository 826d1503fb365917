"""The mock's login-policy scripts with Hestia's answers (HESTIA_API.md §12), over the API like a client."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest
from flask.testing import FlaskClient
from hestia_mock_helpers import Call

from hestia_mock.models import Backend

NOW = datetime(2026, 3, 1, 12, 0, 10)
TESSA_SECRET = "PUQDEMOTWOFACTORSECRETFORTESSA23"


@pytest.fixture(autouse=True)
def fixed_clock(backend: Backend) -> None:
    backend.clock = lambda: NOW


def status_and_text(response: object) -> tuple[int, str]:
    return response.status_code, response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_check_2fa_answers_like_hestia(call: Call) -> None:
    code = pyotp.TOTP(TESSA_SECRET).at(NOW)
    assert status_and_text(call("v-check-user-2fa", "tessa", code)) == (204, "")
    assert status_and_text(call("v-check-user-2fa", "tessa", "000000" if code != "000000" else "111111")) == (
        401, "Error: Authentication token mismatch.")
    assert status_and_text(call("v-check-user-2fa", "alice", "123456")) == (
        400, "Error: Two-factor authentication is not enabled.")
    assert status_and_text(call("v-check-user-2fa", "nobody", "123456")) == (400, "Error: user nobody doesn't exist")


@pytest.mark.parametrize(("offset", "status"), [(-60, 401), (-30, 204), (29, 204), (30, 204), (60, 401)])
def test_one_period_of_drift_either_side(call: Call, offset: int, status: int) -> None:
    code = pyotp.TOTP(TESSA_SECRET).at(NOW + timedelta(seconds=offset))
    assert call("v-check-user-2fa", "tessa", code).status_code == status


def test_add_and_delete_2fa(call: Call, backend: Backend) -> None:
    assert call("v-add-user-2fa", "alice").status_code == 204
    secret = backend.users["alice"].conf["TWOFA"]
    assert len(secret) == 32 and secret in backend.users["alice"].conf["QRCODE"]
    assert status_and_text(call("v-add-user-2fa", "alice")) == (400, "Error: 2FA already enabled")
    assert call("v-check-user-2fa", "alice", pyotp.TOTP(secret).at(NOW)).status_code == 204
    assert call("v-delete-user-2fa", "alice").status_code == 204
    assert backend.users["alice"].conf["TWOFA"] == backend.users["alice"].conf["QRCODE"] == ""


def test_list_user_shows_the_secret_but_the_state_endpoint_masks_it(call: Call, client: FlaskClient) -> None:
    listed = call("v-list-user", "tessa", "json").get_json()["tessa"]
    assert listed["TWOFA"] == TESSA_SECRET  # as Hestia does: a client must drop it (§12)
    state = client.get("/_mock/state").get_json()["users"]["tessa"]["conf"]
    assert state["TWOFA"] == state["QRCODE"] == "***"


def test_change_config_value(call: Call, backend: Backend) -> None:
    assert call("v-change-user-config-value", "alice", "LOGIN_DISABLED", "yes").status_code == 204
    assert call("v-list-user", "alice", "json").get_json()["alice"]["LOGIN_DISABLED"] == "yes"
    assert status_and_text(call("v-change-user-config-value", "carol", "LOGIN_DISABLED", "yes")) == (
        401, "Error: user carol is suspended")  # E_SUSPENDED is 401 (§2.3)
    assert call("v-change-user-config-value", "alice", "bad key", "x").status_code == 422


def test_log_user_login_keeps_a_history_per_user(call: Call, client: FlaskClient) -> None:
    assert call("v-log-user-login", "alice", "203.0.113.7", "success", "s1", "Firefox 140").status_code == 204
    assert call("v-log-user-login", "alice", "2001:db8::1", "failed", "s2", "Chromium").status_code == 204
    assert status_and_text(call("v-log-user-login", "alice", "not-an-ip", "failed", "s3", "x")) == (
        422, "Error: invalid ip :: not-an-ip")
    assert call("v-log-user-login", "alice", "203.0.113.7", "failed", "s4", "it's quoted").status_code == 422
    lines = client.get("/_mock/state").get_json()["users"]["alice"]["login_history"]
    assert lines == [
        {"DATE": "2026-03-01", "TIME": "12:00:10", "IP": "203.0.113.7", "ACTION": "login", "STATUS": "success",
         "USER_AGENT": "Firefox 140", "SESSION": "s1", "ACTIVE": "yes"},
        {"DATE": "2026-03-01", "TIME": "12:00:10", "IP": "2001:db8::1", "ACTION": "login", "STATUS": "failed",
         "USER_AGENT": "Chromium", "SESSION": "s2", "ACTIVE": "no"},
    ]
    assert client.get("/_mock/state").get_json()["users"]["bob"]["login_history"] == []


def test_seeded_login_settings(call: Call) -> None:
    iris = call("v-list-user", "iris", "json").get_json()["iris"]
    assert (iris["LOGIN_USE_IPLIST"], iris["LOGIN_ALLOW_IPS"]) == ("yes", "127.0.0.1, 203.0.113.7")
