"""How to reach one HestiaCP server: URL, credentials, TLS, timeouts and the retry budget."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, InitVar, dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from puq_hestia.hestia.commands import has_control_character
from puq_hestia.hestia.errors import ConfigError

ENV_PREFIX = "PUQ_HESTIA_"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ServerConfig:
    """Connection settings for one Hestia server (secrets never appear in ``repr``).

    Authenticate with an access key (``access_key`` + ``secret_key``, or ``hash="ACCESS_KEY:SECRET_KEY"`` as
    billing modules write it) or, deprecated, with the admin's ``user`` + ``password`` (HESTIA_API.md §2).
    Setting ``verify`` false turns TLS verification off; ``ca_file`` pins a CA bundle (Hestia's default certificate is
    self-signed, §1). One call takes at most ``max_attempts * (connect_timeout + read_timeout)`` plus
    ``retry_budget`` seconds of waiting between attempts.
    """

    url: str
    _: KW_ONLY
    access_key: str = ""
    secret_key: str = field(default="", repr=False)
    user: str = ""
    password: str = field(default="", repr=False)
    verify: bool = True
    ca_file: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 3
    retry_budget: float = 20.0
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    hash: InitVar[str | None] = None

    def __post_init__(self, hash: str | None) -> None:
        if hash is not None:
            self._apply_hash(hash)
        self._check_url()
        self._check_credentials()
        self._check_tls()
        self._check_numbers()

    def _apply_hash(self, value: str) -> None:
        if self.access_key or self.secret_key:
            raise ConfigError("give either hash or access_key/secret_key, not both")
        access_key, sep, secret_key = value.partition(":")
        if not sep or ":" in secret_key or not access_key or not secret_key:
            raise ConfigError("hash must have the form ACCESS_KEY:SECRET_KEY")
        # The dataclass is frozen; __post_init__ is the one place allowed to fill derived fields.
        object.__setattr__(self, "access_key", access_key)
        object.__setattr__(self, "secret_key", secret_key)

    def _check_url(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"url must be an http(s) URL with a host, got {self.url!r}")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ConfigError("url must not contain credentials, a query or a fragment")

    def _check_credentials(self) -> None:
        key_mode = bool(self.access_key or self.secret_key)
        legacy_mode = bool(self.user or self.password)
        if key_mode == legacy_mode:
            raise ConfigError("configure one login: access_key + secret_key (or hash), or user + password")
        if key_mode and not (self.access_key and self.secret_key):
            raise ConfigError("access_key and secret_key must both be set")
        if legacy_mode and not (self.user and self.password):
            raise ConfigError("user and password must both be set")
        credentials = (self.access_key, self.secret_key, self.user, self.password)
        if any(has_control_character(value) or value != value.strip() for value in credentials):
            raise ConfigError("credentials must not contain control characters or surrounding whitespace")

    def _check_tls(self) -> None:
        if self.ca_file is None:
            return
        if not self.verify:
            raise ConfigError("ca_file needs verify=True")
        if not os.path.isfile(self.ca_file):
            raise ConfigError(f"ca_file {self.ca_file!r} is not a file")

    def _check_numbers(self) -> None:
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ConfigError("timeouts must be positive")
        if self.max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1")
        if self.retry_budget < 0 or self.backoff_initial < 0 or self.backoff_max < self.backoff_initial:
            raise ConfigError("retry_budget and backoffs must be >= 0, and backoff_max >= backoff_initial")

    @property
    def api_url(self) -> str:
        """The API endpoint, ``<panel URL>/api/`` (HESTIA_API.md §1); a URL already ending in /api is kept."""
        base = self.url.rstrip("/")
        return f"{base}/" if base.endswith("/api") else f"{base}/api/"

    @property
    def uses_access_key(self) -> bool:
        """True for access-key logins, False for the legacy admin user/password login."""
        return bool(self.access_key)

    @property
    def tls_verify(self) -> bool | str:
        """The value for requests' ``verify``: the pinned CA file, or the verify flag."""
        return self.ca_file if self.ca_file is not None else self.verify

    @property
    def timeout(self) -> tuple[float, float]:
        """The (connect, read) timeout pair for requests."""
        return (self.connect_timeout, self.read_timeout)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ServerConfig:
        """Build from a mapping such as a TOML table: field names (and ``hash``) to typed or text values."""
        known = {f.name: f for f in fields(cls)} | {"hash": None}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"unknown server settings: {', '.join(unknown)}")
        if "url" not in data:
            raise ConfigError("server setting 'url' is required")
        values = {name: _coerce(name, value) for name, value in data.items()}
        return cls(**values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, prefix: str = ENV_PREFIX) -> ServerConfig:
        """Build from ``PUQ_HESTIA_URL``, ``PUQ_HESTIA_ACCESS_KEY``, ``PUQ_HESTIA_SECRET_KEY`` and so on.

        Each field has a variable, the prefix plus the field name in upper case (``PUQ_HESTIA_HASH``,
        ``PUQ_HESTIA_READ_TIMEOUT``); empty variables count as unset.
        """
        env = os.environ if environ is None else environ
        names = [f.name for f in fields(cls)] + ["hash"]
        data = {name: env[prefix + name.upper()] for name in names if env.get(prefix + name.upper())}
        if "url" not in data:
            raise ConfigError(f"{prefix}URL is not set")
        return cls.from_mapping(data)


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "verify": _parse_bool,
    "connect_timeout": float,
    "read_timeout": float,
    "max_attempts": int,
    "retry_budget": float,
    "backoff_initial": float,
    "backoff_max": float,
}


def _coerce(name: str, value: Any) -> Any:
    """Convert a text value to the field's type; typed values pass through."""
    converter = _CONVERTERS.get(name)
    if converter is None or not isinstance(value, str):
        return value
    try:
        return converter(value)
    except ValueError:
        raise ConfigError(f"server setting {name!r} has an invalid value") from None
