"""Reading WHMCS params: validation before any Hestia call, server fields, masking for logs."""

from __future__ import annotations

import pytest

from puq_hestia.billing.whmcs import (
    MASK,
    ParamsError,
    mask_params,
    new_account_params,
    package_param,
    server_config_from_params,
    username_param,
)


def whmcs_params(**overrides: object) -> dict[str, object]:
    params: dict[str, object] = {
        "serviceid": 42,
        "username": "dave",
        "password": "Dave-pass-2026",
        "domain": "dave.example",
        "clientsdetails": {"email": "dave@example.com", "firstname": "Dave", "lastname": "O'Neil"},
        "configoption1": "default",
        "configoption2": "on",
    }
    params.update(overrides)
    return params


def test_new_account_params_reads_every_field() -> None:
    account = new_account_params(whmcs_params())
    assert (account.username, account.email, account.package, account.domain) == (
        "dave", "dave@example.com", "default", "dave.example")
    assert account.create_domain is True
    assert account.service_id == "42"
    # v-add-user refuses a quote in NAME (HESTIA_API.md §3); the display name drops it instead of failing.
    assert account.name == "Dave ONeil"
    assert "Dave-pass-2026" not in repr(account)


@pytest.mark.parametrize("flag", ["", "off", "no", False])
def test_create_domain_off_ignores_the_domain(flag: object) -> None:
    account = new_account_params(whmcs_params(configoption2=flag))
    assert (account.create_domain, account.domain) == (False, "")


def test_no_domain_means_no_web_domain() -> None:
    assert new_account_params(whmcs_params(domain="")).create_domain is False


def test_empty_package_means_default() -> None:
    assert package_param(whmcs_params(configoption1="")) == "default"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"username": ""}, "username is missing"),
        ({"username": "Dave"}, "Username 'Dave' cannot be used"),
        ({"username": "bob_shop"}, "cannot be used"),
        ({"username": "sudo"}, "reserved"),
        ({"username": ["dave"]}, "params.username must be a string"),
        ({"password": ""}, "password is missing"),
        ({"password": "short"}, "8 to 128"),
        ({"password": "/tmp/secret-file"}, "must not start with '/'"),
        ({"clientsdetails": {}}, "email address is missing"),
        ({"clientsdetails": {"email": "not-an-email"}}, "email address cannot be used"),
        ({"clientsdetails": "dave@example.com"}, "clientsdetails must be an object"),
        ({"domain": "www.dave.example"}, "without 'www.'"),
        ({"domain": "dave example"}, "cannot be used"),
        ({"configoption1": "pkg;rm"}, "Package option"),
        ({"configoption2": "maybe"}, "configoption2"),
    ],
)
def test_invalid_values_are_refused_with_a_reason(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ParamsError) as caught:
        new_account_params(whmcs_params(**overrides))
    assert fragment in str(caught.value)


def test_password_never_appears_in_the_error() -> None:
    secret = "Has:colon-2026"
    with pytest.raises(ParamsError) as caught:
        new_account_params(whmcs_params(password=secret))
    assert secret not in str(caught.value)


def test_username_param_requires_a_hestia_name() -> None:
    assert username_param({"username": "dave"}) == "dave"
    with pytest.raises(ParamsError):
        username_param({"username": "a b"})


def test_server_config_from_access_hash() -> None:
    config = server_config_from_params({
        "serverhostname": "hestia.example", "serverport": "8443", "serversecure": "on",
        "serveraccesshash": "PUQDEMOACCESSKEY0001:puqdemosecret000000000000000000000000001",
    })
    assert config.api_url == "https://hestia.example:8443/api/"
    assert config.access_key == "PUQDEMOACCESSKEY0001"
    assert "puqdemosecret" not in repr(config)


def test_server_config_defaults_to_https_on_8083_and_accepts_legacy_login() -> None:
    config = server_config_from_params({"serverip": "192.0.2.5", "serverusername": "admin",
                                        "serverpassword": "Admin-demo-2026"})
    assert config.api_url == "https://192.0.2.5:8083/api/"
    assert (config.user, config.uses_access_key) == ("admin", False)


def test_server_config_plain_http_when_not_secure() -> None:
    config = server_config_from_params({"serverhostname": "127.0.0.1", "serverport": 8083, "serversecure": False,
                                        "serveraccesshash": "AK:SK"})
    assert config.api_url == "http://127.0.0.1:8083/api/"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "hostname is missing"),
        ({"serverhostname": "evil.example/path"}, "hostname"),
        ({"serverhostname": "h.example", "serverport": "99999", "serveraccesshash": "A:B"}, "port"),
        ({"serverhostname": "h.example"}, "access details are incomplete"),
        ({"serverhostname": "h.example", "serverusername": "admin"}, "access details are incomplete"),
    ],
)
def test_server_config_errors_name_the_field(params: dict[str, object], fragment: str) -> None:
    with pytest.raises(ParamsError) as caught:
        server_config_from_params(params)
    assert fragment in str(caught.value)


def test_mask_params_hides_every_secret_even_nested() -> None:
    masked = mask_params({
        "password": "Dave-pass-2026",
        "serverpassword": "Admin-demo-2026",
        "serveraccesshash": "AK:SK",
        "username": "dave",
        "customfields": {"api_token": "tok", "note": "fine"},
        "clientsdetails": {"email": "dave@example.com", "password": "client-pass"},
    })
    assert masked["password"] == masked["serverpassword"] == masked["serveraccesshash"] == MASK
    assert masked["customfields"] == {"api_token": MASK, "note": "fine"}
    assert masked["clientsdetails"] == {"email": "dave@example.com", "password": MASK}
    assert masked["username"] == "dave"
