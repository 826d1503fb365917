"""The FTP scripts through the API: success, every error path, and Hestia's path quirks (§4)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hestia_mock_helpers import Call, assert_reply
from werkzeug.test import TestResponse

from hestia_mock.models import Backend
from hestia_mock.state import verify_password


def conf(backend: Backend, user: str, domain: str) -> dict[str, str]:
    return backend.users[user].domains[domain].conf


def assert_error(response: TestResponse, status: int, code: int, body: str) -> None:
    assert_reply(response, status, str(code), body)


def test_add_creates_prefixed_account_with_empty_204(call: Call, backend: Backend) -> None:
    response = call("v-add-web-domain-ftp", "bob", "bob.example", "deploy", "Secret-pass-1")
    assert response.status_code == 204
    assert response.headers["Hestia-Exit-Code"] == "0"
    assert response.get_data() == b""
    assert conf(backend, "bob", "bob.example")["FTP_USER"] == "bob_web:bob_deploy"
    entry = backend.passwd["bob_deploy"]
    assert entry.home == "/home/bob/web/bob.example"
    assert verify_password("Secret-pass-1", entry.hash)
    assert "Secret-pass-1" not in conf(backend, "bob", "bob.example")["FTP_MD5"]


def test_add_with_full_name_doubles_the_prefix(call: Call, backend: Backend) -> None:
    assert call("v-add-web-domain-ftp", "bob", "bob.example", "bob_x", "Secret-pass-1").status_code == 204
    assert "bob_bob_x" in backend.passwd


def test_first_account_keeps_raw_path_later_ones_are_normalised(call: Call, backend: Backend) -> None:
    for suffix, path in (("one", "public_html/"), ("two", ""), ("three", "/public_html")):
        args = ("alice", "blog.alice.example", suffix, "Secret-pass-1") + ((path,) if path else ())
        assert call("v-add-web-domain-ftp", *args).status_code == 204
    values = conf(backend, "alice", "blog.alice.example")
    assert values["FTP_USER"] == "alice_one:alice_two:alice_three"
    assert values["FTP_PATH"] == "public_html/::/public_html"
    assert list(values).index("FTP_PATH") == list(values).index("PROXY") - 1


@pytest.mark.parametrize(
    ("path", "stored", "home"),
    [
        ("newdir", "/newdir", "/home/alice/web/blog.alice.example/newdir"),
        ("public_html/newdir", "/public_html/newdir", "/home/alice/web/blog.alice.example/public_html/newdir"),
        ("public_html/../../blog.alice.example/x", "/x", "/home/alice/web/blog.alice.example/x"),
        ("../blog.alice.example2", "2", "/home/alice/web/blog.alice.example2"),
        ("../blogXalice.example", "", "/home/alice/web/blogXalice.example"),
    ],
)
def test_path_quirks_accepted(call: Call, backend: Backend, path: str, stored: str, home: str) -> None:
    """Unanchored containment, `.` as a wildcard, one missing level created (§4.1, checked locally)."""
    call("v-add-web-domain-ftp", "alice", "blog.alice.example", "first", "Secret-pass-1")
    response = call("v-add-web-domain-ftp", "alice", "blog.alice.example", "second", "Secret-pass-1", path)
    assert response.status_code == 204
    assert conf(backend, "alice", "blog.alice.example")["FTP_PATH"] == f":{stored}"
    assert backend.passwd["alice_second"].home == home
    assert backend.fs.real(home).is_dir()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("a/b/c", "Error: absolute path  is invalid"),
        ("..", "Error: absolute path /home/alice/web is invalid"),
        ("../../../../etc", "Error: absolute path /etc is invalid"),
        ("../alice.example", "Error: absolute path /home/alice/web/alice.example is invalid"),
    ],
)
def test_path_outside_or_too_deep_is_refused(call: Call, backend: Backend, path: str, message: str) -> None:
    response = call("v-add-web-domain-ftp", "alice", "blog.alice.example", "x", "Secret-pass-1", path)
    assert_error(response, 422, 2, message)
    assert "alice_x" not in backend.passwd
    assert not backend.fs.real("/home/alice/web/blog.alice.example/a").exists()


@pytest.mark.parametrize(
    ("args", "status", "code", "body"),
    [
        (("bob", "bob.example", "x"), 400, 1,
         "Usage: v-add-web-domain-ftp USER DOMAIN FTP_USER FTP_PASSWORD [FTP_PATH]"),
        (("b@d", "bob.example", "x", "pw"), 422, 2, "Error: invalid user format :: b@d"),
        (("bob", "bad_domain.example", "x", "pw"), 422, 2, "Error: invalid domain format :: bad_domain.example"),
        (("bob", "bob.example", "x-", "pw"), 422, 2, "Error: invalid ftp_user format :: bob_x-"),
        (("bob", "bob.example", "a" * 27, "pw"), 422, 2, f"Error: invalid ftp_user format :: bob_{'a' * 27}"),
        (("nobody2", "bob.example", "x", "pw"), 400, 3, "Error: user nobody2 doesn't exist"),
        (("carol", "carol.example", "x", "pw"), 401, 5, "Error: user carol is suspended"),
        (("bob", "alice.example", "x", "pw"), 400, 3, "Error: web domain alice.example doesn't exist"),
        (("alice", "shop.alice.example", "x", "pw"), 401, 5, "Error: web shop.alice.example is suspended"),
        (("alice", "alice.example", "deploy", "pw"), 400, 4, "Error: ftp user alice_deploy already exists"),
        (("bob", "bob.example", "web", "pw"), 400, 4, "Error: ftp user bob_web already exists"),
        (("bob", "bob.example", "x", ""), 422, 2, "Error: Password not accepted due to PAM restrictions"),
    ],
)  # fmt: skip
def test_add_errors(call: Call, args: tuple[str, ...], status: int, code: int, body: str) -> None:
    assert_error(call("v-add-web-domain-ftp", *args), status, code, body)


def test_ftp_names_share_the_system_wide_passwd(call: Call, backend: Backend) -> None:
    """A Hestia user named like an FTP account blocks it: one /etc/passwd for both (§4)."""
    assert call("v-add-user", "bob_new", "Secret-pass-1", "n@example.com").status_code == 204
    response = call("v-add-web-domain-ftp", "bob", "bob.example", "new", "Secret-pass-1")
    assert_error(response, 400, 4, "Error: ftp user bob_new already exists")
    assert_error(call("v-add-user", "bob_web", "Secret-pass-1", "w@example.com"), 400, 4, "Error: user bob_web exists")


def test_www_prefix_and_case_of_the_domain_are_normalised(call: Call, backend: Backend) -> None:
    assert call("v-add-web-domain-ftp", "bob", "WWW.Bob.Example", "x", "Secret-pass-1").status_code == 204
    assert "bob_x" in conf(backend, "bob", "bob.example")["FTP_USER"]


def test_change_password(call: Call, backend: Backend) -> None:
    old_md5 = conf(backend, "alice", "alice.example")["FTP_MD5"].split(":")
    response = call("v-change-web-domain-ftp-password", "alice", "alice.example", "alice_deploy", "New-pass-2")
    assert response.status_code == 204
    assert verify_password("New-pass-2", backend.passwd["alice_deploy"].hash)
    new_md5 = conf(backend, "alice", "alice.example")["FTP_MD5"].split(":")
    assert new_md5[0] == old_md5[0]
    assert new_md5[1] == backend.passwd["alice_deploy"].hash != old_md5[1]


@pytest.mark.parametrize(
    ("cmd", "last"),
    [("v-change-web-domain-ftp-password", "New-pass-2"), ("v-change-web-domain-ftp-path", "public_html")],
)
@pytest.mark.parametrize(
    ("user", "domain", "name", "status", "code", "body"),
    [
        ("carol", "carol.example", "carol_site", 401, 5, "Error: user carol is suspended"),
        ("alice", "shop.alice.example", "alice_shop", 401, 5, "Error: web shop.alice.example is suspended"),
        ("alice", "alice.example", "alice_ghost", 400, 3, "Error: account alice_ghost doesn't exist"),
        ("alice", "alice.example", "deploy", 400, 3, "Error: account deploy doesn't exist"),
        ("alice", "nope.example", "alice_deploy", 400, 3, "Error: web domain nope.example doesn't exist"),
    ],
)
def test_change_errors(
    call: Call, cmd: str, last: str, user: str, domain: str, name: str, status: int, code: int, body: str
) -> None:
    assert_error(call(cmd, user, domain, name, last), status, code, body)


def test_change_needs_four_arguments(call: Call) -> None:
    response = call("v-change-web-domain-ftp-path", "alice", "alice.example", "alice_deploy")
    assert_error(response, 400, 1, "Usage: v-change-web-domain-ftp-path USER DOMAIN FTP_USER FTP_PATH")


def test_change_path_always_stores_normalised_form(call: Call, backend: Backend) -> None:
    response = call("v-change-web-domain-ftp-path", "alice", "alice.example", "alice_media", "public_html/")
    assert response.status_code == 204
    assert conf(backend, "alice", "alice.example")["FTP_PATH"] == "/public_html:"
    assert backend.passwd["alice_media"].home == "/home/alice/web/alice.example/public_html"


def test_change_path_to_empty_means_domain_root(call: Call, backend: Backend) -> None:
    assert call("v-change-web-domain-ftp-path", "alice", "alice.example", "alice_media", "").status_code == 204
    assert conf(backend, "alice", "alice.example")["FTP_PATH"] == ":"
    assert backend.passwd["alice_media"].home == "/home/alice/web/alice.example"


@pytest.mark.parametrize(("path", "created"), [("private/new", True), ("x/y/z", False)])
def test_change_path_creates_one_missing_level_only(call: Call, backend: Backend, path: str, created: bool) -> None:
    response = call("v-change-web-domain-ftp-path", "bob", "bob.example", "bob_web", path)
    assert response.status_code == (204 if created else 422)
    assert backend.fs.real(f"/home/bob/web/bob.example/{path}").is_dir() is created


def test_delete_keeps_positions_of_the_other_lists(call: Call, backend: Backend) -> None:
    response = call("v-delete-web-domain-ftp", "alice", "alice.example", "alice_media")
    assert response.status_code == 204
    values = conf(backend, "alice", "alice.example")
    assert (values["FTP_USER"], values["FTP_PATH"]) == ("alice_deploy", "")
    assert values["FTP_MD5"] == backend.passwd["alice_deploy"].hash
    assert "alice_media" not in backend.passwd
    assert backend.fs.real("/home/alice/web/alice.example/public_html/media").is_dir()  # home not removed


@pytest.mark.parametrize(
    ("user", "domain", "name"),
    [("alice", "shop.alice.example", "alice_shop"), ("carol", "carol.example", "carol_site")],
)
def test_delete_works_on_suspended_domain_and_user(
    call: Call, backend: Backend, user: str, domain: str, name: str
) -> None:
    assert call("v-delete-web-domain-ftp", user, domain, name).status_code == 204
    assert conf(backend, user, domain)["FTP_USER"] == ""
    assert name not in backend.passwd


def test_delete_unknown_account(call: Call) -> None:
    response = call("v-delete-web-domain-ftp", "bob", "bob.example", "bob_nope")
    assert_error(response, 400, 3, "Error: account bob_nope doesn't exist")


def test_delete_last_account_then_add_stores_raw_path_again(call: Call, backend: Backend) -> None:
    call("v-delete-web-domain-ftp", "bob", "bob.example", "bob_web")
    assert call("v-add-web-domain-ftp", "bob", "bob.example", "new", "Secret-pass-1", "private/").status_code == 204
    assert conf(backend, "bob", "bob.example")["FTP_PATH"] == "private/"


def test_concurrent_creates_of_one_name_leave_exactly_one_account(backend: Backend) -> None:
    """One lock serialises commands: of 8 racing creates, one wins and the others get E_EXISTS."""
    barrier = threading.Barrier(8)

    def create() -> int:
        barrier.wait()
        return backend.run("v-add-web-domain-ftp", ["bob", "bob.example", "race", "Secret-pass-1"])[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = sorted(pool.map(lambda _: create(), range(8)))
    assert codes == [0] + [4] * 7
    assert conf(backend, "bob", "bob.example")["FTP_USER"] == "bob_web:bob_race"
