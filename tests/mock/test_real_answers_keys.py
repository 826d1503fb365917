"""The answers HestiaCP 1.10.3 gave where the mock used to differ (HESTIA_API.md §13): users, packages, keys.

Also v-list-access-key and v-list-api (§2.5) and the auth.log lines every access-key call writes (§2.1, §2.6).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from hestia_mock_helpers import ACCESS_KEY, DEMO_HASH, SECRET_KEY, Call, assert_reply, form

from hestia_mock.models import Backend
from hestia_mock.seeds import SeedError, read_seed

BILLING_KEY = "PUQBILLINGACCESSKEY1"
BILLING_HASH = f"{BILLING_KEY}:puqbillingsecret000000000000000000000001"

# §13.10 and §13.8: the shipped packages, and v-list-user-packages' order (newest file first).


def test_shipped_packages_hold_the_installed_values(call: Call) -> None:
    packages = call("v-list-user-packages", "json").get_json()
    assert list(packages) == ["small", "system", "default"]
    default, system = packages["default"], packages["system"]
    assert (default["CPU_QUOTA_PERIOD"], system["CPU_QUOTA_PERIOD"]) == ("unlimited", "unlimited")
    unlimited = ("DNS_RECORDS", "CRON_JOBS", "DISK_QUOTA", "BANDWIDTH")
    assert {k: system[k] for k in unlimited} == dict.fromkeys(unlimited, "unlimited")
    assert (system["BACKUPS"], system["WEB_DOMAINS"], system["DATABASES"]) == ("1", "1", "0")
    assert default["NS"] == "ns1.domain.tld,ns2.domain.tld"
    assert (default["TIME"], default["DATE"]) == ("18:00:00", "2019-01-15")
    assert (system["TIME"], system["DATE"]) == ("00:00:00", "2022-01-20")


def test_a_package_made_later_is_listed_first(backend: Backend) -> None:
    seed = read_seed("empty") | {"packages": {"default": {}, "system": {}, "gold": {}, "bronze": {}}}
    backend.load_seed(seed)
    assert list(json.loads(backend.v_list_user_packages("json"))) == ["bronze", "gold", "system", "default"]


# §13.11: a reserved user name.


def test_reserved_user_name_message(call: Call) -> None:
    assert_reply(
        call("v-add-user", "mysql", "Secret-pass-1", "m@example.com"), 422, "2",
        "Error: The user name 'mysql' is reserved and cannot be used. List of reserved names: aria aria_log mysql "
        "mysql_upgrade ib ib_buffer ddl ddl_recovery performance sudo",
    )  # fmt: skip


# §13.7: v-list-user-ips indents its inner closing brace by 8 spaces.


def test_user_ips_inner_brace_at_eight_spaces(call: Call) -> None:
    body = call("v-list-user-ips", "alice", "json").get_data(as_text=True)
    assert body.split("\n")[-2:] == ["        }", "}"]
    assert json.loads(body)["192.0.2.10"]["OWNER"] == "admin"


# §13.9: access-key comments, and demo comments that obey the rule.


def test_demo_comments_obey_the_access_key_comment_rule(backend: Backend) -> None:
    assert [k.comment for k in backend.access_keys.values()] == [
        "puq-hestia bridge - all commands", "billing system - shipped billing profile",
        "user-role key - needs API_SYSTEM 2", "key of a suspended user",
    ]  # fmt: skip


@pytest.mark.parametrize("comment", ["bridge (all)", "a,b", "-dash first", "x", "it's", "x" * 67])
def test_seed_comment_breaking_the_rule_is_refused(backend: Backend, comment: str) -> None:
    seed = read_seed("empty")
    seed["access_keys"] = [dict(seed["access_keys"][0], comment=comment)]
    with pytest.raises(SeedError, match="invalid comment format"):
        backend.load_seed(seed)


# v-list-access-key and v-list-api (HESTIA_API.md §2.5): Hestia's exact output.


def test_list_access_key_json(call: Call) -> None:
    response = call("v-list-access-key", BILLING_KEY, "json")
    assert_reply(response, 200, "0", "\n".join((
        "{",
        f'    "ACCESS_KEY_ID": "{BILLING_KEY}",',
        '    "SECRET_ACCESS_KEY": "puqbillingsecret000000000000000000000001",',
        '    "USER": "admin",',
        '    "PERMISSIONS": ["billing"],',
        '    "COMMENT": "billing system - shipped billing profile",',
        '    "TIME": "10:00:00",',
        '    "DATE": "2026-01-15"',
        "}",
    )))  # fmt: skip
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_list_access_key_without_permissions_is_an_empty_array(call: Call) -> None:
    assert call("v-list-access-key", ACCESS_KEY, "json").get_json()["PERMISSIONS"] == []


def test_list_access_key_shell_and_plain(call: Call) -> None:
    shell = call("v-list-access-key", BILLING_KEY).get_data(as_text=True).split("\n")
    assert shell[0] == f"ACCESS_KEY_ID:      {BILLING_KEY}"
    assert shell[3] == "PERMISSIONS:        billing"
    plain = call("v-list-access-key", BILLING_KEY, "plain").get_data(as_text=True)
    assert plain == f"{BILLING_KEY}:puqbillingsecret000000000000000000000001"
    assert_reply(call("v-list-access-key", BILLING_KEY, "csv"), 204, "0", "")


@pytest.mark.parametrize(
    ("args", "status", "code", "body"),
    [
        ((), 400, "1", "Usage: v-list-access-key ACCESS_KEY_ID [FORMAT]"),
        (("short",), 422, "2", "Error: invalid access_key_id format :: short"),
        (("NOSUCHACCESSKEY00001", "json"), 400, "3", "Error: key NOSUCHACCESSKEY00001 doesn't exist"),
    ],
)
def test_list_access_key_errors(call: Call, args: tuple[str, ...], status: int, code: str, body: str) -> None:
    assert_reply(call("v-list-access-key", *args), status, code, body)


def test_list_api_json_and_shell(call: Call) -> None:
    response = call("v-list-api", "purge-nginx-cache", "json")
    assert_reply(response, 200, "0", "\n".join((
        "{",
        '    "API": "purge-nginx-cache",',
        '    "ROLE": "user",',
        '    "COMMANDS": ["v-purge-nginx-cache", "v-list-web-domains", "v-list-web-domain"]',
        "}",
    )))  # fmt: skip
    shell = call("v-list-api", "billing").get_data(as_text=True).split("\n")
    assert shell[:2] == ["API:           billing", "ROLE:          admin"]
    assert shell[2].startswith("COMMANDS:      v-add-user,v-delete-user,")


@pytest.mark.parametrize(
    ("args", "status", "code", "body"),
    [
        ((), 400, "1", "Usage: v-list-api API [FORMAT]"),
        (("nope", "json"), 422, "2", "Error: API nope doesn't exist"),
        (("", "json"), 422, "2", "Error: API  doesn't exist"),
    ],
)
def test_list_api_errors(call: Call, args: tuple[str, ...], status: int, code: str, body: str) -> None:
    assert_reply(call("v-list-api", *args), status, code, body)


# auth.log: every v-check-access-key call writes a line; a refused permission is "failed to login" (§2.1, §2.6).


def test_every_access_key_call_is_logged(client: FlaskClient, backend: Backend) -> None:
    backend.clock = lambda: datetime(2026, 3, 1, 12, 30, 5)
    d = "2026-03-01 12:30:05"
    client.post("/api/", data=form("v-list-access-key", ACCESS_KEY, "json", hash=DEMO_HASH))
    client.post("/api/", data=form("v-list-api", "billing", "json", hash=BILLING_HASH))  # not in the profile
    client.post("/api/", data=form("v-list-users", "json", access_key=ACCESS_KEY, secret_key="x" * 40))
    client.post("/api/", data=form("v-list-users", "json", access_key="bad", secret_key=SECRET_KEY))
    assert backend.auth_log == [
        f"{d} {ACCESS_KEY} 127.0.0.1 v-list-access-key successfully launched",
        f"{d} {BILLING_KEY} 127.0.0.1 failed to login",
        f"{d} {ACCESS_KEY} 127.0.0.1 failed to login",
        f"{d} bad 127.0.0.1 failed to login",
    ]
    assert client.get("/_mock/auth-log").get_json() == backend.auth_log
    assert all(SECRET_KEY not in line for line in backend.auth_log)


def test_an_empty_key_is_refused_before_the_check_and_not_logged(client: FlaskClient, backend: Backend) -> None:
    client.post("/api/", data=form("v-list-users", "json", access_key="", secret_key=""))
    assert backend.auth_log == []


def test_a_reset_empties_the_auth_log(client: FlaskClient, backend: Backend) -> None:
    client.post("/api/", data=form("v-list-users", "json", hash=DEMO_HASH))
    assert len(backend.auth_log) == 1
    client.post("/_mock/reset")
    assert backend.auth_log == []



def test_legacy_api_keys_are_logged_as_api(client: FlaskClient, backend: Backend) -> None:
    backend.clock = lambda: datetime(2026, 3, 1, 12, 30, 5)
    backend.legacy_keys.add("legacykey0123456789abcdefghijklm")
    client.post("/api/", data=form("v-list-users", "json", hash="legacykey0123456789abcdefghijklm"))
    client.post("/api/", data=form("v-list-users", "json", hash="wrongkey0123456789abcdefghijklmn"))
    assert backend.auth_log == [
        "2026-03-01 12:30:05 api 127.0.0.1 successfully launched",
        "2026-03-01 12:30:05 api 127.0.0.1 failed to login",
    ]
