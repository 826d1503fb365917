"""ServerConfig: login modes, hash="AK:SK", URL and TLS checks, from_mapping and from_env."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hestia_fakes import ACCESS_KEY, SECRET_KEY, URL

from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import ConfigError

KEYS = {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}


def test_hash_is_split_into_access_and_secret_key() -> None:
    config = ServerConfig(URL, hash=f"{ACCESS_KEY}:{SECRET_KEY}")
    assert (config.access_key, config.secret_key, config.uses_access_key) == (ACCESS_KEY, SECRET_KEY, True)
    assert config == ServerConfig(URL, **KEYS)


@pytest.mark.parametrize("value", ["nocolon", "a:b:c", ":secret", "key:", ""])
def test_malformed_hash(value: str) -> None:
    with pytest.raises(ConfigError, match="ACCESS_KEY:SECRET_KEY"):
        ServerConfig(URL, hash=value)


def test_hash_and_keys_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="not both"):
        ServerConfig(URL, hash=f"{ACCESS_KEY}:{SECRET_KEY}", **KEYS)


def test_legacy_login() -> None:
    config = ServerConfig(URL, user="admin", password="pw-123456")
    assert config.uses_access_key is False


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"access_key": ACCESS_KEY},
        {"secret_key": SECRET_KEY},
        {"user": "admin"},
        {"password": "pw"},
        {"user": "admin", "password": "pw", **KEYS},
        {"access_key": ACCESS_KEY, "secret_key": f"{SECRET_KEY}\n"},
        {"user": "admin", "password": " pw "},
    ],
    ids=[
        "none",
        "key-only",
        "secret-only",
        "user-only",
        "password-only",
        "both-modes",
        "control-char",
        "spaces",
    ],
)
def test_invalid_credentials(credentials: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        ServerConfig(URL, **credentials)


@pytest.mark.parametrize(
    ("url", "api_url"),
    [
        ("https://hestia.test:8083", "https://hestia.test:8083/api/"),
        ("https://hestia.test:8083/", "https://hestia.test:8083/api/"),
        ("https://hestia.test:8083/api", "https://hestia.test:8083/api/"),
        ("https://hestia.test:8083/api/", "https://hestia.test:8083/api/"),
        ("http://127.0.0.1:8083", "http://127.0.0.1:8083/api/"),
    ],
)
def test_api_url(url: str, api_url: str) -> None:
    assert ServerConfig(url, **KEYS).api_url == api_url


@pytest.mark.parametrize(
    "url", ["hestia.test:8083", "ftp://hestia.test", "https://", "https://u:p@hestia.test", "https://h/?x=1"]
)
def test_invalid_url(url: str) -> None:
    with pytest.raises(ConfigError):
        ServerConfig(url, **KEYS)


def test_tls_settings(tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("x")
    assert ServerConfig(URL, **KEYS).tls_verify is True
    assert ServerConfig(URL, verify=False, **KEYS).tls_verify is False
    assert ServerConfig(URL, ca_file=str(ca_file), **KEYS).tls_verify == str(ca_file)
    with pytest.raises(ConfigError, match="needs verify"):
        ServerConfig(URL, ca_file=str(ca_file), verify=False, **KEYS)
    with pytest.raises(ConfigError, match="not a file"):
        ServerConfig(URL, ca_file=str(tmp_path / "missing.pem"), **KEYS)


@pytest.mark.parametrize(
    "settings",
    [
        {"connect_timeout": 0},
        {"read_timeout": -1},
        {"max_attempts": 0},
        {"retry_budget": -1},
        {"backoff_initial": 2, "backoff_max": 1},
    ],
)
def test_invalid_numbers(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        ServerConfig(URL, **KEYS, **settings)


def test_timeout_pair_and_defaults() -> None:
    config = ServerConfig(URL, **KEYS)
    assert config.timeout == (5.0, 30.0)
    assert (config.max_attempts, config.retry_budget) == (3, 20.0)


def test_from_mapping_coerces_text_values() -> None:
    config = ServerConfig.from_mapping(
        {
            "url": URL,
            "hash": f"{ACCESS_KEY}:{SECRET_KEY}",
            "verify": "no",
            "read_timeout": "12.5",
            "max_attempts": 2,
        }
    )
    assert (config.secret_key, config.verify, config.read_timeout, config.max_attempts) == (
        SECRET_KEY,
        False,
        12.5,
        2,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": URL, **KEYS, "colour": "blue"}, "unknown server settings: colour"),
        ({**KEYS}, "'url' is required"),
        ({"url": URL, **KEYS, "max_attempts": "three"}, "'max_attempts' has an invalid value"),
        ({"url": URL, **KEYS, "verify": "maybe"}, "'verify' has an invalid value"),
    ],
)
def test_from_mapping_errors(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ServerConfig.from_mapping(data)


def test_from_env() -> None:
    env = {
        "PUQ_HESTIA_URL": URL,
        "PUQ_HESTIA_ACCESS_KEY": ACCESS_KEY,
        "PUQ_HESTIA_SECRET_KEY": SECRET_KEY,
        "PUQ_HESTIA_VERIFY": "false",
        "PUQ_HESTIA_CONNECT_TIMEOUT": "3",
        "PUQ_HESTIA_READ_TIMEOUT": "40",
        "PUQ_HESTIA_MAX_ATTEMPTS": "2",
        "PUQ_HESTIA_RETRY_BUDGET": "9.5",
        "PUQ_HESTIA_USER": "",  # empty counts as unset
        "OTHER": "ignored",
    }
    config = ServerConfig.from_env(env)
    assert config == ServerConfig(
        URL, **KEYS, verify=False, connect_timeout=3, read_timeout=40, max_attempts=2, retry_budget=9.5
    )


def test_from_env_with_hash_and_legacy() -> None:
    hashed = ServerConfig.from_env({"PUQ_HESTIA_URL": URL, "PUQ_HESTIA_HASH": f"{ACCESS_KEY}:{SECRET_KEY}"})
    assert (hashed.access_key, hashed.secret_key) == (ACCESS_KEY, SECRET_KEY)
    legacy = ServerConfig.from_env({"X_URL": URL, "X_USER": "admin", "X_PASSWORD": "pw-1234567"}, prefix="X_")
    assert (legacy.user, legacy.password) == ("admin", "pw-1234567")


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUQ_HESTIA_URL", URL)
    monkeypatch.setenv("PUQ_HESTIA_HASH", f"{ACCESS_KEY}:{SECRET_KEY}")
    assert ServerConfig.from_env().access_key == ACCESS_KEY


def test_from_env_needs_the_url() -> None:
    with pytest.raises(ConfigError, match="PUQ_HESTIA_URL is not set"):
        ServerConfig.from_env({"PUQ_HESTIA_HASH": f"{ACCESS_KEY}:{SECRET_KEY}"})


def test_config_is_frozen() -> None:
    config = ServerConfig(URL, **KEYS)
    with pytest.raises(AttributeError):
        config.url = "https://other"  # type: ignore[misc]
