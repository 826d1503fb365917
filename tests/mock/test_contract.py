"""Contract: the client reads the mock exactly as it reads recorded HestiaCP output (tests/data/, HESTIA_API.md).

The mock is seeded with the situation the recorded examples show; the models the client builds from the mock's
answers must equal the models it builds from the recorded JSON. A difference means the mock (or the client) drifted
from the real wire format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import responses

from hestia_mock import bridge
from hestia_mock.models import Backend
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.models import HestiaUser, WebDomain, parse_web_domains, records

DATA = Path(__file__).parent.parent / "data"
URL = "https://hestia.test:8083"

# The world of HESTIA_API.md §5.2 and §6.7, written as a mock seed.
SEED: dict[str, Any] = {
    "settings": {"ROOT_USER": "admin", "API": "yes", "API_SYSTEM": "1", "API_ALLOWED_IP": "allow-all"},
    "packages": {"default": {}},
    "ips": {"203.0.113.10": {"owner": "admin", "status": "shared"}},
    "users": {
        "admin": {"password": "Admin-demo-2026", "email": "admin@example.com", "name": "System Administrator"},
        "alice": {
            "password": "Alice-demo-2026", "email": "alice@example.com", "name": "Alice Example",
            "domains": {
                "example.com": {
                    "folders": ["public_html/media"],
                    # First account: path stored raw; later ones normalised (HESTIA_API.md §4).
                    "ftp": [{"suffix": "deploy", "password": "Deploy-ftp-2026", "path": "public_html"},
                            {"suffix": "media", "password": "Media-ftp-2026", "path": "public_html/media/"}],
                    "conf": {"SSL": "yes", "LETSENCRYPT": "yes", "U_DISK": "37", "U_BANDWIDTH": "112",
                             "BACKEND": "PHP-8_3"},
                },
                # Its line holds FTP_PATH='' (an FTP account came and went); a line without the key would show
                # the previous domain's FTP_PATH instead (HESTIA_API.md §13.2).
                "shop.example.org": {"suspended": True, "conf": {"FTP_PATH": ""}},
            },
        },
    },
    "access_keys": [{"access_key": "PUQDEMOACCESSKEY0001", "secret_key": "puqdemosecret000000000000000000000000001",
                     "user": "admin", "permissions": []}],
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[HestiaClient]:
    """A client whose API calls reach a mock seeded with the recorded examples' world."""
    backend = Backend(root=tmp_path)
    backend.load_seed(SEED)
    config = ServerConfig(URL, access_key="PUQDEMOACCESSKEY0001", secret_key="puqdemosecret000000000000000000000000001")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        bridge.install(rsps, backend, url=URL)
        yield HestiaClient(config)
    backend.close()


def recorded(name: str) -> Any:
    """A recorded Hestia output from tests/data/."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_raw_ftp_lists_match_the_recorded_quirks(client: HestiaClient) -> None:
    raw = client._transport.run_json("v-list-web-domains", "alice", "json")
    expected = recorded("web_domains.json")
    for domain in ("example.com", "shop.example.org"):
        for key in ("FTP_USER", "FTP_PATH", "SUSPENDED", "SSL", "IP", "DOCUMENT_ROOT", "ALIAS"):
            assert raw[domain][key] == expected[domain][key], (domain, key)
        assert list(raw[domain]) == list(expected[domain])  # Hestia's key order


def test_web_domain_models_match_recorded_output(client: HestiaClient) -> None:
    from_mock = {d.name: d for d in client.web_domains("alice")}
    from_record = {d.name: d for d in parse_web_domains(recorded("web_domains.json"))}
    assert from_mock.keys() == from_record.keys()
    for name, expected in from_record.items():
        # The recorded shop domain has no www alias and another backend: facts of that server, not the format.
        assert comparable(from_mock[name]) == comparable(expected), name


def comparable(domain: WebDomain) -> WebDomain:
    """Drop the fields that describe one server's templates rather than the wire format."""
    return replace(domain, aliases=(), backend="", proxy="", template="", u_disk=0, u_bandwidth=0)


def test_user_model_matches_recorded_output(client: HestiaClient) -> None:
    from_mock = client.users.get("alice")
    (name, record), = records(recorded("user.json"), "v-list-user").items()
    expected = HestiaUser.from_hestia(name, record)
    volatile = {"disk_used": 0, "bandwidth_used": 0, "web_domains_used": 0, "web_aliases_used": 0}
    assert replace(from_mock, **volatile) == replace(expected, **volatile)


def test_user_output_keeps_hestias_key_order(client: HestiaClient) -> None:
    raw = client._transport.run_json("v-list-user", "alice", "json")
    assert list(raw["alice"]) == list(recorded("user.json")["alice"])


# HESTIA_API.md §13.2, recorded: the second domain never had an FTP account and lists the first one's FTP_PATH.
CARRY_OVER_SEED: dict[str, Any] = {
    **SEED,
    "users": {
        "admin": SEED["users"]["admin"],
        "alice": {
            "password": "Alice-demo-2026", "email": "alice@example.com", "name": "Alice Example",
            "domains": {
                "site.example": {"ftp": [{"suffix": "web", "password": "Web-ftp-2026", "path": "public_html"}]},
                "fresh.example": {},
            },
        },
    },
}  # fmt: skip


def test_carried_over_ftp_path_matches_the_recording_and_is_ignored(tmp_path: Path) -> None:
    backend = Backend(root=tmp_path)
    backend.load_seed(CARRY_OVER_SEED)
    config = ServerConfig(URL, access_key="PUQDEMOACCESSKEY0001", secret_key="puqdemosecret000000000000000000000000001")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        bridge.install(rsps, backend, url=URL)
        client = HestiaClient(config)
        raw = client._transport.run_json("v-list-web-domains", "alice", "json")
        domains = {d.name: d for d in client.web_domains("alice")}
    backend.close()
    expected = recorded("web_domains_carry_over.json")
    for domain in expected:
        for key in ("FTP_USER", "FTP_PATH", "DOCUMENT_ROOT", "ALIAS", "PROXY_EXT", "PROXY", "BACKEND"):
            assert raw[domain][key] == expected[domain][key], (domain, key)
    assert domains["fresh.example"].ftp_accounts == ()
    assert [a.username for a in domains["site.example"].ftp_accounts] == ["alice_web"]


def test_fresh_install_packages_match_the_shipped_files_newest_first(client: HestiaClient, tmp_path: Path) -> None:
    """HESTIA_API.md §13.8, §13.10: a fresh install's two packages, byte for byte, system (copied last) first."""
    backend = Backend(root=tmp_path / "fresh")
    backend.load_seed({**SEED, "packages": {"default": {}, "system": {}}})
    assert backend.v_list_user_packages("json") + "\n" == (DATA / "packages_shipped.json").read_text()
    backend.close()
    assert [p.name for p in client.users.packages()] == ["default"]


def test_access_key_and_profile_read_from_the_mock_without_the_secret(client: HestiaClient) -> None:
    key = client.access_key("PUQDEMOACCESSKEY0001")
    assert (key.key_id, key.user, key.permissions) == ("PUQDEMOACCESSKEY0001", "admin", ())
    assert "puqdemosecret" not in repr(key)
    profile = client.api_profile("billing")
    assert (profile.role, "v-add-web-domain-ftp" in profile.commands) == ("admin", False)
