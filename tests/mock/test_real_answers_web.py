"""The answers HestiaCP 1.10.3 gave where the mock used to differ (HESTIA_API.md §13): FTP and web domains.

Each test states the real answer as it was recorded side by side with the real scripts.
"""

from __future__ import annotations

from hestia_mock_helpers import Call, assert_reply

from hestia_mock.models import Backend

PAM = "Error: Password not accepted due to PAM restrictions"


def conf(backend: Backend, user: str, domain: str) -> dict[str, str]:
    return backend.users[user].domains[domain].conf


# §13.1: ':' in an FTP path, and an empty password.


def test_colon_in_ftp_path_is_refused_with_the_pam_message_after_the_folder_exists(
    call: Call, backend: Backend
) -> None:
    before = dict(conf(backend, "bob", "bob.example"))
    response = call("v-add-web-domain-ftp", "bob", "bob.example", "x", "Secret-pass-1", "public_html/a:b")
    assert_reply(response, 422, "2", PAM)
    # useradd refused the home, chpasswd failed: no account, web.conf untouched, but the folder was made first.
    assert "bob_x" not in backend.passwd
    assert conf(backend, "bob", "bob.example") == before
    assert (backend.root / "home/bob/web/bob.example/public_html/a:b").is_dir()


def test_colon_in_the_first_accounts_path_leaves_the_domain_without_ftp(call: Call, backend: Backend) -> None:
    response = call("v-add-web-domain-ftp", "alice", "blog.alice.example", "x", "Secret-pass-1", "a:b")
    assert_reply(response, 422, "2", PAM)
    values = conf(backend, "alice", "blog.alice.example")
    assert (values["FTP_USER"], "FTP_PATH" in values) == ("", False)


def test_empty_password_is_the_pam_message_and_the_folder_is_created_anyway(call: Call, backend: Backend) -> None:
    response = call("v-add-web-domain-ftp", "bob", "bob.example", "x", "", "public_html/new")
    assert_reply(response, 422, "2", PAM)
    assert "bob_x" not in backend.passwd
    assert (backend.root / "home/bob/web/bob.example/public_html/new").is_dir()


# §13.2: v-list-web-domains carries a key a line lacks over from the previous line.


def test_domain_without_ftp_shows_the_previous_domains_ftp_path(call: Call, backend: Backend) -> None:
    # shop.alice.example has one FTP account; the next line, blog.alice.example, never had one (no FTP_PATH key).
    assert "FTP_PATH" not in conf(backend, "alice", "blog.alice.example")
    listing = call("v-list-web-domains", "alice", "json").get_json()
    assert list(listing)[1:3] == ["shop.alice.example", "blog.alice.example"]
    assert listing["shop.alice.example"]["FTP_PATH"] == "public_html"
    assert listing["blog.alice.example"]["FTP_USER"] == ""
    assert listing["blog.alice.example"]["FTP_PATH"] == "public_html"  # carried over, as Hestia does
    assert listing["alice-photos.example"]["FTP_PATH"] == "public_html"


def test_first_line_without_the_key_lists_it_empty(call: Call) -> None:
    assert call("v-add-user", "dave", "Secret-pass-1", "dave@example.com").status_code == 204
    for domain in ("one.dave.example", "two.dave.example", "three.dave.example"):
        assert call("v-add-web-domain", "dave", domain).status_code == 204
    assert call("v-add-web-domain-ftp", "dave", "two.dave.example", "x", "Secret-pass-1", "private").status_code == 204
    listing = call("v-list-web-domains", "dave", "json").get_json()
    assert [listing[d]["FTP_PATH"] for d in listing] == ["", "private", "private"]
    plain = call("v-list-web-domains", "dave", "plain").get_data(as_text=True).split("\n")
    assert [row.split("\t")[14] for row in plain] == ["", "private", "private"]


def test_single_domain_listing_has_nothing_to_carry(call: Call) -> None:
    one = call("v-list-web-domain", "alice", "blog.alice.example", "json").get_json()
    assert one["blog.alice.example"]["FTP_PATH"] == ""


# §13.3: the shell format is not column-aligned.


def test_shell_format_is_a_fixed_header_and_plain_rows(call: Call) -> None:
    text = call("v-list-web-domains", "bob").get_data(as_text=True)
    assert text.split("\n") == [
        "DOMAIN   IP   TPL   SSL   DISK   BW   SPND   DATE",
        "------   --   ---   ---   ----   --   ----   -----",
        "bob.example 192.0.2.10 default no 0 0 no 2026-01-15",
    ]


def test_shell_format_of_a_user_without_domains_is_the_header(call: Call) -> None:
    assert call("v-add-user", "dave", "Secret-pass-1", "dave@example.com").status_code == 204
    text = call("v-list-web-domains", "dave", "shell").get_data(as_text=True)
    assert text.split("\n") == [
        "DOMAIN   IP   TPL   SSL   DISK   BW   SPND   DATE",
        "------   --   ---   ---   ----   --   ----   -----",
    ]


# §13.4: a web rebuild (suspend, unsuspend) recounts the user's usage from the folder tree and SSL flags.


def test_suspend_recounts_disk_bandwidth_and_ssl(call: Call, backend: Backend) -> None:
    bob = backend.users["bob"]
    (backend.root / "home/bob/web/bob.example/public_html/big.bin").write_bytes(b"x" * (5 * 1024 * 1024 // 2))
    conf(backend, "bob", "bob.example").update(SSL="yes", U_BANDWIDTH="70")
    assert (bob.conf["U_DISK"], bob.conf["U_WEB_SSL"], bob.conf["U_BANDWIDTH"]) == ("0", "0", "0")
    assert call("v-suspend-web-domain", "bob", "bob.example").status_code == 204
    # du -m rounds up: 2.5 MiB of data plus the folders is 3 MB.
    assert conf(backend, "bob", "bob.example")["U_DISK"] == "3"
    expected = {"U_DISK": "3", "U_DISK_WEB": "3", "U_BANDWIDTH": "70", "U_WEB_SSL": "1"}
    assert {k: bob.conf[k] for k in expected} == expected
    (backend.root / "home/bob/web/bob.example/public_html/big.bin").unlink()
    assert call("v-unsuspend-web-domain", "bob", "bob.example").status_code == 204
    assert (bob.conf["U_DISK"], bob.conf["U_DISK_WEB"]) == ("1", "1")


def test_user_suspension_is_a_web_rebuild_too(call: Call, backend: Backend) -> None:
    conf(backend, "bob", "bob.example")["SSL"] = "yes"
    assert call("v-suspend-user", "bob").status_code == 204
    assert (backend.users["bob"].conf["U_WEB_SSL"], backend.users["bob"].conf["U_DISK_WEB"]) == ("1", "1")


def test_demo_counters_agree_with_the_demo_domains(backend: Backend) -> None:
    alice = backend.users["alice"].conf
    domains = backend.users["alice"].domains.values()
    assert alice["U_DISK_WEB"] == str(sum(int(d.conf["U_DISK"]) for d in domains))
    assert alice["U_WEB_SSL"] == str(sum(d.conf["SSL"] == "yes" for d in domains))
    assert backend.users["alice"].domains["alice.example"].conf["U_DISK"] == "12"


# §13.5: no proxy server (nginx only): PROXY_EXT is empty; PROXY and BACKEND still read default.


def test_nginx_only_server_stores_no_proxy_extensions(call: Call) -> None:
    listing = call("v-list-web-domains", "alice", "json").get_json()
    record = listing["blog.alice.example"]
    assert (record["PROXY_EXT"], record["PROXY"], record["BACKEND"]) == ("", "default", "default")


def test_proxy_extensions_exist_behind_a_proxy_server(backend: Backend) -> None:
    backend.settings.proxy_system = "nginx"
    backend.settings.web_system = "apache2"
    backend.v_add_web_domain("alice", "proxied.alice.example")
    assert conf(backend, "alice", "proxied.alice.example")["PROXY_EXT"].startswith("jpg,jpeg,gif,png")
    backend.v_add_web_domain("alice", "ext.alice.example", "", "", "", "css,js")
    assert conf(backend, "alice", "ext.alice.example")["PROXY_EXT"] == "css,js"
