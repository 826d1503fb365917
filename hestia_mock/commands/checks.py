"""The verification helpers every script shares (func/main.sh; HESTIA_API.md §3)."""

from __future__ import annotations

import re

from hestia_mock.commands.registry import COMMANDS
from hestia_mock.fs import disk_usage_mb
from hestia_mock.state import (
    E_ARGS,
    E_DISABLED,
    E_INVALID,
    E_NOTEXIST,
    E_SUSPENDED,
    HestiaExit,
    HestiaState,
    Package,
    User,
    WebDomain,
    fail,
)

_USER_RE = re.compile(r"[A-Za-z0-9][-|._A-Za-z0-9]{0,28}[A-Za-z0-9]")
_NEW_USER_RE = re.compile(r"[A-Za-z][-|_A-Za-z0-9]{0,28}[A-Za-z0-9]")
_PACKAGE_RE = re.compile(r"[A-Za-z0-9][-|._A-Za-z0-9]{0,64}[A-Za-z0-9]")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.([A-Za-z]{2,63}|xn--[A-Za-z0-9-]+)")
_IPV4_RE = re.compile(r"(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}")
_DOMAIN_BAD_CHARS = re.compile(r"[\[\]!@#$^&*()+={},<>?_/\\\"|'`;%\s]")
RESERVED_USERS = frozenset(
    {
        "aria",
        "aria_log",
        "mysql",
        "mysql_upgrade",
        "ib",
        "ib_buffer",
        "ddl",
        "ddl_recovery",
        "performance",
        "sudo",
    }
)
_RESTART_VALUES = frozenset({"", "yes", "no", "ssl", "reload", "updatessl", "scheduled"})


def arg(args: tuple[str, ...], position: int) -> str:
    """The script's $N: the positional argument, or "" when absent."""
    return args[position - 1] if len(args) >= position else ""


def format_domain(domain: str) -> str:
    """`format_domain`: lowercase, drop a leading `www.` and surrounding dots and blanks (§3)."""
    domain = domain.lower()
    if domain.startswith("www."):
        domain = domain[4:]
    return domain.rstrip(".").lstrip(".").strip(" \t")


def is_ipv4(value: str) -> bool:
    """Whether the value is a dotted IPv4 address."""
    return _IPV4_RE.fullmatch(value) is not None


class Checks(HestiaState):
    """`check_args`, `is_format_valid`, `is_object_valid` and friends, with Hestia's texts and codes."""

    def need_args(self, args: tuple[str, ...], count: int, command: str) -> None:
        """`check_args N`: fewer arguments prints the usage line and exits 1 (§2.4)."""
        if len(args) < count:
            raise HestiaExit(E_ARGS, f"Usage: {command} {COMMANDS[command].usage}")

    def check_user_format(self, value: str, label: str = "user", creating: bool = False) -> None:
        """`is_user_format_valid` (only for non-empty values, as is_format_valid skips empty ones)."""
        if not value:
            return
        ok = value.isascii() and ((len(value) == 1 and value.isalnum()) or _USER_RE.fullmatch(value) is not None)
        if creating:
            ok = ok and _NEW_USER_RE.fullmatch(value) is not None
        if not ok:
            raise fail(E_INVALID, f"invalid {label} format :: {value}")

    def check_domain_format(self, value: str, label: str = "domain") -> None:
        """`is_domain_format_valid` (§3)."""
        if not value:
            return
        bad = (
            _DOMAIN_BAD_CHARS.search(value) is not None
            or value.isdigit()
            or ".." in value
            or value[0] in "-."
            or value[-1] in "-."
            or ".-" in value
            or "-." in value
            or value == "www"
        )
        if bad:
            raise fail(E_INVALID, f"invalid {label} format :: {value}")

    def check_simple_format(self, value: str, label: str) -> None:
        """The email, package, ip, name and restart validators (§3)."""
        patterns = {"email": _EMAIL_RE, "package": _PACKAGE_RE, "ip": _IPV4_RE}
        if not value:
            return
        if label in patterns:
            ok = patterns[label].fullmatch(value) is not None
        elif label == "name":
            ok = not any(c in value for c in "'\"<>\n")
        else:
            ok = value in _RESTART_VALUES
        if not ok:
            raise fail(E_INVALID, f"invalid {label} format :: {value}")

    def check_web_system(self) -> None:
        """`is_system_enabled $WEB_SYSTEM` → 11."""
        if not self.settings.web_system:
            raise fail(E_DISABLED, "WEB_SYSTEM is not enabled")

    def user_of(self, name: str) -> User:
        """`is_object_valid user` → 3."""
        user = self.users.get(name)
        if user is None:
            raise fail(E_NOTEXIST, f"user {name} doesn't exist")
        return user

    def check_user_active(self, user: User) -> None:
        """`is_object_unsuspended user` → 5."""
        if user.suspended:
            raise fail(E_SUSPENDED, f"user {user.name} is suspended")

    def domain_of(self, user: User, name: str) -> WebDomain:
        """`is_object_valid web` → 3."""
        domain = user.domains.get(name)
        if domain is None:
            raise fail(E_NOTEXIST, f"web domain {name} doesn't exist")
        return domain

    def check_domain_active(self, domain: WebDomain) -> None:
        """`is_object_unsuspended web` → 5."""
        if domain.conf.get("SUSPENDED") == "yes":
            raise fail(E_SUSPENDED, f"web {domain.name} is suspended")

    def recount_web_usage(self, user: User) -> None:
        """Every web rebuild's recount (§13.4): domain U_DISK from its folder tree, then the user's sums."""
        for domain in user.domains.values():
            domain.conf["U_DISK"] = str(disk_usage_mb(self.fs.real(f"/home/{user.name}/web/{domain.name}")))
        self.sum_web_usage(user)

    def sum_web_usage(self, user: User) -> None:
        """`recalc_user_disk_usage` + `recalc_user_bandwidth_usage` over web.conf, and the SSL count."""
        domains = [d.conf for d in user.domains.values()]
        conf = user.conf
        web = sum(int(d.get("U_DISK") or 0) for d in domains)
        others = sum(int(conf.get(k) or 0) for k in ("U_DISK_MAIL", "U_DISK_DB", "U_DISK_DIRS"))
        conf["U_DISK_WEB"], conf["U_DISK"] = str(web), str(web + others)
        conf["U_BANDWIDTH"] = str(sum(int(d.get("U_BANDWIDTH") or 0) for d in domains))
        conf["U_WEB_SSL"] = str(sum(d.get("SSL") == "yes" for d in domains))

    def package_of(self, name: str) -> Package:
        """`is_object_valid package` → 3."""
        package = self.packages.get(name)
        if package is None:
            raise fail(E_NOTEXIST, f"package {name} doesn't exist")
        return package
