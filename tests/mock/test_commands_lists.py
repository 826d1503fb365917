"""Listing scripts: users, packages, IPs and v-list-fs-directory over the real tree (§6.7 to §6.10, §7)."""

from __future__ import annotations

import json

import pytest
from hestia_mock_helpers import Call, assert_reply

from hestia_mock.models import Backend
from hestia_mock.state import PACKAGE_LIST_KEYS, USER_LIST_KEYS, USER_ONE_KEYS


def test_list_users_order_and_keys(call: Call) -> None:
    users = json.loads(call("v-list-users", "json").get_data())
    assert list(users) == ["admin", "alice", "bob", "carol", "tessa", "iris", "dieter"]
    assert tuple(users["alice"]) == USER_LIST_KEYS
    assert "HOME" not in users["alice"] and users["carol"]["SUSPENDED"] == "yes"


def test_list_user_keys(call: Call) -> None:
    assert tuple(json.loads(call("v-list-user", "alice", "json").get_data())["alice"]) == USER_ONE_KEYS


def test_list_packages(call: Call) -> None:
    packages = json.loads(call("v-list-user-packages", "json").get_data())
    assert list(packages) == ["small", "system", "default"]  # newest file first (§13.8)
    assert tuple(packages["small"]) == PACKAGE_LIST_KEYS
    assert (packages["default"]["WEB_DOMAINS"], packages["system"]["DATABASES"]) == ("unlimited", "0")


def test_list_user_ips(call: Call) -> None:
    response = call("v-list-user-ips", "bob", "json")
    expected = '{\n    "192.0.2.10": {\n        "OWNER": "admin",\n        "STATUS": "shared",\n' \
               '        "NAME": "",\n        "NAT": ""\n        }\n}'  # fmt: skip (inner brace at 8, §13.7)
    assert_reply(response, 200, "0", expected)


@pytest.mark.parametrize(
    ("cmd", "args", "status", "code", "body"),
    [
        ("v-list-user", ("ghost", "json"), 400, "3", "Error: user ghost doesn't exist"),
        ("v-list-user-ips", ("ghost", "json"), 400, "3", "Error: user ghost doesn't exist"),
        ("v-list-user", (), 400, "1", "Usage: v-list-user USER [FORMAT]"),
        ("v-list-fs-directory", (), 400, "1", "Usage: USER [PATH]"),
        ("v-list-fs-directory", ("",), 400, "1", "Usage: USER [PATH]"),
        ("v-list-fs-directory", ("ghost",), 400, "3", "Error: user ghost doesn't exist"),
        ("v-list-fs-directory", ("alice", "/etc"), 422, "2", "Error: invalid path /etc"),
        ("v-list-fs-directory", ("alice", "/home/bob/web"), 422, "2", "Error: invalid path /home/bob/web"),
        ("v-list-fs-directory", ("alice", "public_html"), 422, "2", "Error: invalid path public_html"),
        ("v-list-fs-directory", ("alice", "/home/alice/a/b/c"), 422, "2", "Error: invalid path /home/alice/a/b/c"),
        ("v-list-fs-directory", ("alice", "/home/alice/web/missing"), 400, "1", ""),
    ],
)
def test_list_errors(call: Call, cmd: str, args: tuple[str, ...], status: int, code: str, body: str) -> None:
    assert_reply(call(cmd, *args), status, code, body)


def test_list_fs_directory_lines(call: Call, backend: Backend) -> None:
    body = call("v-list-fs-directory", "alice", "/home/alice/web/alice.example/public_html").get_data(as_text=True)
    lines = [line.split("|") for line in body.splitlines()]
    assert [(f[0], f[4], f[5], f[7]) for f in lines] == [
        ("d", "alice", "alice", ""), ("f", "alice", "alice", "index.html"), ("d", "alice", "alice", "media"),
    ]  # fmt: skip
    assert lines[1][6] == str(len("<h1>alice.example</h1>\n"))
    assert lines[0][1] == "751"


def test_list_fs_directory_defaults_to_home_and_is_unanchored(call: Call, backend: Backend) -> None:
    assert call("v-list-fs-directory", "alice").get_data(as_text=True).splitlines()[1].endswith("|web")
    call("v-add-user", "alice2", "Secret-pass-1", "a2@example.com")
    # `/home/alice2` contains `/home/alice`: the unanchored grep lets alice list it (§7)
    assert call("v-list-fs-directory", "alice", "/home/alice2").status_code == 200


def test_legacy_missing_directory_is_ok(legacy: Call) -> None:
    assert_reply(legacy("v-list-fs-directory", "alice", "/home/alice/nothing"), 200, None, "OK")
