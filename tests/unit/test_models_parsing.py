"""Models parsed from recorded Hestia outputs (tests/data, from HESTIA_API.md examples), quirks included."""

from __future__ import annotations

import json

import pytest
from hestia_fakes import data_text
from hypothesis import given, settings
from hypothesis import strategies as st

from puq_hestia.hestia.errors import HestiaProtocolError
from puq_hestia.hestia.models import (
    DirectoryEntry,
    FtpAccount,
    HestiaUser,
    Package,
    UserIp,
    normalise_ftp_path,
    parse_directory_listing,
    parse_ftp_accounts,
    parse_web_domains,
    records,
)


def _json(name: str) -> object:
    return json.loads(data_text(name))


def test_web_domains_example_of_section_5_2() -> None:
    example, shop = parse_web_domains(_json("web_domains.json"))
    assert (example.name, example.ip, example.ip6) == ("example.com", "203.0.113.10", "")
    assert example.document_root == "/home/alice/web/example.com/public_html/"
    assert example.aliases == ("www.example.com",)
    assert (example.ssl, example.letsencrypt, example.suspended) == (True, True, False)
    assert (example.u_disk, example.u_bandwidth) == (37, 112)
    assert (example.template, example.backend, example.proxy) == ("default", "PHP-8_3", "default")
    assert example.ftp_accounts == (
        FtpAccount("alice_deploy", "example.com", "public_html", "public_html"),
        FtpAccount("alice_media", "example.com", "public_html/media", "/public_html/media"),
    )
    assert (shop.suspended, shop.ssl, shop.aliases, shop.ftp_accounts) == (True, False, (), ())


def test_first_path_quirk_and_padding() -> None:
    domains = {d.name: d for d in parse_web_domains(_json("web_domains_ftp_quirks.json"))}
    # §4 example sequence: `one` added with `public_html/`, `two` with no path, `three` with `/public_html`.
    assert [(a.username, a.path, a.raw_path) for a in domains["alice.example"].ftp_accounts] == [
        ("alice_one", "public_html", "public_html/"),
        ("alice_two", "", ""),
        ("alice_three", "public_html", "/public_html"),
    ]
    # FTP_PATH shorter than FTP_USER: the missing entries are the domain root.
    assert [(a.username, a.path) for a in domains["short.alice.example"].ftp_accounts] == [
        ("alice_a", "logs"),
        ("alice_b", ""),
        ("alice_c", ""),
    ]
    # No FTP_PATH key at all (the domain predates its first FTP account's path, §4).
    assert [(a.username, a.path, a.raw_path) for a in domains["legacy.alice.example"].ftp_accounts] == [
        ("alice_old", "", "")
    ]


def test_empty_object_is_no_domains() -> None:
    assert parse_web_domains(json.loads(data_text("web_domains_empty.txt"))) == []


@pytest.mark.parametrize(
    ("ftp_user", "ftp_path", "expected"),
    [
        ("", "", []),
        ("", "stale/", []),
        ("alice_a", "", [("alice_a", "")]),
        ("alice_a:alice_b", "a/b/", [("alice_a", "a/b"), ("alice_b", "")]),
        ("alice_a:alice_b", ":/x/y", [("alice_a", ""), ("alice_b", "x/y")]),
        ("alice_a", "./public_html//media/", [("alice_a", "public_html/media")]),
        ("alice_a::alice_c", "p::q", [("alice_a", "p"), ("alice_c", "q")]),
        ("alice_a", "p:q", [("alice_a", "p")]),
    ],
)
def test_parse_ftp_accounts(ftp_user: str, ftp_path: str, expected: list[tuple[str, str]]) -> None:
    accounts = parse_ftp_accounts("a.example", ftp_user, ftp_path)
    assert [(a.username, a.path) for a in accounts] == expected
    assert all(a.domain == "a.example" for a in accounts)


segment = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,8}", fullmatch=True).filter(lambda s: s != "..")
folder = st.lists(segment, max_size=3).map("/".join)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.from_regex(r"alice_[a-z0-9]{1,8}", fullmatch=True), folder), max_size=5))
def test_stored_paths_round_trip(accounts: list[tuple[str, str]]) -> None:
    # Store as Hestia does: the first path raw with a trailing slash, later ones as "/path" (§4).
    stored = [
        f"{path}/" if i == 0 and path else (f"/{path}" if path else "")
        for i, (_, path) in enumerate(accounts)
    ]
    parsed = parse_ftp_accounts("a.example", ":".join(u for u, _ in accounts), ":".join(stored))
    assert [(a.username, a.path) for a in parsed] == accounts
    assert [a.raw_path for a in parsed] == stored


@pytest.mark.parametrize(
    ("raw", "normalised"), [("", ""), ("/", ""), ("public_html/", "public_html"), ("/a/b", "a/b")]
)
def test_normalise_ftp_path(raw: str, normalised: str) -> None:
    assert normalise_ftp_path(raw) == normalised


def test_user_example_of_section_6_7() -> None:
    name, record = next(iter(records(_json("user.json"), "v-list-user").items()))
    user = HestiaUser.from_hestia(name, record)
    assert (user.name, user.full_name, user.package, user.contact) == (
        "alice",
        "Alice Example",
        "default",
        "alice@example.com",
    )
    assert (user.role, user.is_admin, user.suspended, user.shell, user.home) == (
        "user",
        False,
        False,
        "nologin",
        "/home/alice",
    )
    assert (user.disk_quota, user.disk_used, user.bandwidth_limit, user.bandwidth_used) == (
        None,
        37,
        None,
        112,
    )
    assert (user.web_domains_limit, user.web_domains_used, user.web_aliases_used) == (None, 2, 1)
    assert "q8ZfT2mLx0bN4wRa" not in repr(user)  # RKEY (password reset key) is not kept


def test_users_listing_has_no_home() -> None:
    users = {n: HestiaUser.from_hestia(n, r) for n, r in records(_json("users.json"), "v-list-users").items()}
    assert users["admin"].is_admin
    bob = users["bob"]
    assert (bob.suspended, bob.home, bob.disk_quota, bob.bandwidth_limit, bob.web_domains_limit) == (
        True,
        "/home/bob",
        1000,
        10000,
        5,
    )


def test_packages() -> None:
    packages = {n: Package.from_hestia(n, r) for n, r in records(_json("packages.json"), "p").items()}
    assert packages["default"].web_domains is None and packages["default"].disk_quota is None
    system = packages["system"]
    assert (system.web_domains, system.databases, system.disk_quota, system.shell, system.backups) == (
        1,
        0,
        1000,
        "nologin",
        0,
    )


def test_user_ips() -> None:
    ips = [UserIp.from_hestia(ip, r) for ip, r in records(_json("user_ips.json"), "v-list-user-ips").items()]
    assert ips[1] == UserIp("198.51.100.7", "alice", "dedicated", "alice-ip", "10.0.0.7")


def test_directory_listing() -> None:
    entries = parse_directory_listing(data_text("fs_directory.txt"))
    assert entries[1] == DirectoryEntry("d", "755", "2026-08-20 10:41", "alice", "alice", 4096, "public_html")
    assert [(e.name, e.is_dir, e.size) for e in entries] == [
        ("", True, 4096),  # the listed folder itself comes first
        ("public_html", True, 4096),
        ("private", True, 4096),
        ("notes|v2.txt", False, 1523),
        ("current", False, 11),
    ]


@pytest.mark.parametrize("line", ["d|755|2026-08-20", "d|755|2026-08-20|10:41|a|a|big|name"])
def test_malformed_directory_line(line: str) -> None:
    with pytest.raises(HestiaProtocolError):
        DirectoryEntry.from_line(line)


@pytest.mark.parametrize("payload", [[], "text", {"a.example": "not an object"}])
def test_malformed_payload(payload: object) -> None:
    with pytest.raises(HestiaProtocolError):
        parse_web_domains(payload)


def test_non_numeric_counter_is_a_protocol_error() -> None:
    with pytest.raises(HestiaProtocolError, match="U_DISK"):
        parse_web_domains({"a.example": {"U_DISK": "lots"}})


def test_carried_over_ftp_path_of_a_domain_without_ftp_is_ignored() -> None:
    # HESTIA_API.md §13.2: v-list-web-domains shows a domain that never had an FTP account with FTP_USER ""
    # and the previous line's FTP_PATH; the client reads FTP_PATH only together with a non-empty FTP_USER.
    payload = _json("web_domains_carry_over.json")
    assert isinstance(payload, dict)
    assert (payload["fresh.example"]["FTP_USER"], payload["fresh.example"]["FTP_PATH"]) == ("", "public_html")
    domains = {d.name: d for d in parse_web_domains(payload)}
    assert domains["fresh.example"].ftp_accounts == ()
    assert domains["site.example"].ftp_accounts == (
        FtpAccount("alice_web", "site.example", "public_html", "public_html"),
    )
