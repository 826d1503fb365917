"""The wire format of web/api/index.php: auth paths, check order, statuses, headers, bodies (§2)."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from hestia_mock_helpers import ACCESS_KEY, ADMIN_PASSWORD, DEMO_HASH, SECRET_KEY, Call, assert_reply, form

from hestia_mock.api import INVALID_DATA, http_status
from hestia_mock.models import Backend

BOB_KEY = "PUQBOBUSERACCESSKEY1:puqbobsecret0000000000000000000000000001"
BILLING_KEY = "PUQBILLINGACCESSKEY1:puqbillingsecret000000000000000000000001"
CAROL_KEY = "PUQCAROLACCESSKEY001:puqcarolsecret00000000000000000000000001"


@pytest.mark.parametrize(
    ("code", "status"),
    [(0, 200), (1, 400), (2, 422), (3, 400), (4, 400), (5, 401), (6, 401), (7, 400), (8, 400), (9, 401),
     (10, 401), (11, 400), (12, 400), (14, 400), (20, 400), (21, 401), (405, 405)],
)  # fmt: skip
def test_exit_code_to_http_table(code: int, status: int) -> None:
    assert http_status(code) == status


def test_access_key_and_secret_fields(client: FlaskClient) -> None:
    data = form("v-list-user", "bob", "json", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    assert client.post("/api/", data=data).status_code == 200


def test_json_body_is_accepted(client: FlaskClient) -> None:
    response = client.post("/api/", json=form("v-list-user", "bob", "json", hash=DEMO_HASH))
    assert response.status_code == 200
    assert json.loads(response.get_data())["bob"]["PACKAGE"] == "small"


@pytest.mark.parametrize(
    "request_kwargs",
    [{"method": "GET"}, {"method": "GET", "query_string": form("v-list-users", hash=DEMO_HASH)},
     {"method": "POST"}, {"method": "POST", "data": {"cmd": "v-list-users"}}, {"method": "POST", "json": {}},
     {"method": "POST", "data": "not json", "content_type": "application/json"},
     {"method": "POST", "json": form("v-list-users", returncode="yes")}],
)  # fmt: skip
def test_no_usable_data_is_405_text_even_in_code_mode(client: FlaskClient, request_kwargs: dict[str, object]) -> None:
    response = client.open("/api/", **request_kwargs)  # type: ignore[arg-type]
    assert_reply(response, 405, "405", INVALID_DATA)


def test_code_mode_is_200_with_the_exit_code(call: Call) -> None:
    assert_reply(call("v-list-user", "ghost", "json", returncode="yes"), 200, "3", "3")
    assert_reply(call("v-list-user", "bob", "json", returncode="yes"), 200, "0", "0")


def test_gaps_in_args_close_up(call: Call) -> None:
    # arg3 becomes $2, so "json" is taken as the domain
    response = call("v-list-web-domain", "bob", arg3="json")
    assert_reply(response, 400, "3", "Error: web domain json doesn't exist")


def test_args_are_trimmed(call: Call, backend: Backend) -> None:
    assert call("v-change-user-password", " bob ", "  New-pass-2\t").status_code == 204
    assert call("v-check-user-password", "bob", "New-pass-2").status_code == 204


@pytest.mark.parametrize(
    ("settings", "extra", "status", "code", "body"),
    [
        ({"api_system": "0"}, {"cmd": ""}, 400, "11", "Error: API has been disabled"),
        ({"api_system": "off"}, {}, 400, "11", "Error: API has been disabled"),
        ({"api_allowed_ip": "192.0.2.99"}, {}, 401, "10", "Error: IP is not allowed to connect with API"),
        ({"api_allowed_ip": "192.0.2.99"}, {"returncode": "yes"}, 401, "10", "10"),
        ({}, {"cmd": ""}, 422, "2", "Error: Command not provided"),
        ({}, {"cmd": "0"}, 422, "2", "Error: Command not provided"),
        ({}, {"cmd": "v-list;id"}, 422, "2", "Error: v-list;id command invalid"),
        ({}, {"hash": None, "access_key": ACCESS_KEY, "secret_key": ""}, 401, "9", "Error: Authentication failed"),
        ({}, {"hash": "short:key"}, 401, "9", "Error: authentication failed"),
        ({}, {"cmd": "v-nope"}, 401, "10", "Error: Command v-nope not found"),
    ],
)  # fmt: skip
def test_access_key_check_order(
    client: FlaskClient, backend: Backend, settings: dict[str, str], extra: dict[str, str | None], status: int,
    code: str, body: str,
) -> None:  # fmt: skip
    for name, value in settings.items():
        setattr(backend.settings, name, value)
    data = {k: v for k, v in ({"hash": DEMO_HASH, "cmd": "v-list-users"} | extra).items() if v is not None}
    assert_reply(client.post("/api/", data=data), status, code, body)


def test_empty_allow_list_refuses_everyone_and_wildcard_allows(client: FlaskClient, backend: Backend) -> None:
    backend.settings.api_allowed_ip = ""
    assert client.post("/api/", data=form("v-list-users", hash=DEMO_HASH)).status_code == 401
    backend.settings.api_allowed_ip = "192.0.2.99,0.0.0.0"
    assert client.post("/api/", data=form("v-list-users", hash=DEMO_HASH)).status_code == 200
    backend.settings.api_allowed_ip = "127.0.0.1"
    assert client.post("/api/", data=form("v-list-users", hash=DEMO_HASH)).status_code == 200


@pytest.mark.parametrize(
    ("key", "status", "code", "body"),
    [
        ("PUQDEMOACCESSKEY000:" + SECRET_KEY + "x", 401, "9",
         "Error: invalid access_key_id format :: PUQDEMOACCESSKEY000"),
        ("NOSUCHACCESSKEY00001:" + SECRET_KEY, 401, "9", "Error: key NOSUCHACCESSKEY00001 doesn't exist"),
        (ACCESS_KEY + ":" + "x" * 39 + "!", 401, "9", "Error: invalid secret_access_key format"),
        (ACCESS_KEY + ":" + "x" * 40, 401, "9", f"Error: Invalid secret key for key {ACCESS_KEY}"),
        (CAROL_KEY, 401, "9", "Error: user carol is suspended"),
    ],
)  # fmt: skip
def test_access_key_failures(client: FlaskClient, key: str, status: int, code: str, body: str) -> None:
    key_id, secret = key.split(":")
    data = form("v-list-web-domains", "carol", "json", access_key=key_id, secret_key=secret)
    assert_reply(client.post("/api/", data=data), status, code, body)


def test_limited_profile_allows_only_its_commands(client: FlaskClient) -> None:
    allowed = client.post("/api/", data=form("v-list-user", "bob", "json", hash=BILLING_KEY))
    assert allowed.status_code == 200
    refused = client.post("/api/", data=form("v-add-web-domain-ftp", "bob", "bob.example", "x", "p", hash=BILLING_KEY))
    body = "Error: Key PUQBILLINGACCESSKEY1 don't have permission to run the command v-add-web-domain-ftp"
    assert_reply(refused, 401, "10", body)


def test_user_key_needs_api_system_2(client: FlaskClient, backend: Backend) -> None:
    response = client.post("/api/", data=form("v-list-web-domains", "bob", "json", hash=BOB_KEY))
    assert_reply(response, 401, "21", "Error: API has been disabled")
    backend.settings.api_system = "2"
    assert client.post("/api/", data=form("v-list-web-domains", "bob", "json", hash=BOB_KEY)).status_code == 200


def test_user_key_must_name_its_own_user(client: FlaskClient, backend: Backend) -> None:
    backend.settings.api_system = "2"
    response = client.post("/api/", data=form("v-list-web-domains", "alice", "json", hash=BOB_KEY))
    body = "Error: Key PUQBOBUSERACCESSKEY1 - the \"user\" argument doesn\\'t match the key\\'s user"
    assert_reply(response, 401, "10", body)


def test_legacy_login_replies(legacy: Call) -> None:
    assert_reply(legacy("v-add-web-domain-ftp", "bob", "bob.example", "x", "Secret-pass-1"), 200, None, "OK")
    failing = legacy("v-add-web-domain-ftp", "bob", "bob.example", "x", "Secret-pass-1")
    assert_reply(failing, 200, None, "Error: ftp user bob_x already exists\n")
    assert_reply(legacy("v-list-user", "ghost", "json", returncode="yes"), 200, None, "3")
    assert_reply(legacy("v-no-such-command"), 200, None, "OK")
    assert_reply(legacy("v-no-such-command", returncode="yes"), 200, None, "1")
    assert legacy("v-list-user", "bob", "json").get_data(as_text=True).endswith("}\n")


@pytest.mark.parametrize(
    ("fields", "status", "code", "body"),
    [
        ({"user": "alice", "password": "Alice-demo-2026"}, 401, "10", "Error: authentication failed"),
        ({"user": "admin"}, 401, "9", "Error: authentication failed"),
        ({"user": "admin", "password": "wrong"}, 401, "9", "Error: authentication failed"),
        ({"user": "admin", "password": ADMIN_PASSWORD, "cmd": ""}, 422, "2", "Error: Command not provided"),
        ({"hash": "tooshort"}, 401, "9", "Error: authentication failed"),
    ],
)
def test_legacy_failures(client: FlaskClient, fields: dict[str, str], status: int, code: str, body: str) -> None:
    assert_reply(client.post("/api/", data={"cmd": "v-list-users"} | fields), status, code, body)


def test_legacy_key_file(client: FlaskClient, backend: Backend) -> None:
    backend.legacy_keys.add("legacykey0123456789abcdefghijklm")
    response = client.post("/api/", data=form("v-list-users", "plain", hash="../keys/legacykey0123456789abcdefghijklm"))
    assert response.status_code == 200 and response.get_data(as_text=True).startswith("admin\t")


@pytest.mark.parametrize(("returncode", "body"), [(None, "Error: API has been disabledError: API Disabled"),
                                                  ("yes", "Error: API has been disabled11")])  # fmt: skip
def test_legacy_api_disabled_glues_two_messages(
    client: FlaskClient, backend: Backend, returncode: str | None, body: str
) -> None:
    backend.settings.api = "no"
    extra = {"returncode": returncode} if returncode else {}
    response = client.post("/api/", data=form("v-list-users", user="admin", password=ADMIN_PASSWORD, **extra))
    assert_reply(response, 400, "11", body)


def test_make_tmp_file_is_handled_by_the_api(call: Call, backend: Backend) -> None:
    assert_reply(call("v-make-tmp-file", "content", "../../x.txt"), 204, "0", "")
    assert backend.fs.real("/tmp/x.txt").read_text() == "content\n"
