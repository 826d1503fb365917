"""Transport: request shape, exit-code reading, protocol failures and the legacy user/password login."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import responses
from hestia_fakes import ACCESS_KEY, API_URL, SECRET_KEY, URL, data_text, expect, form
from responses import matchers

from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import (
    AlreadyExistsError,
    AuthenticationError,
    DisabledError,
    HestiaProtocolError,
    HestiaUsageError,
    InvalidArgumentsError,
    NotFoundError,
    UnexpectedExitCodeError,
)
from puq_hestia.hestia.transport import Transport

Api = responses.RequestsMock
LIST = ("v-list-web-domains", "alice", "json")
DELETE = ("v-delete-web-domain-ftp", "alice", "a.example", "alice_deploy")


def test_posts_form_to_api_with_timeouts_and_verify(
    transport: Transport, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests swaps verify=True for a CA bundle named in the environment; keep the check about our value.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    expect(api, *DELETE)
    transport.run(*DELETE)
    request = api.calls[0].request
    assert request.url == API_URL
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["User-Agent"].startswith("puq-hestia/")
    assert request.req_kwargs["timeout"] == (2, 7)
    assert request.req_kwargs["verify"] is True


def test_each_thread_gets_its_own_session_and_close_ends_them_all(transport: Transport, api: Api) -> None:
    # requests.Session is not documented as thread-safe: gunicorn's threads must not share one.
    sessions = []

    def run_once() -> None:
        sessions.append(transport._session)
        transport.run(*DELETE)

    for _ in range(3):
        expect(api, *DELETE)
    run_once()
    run_once()  # the same thread keeps its session (and its keep-alive connection)
    worker = threading.Thread(target=run_once)
    worker.start()
    worker.join()
    assert sessions[0] is sessions[1] and sessions[2] is not sessions[0]
    assert all(s.headers["User-Agent"].startswith("puq-hestia/") for s in sessions)
    closed = []
    for session in (sessions[0], sessions[2]):
        session.close = lambda s=session: closed.append(s)  # type: ignore[method-assign]
    transport.close()
    assert closed == [sessions[0], sessions[2]]


def test_pinned_ca_file_is_used_for_verification(api: Api, tmp_path: Path) -> None:
    ca_file = tmp_path / "hestia-ca.pem"
    ca_file.write_text("-----BEGIN CERTIFICATE-----\n")
    config = ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY, ca_file=str(ca_file))
    expect(api, *DELETE)
    Transport(config).run(*DELETE)
    assert api.calls[0].request.req_kwargs["verify"] == str(ca_file)


def test_hash_config_sends_access_key_fields(api: Api) -> None:
    config = ServerConfig(URL, hash=f"{ACCESS_KEY}:{SECRET_KEY}")
    expect(api, *DELETE)  # the matcher requires access_key and secret_key, as §9 recommends
    Transport(config).run(*DELETE)


def test_output_text_is_trimmed(transport: Transport, api: Api) -> None:
    expect(
        api, "v-list-fs-directory", "alice", "/home/alice", body="\n" + data_text("fs_directory.txt") + "\n\n"
    )
    assert (
        transport.run("v-list-fs-directory", "alice", "/home/alice") == data_text("fs_directory.txt").strip()
    )


def test_no_content_is_success_with_empty_output(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, status=204)
    assert transport.run(*DELETE) == ""


def test_204_without_header_is_success(transport: Transport, api: Api) -> None:
    expect(api, *DELETE, exit_code=None, status=204)
    assert transport.run(*DELETE) == ""


def test_json_is_parsed_only_when_asked(transport: Transport, api: Api) -> None:
    expect(api, "v-list-user", "alice", "json", body='{"alice": {"NAME": "A"}}')
    expect(api, "v-list-user", "alice", "json", body='{"alice": {"NAME": "A"}}')
    assert transport.run_json("v-list-user", "alice", "json") == {"alice": {"NAME": "A"}}
    assert transport.run("v-list-user", "alice", "json") == '{"alice": {"NAME": "A"}}'


def test_json_with_unescaped_tab_is_accepted(transport: Transport, api: Api) -> None:
    # Hestia does not escape values (issue #2090); a raw tab must not fail the whole listing.
    expect(api, *LIST, body='{"a.example": {"ALIAS": "x\ty"}}')
    assert transport.run_json(*LIST) == {"a.example": {"ALIAS": "x\ty"}}


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"status": 204}, "empty answer"),
        ({"status": 200, "body": "<!DOCTYPE html><html>login</html>"}, "HTML"),
        ({"status": 200, "body": '{"a.example": {"IP": "1.2.3.4"'}, "invalid JSON"),
        (
            {"status": 200, "body": "{}", "exit_code": None, "headers": {"Hestia-Exit-Code": "zero"}},
            "non-numeric",
        ),
        ({"status": 200, "body": "{}", "exit_code": None}, "without a Hestia exit code"),
        ({"status": 404, "body": "<html>Not Found</html>", "exit_code": None}, "HTTP 404"),
        ({"status": 301, "exit_code": None, "headers": {"Location": "https://elsewhere/"}}, "HTTP 301"),
    ],
    ids=["empty", "html", "invalid-json", "bad-header", "no-header", "not-found", "redirect"],
)
def test_protocol_failures(transport: Transport, api: Api, reply: dict[str, Any], message: str) -> None:
    expect(api, *LIST, **reply)
    with pytest.raises(HestiaProtocolError, match=message):
        transport.run_json(*LIST)
    assert len(api.calls) == 1


def test_invalid_json_error_does_not_quote_the_body(transport: Transport, api: Api) -> None:
    expect(api, "v-list-user", "alice", "json", body='{"alice": {"RKEY": "q8ZfT2mLx0bN4wRa"')
    with pytest.raises(HestiaProtocolError) as caught:
        transport.run_json("v-list-user", "alice", "json")
    assert "q8ZfT2mLx0bN4wRa" not in str(caught.value)


def test_json_must_be_an_object_for_models(client: HestiaClient, api: Api) -> None:
    expect(api, *LIST, body="[]")
    with pytest.raises(HestiaProtocolError, match="expected a JSON object"):
        client.web_domains("alice")


def test_unknown_exit_code_falls_back(transport: Transport, api: Api) -> None:
    text = "Error: data received is null or invalid"
    expect(api, *DELETE, exit_code=405, status=405, body=text)
    with pytest.raises(UnexpectedExitCodeError) as caught:
        transport.run(*DELETE)
    assert (caught.value.code, caught.value.code_name, caught.value.http_status) == (405, "UNKNOWN", 405)


def test_exit_code_wins_over_http_status(transport: Transport, api: Api) -> None:
    # E_NOTEXIST and E_EXISTS are both HTTP 400 (HESTIA_API.md §2.3).
    expect(api, *DELETE, exit_code=4, status=400, body="Error: exists")
    with pytest.raises(AlreadyExistsError):
        transport.run(*DELETE)


@pytest.mark.parametrize("command", ["v-delete-sys-config", "v-list-sys-users", "v-make-tmp-file", ""])
def test_command_outside_the_table_is_refused_without_io(
    transport: Transport, api: Api, command: str
) -> None:
    with pytest.raises(HestiaUsageError, match="not in the client's command table"):
        transport.run(command, "alice")
    assert len(api.calls) == 0


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85"])
def test_control_character_is_refused_without_io(transport: Transport, api: Api, char: str) -> None:
    with pytest.raises(HestiaUsageError, match="ftp_path contains a control character"):
        transport.run("v-change-web-domain-ftp-path", "alice", "a.example", "alice_x", f"public_html{char}x")
    assert len(api.calls) == 0


@pytest.mark.parametrize("args", [(), ("alice", "a.example", "x", "pw", "path", "extra")])
def test_wrong_argument_count_is_refused_without_io(
    transport: Transport, api: Api, args: tuple[str, ...]
) -> None:
    with pytest.raises(HestiaUsageError, match="takes 4 to 5 arguments"):
        transport.run("v-add-web-domain-ftp", *args)
    assert len(api.calls) == 0


def test_non_string_argument_is_refused(transport: Transport, api: Api) -> None:
    with pytest.raises(HestiaUsageError, match="must be a string"):
        transport.run("v-delete-user", 42)  # type: ignore[arg-type]
    assert len(api.calls) == 0


def test_json_from_a_silent_command_is_refused(transport: Transport, api: Api) -> None:
    with pytest.raises(HestiaUsageError, match="prints no data"):
        transport.run_json(*DELETE)
    assert len(api.calls) == 0


# The deprecated admin user/password login (HESTIA_API.md §2.2): status 200 and no header on the success path.


def _legacy(api: Api, *args: str, body: str, returncode: bool = False) -> None:
    fields = form(*args, legacy=True, returncode=returncode)
    api.add(
        responses.POST,
        API_URL,
        body=body,
        status=200,
        match=[matchers.urlencoded_params_matcher(fields, allow_blank=True)],
    )


def test_legacy_mutation_asks_for_the_return_code(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(api, *DELETE, body="0", returncode=True)
    assert legacy_client.ftp.delete("alice", "a.example", "alice_deploy") is None


def test_legacy_failing_mutation_maps_the_code(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(
        api, "v-add-web-domain-ftp", "alice", "a.example", "deploy", "Pw-123456", body="4", returncode=True
    )
    with pytest.raises(AlreadyExistsError) as caught:
        legacy_client.ftp.create("alice", "a.example", "deploy", "Pw-123456")
    assert caught.value.code == 4


def test_legacy_code_mode_needs_a_number(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(api, *DELETE, body="OK", returncode=True)
    with pytest.raises(HestiaProtocolError, match="expected an exit code"):
        legacy_client.ftp.delete("alice", "a.example", "alice_deploy")


def test_legacy_check_password(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(api, "v-check-user-password", "alice", "Good-Pass-1", body="0", returncode=True)
    _legacy(api, "v-check-user-password", "alice", "Bad-Pass-1", body="9", returncode=True)
    assert legacy_client.users.check_password("alice", "Good-Pass-1") is True
    assert legacy_client.users.check_password("alice", "Bad-Pass-1") is False


def test_legacy_data_command_uses_data_mode(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(api, *LIST, body=data_text("web_domains.json") + "\n")
    assert len(legacy_client.web_domains("alice")) == 2


def test_legacy_error_text_maps_to_not_found(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(api, *LIST, body="Error: user alice doesn't exist\n")
    with pytest.raises(NotFoundError, match="doesn't exist"):
        legacy_client.web_domains("alice")


def test_legacy_usage_text_maps_to_invalid_arguments(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(
        api,
        "v-list-fs-directory",
        "alice",
        "/home/alice",
        body="Usage: v-list-fs-directory USER [DIRECTORY]\n",
    )
    with pytest.raises(InvalidArgumentsError):
        legacy_client.list_directory("alice", "/home/alice")


def test_legacy_unknown_error_text_has_no_code(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(api, *LIST, body="Error: something new\n")
    with pytest.raises(UnexpectedExitCodeError) as caught:
        legacy_client.web_domains("alice")
    assert caught.value.code is None


def test_legacy_ok_body_means_no_output(legacy_client: HestiaClient, api: Api) -> None:
    # A missing folder prints nothing, and the legacy API then answers "OK" (§7).
    _legacy(api, "v-list-fs-directory", "alice", "/home/alice/nope", body="OK")
    assert legacy_client.list_directory("alice", "/home/alice/nope") is None


def test_legacy_ok_body_where_json_was_expected(legacy_client: HestiaClient, api: Api) -> None:
    _legacy(api, *LIST, body="OK")
    with pytest.raises(HestiaProtocolError, match="empty answer"):
        legacy_client.web_domains("alice")


def test_legacy_login_failure_uses_the_header(legacy_client: HestiaClient, api: Api) -> None:
    api.add(
        responses.POST,
        API_URL,
        status=401,
        body="Error: authentication failed",
        headers={"Hestia-Exit-Code": "9"},
    )
    with pytest.raises(AuthenticationError):
        legacy_client.web_domains("alice")
    assert len(api.calls) == 1


def test_legacy_api_disabled(legacy_client: HestiaClient, api: Api) -> None:
    # Buffered output runs the two messages together (HESTIA_API.md §2.2 step 1).
    body = "Error: API has been disabledError: API Disabled"
    api.add(responses.POST, API_URL, status=400, body=body, headers={"Hestia-Exit-Code": "11"})
    with pytest.raises(DisabledError, match="API has been disabled"):
        legacy_client.ftp.delete("alice", "a.example", "alice_deploy")
