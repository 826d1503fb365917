"""The retry matrix of SECURITY.md 19-23: what is retried, how often and with which sleeps, per kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from hestia_fakes import ACCESS_KEY, SECRET_KEY, URL, data_text, expect
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import (
    ApiDisabledError,
    AuthenticationError,
    ForbiddenError,
    HestiaConnectionError,
    HestiaError,
    HestiaServerError,
    HestiaTimeoutError,
    HestiaTLSError,
    LoadTooHighError,
)
from puq_hestia.hestia.transport import Transport


def _refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, "/api/", reason))


def _reset() -> requests.ConnectionError:
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset by peer"))
    )


# Each failure: how Hestia (or the network) answers, and the exception the caller finally sees.
FAILURES: dict[str, tuple[dict[str, Any], type[HestiaError]]] = {
    "refused": ({"body": _refused()}, HestiaConnectionError),
    "connect_timeout": ({"body": requests.ConnectTimeout("connect timed out")}, HestiaTimeoutError),
    "read_timeout": ({"body": requests.ReadTimeout("read timed out")}, HestiaTimeoutError),
    "reset": ({"body": _reset()}, HestiaConnectionError),
    "bad_gateway": (
        {"exit_code": None, "status": 502, "body": "<html>502 Bad Gateway</html>"},
        HestiaServerError,
    ),
    "too_many_requests": (
        {"exit_code": None, "status": 429, "headers": {"Retry-After": "3"}},
        HestiaServerError,
    ),
    "load_too_high": ({"exit_code": 14, "status": 400, "body": "Error: LA is too high"}, LoadTooHighError),
    "tls": ({"body": requests.exceptions.SSLError("certificate verify failed")}, HestiaTLSError),
    "wrong_secret": (
        {"exit_code": 9, "status": 401, "body": "Error: Invalid secret key for key X"},
        AuthenticationError,
    ),
    "forbidden": (
        {"exit_code": 10, "status": 401, "body": "Error: IP is not allowed to connect with API"},
        ForbiddenError,
    ),
    "api_disabled": (
        {"exit_code": 21, "status": 401, "body": "Error: API has been disabled"},
        ApiDisabledError,
    ),
    "unauthorized_no_code": ({"exit_code": None, "status": 401, "body": "Unauthorized"}, AuthenticationError),
}
RETRIED_FOR_EVERY_COMMAND = ["refused", "connect_timeout", "too_many_requests", "load_too_high"]
RETRIED_FOR_READ_ONLY = ["read_timeout", "reset", "bad_gateway"]
NEVER_RETRIED = ["tls", "wrong_secret", "forbidden", "api_disabled", "unauthorized_no_code"]

# With random() == 0.5 the equal-jitter backoff is 0.75 x min(8, 0.5 * 2**n): 0.375, 0.75, ...
BACKOFF = [0.375, 0.75]

READ_ONLY = ("v-list-web-domains", "alice", "json")
MUTATING = ("v-delete-web-domain-ftp", "alice", "a.example", "alice_deploy")


def _run(client: HestiaClient, command: tuple[str, ...]) -> object:
    if command == READ_ONLY:
        return client.web_domains("alice")
    return client.ftp.delete("alice", "a.example", "alice_deploy")


def _succeed(api: responses.RequestsMock, command: tuple[str, ...]) -> None:
    body = data_text("web_domains_empty.txt") if command == READ_ONLY else ""
    expect(api, *command, body=body)


def _expected_sleeps(kind: str) -> list[float]:
    return [3.0, 3.0] if kind == "too_many_requests" else BACKOFF


RETRIED = [(kind, READ_ONLY) for kind in RETRIED_FOR_EVERY_COMMAND + RETRIED_FOR_READ_ONLY] + [
    (kind, MUTATING) for kind in RETRIED_FOR_EVERY_COMMAND
]
NOT_RETRIED = [(kind, MUTATING) for kind in RETRIED_FOR_READ_ONLY] + [
    (kind, command) for kind in NEVER_RETRIED for command in (READ_ONLY, MUTATING)
]


def _ids(cases: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    return [f"{kind}-{'read' if command == READ_ONLY else 'mutate'}" for kind, command in cases]


@pytest.mark.parametrize(("kind", "command"), RETRIED, ids=_ids(RETRIED))
def test_retried_then_succeeds(
    client: HestiaClient,
    api: responses.RequestsMock,
    sleeps: list[float],
    kind: str,
    command: tuple[str, ...],
) -> None:
    reply, _ = FAILURES[kind]
    expect(api, *command, **reply)
    expect(api, *command, **reply)
    _succeed(api, command)
    _run(client, command)
    assert len(api.calls) == 3
    assert sleeps == _expected_sleeps(kind)


@pytest.mark.parametrize(("kind", "command"), RETRIED, ids=_ids(RETRIED))
def test_retries_stop_after_three_attempts(
    client: HestiaClient,
    api: responses.RequestsMock,
    sleeps: list[float],
    kind: str,
    command: tuple[str, ...],
) -> None:
    reply, error = FAILURES[kind]
    for _ in range(3):
        expect(api, *command, **reply)
    with pytest.raises(error) as caught:
        _run(client, command)
    assert type(caught.value) is error
    assert len(api.calls) == 3
    assert sleeps == _expected_sleeps(kind)
    assert caught.value.outcome_unknown is False


@pytest.mark.parametrize(("kind", "command"), NOT_RETRIED, ids=_ids(NOT_RETRIED))
def test_not_retried(
    client: HestiaClient,
    api: responses.RequestsMock,
    sleeps: list[float],
    kind: str,
    command: tuple[str, ...],
) -> None:
    reply, error = FAILURES[kind]
    expect(api, *command, **reply)
    with pytest.raises(error) as caught:
        _run(client, command)
    assert type(caught.value) is error
    assert len(api.calls) == 1
    assert sleeps == []
    # A mutating command cut off after sending may have run at Hestia (SECURITY.md 22).
    assert caught.value.outcome_unknown is (kind in RETRIED_FOR_READ_ONLY)


@pytest.mark.parametrize("kind", ["refused", "connect_timeout", "read_timeout", "reset", "tls"])
def test_requests_exception_is_kept_as_cause(
    client: HestiaClient, api: responses.RequestsMock, kind: str
) -> None:
    reply, error = FAILURES[kind]
    for _ in range(1 if kind in NEVER_RETRIED else 3):
        expect(api, *READ_ONLY, **reply)
    with pytest.raises(error) as caught:
        client.web_domains("alice")
    assert caught.value.__cause__ is reply["body"]
    assert not isinstance(caught.value, requests.RequestException)


def _transport(sleeps: list[float], random: Callable[[], float] = lambda: 0.5, **settings: Any) -> Transport:
    config = ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY, **settings)
    return Transport(config, sleep=sleeps.append, random=random)


def _fail_read_only(api: responses.RequestsMock, times: int, **reply: Any) -> None:
    for _ in range(times):
        expect(api, *READ_ONLY, **(reply or {"exit_code": None, "status": 503}))


@pytest.mark.parametrize(("jitter", "expected"), [(0.0, [0.25, 0.5]), (1.0, [0.5, 1.0])])
def test_backoff_jitter_comes_from_the_injected_random(
    api: responses.RequestsMock, jitter: float, expected: list[float]
) -> None:
    sleeps: list[float] = []
    _fail_read_only(api, 3)
    with pytest.raises(HestiaServerError):
        _transport(sleeps, random=lambda: jitter).run_json(*READ_ONLY)
    assert sleeps == expected


def test_backoff_is_exponential_and_capped(api: responses.RequestsMock) -> None:
    sleeps: list[float] = []
    _fail_read_only(api, 4)
    transport = _transport(sleeps, max_attempts=4, retry_budget=100, backoff_initial=4, backoff_max=5)
    with pytest.raises(HestiaServerError):
        transport.run_json(*READ_ONLY)
    assert sleeps == [3.0, 3.75, 3.75]


def test_max_attempts_is_configurable(api: responses.RequestsMock) -> None:
    sleeps: list[float] = []
    _fail_read_only(api, 1)
    with pytest.raises(HestiaServerError):
        _transport(sleeps, max_attempts=1).run_json(*READ_ONLY)
    assert (len(api.calls), sleeps) == (1, [])


def test_retry_budget_bounds_the_total_wait(api: responses.RequestsMock) -> None:
    sleeps: list[float] = []
    _fail_read_only(api, 2)
    with pytest.raises(HestiaServerError):
        _transport(sleeps, max_attempts=5, retry_budget=1.0).run_json(*READ_ONLY)
    # 0.375 fits in the budget; 0.375 + 0.75 would not, so the second failure is final.
    assert (len(api.calls), sleeps) == (2, [0.375])


def test_retry_after_beyond_the_budget_gives_up_at_once(api: responses.RequestsMock) -> None:
    sleeps: list[float] = []
    _fail_read_only(api, 1, exit_code=None, status=429, headers={"Retry-After": "60"})
    with pytest.raises(HestiaServerError) as caught:
        _transport(sleeps, retry_budget=20).run_json(*READ_ONLY)
    assert caught.value.status_code == 429
    assert (len(api.calls), sleeps) == (1, [])


def test_load_too_high_honours_retry_after(api: responses.RequestsMock) -> None:
    sleeps: list[float] = []
    expect(
        api, *MUTATING, exit_code=14, status=400, body="Error: LA is too high", headers={"Retry-After": "2"}
    )
    expect(api, *MUTATING)
    _transport(sleeps).run(*MUTATING)
    assert sleeps == [2.0]


def test_retry_after_as_http_date_falls_back_to_backoff(api: responses.RequestsMock) -> None:
    sleeps: list[float] = []
    _fail_read_only(
        api, 1, exit_code=None, status=429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}
    )
    expect(api, *READ_ONLY, body="{}")
    _transport(sleeps).run_json(*READ_ONLY)
    assert sleeps == [0.375]


def test_command_errors_are_not_retried(
    client: HestiaClient, api: responses.RequestsMock, sleeps: list[float]
) -> None:
    expect(api, *MUTATING, exit_code=3, status=400, body="Error: account alice_deploy doesn't exist")
    with pytest.raises(HestiaError):
        _run(client, MUTATING)
    assert (len(api.calls), sleeps) == (1, [])
