"""No password or secret key in logs (every logger at DEBUG), exception texts or reprs (SECURITY.md 13-14)."""

from __future__ import annotations

import logging

import pytest
import requests
import responses
from hestia_fakes import ACCESS_KEY, ADMIN_PASSWORD, SECRET_KEY, URL, expect
from urllib3.exceptions import MaxRetryError, NewConnectionError

from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.commands import MASK
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import ConfigError, HestiaError, HestiaUsageError, InvalidInputError

Api = responses.RequestsMock
FTP_PASSWORD = "Sekrit-Ftp-Pass-5521"
USER_PASSWORD = "Sekrit-User-Pass-8812"
SECRETS = (SECRET_KEY, ADMIN_PASSWORD, FTP_PASSWORD, USER_PASSWORD)


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: every library logger propagates here
    return caplog


def _assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)


def _error_texts(error: HestiaError) -> tuple[str, ...]:
    return (str(error), repr(error), repr(error.args), error.message)


def test_password_echoed_by_hestia_is_masked(
    client: HestiaClient, api: Api, debug_logs: pytest.LogCaptureFixture
) -> None:
    text = f"Error: Password not accepted due to PAM restrictions: {FTP_PASSWORD}"
    expect(
        api,
        "v-add-web-domain-ftp",
        "alice",
        "a.example",
        "deploy",
        FTP_PASSWORD,
        exit_code=2,
        status=422,
        body=text,
    )
    with pytest.raises(InvalidInputError) as caught:
        client.ftp.create("alice", "a.example", "deploy", FTP_PASSWORD)
    assert caught.value.text == f"Error: Password not accepted due to PAM restrictions: {MASK}"
    _assert_clean(*_error_texts(caught.value), caught.value.text, _logged(debug_logs))


def test_secret_key_echoed_by_hestia_is_masked(
    client: HestiaClient, api: Api, debug_logs: pytest.LogCaptureFixture
) -> None:
    expect(
        api,
        "v-list-users",
        "json",
        exit_code=9,
        status=401,
        body=f"Error: invalid secret_access_key {SECRET_KEY}",
    )
    with pytest.raises(HestiaError) as caught:
        client.ping()
    _assert_clean(*_error_texts(caught.value), _logged(debug_logs))


def test_retried_call_logs_no_password(
    client: HestiaClient, api: Api, debug_logs: pytest.LogCaptureFixture
) -> None:
    refused = requests.ConnectionError(MaxRetryError(None, "/api/", NewConnectionError(None, "refused")))
    expect(api, "v-change-user-password", "alice", USER_PASSWORD, body=refused)
    expect(api, "v-change-user-password", "alice", USER_PASSWORD)
    client.users.change_password("alice", USER_PASSWORD)
    logged = _logged(debug_logs)
    assert "retrying after attempt 1" in logged
    _assert_clean(logged)


def test_each_call_is_logged_with_masked_arguments(
    client: HestiaClient, api: Api, debug_logs: pytest.LogCaptureFixture
) -> None:
    expect(
        api,
        "v-check-user-password",
        "alice",
        USER_PASSWORD,
        exit_code=9,
        status=401,
        body="Error: password missmatch",
    )
    assert client.users.check_password("alice", USER_PASSWORD) is False
    records = [
        r for r in debug_logs.records if r.name == "puq_hestia.hestia.transport" and r.levelno == logging.DEBUG
    ]
    assert len(records) == 1
    message = records[0].getMessage()
    assert (
        "v-check-user-password" in message
        and "'alice', '***'" in message
        and "exit=9 (E_PASSWORD)" in message
    )
    assert "duration=" in message
    _assert_clean(_logged(debug_logs))


def test_legacy_password_never_logged(api: Api, debug_logs: pytest.LogCaptureFixture) -> None:
    config = ServerConfig(URL, user="admin", password=ADMIN_PASSWORD)
    api.add(
        responses.POST,
        f"{URL}/api/",
        status=401,
        body=f"Error: bad {ADMIN_PASSWORD}",
        headers={"Hestia-Exit-Code": "9"},
    )
    with pytest.raises(HestiaError) as caught:
        HestiaClient(config).users.delete("bob")
    _assert_clean(*_error_texts(caught.value), _logged(debug_logs), repr(config), str(config))


def test_config_repr_hides_secrets() -> None:
    for config in (
        ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY),
        ServerConfig(URL, hash=f"{ACCESS_KEY}:{SECRET_KEY}"),
        ServerConfig(URL, user="admin", password=ADMIN_PASSWORD),
    ):
        _assert_clean(repr(config), str(config))
    assert ACCESS_KEY in repr(ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY))


def test_control_character_refusal_does_not_echo_the_value(client: HestiaClient, api: Api) -> None:
    with pytest.raises(HestiaUsageError) as caught:
        client.users.change_password("alice", f"{USER_PASSWORD}\n")
    _assert_clean(*_error_texts(caught.value))
    assert len(api.calls) == 0


def test_malformed_hash_error_does_not_echo_it() -> None:
    with pytest.raises(ConfigError) as caught:
        ServerConfig(URL, hash=f"{ACCESS_KEY}:{SECRET_KEY}:extra")
    _assert_clean(str(caught.value), repr(caught.value))
