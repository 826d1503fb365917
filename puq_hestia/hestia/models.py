"""Frozen dataclasses parsed from Hestia's answers; never raw dicts beyond this module.

Every value in Hestia's JSON is a string (HESTIA_API.md §5.2), limits are numbers or ``unlimited`` (§6.7), and
lists are comma- or colon-joined strings. The colon-joined FTP_USER/FTP_PATH pair is parsed in one place,
:func:`parse_ftp_accounts`, with the first-path quirk of §4.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from puq_hestia.hestia.errors import HestiaProtocolError

#: A package limit: a number, or None for ``unlimited``.
Limit = int | None

Record = Mapping[str, str]

# v-list-user prints the user's TOTP secret in TWOFA and QRCODE (HESTIA_API.md §12). `records` drops both at parse
# time and keeps only whether TWOFA was set, so the secret never reaches a model, a log line, the store or a page.
TOTP_SECRET_KEYS = frozenset({"TWOFA", "QRCODE"})
TWO_FACTOR_KEY = "TWO_FACTOR_ON"


@dataclass(frozen=True)
class FtpAccount:
    """An additional FTP account of a web domain."""

    username: str  # the full system name, e.g. "alice_deploy"
    domain: str
    path: str  # relative to /home/USER/web/DOMAIN, no leading/trailing slash; "" for the domain root
    raw_path: str  # exactly as Hestia stored it (e.g. "public_html/" or "/public_html")


@dataclass(frozen=True)
class WebDomain:
    """A web domain with its FTP accounts (one entry of v-list-web-domains)."""

    name: str
    ip: str
    ip6: str
    document_root: str
    aliases: tuple[str, ...]
    ssl: bool
    letsencrypt: bool
    suspended: bool
    u_disk: int  # MB
    u_bandwidth: int  # MB
    template: str
    backend: str
    proxy: str
    ftp_accounts: tuple[FtpAccount, ...]

    @classmethod
    def from_hestia(cls, name: str, record: Record) -> WebDomain:
        """Build from one domain object of v-list-web-domains / v-list-web-domain JSON."""
        return cls(
            name=name,
            ip=record.get("IP", ""),
            ip6=record.get("IP6", ""),
            document_root=record.get("DOCUMENT_ROOT", ""),
            aliases=_comma_list(record.get("ALIAS", "")),
            ssl=_yes(record.get("SSL", "")),
            letsencrypt=_yes(record.get("LETSENCRYPT", "")),
            suspended=_yes(record.get("SUSPENDED", "")),
            u_disk=_number(record, "U_DISK"),
            u_bandwidth=_number(record, "U_BANDWIDTH"),
            template=record.get("TPL", ""),
            backend=record.get("BACKEND", ""),
            proxy=record.get("PROXY", ""),
            ftp_accounts=parse_ftp_accounts(name, record.get("FTP_USER", ""), record.get("FTP_PATH", "")),
        )


@dataclass(frozen=True)
class HestiaUser:
    """A Hestia user account (v-list-user / v-list-users); RKEY and other secrets are not kept."""

    name: str
    full_name: str
    package: str
    contact: str
    role: str
    suspended: bool
    shell: str
    home: str
    language: str
    disk_quota: Limit  # MB
    disk_used: int  # MB
    bandwidth_limit: Limit  # MB
    bandwidth_used: int  # MB
    web_domains_limit: Limit
    web_domains_used: int
    web_aliases_limit: Limit
    web_aliases_used: int
    # Hestia's login policy (HESTIA_API.md §12). Only whether 2FA is on is kept, never the TOTP secret.
    login_disabled: bool = False
    login_use_iplist: bool = False
    login_allow_ips: tuple[str, ...] = ()
    two_factor: bool = False

    @property
    def is_admin(self) -> bool:
        """True for users with the admin role."""
        return self.role == "admin"

    @classmethod
    def from_hestia(cls, name: str, record: Record) -> HestiaUser:
        """Build from one user object; HOME, absent from v-list-users, defaults to /home/<user> (§6.8)."""
        return cls(
            name=name,
            full_name=record.get("NAME", ""),
            package=record.get("PACKAGE", ""),
            contact=record.get("CONTACT", ""),
            role=record.get("ROLE", "user"),
            suspended=_yes(record.get("SUSPENDED", "")),
            shell=record.get("SHELL", ""),
            home=record.get("HOME") or f"/home/{name}",
            language=record.get("LANGUAGE", ""),
            disk_quota=_limit(record, "DISK_QUOTA"),
            disk_used=_number(record, "U_DISK"),
            bandwidth_limit=_limit(record, "BANDWIDTH"),
            bandwidth_used=_number(record, "U_BANDWIDTH"),
            web_domains_limit=_limit(record, "WEB_DOMAINS"),
            web_domains_used=_number(record, "U_WEB_DOMAINS"),
            web_aliases_limit=_limit(record, "WEB_ALIASES"),
            web_aliases_used=_number(record, "U_WEB_ALIASES"),
            login_disabled=_yes(record.get("LOGIN_DISABLED", "")),
            login_use_iplist=_yes(record.get("LOGIN_USE_IPLIST", "")),
            login_allow_ips=_comma_list(record.get("LOGIN_ALLOW_IPS", "")),
            two_factor=record.get(TWO_FACTOR_KEY) == "yes",
        )


@dataclass(frozen=True)
class Package:
    """A hosting package (v-list-user-packages)."""

    name: str
    web_domains: Limit
    web_aliases: Limit
    dns_domains: Limit
    mail_domains: Limit
    mail_accounts: Limit
    databases: Limit
    cron_jobs: Limit
    disk_quota: Limit  # MB
    bandwidth: Limit  # MB
    shell: str
    backups: int

    @classmethod
    def from_hestia(cls, name: str, record: Record) -> Package:
        """Build from one package object of v-list-user-packages JSON."""
        return cls(
            name=name,
            web_domains=_limit(record, "WEB_DOMAINS"),
            web_aliases=_limit(record, "WEB_ALIASES"),
            dns_domains=_limit(record, "DNS_DOMAINS"),
            mail_domains=_limit(record, "MAIL_DOMAINS"),
            mail_accounts=_limit(record, "MAIL_ACCOUNTS"),
            databases=_limit(record, "DATABASES"),
            cron_jobs=_limit(record, "CRON_JOBS"),
            disk_quota=_limit(record, "DISK_QUOTA"),
            bandwidth=_limit(record, "BANDWIDTH"),
            shell=record.get("SHELL", ""),
            backups=_number(record, "BACKUPS"),
        )


@dataclass(frozen=True)
class UserIp:
    """An IP address a user may use (v-list-user-ips): its own plus the admin's shared ones."""

    ip: str
    owner: str
    status: str  # "shared" or "dedicated"
    name: str
    nat: str

    @classmethod
    def from_hestia(cls, ip: str, record: Record) -> UserIp:
        """Build from one IP object of v-list-user-ips JSON."""
        get = record.get
        return cls(ip, get("OWNER", ""), get("STATUS", ""), get("NAME", ""), get("NAT", ""))


@dataclass(frozen=True)
class DirectoryEntry:
    """One line of v-list-fs-directory: ``type|mode|date|time|owner|group|size|name`` (HESTIA_API.md §7)."""

    kind: str  # "d", "f", "l", ... as find's %y prints it
    mode: str  # octal, e.g. "755"
    modified: str  # "YYYY-MM-DD HH:MM"
    owner: str
    group: str
    size: int
    name: str

    @property
    def is_dir(self) -> bool:
        """True for directories."""
        return self.kind == "d"

    @classmethod
    def from_line(cls, line: str) -> DirectoryEntry:
        """Parse one output line; the name is last, so it may itself contain ``|``."""
        parts = line.split("|", 7)
        if len(parts) != 8 or not parts[6].isdigit():
            raise HestiaProtocolError(f"v-list-fs-directory: unexpected line {line[:200]!r}")
        kind, mode, date, time, owner, group, size, name = parts
        return cls(kind, mode, f"{date} {time}", owner, group, int(size), name)


@dataclass(frozen=True)
class AccessKeyInfo:
    """An access key as v-list-access-key shows it, without its secret (dropped when parsed, §2.5)."""

    key_id: str
    user: str
    permissions: tuple[str, ...]  # profile names; empty: every command (admin keys only)
    comment: str
    created: str  # "YYYY-MM-DD HH:MM:SS", or "" for old key files

    @classmethod
    def from_hestia(cls, payload: Any) -> AccessKeyInfo:
        """Build from v-list-access-key JSON (a flat object; PERMISSIONS is a JSON array)."""
        record = _flat_object(payload, "v-list-access-key")
        created = f"{_text(record, 'DATE')} {_text(record, 'TIME')}".strip()
        return cls(
            key_id=_text(record, "ACCESS_KEY_ID"),
            user=_text(record, "USER"),
            permissions=_names(record, "PERMISSIONS", "v-list-access-key"),
            comment=_text(record, "COMMENT"),
            created=created,
        )


@dataclass(frozen=True)
class ApiProfile:
    """A permission profile (v-list-api): which commands a key holding it may run."""

    name: str
    role: str  # "admin" or "user"
    commands: tuple[str, ...]

    @classmethod
    def from_hestia(cls, payload: Any) -> ApiProfile:
        """Build from v-list-api JSON (a flat object; COMMANDS is a JSON array)."""
        record = _flat_object(payload, "v-list-api")
        return cls(_text(record, "API"), _text(record, "ROLE"), _names(record, "COMMANDS", "v-list-api"))


def _flat_object(payload: Any, command: str) -> Mapping[str, Any]:
    if not isinstance(payload, dict):
        raise HestiaProtocolError(f"{command}: expected a JSON object, got {type(payload).__name__}")
    return payload


def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


def _names(record: Mapping[str, Any], key: str, command: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise HestiaProtocolError(f"{command}: {key} is not a list of names")
    return tuple(item for item in value if item)


@lru_cache(maxsize=4096)  # the same few folders recur across a big listing (issue 7 profile)
def normalise_ftp_path(raw: str) -> str:
    """Turn a stored FTP_PATH entry into a relative folder: ``/public_html/`` -> ``public_html``."""
    return "/".join(segment for segment in raw.split("/") if segment not in ("", "."))


def parse_ftp_accounts(domain: str, ftp_user: str, ftp_path: str) -> tuple[FtpAccount, ...]:
    """Pair the colon lists FTP_USER and FTP_PATH of one domain (the only parser of them).

    HESTIA_API.md §4: the first account's path is stored raw (``public_html/``), later ones normalised
    (``/public_html``); FTP_PATH is missing until the first account exists and may be shorter than FTP_USER,
    so missing entries mean the domain root.
    """
    usernames = ftp_user.split(":") if ftp_user else []
    paths = ftp_path.split(":") if ftp_path else []
    paths += [""] * (len(usernames) - len(paths))
    return tuple(
        FtpAccount(username=username, domain=domain, path=normalise_ftp_path(raw), raw_path=raw)
        for username, raw in zip(usernames, paths, strict=False)
        if username
    )


def records(payload: Any, command: str) -> dict[str, Record]:
    """Check the usual ``{"<key>": {"FIELD": "value", ...}, ...}`` shape and return it with string values."""
    if not isinstance(payload, dict):
        raise HestiaProtocolError(f"{command}: expected a JSON object, got {type(payload).__name__}")
    result: dict[str, Record] = {}
    for key, record in payload.items():
        if not isinstance(record, dict):
            raise HestiaProtocolError(f"{command}: entry {str(key)[:100]!r} is not an object")
        # Hestia's values are strings already; converting only the others keeps a 200-domain listing cheap.
        result[str(key)] = {str(k): v if type(v) is str else "" if v is None else str(v) for k, v in record.items()}
        if "TWOFA" in record or "QRCODE" in record:
            result[str(key)] = _without_totp_secret(record, result[str(key)])
    return result


def _without_totp_secret(raw: Mapping[Any, Any], record: Record) -> Record:
    """The record with TWOFA/QRCODE removed and only a yes/no of whether 2FA is on."""
    kept = {k: v for k, v in record.items() if k not in TOTP_SECRET_KEYS}
    kept[TWO_FACTOR_KEY] = "yes" if raw.get("TWOFA") else "no"
    return kept


def parse_web_domains(payload: Any, command: str = "v-list-web-domains") -> list[WebDomain]:
    """Parse v-list-web-domains JSON; ``{`` newline ``}`` (no domains) is an empty list (§5.2)."""
    return [WebDomain.from_hestia(name, record) for name, record in records(payload, command).items()]


def parse_directory_listing(text: str) -> list[DirectoryEntry]:
    """Parse v-list-fs-directory output; the first entry is the listed path itself, with no name (§7)."""
    return [DirectoryEntry.from_line(line) for line in text.splitlines() if line.strip()]


def _yes(value: str) -> bool:
    return value.strip().lower() == "yes"


def _comma_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _number(record: Record, key: str) -> int:
    value = record.get(key, "").strip()
    if not value:
        return 0
    try:
        return int(value)
    except ValueError:
        raise HestiaProtocolError(f"field {key} is not a number: {value[:50]!r}") from None


def _limit(record: Record, key: str) -> Limit:
    return None if record.get(key, "").strip().lower() == "unlimited" else _number(record, key)
