"""The command table: which commands exist, their argument order, secrets and kinds."""

from __future__ import annotations

import pytest

from puq_hestia.hestia.commands import (
    COMMANDS,
    MASK,
    SECRET_OUTPUT_FIELDS,
    get_spec,
    has_control_character,
    mask_text,
    without_secret_fields,
)
from puq_hestia.hestia.errors import HestiaUsageError

ISSUE_COMMANDS = {
    "v-list-web-domains", "v-list-web-domain", "v-add-web-domain-ftp", "v-change-web-domain-ftp-password",
    "v-change-web-domain-ftp-path", "v-delete-web-domain-ftp", "v-suspend-web-domain",
    "v-unsuspend-web-domain", "v-add-web-domain", "v-add-user", "v-delete-user", "v-suspend-user",
    "v-unsuspend-user", "v-change-user-password", "v-change-user-package", "v-check-user-password",
    "v-list-user", "v-list-users", "v-list-user-packages", "v-list-user-ips", "v-list-fs-directory",
    "v-list-access-key", "v-list-api",  # issue 14, for `puq-hestia check`
    "v-add-fs-directory",  # issue 19: "create /uploads and use it instead"
}  # fmt: skip
# Issue 13: Hestia's login policy (HESTIA_API.md §12).
LOGIN_COMMANDS = {"v-check-user-2fa", "v-add-user-2fa", "v-delete-user-2fa", "v-log-user-login",
                  "v-change-user-config-value"}


def test_table_is_exactly_the_issue_list() -> None:
    assert set(COMMANDS) == ISSUE_COMMANDS | LOGIN_COMMANDS


def test_read_only_commands() -> None:
    read_only = {name for name, spec in COMMANDS.items() if spec.read_only}
    assert read_only == {name for name in ISSUE_COMMANDS if name.startswith("v-list-")} | {
        "v-check-user-password", "v-check-user-2fa"
    }


def test_secret_arguments() -> None:
    secrets = {name: set(spec.secret) for name, spec in COMMANDS.items() if spec.secret}
    assert secrets == {
        "v-add-web-domain-ftp": {"ftp_password"},
        "v-change-web-domain-ftp-password": {"ftp_password"},
        "v-add-user": {"password"},
        "v-change-user-password": {"password"},
        "v-check-user-password": {"password"},
        "v-check-user-2fa": {"token"},
    }


@pytest.mark.parametrize(
    ("name", "usage"),
    [
        ("v-add-web-domain-ftp", "USER DOMAIN FTP_USER FTP_PASSWORD [FTP_PATH]"),
        ("v-change-web-domain-ftp-path", "USER DOMAIN FTP_USER FTP_PATH"),
        ("v-add-user", "USER PASSWORD EMAIL [PACKAGE] [NAME] [LASTNAME]"),
        ("v-list-users", "[FORMAT]"),
        ("v-list-fs-directory", "USER [DIRECTORY]"),
        ("v-add-fs-directory", "USER DIRECTORY"),
    ],
)
def test_argument_order_follows_hestia(name: str, usage: str) -> None:
    assert get_spec(name).usage == usage


def test_masked_replaces_only_secret_positions() -> None:
    spec = get_spec("v-add-web-domain-ftp")
    assert spec.masked(["alice", "a.example", "deploy", "Pw-1"]) == ["alice", "a.example", "deploy", MASK]
    assert spec.secret_values(["alice", "a.example", "deploy", "Pw-1", "p"]) == ["Pw-1"]


def test_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(HestiaUsageError) as caught:
        get_spec("v-delete-sys-firewall")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("value", "expected"), [("abc", False), ("a b", False), ("é", False), ("a\nb", True), ("\x9b", True)]
)
def test_has_control_character(value: str, expected: bool) -> None:
    assert has_control_character(value) is expected


def test_mask_text_masks_longest_first_and_trimmed_echoes() -> None:
    text = "Error: bad secret abc123 and pass abc and trimmed Pad-Pw"
    assert (
        mask_text(text, ["abc", "abc123", " Pad-Pw ", ""])
        == f"Error: bad secret {MASK} and pass {MASK} and trimmed {MASK}"
    )


def test_access_key_secret_is_a_secret_output_field() -> None:
    record = {"ACCESS_KEY_ID": "K" * 20, "SECRET_ACCESS_KEY": "s" * 40, "USER": "admin"}
    assert {"v-list-access-key": frozenset({"SECRET_ACCESS_KEY"})} == SECRET_OUTPUT_FIELDS
    assert without_secret_fields("v-list-access-key", record) == {"ACCESS_KEY_ID": "K" * 20, "USER": "admin"}
    assert without_secret_fields("v-list-api", {"API": "billing"}) == {"API": "billing"}
