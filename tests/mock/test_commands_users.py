"""User scripts through the API: add, delete, suspension rules, passwords and packages (§4.5, §6)."""

from __future__ import annotations

import json

import pytest
from hestia_mock_helpers import Call, assert_reply

from hestia_mock.models import Backend


def test_add_user_from_package(call: Call, backend: Backend) -> None:
    response = call("v-add-user", "dora", "Secret-pass-1", "dora@example.com", "small", "Dora", "Explorer")
    assert_reply(response, 204, "0", "")
    conf = backend.users["dora"].conf
    assert (conf["NAME"], conf["PACKAGE"], conf["WEB_DOMAINS"], conf["ROLE"]) == ("Dora Explorer", "small", "1", "user")
    assert backend.fs.real("/home/dora/web").is_dir()
    assert backend.users["admin"].conf["U_USERS"] == "8"  # the demo seed's 7 users (dieter: issue 16) + dora


def test_package_defaults_to_default_only_when_absent(call: Call, backend: Backend) -> None:
    assert call("v-add-user", "dora", "Secret-pass-1", "dora@example.com").status_code == 204
    assert backend.users["dora"].conf["PACKAGE"] == "default"
    response = call("v-add-user", "eve", "Secret-pass-1", "eve@example.com", "")
    assert_reply(response, 400, "3", "Error: package  doesn't exist")


@pytest.mark.parametrize(
    ("args", "status", "code", "body"),
    [
        (("dora", "pw"), 400, "1", "Usage: v-add-user USER PASSWORD EMAIL [PACKAGE] [NAME]"),
        (("1dora", "pw", "d@example.com"), 422, "2", "Error: invalid user format :: 1dora"),
        (("do.ra", "pw", "d@example.com"), 422, "2", "Error: invalid user format :: do.ra"),
        (("d" * 31, "pw", "d@example.com"), 422, "2", f"Error: invalid user format :: {'d' * 31}"),
        (("dora", "pw", "not-an-email"), 422, "2", "Error: invalid email format :: not-an-email"),
        (("dora", "pw", "d@example.com", "default", "<b>"), 422, "2", "Error: invalid name format :: <b>"),
        (("MySQL", "pw", "d@example.com"), 422, "2",
         "Error: The user name 'MySQL' is reserved and cannot be used. List of reserved names: aria aria_log mysql "
         "mysql_upgrade ib ib_buffer ddl ddl_recovery performance sudo"),
        (("alice", "pw", "d@example.com"), 400, "4", "Error: user alice exists"),
        (("www-data", "pw", "d@example.com"), 400, "4", "Error: user www-data exists"),
        (("alice_media", "pw", "d@example.com"), 400, "4", "Error: user alice_media exists"),
        (("dora", "pw", "d@example.com", "gold"), 400, "3", "Error: package gold doesn't exist"),
    ],
)
def test_add_user_errors(call: Call, args: tuple[str, ...], status: int, code: str, body: str) -> None:
    assert_reply(call("v-add-user", *args), status, code, body)


def test_delete_user_removes_domains_ftp_keys_and_home(call: Call, backend: Backend) -> None:
    assert_reply(call("v-delete-user", "bob"), 204, "0", "")
    assert "bob" not in backend.users
    assert "bob_web" not in backend.passwd and "bob" not in backend.passwd
    assert "PUQBOBUSERACCESSKEY1" not in backend.access_keys
    assert not backend.fs.real("/home/bob").exists()
    assert backend.users["admin"].conf["U_USERS"] == "6"  # the demo seed's 7 users less bob


def test_delete_root_user_is_a_silent_no_op(call: Call, backend: Backend) -> None:
    assert_reply(call("v-delete-user", "admin"), 204, "0", "")
    assert "admin" in backend.users


def test_suspend_user_locks_all_prefixed_accounts_and_domains(call: Call, backend: Backend) -> None:
    assert_reply(call("v-suspend-user", "alice"), 204, "0", "")
    assert all(backend.passwd[n].locked for n in ("alice", "alice_media", "alice_deploy", "alice_shop"))
    assert all(d.conf["SUSPENDED"] == "yes" for d in backend.users["alice"].domains.values())
    assert backend.users["alice"].conf["SUSPENDED_WEB"] == "6"
    assert backend.users["admin"].conf["SUSPENDED_USERS"] == "2"
    assert not backend.passwd["bob_web"].locked


def test_suspend_user_also_locks_other_users_sharing_the_prefix(call: Call, backend: Backend) -> None:
    call("v-add-user", "bob_two", "Secret-pass-1", "b2@example.com")
    call("v-suspend-user", "bob")
    assert backend.passwd["bob_two"].locked  # the `<user>_` prefix match of usermod --lock (§4.5)
    assert not backend.users["bob_two"].suspended


def test_suspended_user_cannot_change_ftp(call: Call) -> None:
    call("v-suspend-user", "bob")
    response = call("v-add-web-domain-ftp", "bob", "bob.example", "x", "Secret-pass-1")
    assert_reply(response, 401, "5", "Error: user bob is suspended")
    assert_reply(call("v-delete-web-domain-ftp", "bob", "bob.example", "bob_web"), 204, "0", "")


def test_unsuspend_user_unsuspends_every_domain_even_individually_suspended(call: Call, backend: Backend) -> None:
    call("v-suspend-user", "alice")
    assert_reply(call("v-unsuspend-user", "alice"), 204, "0", "")
    assert all(d.conf["SUSPENDED"] == "no" for d in backend.users["alice"].domains.values())
    assert not backend.passwd["alice_shop"].locked
    assert backend.users["admin"].conf["SUSPENDED_USERS"] == "1"


def test_unsuspend_of_an_active_user_succeeds_and_counter_stays_at_zero(call: Call, backend: Backend) -> None:
    call("v-unsuspend-user", "carol")
    for _ in range(2):
        assert_reply(call("v-unsuspend-user", "bob"), 204, "0", "")
    assert backend.users["admin"].conf["SUSPENDED_USERS"] == "0"


@pytest.mark.parametrize(
    ("cmd", "args", "status", "code", "body"),
    [
        ("v-suspend-user", ("carol",), 401, "5", "Error: user carol is suspended"),
        ("v-suspend-user", ("ghost",), 400, "3", "Error: user ghost doesn't exist"),
        ("v-suspend-user", ("admin",), 204, "0", ""),
        ("v-delete-user", (), 400, "1", "Usage: v-delete-user USER [RESTART]"),
        ("v-change-user-password", ("carol", "New-pass-2"), 401, "5", "Error: user carol is suspended"),
        ("v-change-user-password", ("bob",), 422, "2", "Error: Password not accepted due to PAM restrictions"),
        ("v-change-user-package", ("bob", "gold"), 400, "3", "Error: package gold doesn't exist"),
        ("v-change-user-package", ("alice", "small"), 400, "8", "Error: Package doesn't cover WEB_DOMAIN usage"),
        ("v-change-user-package", ("alice",), 400, "1", "Usage: v-change-user-package USER PACKAGE [FORCE]"),
    ],
)
def test_user_errors(call: Call, cmd: str, args: tuple[str, ...], status: int, code: str, body: str) -> None:
    assert_reply(call(cmd, *args), status, code, body)


def test_change_user_password_and_rkey(call: Call, backend: Backend) -> None:
    old_rkey = backend.users["bob"].conf["RKEY"]
    assert_reply(call("v-change-user-password", "bob", "New-pass-2"), 204, "0", "")
    assert backend.users["bob"].conf["RKEY"] != old_rkey
    assert_reply(call("v-check-user-password", "bob", "New-pass-2"), 204, "0", "")


@pytest.mark.parametrize("force", ["yes", None])
def test_change_user_package(call: Call, backend: Backend, force: str | None) -> None:
    args = ("alice", "small", *((force,) if force else ()))
    if force:
        assert_reply(call("v-change-user-package", *args), 204, "0", "")
        assert (backend.users["alice"].conf["PACKAGE"], backend.users["alice"].conf["WEB_DOMAINS"]) == ("small", "1")
        assert backend.users["alice"].conf["U_WEB_DOMAINS"] == "6"  # counters kept
    else:
        assert call("v-change-user-package", *args).status_code == 400
        assert backend.users["alice"].conf["PACKAGE"] == "default"


def test_change_package_of_a_suspended_user_is_allowed(call: Call, backend: Backend) -> None:
    assert_reply(call("v-change-user-package", "carol", "small"), 204, "0", "")


@pytest.mark.parametrize(
    ("args", "status", "code", "body"),
    [
        (("alice", "Alice-demo-2026"), 204, "0", ""),
        (("alice", "wrong"), 401, "9", "Error: password missmatch"),
        (("ghost", "whatever"), 401, "9", "Error: password missmatch"),
        (("alice", ""), 401, "9", "Error: password missmatch"),
        (("carol", "Carol-demo-2026"), 401, "9", "Error: password missmatch"),
        (("alice_media", "Media-ftp-2026"), 401, "9", "Error: password missmatch"),
        (("alice", "Alice-demo-2026", "not-ip"), 422, "2", "Error: invalid ip format :: not-ip"),
        (("alice",), 400, "1", "Usage: v-check-user-password USER PASSWORD [IP] [RETURN_HASH]"),
    ],
)
def test_check_user_password(call: Call, args: tuple[str, ...], status: int, code: str, body: str) -> None:
    assert_reply(call("v-check-user-password", *args), status, code, body)


def test_check_user_password_can_return_the_hash(call: Call, backend: Backend) -> None:
    response = call("v-check-user-password", "bob", "Bob-demo-2026", "192.0.2.1", "yes")
    assert_reply(response, 200, "0", backend.passwd["bob"].hash)


def test_list_user_quirks(call: Call) -> None:
    body = call("v-list-user", "bob", "json").get_data(as_text=True)
    assert body.endswith('        "DATE": "2026-01-15"\n        }\n}')  # inner brace at 8 spaces (§6.7)
    user = json.loads(body)["bob"]
    assert (user["HOME"], user["U_USERS"], user["SUSPENDED_USERS"]) == ("/home/bob", "7", "1")
    assert "MD5" not in user and user["RKEY"] == "BobRkeyDemo00001"
