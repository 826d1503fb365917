"""Every provisioning function against the mock Hestia: success, Hestia errors, idempotent repeats, rollback."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from provisioning_support import Mock, quick_client, whmcs_params

from puq_hestia.billing import provisioning as prov
from puq_hestia.billing.provisioning import ProvisioningContext
from puq_hestia.store import Store

# -- create ----------------------------------------------------------------------------------------------------


def test_create_adds_the_user_and_the_web_domain(mock: Mock, ctx: ProvisioningContext, store: Store) -> None:
    assert prov.create_account(whmcs_params(), ctx) == "success"
    user = mock.user("dave")
    assert user.conf["CONTACT"] == "dave@example.com"
    assert user.conf["NAME"] == "Dave Example"
    assert list(user.domains) == ["dave.example"]
    assert mock.mutations() == ["v-add-user", "v-add-web-domain"]
    assert mock.backend.run("v-check-user-password", ["dave", "Dave-pass-2026"])[0] == 0
    assert store.events("main")[0].action == "account.create_account"


def test_create_without_the_domain_option_adds_no_web_domain(mock: Mock, ctx: ProvisioningContext) -> None:
    assert prov.create_account(whmcs_params(configoption2=""), ctx) == "success"
    assert mock.user("dave").domains == {}
    assert mock.mutations() == ["v-add-user"]


def test_create_with_a_taken_username_says_so(mock: Mock, ctx: ProvisioningContext) -> None:
    result = prov.create_account(whmcs_params(username="alice", domain=""), ctx)
    assert result == "The username 'alice' is already taken on the server; choose another username."
    assert mock.mutations() == []  # looked first (SECURITY.md 27): no v-add-user for a name that exists


def test_create_with_an_unknown_package_names_it(mock: Mock, ctx: ProvisioningContext) -> None:
    result = prov.create_account(whmcs_params(configoption1="gold"), ctx)
    assert "The package 'gold' does not exist on the server" in result
    assert mock.user("dave") is None


@pytest.mark.parametrize("bad", [{"username": "Dave!"}, {"password": "short"}, {"clientsdetails": {}},
                                 {"domain": "www.dave.example"}])
def test_create_validates_before_any_call(mock: Mock, ctx: ProvisioningContext, bad: dict[str, Any]) -> None:
    result = prov.create_account(whmcs_params(**bad), ctx)
    assert result != "success"
    assert mock.calls() == []


def test_create_rolls_back_when_the_domain_exists(mock: Mock, ctx: ProvisioningContext) -> None:
    result = prov.create_account(whmcs_params(domain="alice.example"), ctx)
    assert result.startswith("The web domain 'alice.example' could not be added (it already exists")
    assert "the account was removed again, so nothing was left behind" in result
    assert mock.user("dave") is None
    assert mock.mutations() == ["v-add-user", "v-add-web-domain", "v-delete-user"]


def test_create_rolls_back_on_a_package_limit(mock: Mock, ctx: ProvisioningContext) -> None:
    mock.fault(kind="exit_code", cmd="v-add-web-domain", code=8, message="Error: Web domain limit is reached")
    result = prov.create_account(whmcs_params(), ctx)
    assert "the package allows no more web domains" in result
    assert mock.user("dave") is None


def test_create_says_when_the_rollback_fails_too(mock: Mock, ctx: ProvisioningContext) -> None:
    mock.fault(kind="exit_code", cmd="v-add-web-domain", code=12, message="Error: broken web.conf")
    mock.fault(kind="exit_code", cmd="v-delete-user", code=12, message="Error: broken user.conf")
    result = prov.create_account(whmcs_params(), ctx)
    assert "removing the new account failed too" in result
    assert "delete the user 'dave' on the server by hand" in result


def test_create_with_unknown_outcome_is_reconciled_not_resent(mock: Mock, ctx: ProvisioningContext) -> None:
    mock.fault(kind="drop_after", cmd="v-add-user", times=1)  # ran, but the answer was lost
    assert prov.create_account(whmcs_params(), ctx) == "success"
    # Settled by evidence (the password this call sent works), never by setting it (SECURITY.md 27).
    assert mock.commands() == ["v-list-user", "v-list-users", "v-add-user", "v-list-user", "v-check-user-password",
                               "v-add-web-domain"]
    assert mock.backend.run("v-check-user-password", ["dave", "Dave-pass-2026"])[0] == 0


def test_create_lost_before_hestia_is_sent_once_more(mock: Mock, ctx: ProvisioningContext) -> None:
    mock.fault(kind="drop_before", cmd="v-add-user", times=1)  # never ran
    assert prov.create_account(whmcs_params(), ctx) == "success"
    assert mock.commands() == ["v-list-user", "v-list-users", "v-add-user", "v-list-user", "v-add-user",
                               "v-add-web-domain"]


def test_create_reconcile_does_not_take_over_someone_elses_account(mock: Mock, ctx: ProvisioningContext) -> None:
    mock.fault(kind="drop_before", cmd="v-add-user", times=1)
    result = prov.create_account(whmcs_params(username="bob", domain=""), ctx)
    assert "already taken" in result
    assert "v-change-user-password" not in mock.commands()


def test_create_with_hestia_unreachable_returns_a_text(mock: Mock) -> None:
    mock.fault(kind="refused")
    ctx = ProvisioningContext(client_factory=quick_client)  # connection built from the params, like WHMCS
    result = prov.create_account(whmcs_params(), ctx)
    assert result == "The control panel could not be reached or is too busy; nothing was changed. Try again later."
    assert mock.user("dave") is None


def test_create_builds_the_connection_from_params(mock: Mock) -> None:
    ctx = ProvisioningContext(client_factory=quick_client)
    assert prov.create_account(whmcs_params(), ctx) == "success"
    assert mock.user("dave") is not None


def test_missing_server_fields_are_a_text(mock: Mock) -> None:
    result = prov.create_account(whmcs_params(serverhostname="", serveraccesshash=""), ProvisioningContext())
    assert result == "The server's hostname is missing or invalid; set it in the WHMCS server settings."
    assert mock.calls() == []


def test_create_records_the_reseller_as_owner(mock: Mock, client: Any, store: Store) -> None:
    ctx = ProvisioningContext(client=client, server_id="main", store=store, reseller_id="reseller-a")
    assert prov.create_account(whmcs_params(), ctx) == "success"
    assert store.account_owner("main", "dave") == "reseller-a"


def test_a_terminated_name_passes_to_another_reseller(mock: Mock, client: Any, store: Store) -> None:
    store.claim_account("main", "dave", "reseller-b")  # dave was reseller-b's, and is gone at Hestia
    ctx = ProvisioningContext(client=client, server_id="main", store=store, reseller_id="reseller-a")
    assert prov.create_account(whmcs_params(), ctx) == "success"
    assert store.account_owner("main", "dave") == "reseller-a"


def test_a_failed_create_leaves_no_owner(mock: Mock, client: Any, store: Store) -> None:
    ctx = ProvisioningContext(client=client, server_id="main", store=store, reseller_id="reseller-a")
    assert prov.create_account(whmcs_params(domain="alice.example"), ctx) != "success"
    assert store.account_owner("main", "dave") is None


# -- suspend, unsuspend, terminate ----------------------------------------------------------------------------


def test_suspend_is_idempotent_and_audited_as_already(mock: Mock, ctx: ProvisioningContext, store: Store) -> None:
    assert prov.suspend_account({"username": "bob"}, ctx) == "success"
    assert mock.user("bob").suspended
    assert prov.suspend_account({"username": "bob"}, ctx) == "success"
    assert [e.outcome for e in store.events("main")] == ["already", "success"]


def test_unsuspend_restores_and_repeats(mock: Mock, ctx: ProvisioningContext) -> None:
    assert prov.unsuspend_account({"username": "carol"}, ctx) == "success"
    assert not mock.user("carol").suspended
    assert prov.unsuspend_account({"username": "carol"}, ctx) == "success"


def test_terminate_is_idempotent(mock: Mock, ctx: ProvisioningContext, store: Store) -> None:
    store.claim_account("main", "bob", "reseller-a")
    assert prov.terminate_account({"username": "bob"}, ctx) == "success"
    assert mock.user("bob") is None
    assert prov.terminate_account({"username": "bob"}, ctx) == "success"
    assert store.events("main")[0].outcome == "already"


@pytest.mark.parametrize("function", [prov.suspend_account, prov.unsuspend_account, prov.change_password])
def test_missing_account_is_named(mock: Mock, ctx: ProvisioningContext, function: Any) -> None:
    result = function({"username": "nobody", "password": "Nobody-pass-2026"}, ctx)
    assert result == "The account 'nobody' does not exist on the server."


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (10, "refused the bridge's API key (E_FORBIDDEN)"),
        (12, "refused the change (E_PARSING): broken"),
        (14, "could not be reached or is too busy"),
        (20, "refused the change (E_RESTART): broken"),
    ],
)
def test_each_hestia_error_becomes_a_text(mock: Mock, ctx: ProvisioningContext, code: int, expected: str) -> None:
    mock.fault(kind="exit_code", cmd="v-suspend-user", code=code, message="Error: broken")
    assert expected in prov.suspend_account({"username": "bob"}, ctx)


def test_server_error_page_is_a_text(mock: Mock, ctx: ProvisioningContext) -> None:
    mock.fault(kind="http_status", cmd="v-suspend-user", status=502)
    result = prov.suspend_account({"username": "bob"}, ctx)
    assert "may or may not have been made. Retrying is safe." in result


# -- password and package -------------------------------------------------------------------------------------


def test_change_password(mock: Mock, ctx: ProvisioningContext) -> None:
    assert prov.change_password({"username": "bob", "password": "New-bob-pass-2026"}, ctx) == "success"
    assert mock.backend.run("v-check-user-password", ["bob", "New-bob-pass-2026"])[0] == 0


def test_change_password_of_a_suspended_account(mock: Mock, ctx: ProvisioningContext) -> None:
    result = prov.change_password({"username": "carol", "password": "New-carol-pass-2026"}, ctx)
    assert result == "The account 'carol' is suspended; unsuspend it before changing its password."


def test_change_password_validates_first(mock: Mock, ctx: ProvisioningContext) -> None:
    assert "must not contain ':'" in prov.change_password({"username": "bob", "password": "a:bcdefghij"}, ctx)
    assert mock.calls() == []


def test_change_package(mock: Mock, ctx: ProvisioningContext) -> None:
    assert prov.change_package({"username": "bob", "configoption1": "small"}, ctx) == "success"
    assert mock.user("bob").conf["PACKAGE"] == "small"
    assert mock.commands() == ["v-list-user-packages", "v-change-user-package"]


def test_change_package_to_a_missing_package_lists_the_real_ones(mock: Mock, ctx: ProvisioningContext) -> None:
    result = prov.change_package({"username": "bob", "configoption1": "gold"}, ctx)
    # In Hestia's order: v-list-user-packages lists the newest package file first (HESTIA_API.md §13.8).
    assert result.startswith("The package 'gold' does not exist on the server (it has: small, system, default)")
    assert mock.commands() == ["v-list-user-packages"]


def test_change_package_over_the_limit_is_explained(mock: Mock, ctx: ProvisioningContext) -> None:
    result = prov.change_package({"username": "alice", "configoption1": "small"}, ctx)
    assert result.startswith("The account 'alice' uses more than package 'small' allows (")
    assert result.endswith("choose a larger package or reduce the usage first.")
    assert mock.user("alice").conf["PACKAGE"] == "default"


# -- connection, usage, sso, static ---------------------------------------------------------------------------


def test_test_connection(mock: Mock) -> None:
    ctx = ProvisioningContext(client_factory=quick_client)
    assert prov.test_connection(whmcs_params(), ctx) == {"success": True, "error": ""}


def test_test_connection_with_a_wrong_key(mock: Mock) -> None:
    params = whmcs_params(serveraccesshash="PUQDEMOACCESSKEY0001:" + "x" * 40)
    result = prov.test_connection(params, ProvisioningContext(client_factory=quick_client))
    assert result["success"] is False
    assert "refused the bridge's API key" in result["error"]
    assert "x" * 40 not in result["error"]


def test_usage_update_lists_every_customer_in_one_call(mock: Mock, ctx: ProvisioningContext) -> None:
    result = prov.usage_update({}, ctx)
    assert result["success"] is True
    by_name = {a["username"]: a for a in result["accounts"]}
    assert set(by_name) == {"alice", "bob", "carol", "tessa", "iris", "dieter"}
    assert by_name["carol"]["suspended"] is True
    assert {"disk_used_mb", "disk_limit_mb", "bandwidth_used_mb", "bandwidth_limit_mb"} <= set(by_name["bob"])
    assert mock.commands() == ["v-list-users"]


def test_usage_update_for_a_reseller_shows_only_its_accounts(mock: Mock, client: Any, store: Store) -> None:
    store.claim_account("main", "bob", "reseller-a")
    store.claim_account("main", "alice", "reseller-b")
    ctx = ProvisioningContext(client=client, server_id="main", store=store, reseller_id="reseller-a")
    assert [a["username"] for a in prov.usage_update({}, ctx)["accounts"]] == ["bob"]


def test_single_sign_on_needs_the_panel_settings(mock: Mock, ctx: ProvisioningContext) -> None:
    result = prov.single_sign_on({"username": "bob"}, ctx)
    assert result["success"] is False
    assert "Single sign-on needs the bridge's panel settings" in result["errorMsg"]


def test_metadata_and_config_options_need_no_server() -> None:
    assert prov.metadata()["DisplayName"] == "HestiaCP (puq-hestia)"
    assert list(prov.config_options()) == ["Package", "Create web domain", "FTP accounts"]


# -- never raise, never log a secret ---------------------------------------------------------------------------


def test_never_raises_on_nonsense(mock: Mock, ctx: ProvisioningContext) -> None:
    assert prov.suspend_account(["not", "a", "mapping"], ctx) == "params must be an object."  # type: ignore[arg-type]
    assert prov.run_action("reboot", {}, ctx).message == "Unknown action 'reboot'."


def test_an_unexpected_bug_is_a_text(mock: Mock) -> None:
    def broken(_config: Any) -> Any:
        raise RuntimeError("boom")

    result = prov.suspend_account(whmcs_params(), ProvisioningContext(client_factory=broken))
    assert result == "Unexpected error in the bridge; see its log."


def test_no_secret_in_any_log_line(mock: Mock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ctx = ProvisioningContext(client_factory=quick_client)
    prov.create_account(whmcs_params(), ctx)
    prov.change_password(whmcs_params(password="Second-pass-2026"), ctx)
    prov.create_account(whmcs_params(username="erin", domain="alice.example", password="Erin-pass-2026"), ctx)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "create_account" in text and "***" in text
    for secret in ("Dave-pass-2026", "Second-pass-2026", "Erin-pass-2026", "puqdemosecret"):
        assert secret not in text
