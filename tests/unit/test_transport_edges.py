"""Transport behaviours no other test proved (issue 15): each fails on a mutant of the line it guards."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import requests
import responses
from hestia_fakes import ACCESS_KEY, SECRET_KEY, URL, expect
from urllib3.exceptions import MaxRetryError, NewConnectionError

from puq_hestia.hestia.breaker import CircuitBreaker, CircuitOpenError
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import (
    AlreadyExistsError,
    AuthenticationError,
    HestiaCommandError,
    HestiaConnectionError,
    HestiaError,
    HestiaProtocolError,
    HestiaServerError,
    HestiaTimeoutError,
    LoadTooHighError,
    NotFoundError,
    UnexpectedExitCodeError,
)
from puq_hestia.hestia.transport import Transport

Api = responses.RequestsMock
DELETE = ("v-delete-web-domain-ftp", "alice", "a.example", "alice_deploy")
LIST = ("v-list-web-domains", "alice", "json")
USER = ("v-list-user", "alice", "json")


class Journal:
    """Records every intent and how it ended."""

    def __init__(self) -> None:
        self.entries: list[list[Any]] = []

    def before(self, command: str, masked_args: Any) -> object:
        self.entries.append([command, list(masked_args), None])
        return len(self.entries) - 1

    def after(self, entry: object, outcome: str) -> None:
        assert isinstance(entry, int)
        self.entries[entry][2] = outcome


def _transport(sleeps: list[float], **config: Any) -> Transport:
    settings = ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY, connect_timeout=2,
                            read_timeout=7, **config)
    return Transport(settings, sleep=sleeps.append, random=lambda: 0.5)


# -- HTTP without an exit code -----------------------------------------------------------------------------------


def test_a_bare_http_500_is_a_server_error_with_unknown_outcome_for_a_change(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=None, status=500, body="Internal Server Error")
    with pytest.raises(HestiaServerError) as info:
        transport.run(*DELETE)
    error = info.value
    assert error.status_code == 500 and error.outcome_unknown
    assert error.message == "v-delete-web-domain-ftp: HTTP 500 from hestia.test:8083 without a Hestia exit code"
    assert len(api.calls) == 1  # a change that may have run is never resent


def test_a_bare_http_500_on_a_read_is_retried_and_known_not_to_have_changed_anything(
    transport: Transport, api: Api, sleeps: list[float]
) -> None:
    for _ in range(3):
        expect(api, *LIST, exit_code=None, status=500)
    with pytest.raises(HestiaServerError) as info:
        transport.run_json(*LIST)
    assert not info.value.outcome_unknown and info.value.status_code == 500
    assert sleeps == [0.375, 0.75]  # equal jitter at 0.5: half the ceiling plus half of the rest


def test_http_429_on_a_change_is_retried_and_not_unknown(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=None, status=429)
    expect(api, *DELETE)
    assert transport.run(*DELETE) == ""


def test_http_499_without_a_header_is_a_protocol_error(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=None, status=499, body="odd")
    with pytest.raises(HestiaProtocolError, match=r"^v-delete-web-domain-ftp: HTTP 499 from hestia\.test:8083"):
        transport.run(*DELETE)


def test_http_401_without_a_header_is_an_authentication_error(transport: Transport, api: Api) -> None:
    expect(api, *LIST, exit_code=None, status=401, body="Unauthorized")
    with pytest.raises(AuthenticationError) as info:
        transport.run_json(*LIST)
    assert (info.value.http_status, info.value.command, info.value.text) == (401, "v-list-web-domains",
                                                                              "Unauthorized")
    assert len(api.calls) == 1


def test_204_without_a_header_is_empty_output(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=None, status=204)
    assert transport.run(*DELETE) == ""


def test_a_204_with_exit_0_ignores_any_body(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, status=204, body="")
    assert transport.run(*DELETE) == ""


# -- exit codes: which command an error names, http_status, the text ---------------------------------------------


def test_an_exit_code_error_names_the_command_its_status_and_its_text(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=3, status=404, body="Error: ftp user alice_deploy doesn't exist")
    with pytest.raises(NotFoundError) as info:
        transport.run(*DELETE)
    error = info.value
    assert (error.command, error.code, error.http_status) == ("v-delete-web-domain-ftp", 3, 404)
    assert error.text == "Error: ftp user alice_deploy doesn't exist"
    assert not error.outcome_unknown


def test_long_error_texts_are_cut_at_300_characters(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=4, status=409, body="E" * 400)
    with pytest.raises(AlreadyExistsError) as info:
        transport.run(*DELETE)
    assert info.value.text == "E" * 300


@pytest.mark.parametrize("header", ["x1", "-1", ""])
def test_a_non_numeric_exit_code_header_is_a_protocol_error(transport: Transport, api: Api, header: str) -> None:
    expect(api, *DELETE, exit_code=None, status=200, headers={"Hestia-Exit-Code": header})
    with pytest.raises(HestiaProtocolError, match="non-numeric Hestia-Exit-Code header"):
        transport.run(*DELETE)


def test_an_exit_code_header_with_spaces_is_read(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=None, status=200, headers={"Hestia-Exit-Code": " 0 "})
    assert transport.run(*DELETE) == ""


# -- the legacy login -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error", "code"),
    [
        ("ERROR: user alice doesn't exist", NotFoundError, 3),
        ("Error: user alice doesn't exist", NotFoundError, 3),
        ("Usage: v-list-user USER [FORMAT]", HestiaCommandError, 1),
        ("Error: invalid user format", HestiaCommandError, 2),
        ("Error: something else", UnexpectedExitCodeError, None),
    ],
)
def test_legacy_data_errors_by_their_prefix(
    legacy_config: ServerConfig, api: Api, text: str, error: type[HestiaCommandError], code: int | None
) -> None:
    expect(api, *USER, exit_code=None, status=200, body=text, legacy=True)
    with pytest.raises(error) as info:
        Transport(legacy_config, sleep=lambda _: None).run_json(*USER)
    assert (info.value.code, info.value.http_status, info.value.command) == (code, 200, "v-list-user")
    assert info.value.text == text


def test_legacy_ok_is_empty_output(legacy_config: ServerConfig, api: Api) -> None:
    expect(api, *USER, exit_code=None, status=200, body="OK", legacy=True)
    assert Transport(legacy_config, sleep=lambda _: None).run(*USER) == ""


def test_legacy_returncode_answers(legacy_config: ServerConfig, api: Api) -> None:
    transport = Transport(legacy_config, sleep=lambda _: None)
    expect(api, *DELETE, exit_code=None, status=200, body="0", legacy=True, returncode=True)
    assert transport.run(*DELETE) == ""
    expect(api, *DELETE, exit_code=None, status=200, body="3", legacy=True, returncode=True)
    with pytest.raises(NotFoundError) as info:
        transport.run(*DELETE)
    assert (info.value.code, info.value.http_status, info.value.command) == (3, 200, "v-delete-web-domain-ftp")
    expect(api, *DELETE, exit_code=None, status=200, body="<html>", legacy=True, returncode=True)
    with pytest.raises(HestiaProtocolError, match="expected an exit code, got 6 characters"):
        transport.run(*DELETE)


# -- network failures -----------------------------------------------------------------------------------------


def test_an_unexpected_requests_failure_on_a_change_is_unknown_and_not_resent(
    transport: Transport, api: Api
) -> None:
    expect(api, *DELETE, body=requests.exceptions.ChunkedEncodingError("broken"))
    with pytest.raises(HestiaConnectionError) as info:
        transport.run(*DELETE)
    assert info.value.outcome_unknown
    assert info.value.message == ("v-delete-web-domain-ftp: the request to hestia.test:8083 failed "
                                  "(ChunkedEncodingError)")
    assert isinstance(info.value.__cause__, requests.exceptions.ChunkedEncodingError)
    assert len(api.calls) == 1


def test_an_unexpected_requests_failure_on_a_read_is_retried(transport: Transport, api: Api) -> None:
    expect(api, *LIST, body=requests.exceptions.ChunkedEncodingError("broken"))
    expect(api, *LIST, body="{}")
    assert transport.run_json(*LIST) == {}


def test_a_read_timeout_names_the_read_timeout(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, body=requests.ReadTimeout("slow"))
    with pytest.raises(HestiaTimeoutError) as info:
        transport.run(*DELETE)
    assert info.value.message == "v-delete-web-domain-ftp: hestia.test:8083 did not answer within 7s"
    assert info.value.outcome_unknown


def test_a_connect_timeout_is_known_not_to_have_run(api: Api) -> None:
    sleeps: list[float] = []
    transport = _transport(sleeps, max_attempts=1)
    expect(api, *DELETE, body=requests.ConnectTimeout("connect"))
    with pytest.raises(HestiaTimeoutError) as info:
        transport.run(*DELETE)
    assert not info.value.outcome_unknown
    assert info.value.message == "v-delete-web-domain-ftp: connecting to hestia.test:8083 timed out"


# -- Retry-After and the budget ------------------------------------------------------------------------------------


def test_retry_after_zero_retries_at_once(transport: Transport, api: Api, sleeps: list[float]) -> None:
    expect(api, *LIST, exit_code=14, status=400, body="Error: LA is too high", headers={"Retry-After": "0"})
    expect(api, *LIST, body="{}")
    assert transport.run_json(*LIST) == {}
    assert sleeps == [0.0]


@pytest.mark.parametrize(("value", "wait"), [("-5", 0.0), ("2.5", 2.5), ("Wed, 21 Oct 2026 07:28:00 GMT", 0.375),
                                             ("  ", 0.375)])
def test_retry_after_forms(transport: Transport, api: Api, sleeps: list[float], value: str, wait: float) -> None:
    expect(api, *LIST, exit_code=None, status=429, headers={"Retry-After": value})
    expect(api, *LIST, body="{}")
    transport.run_json(*LIST)
    assert sleeps == [wait]


def test_a_wait_that_exactly_fills_the_budget_is_taken(api: Api) -> None:
    sleeps: list[float] = []
    transport = _transport(sleeps, retry_budget=3.0)
    expect(api, *LIST, exit_code=14, status=400, headers={"Retry-After": "3"})
    expect(api, *LIST, body="{}")
    assert transport.run_json(*LIST) == {}
    assert sleeps == [3.0]


def test_a_wait_past_the_budget_stops_with_the_last_error(api: Api) -> None:
    sleeps: list[float] = []
    transport = _transport(sleeps, retry_budget=2.99)
    expect(api, *LIST, exit_code=14, status=400, body="Error: LA is too high", headers={"Retry-After": "3"})
    with pytest.raises(LoadTooHighError) as info:
        transport.run_json(*LIST)
    assert sleeps == [] and info.value.command == "v-list-web-domains"


def test_backoff_is_capped_by_backoff_max(api: Api) -> None:
    sleeps: list[float] = []
    transport = _transport(sleeps, max_attempts=5, backoff_initial=1.0, backoff_max=2.0, retry_budget=100)
    for _ in range(5):
        expect(api, *LIST, exit_code=None, status=502)
    with pytest.raises(HestiaServerError):
        transport.run_json(*LIST)
    assert sleeps == [0.75, 1.5, 1.5, 1.5]


def test_the_last_attempt_is_max_attempts(api: Api) -> None:
    sleeps: list[float] = []
    transport = _transport(sleeps, max_attempts=2)
    for _ in range(2):
        expect(api, *LIST, exit_code=None, status=502)
    with pytest.raises(HestiaServerError):
        transport.run_json(*LIST)
    assert len(sleeps) == 1


def test_retries_are_logged_with_the_error_and_the_wait(
    transport: Transport, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    expect(api, *LIST, exit_code=None, status=502)
    expect(api, *LIST, body="{}")
    with caplog.at_level(logging.INFO, logger="puq_hestia.hestia.transport"):
        transport.run_json(*LIST)
    retry = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert retry == ["retrying after attempt 1 failed (v-list-web-domains: HTTP 502 from hestia.test:8083 without "
                     "a Hestia exit code); waiting 0.38s"]


# -- the breaker wiring ------------------------------------------------------------------------------------------


def test_the_breaker_counts_one_verdict_per_call_and_then_refuses_without_io(api: Api) -> None:
    clock = [0.0]
    breaker = CircuitBreaker("main", threshold=2, cooldown=30, clock=lambda: clock[0])
    settings = ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY, max_attempts=1)
    transport = Transport(settings, sleep=lambda _: None, breaker=breaker)
    for _ in range(2):
        expect(api, *LIST, exit_code=None, status=502)
        with pytest.raises(HestiaServerError):
            transport.run_json(*LIST)
    with pytest.raises(CircuitOpenError, match=r"^v-list-web-domains: not sent"):
        transport.run_json(*LIST)
    assert len(api.calls) == 2
    clock[0] = 31.0
    expect(api, *LIST, body="{}")
    assert transport.run_json(*LIST) == {}
    assert breaker.state == "closed"


def test_a_call_that_recovers_on_retry_is_a_success_for_the_breaker(transport: Transport, api: Api) -> None:
    breaker = CircuitBreaker("main", threshold=1, cooldown=30, clock=lambda: 0.0)
    guarded = Transport(transport._config, sleep=lambda _: None, random=lambda: 0.5, breaker=breaker)
    expect(api, *LIST, exit_code=None, status=502)
    expect(api, *LIST, body="{}")
    assert guarded.run_json(*LIST) == {}
    assert breaker.state == "closed"


# -- the journal ------------------------------------------------------------------------------------------------


def test_the_journal_records_done_failed_and_unknown_and_skips_reads(config: ServerConfig, api: Api) -> None:
    journal = Journal()
    transport = Transport(config, sleep=lambda _: None, random=lambda: 0.5, journal=journal)
    expect(api, *DELETE)
    transport.run(*DELETE)
    expect(api, *DELETE, exit_code=3, status=404)
    with pytest.raises(NotFoundError):
        transport.run(*DELETE)
    expect(api, *DELETE, body=requests.ReadTimeout("slow"))
    with pytest.raises(HestiaError):
        transport.run(*DELETE)
    expect(api, *LIST, body="{}")
    transport.run_json(*LIST)
    assert [e[2] for e in journal.entries] == ["done", "failed", "unknown"]
    assert journal.entries[0][:2] == ["v-delete-web-domain-ftp", ["alice", "a.example", "alice_deploy"]]


def test_a_journal_that_fails_sends_nothing(config: ServerConfig, api: Api) -> None:
    class Broken(Journal):
        def before(self, command: str, masked_args: Any) -> object:
            raise RuntimeError("store down")

    transport = Transport(config, sleep=lambda _: None, journal=Broken())
    with pytest.raises(RuntimeError):
        transport.run(*DELETE)
    assert len(api.calls) == 0


def test_a_shared_session_is_closed_too(config: ServerConfig) -> None:
    session = requests.Session()
    closed: list[bool] = []
    session.close = lambda: closed.append(True)  # type: ignore[method-assign]
    Transport(config, session=session).close()
    assert closed == [True]


def test_empty_json_output_names_the_command(transport: Transport, api: Api) -> None:
    expect(api, *LIST, status=200, body="")
    with pytest.raises(HestiaProtocolError) as info:
        transport.run_json(*LIST)
    assert info.value.message == "v-list-web-domains: empty answer where JSON was expected"


def test_a_long_non_numeric_header_is_quoted_to_20_characters(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=None, status=200, headers={"Hestia-Exit-Code": "x" * 30})
    with pytest.raises(HestiaProtocolError) as info:
        transport.run(*DELETE)
    assert info.value.message == "v-delete-web-domain-ftp: non-numeric Hestia-Exit-Code header " + repr("x" * 20)


def test_a_connection_error_without_a_reason_may_have_run(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, body=requests.ConnectionError())
    with pytest.raises(HestiaConnectionError) as info:
        transport.run(*DELETE)
    assert info.value.outcome_unknown
    assert info.value.message == "v-delete-web-domain-ftp: the connection to hestia.test:8083 broke before an answer"


def test_a_given_session_is_the_one_used_and_gets_the_user_agent(config: ServerConfig) -> None:
    session = requests.Session()
    transport = Transport(config, session=session)
    assert transport._session is session
    assert session.headers["User-Agent"].startswith("puq-hestia/")


def test_tls_and_refused_errors_name_the_command_and_host(api: Api) -> None:
    transport = _transport([], max_attempts=1)
    expect(api, *DELETE, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(HestiaError) as info:
        transport.run(*DELETE)
    assert info.value.message == ("v-delete-web-domain-ftp: TLS handshake or certificate check with "
                                  "hestia.test:8083 failed")
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    expect(api, *DELETE, body=requests.ConnectionError(MaxRetryError(None, "/api/", reason)))
    with pytest.raises(HestiaConnectionError) as info:
        transport.run(*DELETE)
    assert info.value.message == "v-delete-web-domain-ftp: cannot connect to hestia.test:8083"
    assert not info.value.outcome_unknown


def _debug_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG and r.name.endswith("transport")]


def test_every_attempt_is_logged_with_command_masked_args_outcome_status_and_duration(
    transport: Transport, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    expect(api, *DELETE)
    expect(api, *DELETE, exit_code=3, status=404, body="Error: gone")
    expect(api, *LIST, exit_code=None, status=502)
    expect(api, *LIST, body="{}")
    change = ("v-change-web-domain-ftp-password", "alice", "a.example", "alice_deploy", "Sekret-pass-2026")
    expect(api, *change, body=requests.ReadTimeout("slow"))
    with caplog.at_level(logging.DEBUG, logger="puq_hestia.hestia.transport"):
        transport.run(*DELETE)
        with pytest.raises(NotFoundError):
            transport.run(*DELETE)
        transport.run_json(*LIST)
        with pytest.raises(HestiaTimeoutError):
            transport.run(*change)
    lines = _debug_lines(caplog)
    args = "args=['alice', 'a.example', 'alice_deploy']"
    expected = [
        rf"hestia v-delete-web-domain-ftp {re.escape(args)} exit=0 status=204 duration=",
        rf"hestia v-delete-web-domain-ftp {re.escape(args)} exit=3 \(E_NOTEXIST\) status=404 duration=",
        r"hestia v-list-web-domains args=\['alice', 'json'\] HestiaServerError status=502 duration=",
        r"hestia v-list-web-domains args=\['alice', 'json'\] exit=0 status=200 duration=",
        r"hestia v-change-web-domain-ftp-password args=\['alice', 'a.example', 'alice_deploy', '\*+'\] "
        r"HestiaTimeoutError status=- duration=",
    ]
    assert len(lines) == len(expected)
    for line, pattern in zip(lines, expected, strict=True):
        assert re.match(pattern + r"(\d+\.\d{3})s$", line), line
        seconds = float(line.rsplit("=", 1)[1].rstrip("s"))
        assert 0 <= seconds < 60
    assert "Sekret-pass-2026" not in caplog.text
