"""HestiaClient: the exact form fields each method sends, and what it returns."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import responses
from hestia_fakes import data_text, expect

from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import (
    ForbiddenError,
    HestiaProtocolError,
    HestiaUsageError,
    InvalidArgumentsError,
    InvalidInputError,
    NotFoundError,
)

FTP_PASSWORD = "Ftp-Pass-4821"
USER_PASSWORD = "User-Pass-9377"

MUTATIONS: list[tuple[str, Callable[[HestiaClient], object], tuple[str, ...]]] = [
    (
        "add_web_domain",
        lambda c: c.add_web_domain("alice", "new.example"),
        ("v-add-web-domain", "alice", "new.example"),
    ),
    (
        "add_web_domain_with_ip",
        lambda c: c.add_web_domain("alice", "new.example", ip="203.0.113.10"),
        ("v-add-web-domain", "alice", "new.example", "203.0.113.10"),
    ),
    (
        "suspend_web_domain",
        lambda c: c.suspend_web_domain("alice", "a.example"),
        ("v-suspend-web-domain", "alice", "a.example"),
    ),
    (
        "unsuspend_web_domain",
        lambda c: c.unsuspend_web_domain("alice", "a.example"),
        ("v-unsuspend-web-domain", "alice", "a.example"),
    ),
    (
        "ftp.create",
        lambda c: c.ftp.create("alice", "a.example", "deploy", FTP_PASSWORD),
        ("v-add-web-domain-ftp", "alice", "a.example", "deploy", FTP_PASSWORD),
    ),
    (
        "ftp.create_with_path",
        lambda c: c.ftp.create("alice", "a.example", "deploy", FTP_PASSWORD, path="public_html/media"),
        ("v-add-web-domain-ftp", "alice", "a.example", "deploy", FTP_PASSWORD, "public_html/media"),
    ),
    (
        "ftp.change_password",
        lambda c: c.ftp.change_password("alice", "a.example", "alice_deploy", FTP_PASSWORD),
        ("v-change-web-domain-ftp-password", "alice", "a.example", "alice_deploy", FTP_PASSWORD),
    ),
    (
        "ftp.change_path",
        lambda c: c.ftp.change_path("alice", "a.example", "alice_deploy", "public_html"),
        ("v-change-web-domain-ftp-path", "alice", "a.example", "alice_deploy", "public_html"),
    ),
    (
        "ftp.change_path_to_root",
        lambda c: c.ftp.change_path("alice", "a.example", "alice_deploy", ""),
        ("v-change-web-domain-ftp-path", "alice", "a.example", "alice_deploy", ""),
    ),
    (
        "ftp.delete",
        lambda c: c.ftp.delete("alice", "a.example", "alice_deploy"),
        ("v-delete-web-domain-ftp", "alice", "a.example", "alice_deploy"),
    ),
    (
        "users.create",
        lambda c: c.users.create("carol", USER_PASSWORD, "carol@example.com"),
        ("v-add-user", "carol", USER_PASSWORD, "carol@example.com", "default"),
    ),
    (
        "users.create_with_name",
        lambda c: c.users.create("carol", USER_PASSWORD, "carol@example.com", package="gold", name="Carol C"),
        ("v-add-user", "carol", USER_PASSWORD, "carol@example.com", "gold", "Carol C"),
    ),
    ("users.delete", lambda c: c.users.delete("carol"), ("v-delete-user", "carol")),
    ("users.suspend", lambda c: c.users.suspend("carol"), ("v-suspend-user", "carol")),
    ("users.unsuspend", lambda c: c.users.unsuspend("carol"), ("v-unsuspend-user", "carol")),
    (
        "users.change_password",
        lambda c: c.users.change_password("carol", USER_PASSWORD),
        ("v-change-user-password", "carol", USER_PASSWORD),
    ),
    (
        "users.change_package",
        lambda c: c.users.change_package("carol", "gold"),
        ("v-change-user-package", "carol", "gold"),
    ),
]


@pytest.mark.parametrize(("call", "sent"), [(m[1], m[2]) for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_mutation_sends_exact_fields(
    client: HestiaClient,
    api: responses.RequestsMock,
    call: Callable[[HestiaClient], object],
    sent: tuple[str, ...],
) -> None:
    expect(api, *sent)  # Hestia's success for a silent command: 204, exit 0 (HESTIA_API.md §2.1)
    assert call(client) is None
    assert len(api.calls) == 1


def test_web_domains_is_one_call_with_json_format(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-web-domains", "alice", "json", body=data_text("web_domains.json"))
    domains = client.web_domains("alice")
    assert [d.name for d in domains] == ["example.com", "shop.example.org"]
    assert [a.username for a in domains[0].ftp_accounts] == ["alice_deploy", "alice_media"]
    assert len(api.calls) == 1


def test_web_domains_of_user_without_domains(client: HestiaClient, api: responses.RequestsMock) -> None:
    # `{` newline `}` arrives as 200 text/html, not JSON content (HESTIA_API.md §2.1).
    body = data_text("web_domains_empty.txt")
    expect(
        api, "v-list-web-domains", "bob", "json", status=200, body=body, headers={"Content-Type": "text/html"}
    )
    assert client.web_domains("bob") == []


def test_web_domain_returns_the_named_domain(client: HestiaClient, api: responses.RequestsMock) -> None:
    body = (
        '{"example.com": {"IP": "203.0.113.10", "SUSPENDED": "yes", "FTP_USER": "alice_x", "FTP_PATH": "p/"}}'
    )
    expect(api, "v-list-web-domain", "alice", "example.com", "json", body=body)
    domain = client.web_domain("alice", "example.com")
    assert (domain.name, domain.ip, domain.suspended) == ("example.com", "203.0.113.10", True)
    assert [(a.username, a.path, a.raw_path) for a in domain.ftp_accounts] == [("alice_x", "p", "p/")]


def test_web_domain_missing_raises_not_found(client: HestiaClient, api: responses.RequestsMock) -> None:
    text = "Error: web domain nope.example doesn't exist"
    expect(api, "v-list-web-domain", "alice", "nope.example", "json", exit_code=3, status=400, body=text)
    with pytest.raises(NotFoundError, match="doesn't exist"):
        client.web_domain("alice", "nope.example")


def test_web_domain_with_two_entries_is_a_protocol_error(
    client: HestiaClient, api: responses.RequestsMock
) -> None:
    expect(api, "v-list-web-domain", "alice", "x.example", "json", body='{"a.example": {}, "b.example": {}}')
    with pytest.raises(HestiaProtocolError):
        client.web_domain("alice", "x.example")


def test_users_get(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-user", "alice", "json", body=data_text("user.json"))
    user = client.users.get("alice")
    assert (user.name, user.package, user.suspended, user.web_domains_used) == ("alice", "default", False, 2)


def test_users_list(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-users", "json", body=data_text("users.json"))
    assert [u.name for u in client.users.list()] == ["admin", "alice", "bob"]


def test_users_packages(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-user-packages", "json", body=data_text("packages.json"))
    assert [p.name for p in client.users.packages()] == ["default", "system"]


def test_users_ips(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-user-ips", "alice", "json", body=data_text("user_ips.json"))
    assert [(ip.ip, ip.status) for ip in client.users.ips("alice")] == [
        ("203.0.113.10", "shared"),
        ("198.51.100.7", "dedicated"),
    ]


def test_ping_lists_users(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-users", "json", body=data_text("users.json"))
    assert client.ping() is None
    assert len(api.calls) == 1


def test_ping_raises_on_html(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-users", "json", status=200, body="<html>captive portal</html>")
    with pytest.raises(HestiaProtocolError):
        client.ping()


def test_check_password_true(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-check-user-password", "alice", USER_PASSWORD)
    assert client.users.check_password("alice", USER_PASSWORD) is True


def test_check_password_false_on_mismatch(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(
        api,
        "v-check-user-password",
        "alice",
        "wrong-one",
        exit_code=9,
        status=401,
        body="Error: password missmatch",
    )
    assert client.users.check_password("alice", "wrong-one") is False
    assert len(api.calls) == 1  # never retried: fail2ban counts failed logins (SECURITY.md 21)


def test_check_password_other_errors_raise(client: HestiaClient, api: responses.RequestsMock) -> None:
    text = "Error: Key PUQTESTACCESSKEY0001 don't have permission to run the command v-check-user-password"
    expect(api, "v-check-user-password", "alice", USER_PASSWORD, exit_code=10, status=401, body=text)
    with pytest.raises(ForbiddenError):
        client.users.check_password("alice", USER_PASSWORD)


def test_list_directory_parses_entries(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(
        api, "v-list-fs-directory", "alice", "/home/alice/web/a.example", body=data_text("fs_directory.txt")
    )
    entries = client.list_directory("alice", "/home/alice/web/a.example")
    assert entries is not None
    assert [e.name for e in entries] == ["", "public_html", "private", "notes|v2.txt", "current"]
    assert entries[0].is_dir


def test_list_directory_of_a_file_lists_the_file(client: HestiaClient, api: responses.RequestsMock) -> None:
    path = "/home/alice/web/a.example/public_html/index.html"
    expect(api, "v-list-fs-directory", "alice", path, body="f|644|2026-08-21|09:05|alice|alice|120|\n")
    entries = client.list_directory("alice", path)
    assert entries is not None
    assert [(e.name, e.kind, e.is_dir) for e in entries] == [("", "f", False)]


def test_list_directory_missing_folder_is_none(client: HestiaClient, api: responses.RequestsMock) -> None:
    # HESTIA_API.md §7: find exits 1 with no output -> 400, exit 1, empty body under access keys.
    expect(api, "v-list-fs-directory", "alice", "/home/alice/web/a.example/nope", exit_code=1, status=400)
    assert client.list_directory("alice", "/home/alice/web/a.example/nope") is None


def test_list_directory_usage_error_still_raises(client: HestiaClient, api: responses.RequestsMock) -> None:
    text = "Usage: v-list-fs-directory USER [DIRECTORY]"
    expect(api, "v-list-fs-directory", "alice", "/home/alice", exit_code=1, status=400, body=text)
    with pytest.raises(InvalidArgumentsError):
        client.list_directory("alice", "/home/alice")


def test_list_directory_outside_home_raises(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(
        api, "v-list-fs-directory", "alice", "/etc", exit_code=2, status=422, body="Error: invalid path /etc"
    )
    with pytest.raises(InvalidInputError):
        client.list_directory("alice", "/etc")


def test_list_directory_refuses_relative_path_locally(
    client: HestiaClient, api: responses.RequestsMock
) -> None:
    with pytest.raises(HestiaUsageError):
        client.list_directory("alice", "web/a.example")
    assert len(api.calls) == 0


def test_client_serves_several_threads(client: HestiaClient, api: responses.RequestsMock) -> None:
    body = data_text("web_domains.json")
    api.add(responses.POST, "https://hestia.test:8083/api/", body=body, headers={"Hestia-Exit-Code": "0"})
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: client.web_domains("alice"), range(32)))
    assert all([d.name for d in domains] == ["example.com", "shop.example.org"] for domains in results)
    assert len(api.calls) == 32


ACCESS_KEY_JSON = """{
    "ACCESS_KEY_ID": "PUQBILLINGACCESSKEY1",
    "SECRET_ACCESS_KEY": "Zq8-secret=of=another=key000000000000001",
    "USER": "admin",
    "PERMISSIONS": ["billing", "purge-nginx-cache"],
    "COMMENT": "billing system",
    "TIME": "10:00:00",
    "DATE": "2026-01-15"
}"""


def test_access_key_drops_the_secret(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-access-key", "PUQBILLINGACCESSKEY1", "json", body=ACCESS_KEY_JSON)
    key = client.access_key("PUQBILLINGACCESSKEY1")
    assert (key.key_id, key.user) == ("PUQBILLINGACCESSKEY1", "admin")
    assert key.permissions == ("billing", "purge-nginx-cache")
    assert (key.comment, key.created) == ("billing system", "2026-01-15 10:00:00")
    assert "Zq8-secret" not in repr(key) and not hasattr(key, "secret")


def test_access_key_of_an_old_key_file_and_an_admin_key_without_profiles(
    client: HestiaClient, api: responses.RequestsMock
) -> None:
    body = '{\n    "ACCESS_KEY_ID": "K0000000000000000001",\n    "SECRET_ACCESS_KEY": "x",\n    "USER": "admin",\n' \
           '    "PERMISSIONS": [],\n    "COMMENT": "",\n    "TIME": "",\n    "DATE": ""\n}'  # fmt: skip
    expect(api, "v-list-access-key", "K0000000000000000001", "json", body=body)
    key = client.access_key("K0000000000000000001")
    assert (key.permissions, key.comment, key.created) == ((), "", "")


def test_access_key_missing_is_not_found(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-access-key", "K0000000000000000002", "json", exit_code=3, status=400,
           body="Error: key K0000000000000000002 doesn't exist")  # fmt: skip
    with pytest.raises(NotFoundError):
        client.access_key("K0000000000000000002")


def test_access_key_with_a_malformed_permission_list_is_a_protocol_error(
    client: HestiaClient, api: responses.RequestsMock
) -> None:
    expect(api, "v-list-access-key", "K0000000000000000003", "json", body='{"PERMISSIONS": "billing"}')
    with pytest.raises(HestiaProtocolError, match="PERMISSIONS"):
        client.access_key("K0000000000000000003")


def test_api_profile(client: HestiaClient, api: responses.RequestsMock) -> None:
    body = '{\n    "API": "purge-nginx-cache",\n    "ROLE": "user",\n' \
           '    "COMMANDS": ["v-purge-nginx-cache", "v-list-web-domains", "v-list-web-domain"]\n}'  # fmt: skip
    expect(api, "v-list-api", "purge-nginx-cache", "json", body=body)
    profile = client.api_profile("purge-nginx-cache")
    assert (profile.name, profile.role) == ("purge-nginx-cache", "user")
    assert profile.commands == ("v-purge-nginx-cache", "v-list-web-domains", "v-list-web-domain")


def test_api_profile_missing_is_invalid_input(client: HestiaClient, api: responses.RequestsMock) -> None:
    expect(api, "v-list-api", "nope", "json", exit_code=2, status=422, body="Error: API nope doesn't exist")
    with pytest.raises(InvalidInputError, match="API nope doesn't exist"):
        client.api_profile("nope")
