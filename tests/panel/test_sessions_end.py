"""Sessions that can be ended (SECURITY.md 34): each event is checked with a copied cookie replayed afterwards.

A copied cookie is what an attacker holds after stealing it; "ended" means that copy gets the login page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import ALICE, BOB

from hestia_mock.models import Backend
from puq_hestia.billing.provisioning import ProvisioningContext, run_action

COOKIE = "puq_session"


def login(client: FlaskClient, user: str, password: str) -> None:
    """Sign in through the form."""
    assert client.post("/login", data={"username": user, "password": password}).status_code == 302


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of CLIENT's session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def works(client: FlaskClient) -> bool:
    """Whether the cookie still opens the panel."""
    return client.get("/ftp").status_code == 200


@pytest.fixture
def alice_browser(app: Flask) -> FlaskClient:
    """Alice, signed in through the login form."""
    browser = app.test_client()
    login(browser, *ALICE)
    return browser


def hook(app: Flask, action: str, **params: Any) -> None:
    """Run a billing action as the hooks do, with the panel's store and Hestia client."""
    panel = app.extensions["puq"]
    ctx = ProvisioningContext(client=panel.servers["main"].client, server_id="main", store=panel.store)
    result = run_action(action, params, ctx)
    assert result.ok, result.body


def test_a_copied_cookie_works_until_logout(app: Flask, alice_browser: FlaskClient) -> None:
    thief = copy_of(app, alice_browser)
    assert works(thief)
    alice_browser.post("/logout")
    assert not works(thief)
    assert not works(alice_browser)


def test_logout_ends_only_that_session(app: Flask, alice_browser: FlaskClient) -> None:
    laptop = app.test_client()
    login(laptop, *ALICE)
    alice_browser.post("/logout")
    assert works(laptop)


def test_sign_out_everywhere_ends_every_session_of_the_account(app: Flask, alice_browser: FlaskClient) -> None:
    laptop, bob = app.test_client(), app.test_client()
    login(laptop, *ALICE)
    login(bob, *BOB)
    thief = copy_of(app, laptop)
    response = alice_browser.post("/logout/everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not works(alice_browser) and not works(laptop) and not works(thief)
    assert works(bob)


def test_sign_out_everywhere_is_a_post_on_every_page(alice_browser: FlaskClient) -> None:
    assert 'action="/logout/everywhere"' in alice_browser.get("/ftp").get_data(as_text=True)
    assert alice_browser.get("/logout/everywhere").status_code == 405


@pytest.mark.parametrize(("action", "params"), [
    ("change_password", {"username": "alice", "password": "Changed-by-billing-2026"}),
    ("suspend_account", {"username": "alice"}),
    ("terminate_account", {"username": "alice"}),
])
def test_billing_events_end_every_session(app: Flask, alice_browser: FlaskClient, action: str,
                                          params: dict[str, Any]) -> None:
    thief = copy_of(app, alice_browser)
    assert works(thief)
    hook(app, action, **params)
    assert not works(alice_browser) and not works(thief)


def test_a_re_created_account_does_not_inherit_old_sessions(app: Flask, backend: Backend,
                                                           alice_browser: FlaskClient) -> None:
    thief = copy_of(app, alice_browser)
    backend.run("v-delete-user", ["alice"])  # deleted at Hestia, outside the bridge
    assert thief.get("/ftp").status_code == 503  # still signed in: the listing fails, no login page
    hook(app, "create_account", username="alice", password="New-owner-pass-2026",
         clientsdetails={"email": "new@example.com"}, configoption1="default", configoption2="off")
    assert not works(thief)


def test_other_accounts_keep_their_sessions(app: Flask, alice_browser: FlaskClient) -> None:
    bob = app.test_client()
    login(bob, *BOB)
    hook(app, "change_password", username="alice", password="Changed-by-billing-2026")
    assert works(bob)


def test_a_cookie_without_a_session_record_is_refused(app: Flask, alice_browser: FlaskClient) -> None:
    with alice_browser.session_transaction() as session:
        session["sid"] = "made-up-" + "x" * 40
    assert not works(alice_browser)
    with alice_browser.session_transaction() as session:
        assert "user" not in session


def test_the_absolute_lifetime_is_kept_in_the_store_too(app: Flask, alice_browser: FlaskClient) -> None:
    book = app.extensions["puq"].sessions
    later: Callable[[], datetime] = lambda: datetime.now(UTC) + timedelta(hours=13)  # noqa: E731
    book._clock = later
    assert not works(alice_browser)
