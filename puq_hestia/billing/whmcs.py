"""Reading the ``params`` mapping that WHMCS passes to a server module, and masking it for logs.

WHMCS hands every module function one array: the server fields (``serverhostname``, ``serverport``,
``serversecure``, ``serverusername``, ``serverpassword``, ``serveraccesshash``), the service (``serviceid``,
``username``, ``password``, ``domain``), the client (``clientsdetails`` with
``email``/``firstname``/``lastname``) and the product fields (``configoption1`` = Hestia package,
``configoption2`` = create a web domain, "on" or ""). Everything is checked here, before any Hestia call, and
every error text tells the reseller what to fix without repeating a secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from puq_hestia.ftp.credentials import (
    InvalidCredentialError,
    validate_domain,
    validate_email,
    validate_hestia_username,
    validate_password,
)
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import ConfigError

__all__ = [
    "MASK",
    "AccountParams",
    "ParamsError",
    "account_params",
    "mask_params",
    "new_account_params",
    "package_param",
    "password_param",
    "server_config_from_params",
    "username_param",
]

MASK = "***"
DEFAULT_PACKAGE = "default"
DEFAULT_PORT = 8083  # Hestia's BACKEND_PORT (HESTIA_API.md §1)
NAME_MAX = 64
# Keys whose values are secrets wherever they appear, also inside nested arrays (customfields, ...).
_SECRET_WORDS = ("password", "secret", "hash", "token", "key")
# package / template rule of HESTIA_API.md §3, without the accidental '|'.
_PACKAGE_RE = re.compile(r"[A-Za-z0-9](?:[-._A-Za-z0-9]{0,64}[A-Za-z0-9])?")
# v-add-user refuses these in NAME (§3 "name"); control characters would be refused by the client anyway.
_NAME_FORBIDDEN = re.compile(r"['\"<>\x00-\x1f\x7f]")
_NUMERIC_KEYS = frozenset({"serviceid", "serverport", "userid", "pid"})
_YES = frozenset({"on", "yes", "true", "1"})
_NO = frozenset({"", "off", "no", "false", "0"})


class ParamsError(ValueError):
    """A params value is missing or invalid; ``str(error)`` is safe to show to the reseller."""


@dataclass(frozen=True)
class AccountParams:
    """The account a CreateAccount call asks for, validated."""

    username: str
    password: str = field(repr=False)
    email: str
    package: str
    name: str
    domain: str
    create_domain: bool
    service_id: str


def _text(params: Mapping[str, Any], key: str, *, default: str = "") -> str:
    """A string field (ids and ports may be numbers, as WHMCS sends them); anything else is refused."""
    value = params.get(key, default)
    if value is None:
        return default
    numeric_ok = key in _NUMERIC_KEYS and isinstance(value, int) and not isinstance(value, bool)
    if not isinstance(value, str) and not numeric_ok:
        raise ParamsError(f"params.{key} must be a string")
    return str(value).strip() if not key.endswith("password") else str(value)


def _required(params: Mapping[str, Any], key: str, what: str) -> str:
    """A field that must be present and non-empty."""
    value = _text(params, key)
    if not value:
        raise ParamsError(f"{what} is missing (params.{key}).")
    return value


def _checked(rule: Any, value: str, what: str) -> str:
    """Apply a credentials rule and prefix its message with the field it concerns."""
    try:
        checked: str = rule(value)
    except InvalidCredentialError as error:
        raise ParamsError(f"{what}: {error}") from None
    return checked


def username_param(params: Mapping[str, Any]) -> str:
    """The service's username, which must be a valid Hestia user name (HESTIA_API.md §3)."""
    username = _required(params, "username", "The service's username")
    return _checked(validate_hestia_username, username, f"Username '{username}' cannot be used")


def password_param(params: Mapping[str, Any]) -> str:
    """The service's password; Hestia trims and file-reads some values, so the product's rule applies."""
    password = _text(params, "password")
    if not password:
        raise ParamsError("The service's password is missing (params.password).")
    return _checked(validate_password, password, "The service's password cannot be used")


def ftp_accounts_param(params: Mapping[str, Any]) -> int | None:
    """Billing's own FTP user limit for the account: product field 3 (``configoption3``); None when empty."""
    value = params.get("configoption3")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or int(text) > 10_000:
        raise ParamsError(f"The product's FTP accounts option '{value}' must be a whole number from 0 to 10000, "
                          "or empty for the package's limit.")
    return int(text)


def package_param(params: Mapping[str, Any]) -> str:
    """The Hestia package: product field 1 (``configoption1``), ``default`` when empty."""
    package = _text(params, "configoption1") or DEFAULT_PACKAGE
    if not _PACKAGE_RE.fullmatch(package):
        raise ParamsError(
            f"The product's Package option '{package}' is not a valid Hestia package name "
            "(letters, digits, '.', '_' and '-')."
        )
    return package


def _clients_details(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``clientsdetails`` array (an empty mapping when absent)."""
    details = params.get("clientsdetails") or {}
    if not isinstance(details, Mapping):
        raise ParamsError("params.clientsdetails must be an object")
    return details


def _display_name(details: Mapping[str, Any]) -> str:
    """First and last name; characters v-add-user refuses in NAME are dropped (it is only displayed)."""
    first, last = _text(details, "firstname"), _text(details, "lastname")
    name = _NAME_FORBIDDEN.sub("", f"{first} {last}")
    return " ".join(name.split())[:NAME_MAX]


def _flag(params: Mapping[str, Any], key: str, *, default: bool) -> bool:
    """A WHMCS yes/no field ("on" or "" from a checkbox; booleans from other billing systems)."""
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = _text(params, key).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ParamsError(f"params.{key} must be yes/on or no/empty")


def new_account_params(params: Mapping[str, Any]) -> AccountParams:
    """Everything CreateAccount needs, validated (email from clientsdetails, package from configoption1)."""
    username = username_param(params)
    password = password_param(params)
    details = _clients_details(params)
    email = _required(details, "email", "The client's email address")
    email = _checked(validate_email, email, "The client's email address cannot be used")
    domain = _text(params, "domain").lower()
    create_domain = _flag(params, "configoption2", default=True) and bool(domain)
    if create_domain:
        domain = _checked(validate_domain, domain, f"The domain '{domain}' cannot be used")
    return AccountParams(
        username=username,
        password=password,
        email=email,
        package=package_param(params),
        name=_display_name(details),
        domain=domain if create_domain else "",
        create_domain=create_domain,
        service_id=_text(params, "serviceid"),
    )


def account_params(params: Mapping[str, Any]) -> tuple[str, str]:
    """The (username, service id) pair that identifies an existing account."""
    return username_param(params), _text(params, "serviceid")


def server_config_from_params(params: Mapping[str, Any]) -> ServerConfig:
    """Build the Hestia connection from the WHMCS server fields (only for direct calls: CLI and library).

    The access hash ``AK:SK`` is preferred (HESTIA_API.md §2); the legacy admin user and password work too.
    """
    host = _text(params, "serverhostname") or _text(params, "serverip")
    if not host or not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", host):
        raise ParamsError("The server's hostname is missing or invalid; set it in the WHMCS server settings.")
    port = _text(params, "serverport") or str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ParamsError("The server's port must be a number from 1 to 65535.")
    scheme = "https" if _flag(params, "serversecure", default=True) else "http"
    access_hash = _text(params, "serveraccesshash")
    url = f"{scheme}://{host}:{port}"
    try:
        if access_hash:
            return ServerConfig(url, hash="".join(access_hash.split()))
        user, password = _text(params, "serverusername"), _text(params, "serverpassword")
        return ServerConfig(url, user=user, password=password)
    except ConfigError as error:
        # ConfigError texts name fields, never values, so they are safe to pass on.
        raise ParamsError(f"The server's access details are incomplete: {error}.") from None


def mask_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of params for logs: every password, secret, hash, token or key value replaced by ``***``."""
    return {str(k): _mask_value(str(k), v) for k, v in params.items()}


def _mask_value(key: str, value: Any) -> Any:
    """Mask one value, recursing into nested arrays."""
    if any(word in key.lower() for word in _SECRET_WORDS) and value not in (None, ""):
        return MASK
    if isinstance(value, Mapping):
        return mask_params(value)
    if isinstance(value, list | tuple):
        return [_mask_value(key, item) for item in value]
    return value
