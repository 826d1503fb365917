"""GET /sso/<token>: one use, 60 s, only the user it was made for, a clean URL (SECURITY.md 18)."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from provisioning_support import PANEL_SECRET, PUBLIC_URL, Mock

from puq_hestia.auth.sso import SsoSigner


@pytest.fixture
def http(panel_app: Flask) -> FlaskClient:
    return panel_app.test_client()


def token_for(user: str, server: str = "main", *, age: float = 0) -> str:
    signer = SsoSigner(PANEL_SECRET, PUBLIC_URL, clock=lambda: time.time() - age)
    return signer.issue(server, user)


def session_user(http: FlaskClient) -> object:
    with http.session_transaction() as session:
        return session.get("user")


def test_a_link_starts_a_session_for_that_user_and_lands_on_a_clean_url(http: FlaskClient) -> None:
    response = http.get(f"/sso/{token_for('bob')}")
    assert response.status_code == 302
    assert response.headers["Location"] in ("/ftp", "http://localhost/ftp")
    assert response.headers["Cache-Control"] == "no-store"
    assert session_user(http) == "bob"
    page = http.get("/ftp")
    assert page.status_code == 200
    assert "bob.example" in page.get_data(as_text=True)


def test_a_suspended_customer_gets_in_through_the_link(http: FlaskClient) -> None:
    assert http.get(f"/sso/{token_for('carol')}").status_code == 302
    assert session_user(http) == "carol"


def test_the_link_works_once(http: FlaskClient) -> None:
    token = token_for("bob")
    assert http.get(f"/sso/{token}").status_code == 302
    other = http.application.test_client()
    response = other.get(f"/sso/{token}")
    assert response.status_code == 410
    assert "already used" in response.get_data(as_text=True)
    assert session_user(other) is None


def test_an_expired_link_is_410(http: FlaskClient) -> None:
    response = http.get(f"/sso/{token_for('bob', age=61)}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert session_user(http) is None


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJzIjoibWFpbiJ9.AAAA.BBBB"])
def test_a_tampered_link_is_403(http: FlaskClient, token: str) -> None:
    assert http.get(f"/sso/{token}").status_code == 403
    assert session_user(http) is None


def test_a_link_signed_with_another_key_is_403(http: FlaskClient) -> None:
    forged = SsoSigner("attacker-secret-0123456789abcdefghijkl", PUBLIC_URL).issue("main", "alice")
    assert http.get(f"/sso/{forged}").status_code == 403


def test_a_bad_or_used_link_leaves_the_open_session_alone(http: FlaskClient) -> None:
    """SECURITY.md 36 (issue 13): a stale link in a mail must not sign the customer out."""
    used = token_for("bob")
    http.get(f"/sso/{used}")
    assert http.get("/sso/garbage").status_code == 403
    assert http.get(f"/sso/{used}").status_code == 410
    assert http.get(f"/sso/{token_for('alice', age=61)}").status_code == 410
    assert session_user(http) == "bob"
    assert http.get("/ftp").status_code == 200


def test_a_link_replaces_the_previous_session(http: FlaskClient) -> None:
    http.get(f"/sso/{token_for('bob')}")
    http.get(f"/sso/{token_for('alice')}")
    assert session_user(http) == "alice"


def test_a_link_for_an_unknown_server_is_403(http: FlaskClient) -> None:
    assert http.get(f"/sso/{token_for('bob', server='elsewhere')}").status_code == 403


def test_a_link_for_a_deleted_account_is_410(http: FlaskClient, mock: Mock) -> None:
    token = token_for("bob")
    mock.backend.run("v-delete-user", ["bob"])
    response = http.get(f"/sso/{token}")
    assert response.status_code == 410
    assert session_user(http) is None
