"""Web-domain scripts through the API: listings byte for byte, add, suspend and unsuspend (§5)."""

from __future__ import annotations

import json

import pytest
from hestia_mock_helpers import Call, assert_reply

from hestia_mock.models import Backend

# The demo server is nginx only (no proxy), so PROXY_EXT is empty, as HestiaCP 1.10.3 lists it (§13.5).
BOB_DOMAINS_JSON = """{
    "bob.example": {
        "IP": "192.0.2.10",
        "IP6": "",
        "DOCUMENT_ROOT": "/home/bob/web/bob.example/public_html/",
        "U_DISK": "0",
        "U_BANDWIDTH": "0",
        "TPL": "default",
        "ALIAS": "www.bob.example",
        "STATS": "",
        "STATS_USER": "",
        "SSL": "no",
        "SSL_HOME": "same",
        "LETSENCRYPT": "no",
        "FTP_USER": "bob_web",
        "FTP_PATH": "public_html",
        "AUTH_USER": "",
        "BACKEND": "default",
        "PROXY": "default",
        "PROXY_EXT": "",
        "SUSPENDED": "no",
        "TIME": "10:00:00",
        "DATE": "2026-01-15"
    }
}"""


def test_list_web_domains_json_is_byte_exact(call: Call) -> None:
    response = call("v-list-web-domains", "bob", "json")
    assert_reply(response, 200, "0", BOB_DOMAINS_JSON)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_list_web_domains_carries_ftp_suspension_and_ip_for_every_domain(call: Call) -> None:
    domains = json.loads(call("v-list-web-domains", "alice", "json").get_data())
    assert list(domains) == [
        "alice.example", "shop.alice.example", "blog.alice.example", "alice-photos.example",
        "alice-recipes.example", "alice-portfolio.example",
    ]  # fmt: skip
    assert domains["alice.example"]["FTP_USER"] == "alice_media:alice_deploy"
    assert domains["alice.example"]["FTP_PATH"] == "public_html/media:"
    assert domains["shop.alice.example"]["SUSPENDED"] == "yes"
    assert domains["blog.alice.example"]["FTP_USER"] == ""
    assert all(isinstance(v, str) for d in domains.values() for v in d.values())


def test_empty_listing_is_brace_newline_brace_without_json_type(call: Call) -> None:
    call("v-add-user", "dora", "Secret-pass-1", "dora@example.com")
    response = call("v-list-web-domains", "dora", "json")
    assert_reply(response, 200, "0", "{\n}")
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"


@pytest.mark.parametrize("fmt", ["", "yaml"])
def test_empty_or_unknown_format_prints_nothing(call: Call, fmt: str) -> None:
    assert_reply(call("v-list-web-domains", "bob", fmt), 204, "0", "")


def test_default_format_is_shell_table(call: Call) -> None:
    body = call("v-list-web-domains", "bob").get_data(as_text=True)
    assert body.splitlines()[0].split() == ["DOMAIN", "IP", "TPL", "SSL", "DISK", "BW", "SPND", "DATE"]
    assert body.splitlines()[2].split()[0] == "bob.example"


def test_list_one_domain_has_the_longer_key_list(call: Call) -> None:
    data = json.loads(call("v-list-web-domain", "alice", "alice.example", "json").get_data())
    assert list(data["alice.example"])[9:13] == ["SSL", "SSL_FORCE", "SSL_HSTS", "SSL_HOME"]
    assert list(data["alice.example"])[-4:] == ["CUSTOM_DOCROOT", "SUSPENDED", "TIME", "DATE"]


@pytest.mark.parametrize(
    ("cmd", "args", "status", "code", "body"),
    [
        ("v-list-web-domains", (), 400, "1", "Usage: v-list-web-domains USER [FORMAT]"),
        ("v-list-web-domains", ("-bad", "json"), 422, "2", "Error: invalid user format :: -bad"),
        ("v-list-web-domains", ("ghost", "json"), 400, "3", "Error: user ghost doesn't exist"),
        ("v-list-web-domain", ("alice",), 400, "1", "Usage: v-list-web-domain USER DOMAIN [FORMAT]"),
        ("v-list-web-domain", ("alice", "bob.example"), 400, "3", "Error: web domain bob.example doesn't exist"),
        ("v-suspend-web-domain", ("alice", "shop.alice.example"), 401, "5",
         "Error: web shop.alice.example is suspended"),
        ("v-unsuspend-web-domain", ("bob", "bob.example"), 401, "6", "Error: web bob.example is not suspended"),
        ("v-suspend-web-domain", ("bob",), 400, "1", "Usage: v-suspend-web-domain USER DOMAIN [RESTART]"),
        ("v-suspend-web-domain", ("bob", "bob.example", "maybe"), 422, "2", "Error: invalid restart format :: maybe"),
    ],
)  # fmt: skip
def test_web_errors(call: Call, cmd: str, args: tuple[str, ...], status: int, code: str, body: str) -> None:
    assert_reply(call(cmd, *args), status, code, body)


def test_suspend_and_unsuspend_domain_move_the_counter(call: Call, backend: Backend) -> None:
    assert call("v-suspend-web-domain", "bob", "bob.example").status_code == 204
    assert backend.users["bob"].domains["bob.example"].conf["SUSPENDED"] == "yes"
    assert backend.users["bob"].conf["SUSPENDED_WEB"] == "1"
    assert not backend.passwd["bob_web"].locked  # FTP keeps working (§4.5)
    assert call("v-unsuspend-web-domain", "bob", "bob.example").status_code == 204
    assert backend.users["bob"].conf["SUSPENDED_WEB"] == "0"


def test_suspend_domain_of_a_suspended_user_is_not_checked(call: Call) -> None:
    assert_reply(call("v-unsuspend-web-domain", "carol", "carol.example"), 204, "0", "")


def test_add_web_domain_builds_folders_alias_ip_and_counters(call: Call, backend: Backend) -> None:
    assert call("v-add-web-domain", "alice", "New.Example").status_code == 204
    domain = backend.users["alice"].domains["new.example"].conf
    assert (domain["IP"], domain["ALIAS"], domain["SUSPENDED"]) == ("192.0.2.10", "www.new.example", "no")
    assert "FTP_PATH" not in domain
    assert backend.fs.real("/home/alice/web/new.example/public_html").is_dir()
    assert backend.users["alice"].conf["U_WEB_DOMAINS"] == "7"


@pytest.mark.parametrize(
    ("domain", "aliases", "expected"),
    [("sub.new.example", "", ""), ("new.co.uk", "", "www.new.co.uk"), ("new.example", "none", ""),
     ("new.example", "B.example,a.example", "a.example,b.example")],
)  # fmt: skip
def test_add_web_domain_aliases(call: Call, backend: Backend, domain: str, aliases: str, expected: str) -> None:
    assert call("v-add-web-domain", "alice", domain, "", "", aliases).status_code == 204
    assert backend.users["alice"].domains[domain].conf["ALIAS"] == expected


@pytest.mark.parametrize(
    ("args", "status", "code", "body"),
    [
        (("alice",), 400, "1", "Usage: v-add-web-domain USER DOMAIN [IP] [RESTART] [ALIASES] [PROXY_EXTENSIONS]"),
        (("carol", "x.example"), 401, "5", "Error: user carol is suspended"),
        (("bob", "x.example"), 400, "8", "Error: WEB_DOMAINS limit is reached :: upgrade user package"),
        (("alice", "bob.example"), 400, "4", "Error: Web domain bob.example exists"),
        (("alice", "www.bob.example"), 400, "4", "Error: Web domain bob.example exists"),
        (("alice", "x.example", "", "", "www.bob.example"), 400, "4", "Error: Web alias www.bob.example exists"),
        (("alice", "x.example", "198.51.100.7"), 400, "3", "Error: IP 198.51.100.7 doesn't exist"),
        (("alice", "192.0.2.55"), 400, "1", "Error: Invalid domain format. IP address detected as input."),
        (("alice", "bad!domain"), 422, "2", "Error: invalid domain format :: bad!domain"),
    ],
)
def test_add_web_domain_errors(call: Call, args: tuple[str, ...], status: int, code: str, body: str) -> None:
    assert_reply(call("v-add-web-domain", *args), status, code, body)


def test_add_web_domain_refuses_a_leftover_folder(call: Call, backend: Backend) -> None:
    backend.fs.mkdir("/home/alice/web/left.example")
    response = call("v-add-web-domain", "alice", "left.example")
    assert_reply(response, 400, "4", "Error: Web domain folder for left.example should not exist")
