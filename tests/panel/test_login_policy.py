"""Hestia's login policy in the panel (SECURITY.md 33, HESTIA_API.md §12), against the mock's real commands.

Every refusal answers exactly like a wrong password; the reason is only in the panel's log. The mock's clock is
fixed, so a TOTP code is computed for that moment and no test waits for the 30 s window to move.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import ALICE, MockCalls

from hestia_mock.models import Backend

TESSA = ("tessa", "Tessa-demo-2026")
IRIS = ("iris", "Iris-demo-2026")
TESSA_SECRET = "PUQDEMOTWOFACTORSECRETFORTESSA23"
NOW = datetime(2026, 3, 1, 12, 0, 10)
OFFICE, ELSEWHERE = "203.0.113.7", "198.51.100.9"
BROWSER = "Mozilla/5.0 (X11; \"quoted\" 'agent')"


@pytest.fixture(autouse=True)
def fixed_clock(backend: Backend) -> None:
    """The mock checks TOTP codes at NOW."""
    backend.clock = lambda: NOW


def code_at(moment: datetime) -> str:
    """Tessa's TOTP code at MOMENT, as an authenticator app shows it."""
    return pyotp.TOTP(TESSA_SECRET).at(moment)


def login(client: FlaskClient, user: str, password: str, address: str = "127.0.0.1") -> Any:
    """POST the login form from ADDRESS."""
    return client.post("/login", data={"username": user, "password": password},
                       environ_base={"REMOTE_ADDR": address, "HTTP_USER_AGENT": BROWSER})


def send_code(client: FlaskClient, code: str) -> Any:
    """POST the 2FA form."""
    return client.post("/login/code", data={"code": code}, environ_base={"HTTP_USER_AGENT": BROWSER})


def history(mock_app: Flask, user: str) -> list[dict[str, str]]:
    """The user's Hestia login history, read through /_mock/state."""
    lines: list[dict[str, str]] = mock_app.test_client().get("/_mock/state").get_json()["users"][user][
        "login_history"]
    return lines


def signed_in_as(client: FlaskClient) -> str | None:
    """Who the panel thinks this browser is (None when it sends the browser to the login page)."""
    response = client.get("/ftp")
    if response.status_code != 200:
        return None
    with client.session_transaction() as session:
        return str(session["user"])


def assert_failed_login(response: Any) -> None:
    """The one answer for a wrong password and every refusal."""
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


# -- step one: the password, then the account's settings -------------------------------------------------


def test_the_password_check_carries_the_client_address(client: FlaskClient, mock_app: Flask) -> None:
    login(client, *ALICE, address=OFFICE)
    calls = mock_app.test_client().get("/_mock/calls").get_json()
    assert calls[0]["cmd"] == "v-check-user-password"
    assert calls[0]["args"] == ["alice", "***", OFFICE]


def test_login_disabled_is_refused_like_a_wrong_password(client: FlaskClient, backend: Backend,
                                                         mock_app: Flask) -> None:
    assert backend.run("v-change-user-config-value", ["alice", "LOGIN_DISABLED", "yes"]) == (0, "")
    assert_failed_login(login(client, *ALICE))
    assert signed_in_as(client) is None
    assert [line["STATUS"] for line in history(mock_app, "alice")] == ["failed"]


def test_an_ip_list_allows_only_its_addresses(client: FlaskClient, mock_app: Flask) -> None:
    assert_failed_login(login(client, *IRIS, address=ELSEWHERE))
    assert signed_in_as(client) is None
    assert login(client, *IRIS, address=OFFICE).status_code == 302  # listed as " 203.0.113.7": trimmed
    assert signed_in_as(client) == "iris"
    lines = history(mock_app, "iris")
    assert [(line["IP"], line["STATUS"], line["ACTIVE"]) for line in lines] == [
        (ELSEWHERE, "failed", "no"), (OFFICE, "success", "yes")]


def test_an_ip_list_that_is_off_is_ignored(client: FlaskClient, backend: Backend) -> None:
    backend.run("v-change-user-config-value", ["iris", "LOGIN_USE_IPLIST", "no"])
    assert login(client, *IRIS, address=ELSEWHERE).status_code == 302


def test_an_ipv4_mapped_address_is_compared_as_ipv4(client: FlaskClient) -> None:
    assert login(client, *IRIS, address=f"::ffff:{OFFICE}").status_code == 302


def test_the_hestia_admin_does_not_sign_in_to_the_customer_panel(client: FlaskClient, mock_app: Flask) -> None:
    assert_failed_login(login(client, "admin", "Admin-demo-2026"))
    assert signed_in_as(client) is None
    assert history(mock_app, "admin")[-1]["STATUS"] == "failed"


def test_the_login_name_is_lowercased_before_hestia_is_asked(client: FlaskClient, calls: MockCalls) -> None:
    assert login(client, " ALICE ", ALICE[1]).status_code == 302
    assert signed_in_as(client) == "alice"


def test_every_outcome_goes_to_the_login_history(client: FlaskClient, mock_app: Flask) -> None:
    login(client, "alice", "wrong-password-1")
    login(client, *ALICE)
    lines = history(mock_app, "alice")
    assert [line["STATUS"] for line in lines] == ["failed", "success"]
    # Hestia refuses quotes in USER_AGENT (§12): they are dropped, the rest is kept.
    assert lines[1]["USER_AGENT"] == "Mozilla/5.0 (X11; quoted agent)"
    assert lines[1]["IP"] == "127.0.0.1" and lines[1]["ACTION"] == "login"
    with client.session_transaction() as session:
        assert lines[1]["SESSION"] not in str(dict(session))  # a label, never the cookie's session id


def test_a_refusal_reason_is_logged_but_never_shown(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    page = login(client, *IRIS, address=ELSEWHERE).get_data(as_text=True)
    assert "IP address not in allowed list" in caplog.text
    assert "allowed list" not in page and "IP" not in page.split("<main", 1)[1]


# -- step two: the 2FA code ---------------------------------------------------------------------------------


def test_2fa_asks_for_the_code_and_keeps_no_password(client: FlaskClient, calls: MockCalls) -> None:
    response = login(client, *TESSA)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/code")
    assert signed_in_as(client) is None
    with client.session_transaction() as session:
        cookie = str(dict(session))
    assert TESSA[1] not in cookie and "user" not in cookie
    page = client.get("/login/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    assert "v-log-user-login" not in calls.commands()  # logged once the code is checked, as Hestia does


def test_the_right_code_signs_in(client: FlaskClient, mock_app: Flask, calls: MockCalls) -> None:
    login(client, *TESSA)
    calls.clear()
    response = send_code(client, code_at(NOW))
    assert response.status_code == 302 and response.headers["Location"] == "/ftp"
    assert calls.commands() == ["v-check-user-2fa", "v-log-user-login"]
    assert signed_in_as(client) == "tessa"
    assert history(mock_app, "tessa")[-1]["STATUS"] == "success"


@pytest.mark.parametrize("offset", [-30, 30])
def test_one_period_of_drift_is_accepted(client: FlaskClient, offset: int) -> None:
    login(client, *TESSA)
    assert send_code(client, code_at(NOW + timedelta(seconds=offset))).status_code == 302


def test_two_periods_of_drift_are_not(client: FlaskClient) -> None:
    login(client, *TESSA)
    assert send_code(client, code_at(NOW - timedelta(seconds=60))).status_code == 401


def test_three_wrong_codes_end_the_pending_login(client: FlaskClient, mock_app: Flask, calls: MockCalls) -> None:
    login(client, *TESSA)
    wrong = "000000" if code_at(NOW) != "000000" else "111111"
    assert [send_code(client, wrong).status_code for _ in range(2)] == [401, 401]
    third = send_code(client, wrong)
    assert third.status_code == 302 and third.headers["Location"].startswith("/login")
    calls.clear()
    late = send_code(client, code_at(NOW))  # the right code, too late: the record is gone
    assert late.status_code == 302 and calls.commands() == []
    assert signed_in_as(client) is None
    assert [line["STATUS"] for line in history(mock_app, "tessa")] == ["failed"] * 3


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12 34 5"])
def test_a_code_that_cannot_be_right_is_refused_without_a_call(client: FlaskClient, calls: MockCalls,
                                                               code: str) -> None:
    login(client, *TESSA)
    calls.clear()
    assert send_code(client, code).status_code == 200  # the form asks again: 6 digits
    assert "v-check-user-2fa" not in calls.commands()


def test_a_pending_login_is_spent_once(client: FlaskClient, app: Flask) -> None:
    login(client, *TESSA)
    with client.session_transaction() as session:
        pending = session["pending"]
    assert send_code(client, code_at(NOW)).status_code == 302
    replay = app.test_client()
    with replay.session_transaction() as session:
        session["pending"] = pending
    assert send_code(replay, code_at(NOW)).headers["Location"].startswith("/login")
    assert signed_in_as(replay) is None


def test_a_pending_login_expires(client: FlaskClient, app: Flask) -> None:
    login(client, *TESSA)
    book = app.extensions["puq"].sessions
    book._clock = lambda: datetime.now(UTC) + timedelta(minutes=6)  # the record lives five minutes
    assert send_code(client, code_at(NOW)).headers["Location"].startswith("/login")
    assert signed_in_as(client) is None


def test_the_code_page_without_a_pending_login_goes_to_the_login_page(client: FlaskClient) -> None:
    assert client.get("/login/code").headers["Location"].startswith("/login")


def test_the_totp_secret_is_never_logged_stored_or_shown(client: FlaskClient, app: Flask, mock_app: Flask,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    login(client, *TESSA)
    send_code(client, code_at(NOW))
    pages = client.get("/ftp").get_data(as_text=True) + client.get("/ftp/tessa.example").get_data(as_text=True)
    engine = app.extensions["puq"].store.engine
    with engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        dump = " ".join(str(row) for table in meta.sorted_tables for row in conn.execute(sa.select(table)))
    user = app.extensions["puq"].servers["main"].client.users.get("tessa")
    assert user.two_factor and TESSA_SECRET not in repr(user)
    for text in (caplog.text, pages, dump):
        assert TESSA_SECRET not in text
    assert mock_app.test_client().get("/_mock/state").get_json()["users"]["tessa"]["conf"]["TWOFA"] == "***"
