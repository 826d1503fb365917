"""Login, logout, `next=` handling, login rate limits and what a failed login leaves in the logs."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import ALICE, BOB, MockCalls, make_app, sign_in
from werkzeug.test import TestResponse

from panel.security import safe_next
from puq_hestia.settings import Settings


def login(client: FlaskClient, username: str, password: str, next_url: str | None = None) -> TestResponse:
    """POST the login form (CSRF is off in these tests; a dedicated test covers it)."""
    query = {"next": next_url} if next_url is not None else {}
    return client.post("/login", query_string=query, data={"username": username, "password": password})


def test_login_page_has_labelled_fields(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<label class="label" for="username">Username</label>' in html
    assert '<label class="label" for="password">Password</label>' in html
    assert 'autocomplete="current-password"' in html


def test_login_checks_the_password_with_hestia_and_starts_a_session(client: FlaskClient,
                                                                    calls: MockCalls) -> None:
    response = login(client, *ALICE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/ftp"
    # Hestia's own order (HESTIA_API.md §12): password, the account's login settings, then the login history.
    assert calls.commands() == ["v-check-user-password", "v-list-user", "v-log-user-login"]
    with client.session_transaction() as session:
        assert session["user"] == "alice" and session["server"] == "main"
        assert isinstance(session["login_at"], int)
        assert isinstance(session["sid"], str) and len(session["sid"]) >= 40


def test_login_clears_the_previous_session(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, *ALICE)
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize(("username", "password"), [
    ("alice", "wrong-password-1"),
    ("nobody", "Alice-demo-2026"),
    ("carol", "Carol-demo-2026"),  # suspended: Hestia refuses with exit 9 like a wrong password
])
def test_failed_logins_all_answer_the_same(client: FlaskClient, username: str, password: str) -> None:
    response = login(client, username, password)
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "user" not in session


@pytest.mark.parametrize("username", ["ali ce", "../etc", "-alice", "a" * 31, "alice\x00"])
def test_impossible_usernames_fail_without_a_hestia_call(client: FlaskClient, calls: MockCalls,
                                                        username: str) -> None:
    response = login(client, username, "Alice-demo-2026")
    assert response.status_code == 401
    assert calls.commands() == []


def test_failed_login_is_logged_without_the_password(client: FlaskClient,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    login(client, "alice", "Wrong-but-secret-42")
    assert "failed login for 'alice'" in caplog.text
    assert "Wrong-but-secret-42" not in caplog.text


def test_successful_login_is_in_the_activity_list(client: FlaskClient) -> None:
    login(client, *ALICE)
    assert "Signed in" in client.get("/ftp").get_data(as_text=True)


@pytest.mark.parametrize("target", ["/ftp/alice.example", "/ftp?x=1"])
def test_next_goes_to_a_same_site_path(client: FlaskClient, target: str) -> None:
    assert login(client, *ALICE, next_url=target).headers["Location"] == target


@pytest.mark.parametrize("target", [
    "//evil.example/",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/\t/evil.example",
    "/ftp\r\nSet-Cookie: x=y",
    "/\x00",
    "",
])
def test_next_refuses_hostile_targets(client: FlaskClient, target: str) -> None:
    assert login(client, *ALICE, next_url=target).headers["Location"] == "/ftp"


@pytest.mark.parametrize("target", ["//a", "/\\a", "https://a", "/\x7f", "a/b", None])
def test_safe_next_unit(target: str | None) -> None:
    assert safe_next(target) is None


def test_login_required_remembers_the_page(client: FlaskClient) -> None:
    response = client.get("/ftp/alice.example?back=domain")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/ftp/alice.example?back%3Ddomain"


def test_signed_in_user_visiting_login_goes_to_the_panel(client: FlaskClient) -> None:
    sign_in(client, "alice")
    assert client.get("/login").headers["Location"] == "/ftp"


def test_logout_ends_the_session(client: FlaskClient) -> None:
    sign_in(client, "alice")
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert "user" not in session
    assert client.get("/ftp").status_code == 302


def test_logout_is_post_only(client: FlaskClient) -> None:
    sign_in(client, "alice")
    assert client.get("/logout").status_code == 405
    with client.session_transaction() as session:
        assert session["user"] == "alice"


class TestRateLimits:
    """SECURITY.md 11: per account and per client address, the same answer for existing and unknown users."""

    @pytest.fixture
    def limited(self, settings: Settings, mock_app: Flask) -> FlaskClient:
        app = make_app(settings, PUQ_LOGIN_LIMIT_ACCOUNT="3 per minute", PUQ_LOGIN_LIMIT_ADDRESS="5 per minute")
        return app.test_client()

    @pytest.mark.parametrize("username", ["alice", "nobody"])
    def test_account_limit_answers_the_same_for_existing_and_unknown(self, limited: FlaskClient,
                                                                     calls: MockCalls, username: str) -> None:
        statuses = [login(limited, username, "wrong-password-1").status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert calls.commands().count("v-check-user-password") == 3

    def test_account_limit_also_stops_the_right_password(self, limited: FlaskClient) -> None:
        for _ in range(3):
            login(limited, "alice", "wrong-password-1")
        response = login(limited, *ALICE)
        assert response.status_code == 429
        assert "Too many attempts" in response.get_data(as_text=True)

    def test_account_limit_ignores_case_and_spaces(self, limited: FlaskClient) -> None:
        for name in ("alice", "ALICE", " Alice "):
            login(limited, name, "wrong-password-1")
        assert login(limited, "alice", "wrong-password-1").status_code == 429

    def test_address_limit_counts_every_account(self, limited: FlaskClient) -> None:
        statuses = [login(limited, f"user{i}", "wrong-password-1").status_code for i in range(6)]
        assert statuses == [401] * 5 + [429]

    def test_other_addresses_are_not_limited_by_the_address_limit(self, limited: FlaskClient) -> None:
        for i in range(5):
            login(limited, f"user{i}", "wrong-password-1")
        other = limited.post("/login", data={"username": BOB[0], "password": BOB[1]},
                             environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert other.status_code == 302

    def test_login_page_itself_is_not_limited(self, limited: FlaskClient) -> None:
        for _ in range(10):
            assert limited.get("/login").status_code == 200


def test_login_while_hestia_is_unreachable_is_a_503_page(client: FlaskClient, mock_app: Flask) -> None:
    mock_app.test_client().post("/_mock/faults", json={"kind": "refused"})
    response = login(client, *ALICE)
    assert response.status_code == 503
    assert "Nothing was changed" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "user" not in session
