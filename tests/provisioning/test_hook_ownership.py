"""Issue 12 findings 2-7 through the real panel app and the mock: ownership ends, actions are signed, no
credential is stored, the prefix lock is respected, production secrets are strong, /hooks/ always answers JSON.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from provisioning_support import (
    Mock,
    hook_headers,
    panel_settings,
    panel_store,
    pin_hooks_clock,
    post_hook,
    whmcs_params,
)

from panel import create_app
from panel import hooks as panel_hooks
from puq_hestia.hestia.errors import ConfigError
from puq_hestia.settings import Settings
from puq_hestia.store import Store, metadata

NEW_ACCOUNT = {k: v for k, v in whmcs_params().items() if not k.startswith("server")}


@pytest.fixture
def http(panel_app: Flask) -> FlaskClient:
    return panel_app.test_client()


@pytest.fixture
def store(panel_app: Flask) -> Store:
    return panel_store(panel_app)


def by_hand(mock: Mock, user: str, password: str = "Admin-made-2026") -> None:
    """The admin creates a user at Hestia directly (not through the bridge)."""
    assert mock.backend.run("v-add-user", [user, password, f"{user}@admin.example"])[0] == 0


def calls_after(mock: Mock, seen: int) -> list[str]:
    """The commands the mock answered since SEEN calls."""
    return mock.commands()[seen:]


# -- finding 2: terminate ends ownership (SECURITY.md 29) -------------------------------------------------------


def test_after_terminate_a_new_account_of_the_name_is_nobodys_and_starts_clean(
    http: FlaskClient, mock: Mock, store: Store
) -> None:
    assert post_hook(http, "create_account", NEW_ACCOUNT).status_code == 200
    store.save_listing("main", "dave", '{"domains": ["dave.example"]}')
    store.record_event("main", "dave", "ftp.create", domain="dave.example", outcome="success", detail="old")
    assert post_hook(http, "terminate_account", {"username": "dave"}).get_json() == {"result": "success"}
    by_hand(mock, "dave")  # the admin makes a new, unrelated dave
    hash_before = mock.backend.passwd["dave"].hash

    seen = len(mock.calls())
    for action, extra in (("suspend_account", {}), ("change_password", {"password": "Stolen-pass-2026"}),
                          ("single_sign_on", {})):
        response = post_hook(http, action, {"username": "dave", **extra})
        assert response.status_code == 404, (action, response.get_json())
    assert calls_after(mock, seen) == []
    assert mock.backend.passwd["dave"].hash == hash_before and not mock.user("dave").suspended
    assert store.account_owner("main", "dave") is None
    assert store.recent_events("main", "dave") == []  # the old activity is archived, not shown to the new dave
    assert store.load_listing("main", "dave") is None
    assert [e.action for e in store.events("main") if e.actor.startswith("dave#ended-")][:1] == [
        "account.terminate_account"]


def test_a_redelivered_terminate_is_already_gone_without_touching_the_new_account(
    http: FlaskClient, mock: Mock, store: Store
) -> None:
    assert post_hook(http, "create_account", NEW_ACCOUNT).status_code == 200
    assert post_hook(http, "terminate_account", {"username": "dave"}).status_code == 200
    by_hand(mock, "dave")
    seen = len(mock.calls())
    again = post_hook(http, "terminate_account", {"username": "dave", "delivery": 2})
    assert again.get_json() == {"result": "success"}
    assert calls_after(mock, seen) == [] and mock.user("dave") is not None
    assert store.recent_events("main", "dave") == []
    # Another reseller cannot use A's tombstone.
    other = post_hook(http, "terminate_account", {"username": "dave"}, reseller="reseller-b")
    assert other.status_code == 404 and mock.user("dave") is not None


def test_a_tombstone_answers_only_its_reseller_and_ends_with_its_own_new_account(
    http: FlaskClient, mock: Mock, store: Store
) -> None:
    assert post_hook(http, "create_account", NEW_ACCOUNT).status_code == 200
    assert post_hook(http, "terminate_account", {"username": "dave"}).status_code == 200
    assert post_hook(http, "create_account", NEW_ACCOUNT, reseller="reseller-b").status_code == 200
    assert store.account_owner("main", "dave") == "reseller-b"
    seen = len(mock.calls())
    # A's redelivered terminate is "already gone" from A's tombstone: B's new dave is not touched.
    assert post_hook(http, "terminate_account", {"username": "dave", "delivery": 2}).status_code == 200
    assert calls_after(mock, seen) == [] and mock.user("dave") is not None
    assert post_hook(http, "suspend_account", {"username": "dave"}).status_code == 404
    # A's own new account of the name ends A's tombstone: A's terminate acts on it again.
    assert post_hook(http, "terminate_account", {"username": "dave"}, reseller="reseller-b").status_code == 200
    assert post_hook(http, "create_account", dict(NEW_ACCOUNT, delivery=2)).status_code == 200
    assert not store.buried_by("main", "dave", "reseller-a")


# -- finding 3: the signature binds the action (SECURITY.md 30) -------------------------------------------------


def test_a_body_signed_for_suspend_is_refused_at_terminate(http: FlaskClient, mock: Mock) -> None:
    body = json.dumps({"username": "bob"}).encode()  # signed by A, meant for suspend_account, names no action
    response = http.post("/hooks/terminate_account", data=body, headers=hook_headers(body))
    assert response.status_code == 400
    assert '"action": "terminate_account"' in response.get_json()["message"]
    assert mock.calls() == [] and mock.user("bob") is not None
    moved = json.dumps({"action": "suspend_account", "username": "bob"}).encode()
    assert http.post("/hooks/terminate_account", data=moved, headers=hook_headers(moved)).status_code == 400
    assert mock.calls() == []


# -- finding 4: nothing in the store works as a credential (SECURITY.md 31) ------------------------------------


def store_text(store: Store) -> str:
    """Every row of every table, as text."""
    with store.engine.connect() as conn:
        return json.dumps({t.name: [list(map(str, r)) for r in conn.execute(sa.select(t))]
                           for t in metadata.sorted_tables})


def test_a_single_sign_on_with_an_idempotency_key_stores_no_link(http: FlaskClient, mock: Mock, store: Store) -> None:
    store.claim_account("main", "bob", "reseller-a")
    now = pin_hooks_clock(http)
    first = post_hook(http, "single_sign_on", {"username": "bob"}, key="sso-bob-1", timestamp=now)
    link = first.get_json()["redirectTo"]
    token = urlsplit(link).path.rsplit("/", 1)[-1]
    text = store_text(store)
    assert link not in text and token not in text and token[:24] not in text
    assert "link_issued" in text
    # The same body again, signed anew a second later (as a billing system redelivers it).
    again = post_hook(http, "single_sign_on", {"username": "bob"}, key="sso-bob-1", timestamp=now + 1)
    assert again.headers["Idempotent-Replayed"] == "true"
    fresh = again.get_json()["redirectTo"]
    assert fresh != link and fresh.startswith("http://panel.test/")
    assert fresh not in store_text(store)


# -- finding 5: Hestia's prefix lock and the names hooks never provision (SECURITY.md 28) -----------------------


def test_a_name_with_an_underscore_is_refused_and_says_why(http: FlaskClient, mock: Mock) -> None:
    """'A_B while A exists': hook names never contain '_', so suspending dave can never lock a dave_shop."""
    assert post_hook(http, "create_account", NEW_ACCOUNT).status_code == 200
    response = post_hook(http, "create_account", dict(NEW_ACCOUNT, username="dave_shop", domain="shop.example"),
                         reseller="reseller-b")
    assert response.status_code == 422
    assert "locks every login that starts with 'dave_'" in response.get_json()["message"]
    assert mock.user("dave_shop") is None


def test_a_name_that_starts_with_an_existing_users_name_is_refused(mock: Mock, store: Store) -> None:
    """The same rule in the create itself, for a name the hooks' format would let through one day."""
    from puq_hestia.billing.names import prefix_clash

    assert "starts with 'dave_'" in (prefix_clash("dave_shop", ["alice", "dave"]) or "")
    assert prefix_clash("dave", ["dave", "davey", "dave-x"]) is None


def test_a_name_that_another_users_name_starts_with_is_refused(http: FlaskClient, mock: Mock) -> None:
    by_hand(mock, "erin_web")
    response = post_hook(http, "create_account", dict(NEW_ACCOUNT, username="erin", domain="erin.example"))
    assert response.status_code == 409
    message = response.get_json()["message"]
    assert "'erin_web' exists" in message and "lock every login that starts with 'erin_'" in message
    assert mock.user("erin") is None and "v-add-user" not in mock.mutations()[-1:]


def test_suspend_and_unsuspend_refuse_when_the_lock_would_reach_another_user(
    http: FlaskClient, mock: Mock, store: Store
) -> None:
    assert post_hook(http, "create_account", NEW_ACCOUNT).status_code == 200
    by_hand(mock, "dave_x")  # made outside the hooks, after dave
    for action in ("suspend_account", "unsuspend_account"):
        seen = len(mock.calls())
        response = post_hook(http, action, {"username": "dave"})
        assert response.status_code == 409, response.get_json()
        assert "'dave_x'" in response.get_json()["message"]
        assert calls_after(mock, seen) == ["v-list-users"]
    assert not mock.backend.passwd["dave_x"].locked and not mock.user("dave").suspended


@pytest.mark.parametrize(("name", "fragment"), [("mysql", "reserved by Hestia"), ("Sudo", "reserved by Hestia"),
                                                ("ddl_recovery", "reserved by Hestia"), ("root", "administrator"),
                                                ("Admin", "administrator"), ("admin", "administrator")])
def test_reserved_names_are_refused_before_any_call(http: FlaskClient, mock: Mock, name: str, fragment: str) -> None:
    response = post_hook(http, "create_account", dict(NEW_ACCOUNT, username=name))
    assert response.status_code == 422
    assert fragment in response.get_json()["message"]
    assert mock.calls() == []


# -- finding 6: production reseller secrets (SECURITY.md 32) ---------------------------------------------------


def production(secrets: list[str]) -> Settings:
    settings = panel_settings()
    raw = {"panel": {"demo": False, "secret_key": "p" * 40},
           "servers": {"main": {"url": "https://hestia.example:8083", "hash": "A" * 20 + ":" + "s" * 40}},
           "resellers": {"whmcs": {"secrets": secrets}}}
    assert settings.demo  # the shared test settings are the demo's
    return Settings.from_mapping(raw)


@pytest.mark.parametrize(("secrets", "fragment"), [
    (["x"], "reseller 'whmcs': secret 1 of 1 is 1 characters long; hook secrets need at least 32"),
    (["demo-reseller-a-secret"], "reseller 'whmcs': secret 1 of 1 is one of the documented demo secrets"),
    (["k" * 40, "demo-reseller-b-secret"], "secret 2 of 2 is one of the documented demo secrets"),
])
def test_production_refuses_weak_reseller_secrets_at_start(secrets: list[str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment) as caught:
        create_app({"PUQ_SETTINGS": production(secrets)})
    assert all(secret not in str(caught.value) for secret in secrets)


def test_production_accepts_long_random_secrets_and_the_demo_keeps_its_own() -> None:
    production(["0123456789abcdef0123456789abcdef"]).check_production_ready()
    panel_settings().check_production_ready()  # demo = true with demo-reseller-a-secret: still starts


# -- finding 7: every /hooks/ answer is JSON (SECURITY.md 30) ---------------------------------------------------


def test_an_unexpected_error_in_a_hook_is_a_json_500(http: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(panel_hooks, "run_action", broken)
    response = post_hook(http, "suspend_account", {"username": "bob"})
    assert response.status_code == 500 and response.is_json
    assert response.get_json() == {"result": "error", "message": panel_hooks._UNEXPECTED}


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/hooks/create_account", 405),
                                                         ("POST", "/hooks/", 404), ("POST", "/hooks/a/b", 404)])
def test_unrouted_hook_paths_answer_json(http: FlaskClient, method: str, path: str, status: int) -> None:
    response = http.open(path, method=method)
    assert response.status_code == status and response.is_json
    assert response.get_json()["result"] == "error"
