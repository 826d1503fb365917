"""The bridge's own settings: one TOML file plus environment overrides for secrets (DESIGN.md §5)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from puq_hestia.branding import Brand, brand_from_mapping
from puq_hestia.database import StoreOptions
from puq_hestia.hestia.breaker import DEFAULT_COOLDOWN, DEFAULT_THRESHOLD
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import ConfigError
from puq_hestia.mail import MailSettings
from puq_hestia.texts import LANGUAGES

DEFAULT_CONFIG_PATH = "instance/puq-hestia.toml"
DEFAULT_DATABASE_URL = "sqlite:///instance/puq-hestia.sqlite3"
# Values that must never reach production: the demo's documented secrets and an empty key.
_KNOWN_DEMO_SECRETS = frozenset({"", "change-me", "demo-panel-secret-key-not-for-production"})
# Reseller hook secrets that are public (README, panel/demo.py) and so never sign a production request.
DEMO_RESELLER_SECRETS = frozenset({"demo-reseller-a-secret", "demo-reseller-b-secret", "a-long-random-secret"})
RESELLER_SECRET_MIN = 32
_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class ServerSettings:
    """One Hestia server as the panel uses it: API config plus what customers are shown."""

    id: str
    config: ServerConfig
    ftp_host: str
    ftp_port: int = 21
    ftp_tls: bool = True
    panel_url: str = ""
    breaker_threshold: int = DEFAULT_THRESHOLD  # transient failures in a row that open the circuit breaker
    breaker_cooldown: float = DEFAULT_COOLDOWN  # seconds it stays open before one probe call
    ftp_limits: Mapping[str, int] = field(default_factory=dict)  # Hestia package -> most FTP users ("default")

    @property
    def file_manager_url(self) -> str:
        """Hestia's own file manager (FileGator) on the server's panel URL."""
        return f"{self.panel_url.rstrip('/')}/fm/"

    def domain_settings_url(self, domain: str) -> str:
        """Hestia's own edit page for a web domain."""
        return f"{self.panel_url.rstrip('/')}/edit/web/?domain={domain}"


@dataclass(frozen=True)
class ResellerSettings:
    """A billing system allowed to call the hooks; several secrets are accepted during rotation."""

    id: str
    secrets: tuple[str, ...] = field(repr=False)
    server: str


@dataclass(frozen=True)
class Settings:
    """Everything the panel, the hooks and the CLI need, read once at start."""

    secret_key: str = field(repr=False)
    servers: Mapping[str, ServerSettings]
    default_server: str
    resellers: Mapping[str, ResellerSettings] = field(default_factory=dict)
    database_url: str = DEFAULT_DATABASE_URL
    ratelimit_storage_uri: str = "memory://"
    public_url: str = "http://127.0.0.1:5000"
    demo: bool = False
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    trusted_proxies: int = 0
    store: StoreOptions = field(default_factory=StoreOptions)
    brand: Brand = field(default_factory=Brand)
    language: str = "en"  # [panel] language: when neither the account nor the browser names a shipped one
    mail: MailSettings | None = None  # [mail]: no table, no e-mail (invitations are then unavailable)

    def server(self, server_id: str | None = None) -> ServerSettings:
        """The named server, or the default one."""
        key = server_id or self.default_server
        try:
            return self.servers[key]
        except KeyError:
            raise ConfigError(f"unknown server id {key!r}") from None

    def check_production_ready(self) -> None:
        """Refuse to run outside the demo with a default secret or TLS verification off (DESIGN.md §5)."""
        if self.demo:
            return
        if self.secret_key in _KNOWN_DEMO_SECRETS or len(self.secret_key) < 32:
            raise ConfigError("panel.secret_key must be set to a random value of at least 32 characters")
        for server in self.servers.values():
            if server.config.verify is False:
                raise ConfigError(f"server {server.id!r}: TLS verification must stay on outside the demo")
        for reseller in self.resellers.values():
            _check_reseller_secrets(reseller)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """Read PUQ_HESTIA_CONFIG (or the given path) and apply environment overrides."""
        env = os.environ if env is None else env
        config_path = Path(path or env.get("PUQ_HESTIA_CONFIG", DEFAULT_CONFIG_PATH))
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file {config_path} not found (set PUQ_HESTIA_CONFIG)") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"configuration file {config_path} is not valid TOML: {e}") from e
        return cls.from_mapping(data, env, base=config_path.parent)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], env: Mapping[str, str] | None = None, *,
                     base: Path | None = None) -> Settings:
        """Build settings from parsed TOML; secrets may come from the environment instead of the file.

        ``base`` is the folder relative file names (the brand's logo) are read from.
        """
        env = {} if env is None else env
        panel = dict(data.get("panel", {}))
        servers = {sid: _server(sid, raw, env) for sid, raw in dict(data.get("servers", {})).items()}
        if not servers:
            raise ConfigError("at least one [servers.<id>] table is required")
        default_server = str(panel.get("default_server", next(iter(servers))))
        if default_server not in servers:
            raise ConfigError(f"panel.default_server {default_server!r} is not a configured server")
        resellers = {rid: _reseller(rid, raw, env, default_server) for rid, raw in
                     dict(data.get("resellers", {})).items()}
        return cls(
            secret_key=env.get("PUQ_HESTIA_SECRET_KEY", str(panel.get("secret_key", ""))),
            servers=servers,
            default_server=default_server,
            resellers=resellers,
            database_url=env.get("PUQ_HESTIA_DATABASE_URL", str(panel.get("database_url", DEFAULT_DATABASE_URL))),
            ratelimit_storage_uri=env.get("PUQ_HESTIA_RATELIMIT_URI",
                                          str(panel.get("ratelimit_storage_uri", "memory://"))),
            public_url=str(panel.get("public_url", "http://127.0.0.1:5000")).rstrip("/"),
            demo=bool(panel.get("demo", False)),
            session_idle_minutes=int(panel.get("session_idle_minutes", 30)),
            session_absolute_hours=int(panel.get("session_absolute_hours", 12)),
            trusted_proxies=int(panel.get("trusted_proxies", 0)),
            store=_store_options(dict(data.get("store", {}))),
            brand=(brand := brand_from_mapping(dict(panel.get("brand", {})), base=base)),
            language=_language(panel.get("language", "en")),
            mail=_branded_mail(_mail(data.get("mail"), env), data.get("mail"), brand),
        )


def _language(value: object) -> str:
    """[panel] language: one of the shipped catalogs (puq_hestia/texts.py)."""
    if not isinstance(value, str) or value not in LANGUAGES:
        raise ConfigError(f"panel.language must be one of {', '.join(LANGUAGES)}, not {value!r}")
    return value


def _env_key(*parts: str) -> str:
    """PUQ_HESTIA_SERVER_MAIN_SECRET_KEY style names (ids upper-cased, '-' as '_')."""
    return "_".join(["PUQ_HESTIA", *(p.upper().replace("-", "_") for p in parts)])


def _server(server_id: str, raw: Mapping[str, Any], env: Mapping[str, str]) -> ServerSettings:
    """One [servers.<id>] table; access/secret keys and passwords may live in the environment."""
    raw = dict(raw)
    for name in ("access_key", "secret_key", "hash", "password"):
        override = env.get(_env_key("server", server_id, name))
        if override:
            raw[name] = override
    ftp = {k: raw.pop(k) for k in ("ftp_host", "ftp_port", "ftp_tls", "panel_url", "breaker_threshold",
                                    "breaker_cooldown") if k in raw}
    limits = _ftp_limits(server_id, raw.pop("ftp_limits", {}))
    try:
        config = ServerConfig.from_mapping(raw)
    except ConfigError as e:
        raise ConfigError(f"server {server_id!r}: {e}") from None
    host = config.url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return ServerSettings(
        id=server_id,
        config=config,
        ftp_host=str(ftp.get("ftp_host", host)),
        ftp_port=int(ftp.get("ftp_port", 21)),
        ftp_tls=bool(ftp.get("ftp_tls", True)),
        panel_url=str(ftp.get("panel_url", config.url.rstrip("/"))),
        breaker_threshold=_bounded(server_id, "breaker_threshold", int(ftp.get("breaker_threshold", DEFAULT_THRESHOLD)),
                                   1, 1000),
        breaker_cooldown=_bounded(server_id, "breaker_cooldown", float(ftp.get("breaker_cooldown", DEFAULT_COOLDOWN)),
                                  0, 3600),
        ftp_limits=limits,
    )


def _ftp_limits(server_id: str, raw: Any) -> dict[str, int]:
    """[servers.<id>.ftp_limits]: package name -> a whole number 0-10000 ("default" for other packages)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"server {server_id!r}: ftp_limits must be a table of package = number")
    limits = {}
    for package, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            raise ConfigError(f"server {server_id!r}: ftp_limits.{package} must be a whole number from 0 to "
                              f"10000, not {value!r}")
        limits[str(package)] = value
    return limits


def _bounded(server_id: str, name: str, value: _N, low: _N, high: _N) -> _N:
    """VALUE when LOW <= VALUE <= HIGH, else a ConfigError that names the setting."""
    if not low <= value <= high:
        raise ConfigError(f"server {server_id!r}: {name} must be between {low} and {high}, not {value}")
    return value


def _reseller(reseller_id: str, raw: Mapping[str, Any], env: Mapping[str, str], default: str) -> ResellerSettings:
    """One [resellers.<id>] table; PUQ_HESTIA_RESELLER_<ID>_SECRETS (comma list) overrides the file."""
    secrets = env.get(_env_key("reseller", reseller_id, "secrets"))
    values = secrets.split(",") if secrets else list(raw.get("secrets", []))
    cleaned = tuple(s.strip() for s in values if s.strip())
    if not cleaned:
        raise ConfigError(f"reseller {reseller_id!r} has no secret")
    return ResellerSettings(id=reseller_id, secrets=cleaned, server=str(raw.get("server", default)))


# [store] keys -> (StoreOptions field, lowest, highest): bounded, so a typo cannot make a request wait for ever.
_STORE_KEYS: dict[str, tuple[str, float, float]] = {
    "pool_size": ("pool_size", 1, 100),
    "max_overflow": ("max_overflow", 0, 100),
    "pool_timeout": ("pool_timeout_s", 0.1, 60),
    "connect_timeout": ("connect_timeout_s", 1, 60),
    "statement_timeout": ("statement_timeout_s", 0.1, 300),
    "lock_timeout": ("lock_timeout_s", 0.1, 300),
}


def _store_options(raw: Mapping[str, Any]) -> StoreOptions:
    """The [store] table: pool size and bounded waits (seconds); unknown keys are refused."""
    unknown = sorted(set(raw) - set(_STORE_KEYS))
    if unknown:
        raise ConfigError(f"[store] has unknown keys {unknown}; known: {sorted(_STORE_KEYS)}")
    values: dict[str, float] = {}
    for key, value in raw.items():
        name, low, high = _STORE_KEYS[key]
        number = float(value)
        if not low <= number <= high:
            raise ConfigError(f"store.{key} must be between {low:g} and {high:g}, not {value}")
        values[name] = int(number) if key in ("pool_size", "max_overflow") else number
    return StoreOptions(**values)  # type: ignore[arg-type]
def _check_reseller_secrets(reseller: ResellerSettings) -> None:
    """Refuse a short or documented hook secret outside the demo (SECURITY.md 32); the error never shows it."""
    for number, secret in enumerate(reseller.secrets, start=1):
        where = f"reseller {reseller.id!r}: secret {number} of {len(reseller.secrets)}"
        if secret in DEMO_RESELLER_SECRETS:
            raise ConfigError(f"{where} is one of the documented demo secrets; set a random value of at least "
                              f"{RESELLER_SECRET_MIN} characters (e.g. `openssl rand -hex 32`)")
        if len(secret) < RESELLER_SECRET_MIN:
            raise ConfigError(f"{where} is {len(secret)} characters long; hook secrets need at least "
                              f"{RESELLER_SECRET_MIN} random characters outside the demo")


def _branded_mail(mail: MailSettings | None, raw: Any, brand: Brand) -> MailSettings | None:
    """The mail settings signed with the panel's brand: its name unless [mail] names its own, its support link
    and footer."""
    if mail is None:
        return None
    name = mail.brand if "brand" in dict(raw) else brand.name
    return replace(mail, brand=name, support_url=brand.support_url or "", footer=brand.footer)


def _mail(raw: Any, env: Mapping[str, str]) -> MailSettings | None:
    """The optional [mail] table (puq_hestia.mail); PUQ_HESTIA_MAIL_PASSWORD overrides its password."""
    if raw is None:
        return None
    try:
        return MailSettings.from_mapping(dict(raw), env)
    except (TypeError, ValueError) as error:
        raise ConfigError(str(error)) from None
