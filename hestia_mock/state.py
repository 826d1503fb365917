"""The data a HestiaCP server keeps, as plain Python objects (no HTTP, no command logic).

`hestia_mock.models` re-exports everything here; the command behaviour lives in
`hestia_mock.commands` and is assembled into `hestia_mock.models.Backend`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from hestia_mock.fs import MockFs

# Exit codes of func/main.sh (HESTIA_API.md §2.4); 21 only exists in the PHP API.
OK = 0
E_ARGS = 1
E_INVALID = 2
E_NOTEXIST = 3
E_EXISTS = 4
E_SUSPENDED = 5
E_UNSUSPENDED = 6
E_INUSE = 7
E_LIMIT = 8
E_PASSWORD = 9
E_FORBIDDEN = 10
E_DISABLED = 11
E_PARSING = 12
E_LA = 14
E_API_DISABLED = 21


class HestiaExit(Exception):
    """A Hestia script failed: `code` is its exit status, `message` its (trimmed) stdout."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"exit {self.code}: {self.message}"


def fail(code: int, text: str) -> HestiaExit:
    """Build the HestiaExit that `check_result CODE TEXT` produces (stdout `Error: TEXT`)."""
    return HestiaExit(code, f"Error: {text}")


# Key orders of the JSON listings (HESTIA_API.md §5.2, §5.3, §6.7, §6.8, §6.9, §6.10).
WEB_LIST_KEYS = (
    "IP", "IP6", "DOCUMENT_ROOT", "U_DISK", "U_BANDWIDTH", "TPL", "ALIAS", "STATS", "STATS_USER", "SSL",
    "SSL_HOME", "LETSENCRYPT", "FTP_USER", "FTP_PATH", "AUTH_USER", "BACKEND", "PROXY", "PROXY_EXT",
    "SUSPENDED", "TIME", "DATE",
)  # fmt: skip
WEB_ONE_KEYS = (
    "IP", "IP6", "DOCUMENT_ROOT", "U_DISK", "U_BANDWIDTH", "TPL", "ALIAS", "STATS", "STATS_USER", "SSL",
    "SSL_FORCE", "SSL_HSTS", "SSL_HOME", "LETSENCRYPT", "FTP_USER", "FTP_PATH", "AUTH_USER", "BACKEND",
    "PROXY", "PROXY_EXT", "FASTCGI_CACHE", "FASTCGI_DURATION", "REDIRECT", "REDIRECT_CODE", "CUSTOM_DOCROOT",
    "SUSPENDED", "TIME", "DATE",
)  # fmt: skip
_LIMIT_KEYS = (
    "WEB_DOMAINS", "WEB_ALIASES", "DNS_DOMAINS", "DNS_RECORDS", "MAIL_DOMAINS", "MAIL_ACCOUNTS", "DATABASES",
    "CRON_JOBS", "DISK_QUOTA",
)  # fmt: skip
_TEMPLATE_KEYS = ("WEB_TEMPLATE", "BACKEND_TEMPLATE", "PROXY_TEMPLATE", "DNS_TEMPLATE")
_SUSPENDED_KEYS = (
    "SUSPENDED", "SUSPENDED_USERS", "SUSPENDED_WEB", "SUSPENDED_DNS", "SUSPENDED_MAIL", "SUSPENDED_DB",
    "SUSPENDED_CRON", "IP_AVAIL", "IP_OWNED", "U_USERS", "U_DISK", "U_DISK_DIRS", "U_DISK_WEB", "U_DISK_MAIL",
    "U_DISK_DB", "U_BANDWIDTH", "U_WEB_DOMAINS", "U_WEB_SSL", "U_WEB_ALIASES", "U_DNS_DOMAINS",
    "U_DNS_RECORDS", "U_MAIL_DOMAINS", "U_MAIL_DKIM", "U_MAIL_ACCOUNTS", "U_DATABASES", "U_CRON_JOBS",
    "U_BACKUPS",
)  # fmt: skip
USER_ONE_KEYS = (
    ("NAME", "PACKAGE", *_TEMPLATE_KEYS, *_LIMIT_KEYS, "BANDWIDTH", "HOME", "NS", "SHELL", "BACKUPS",
     "CONTACT", "CRON_REPORTS", "RKEY", "TWOFA", "QRCODE", "ROLE", *_SUSPENDED_KEYS, "BACKUPS_INCREMENTAL",
     "LANGUAGE", "THEME", "NOTIFICATIONS", "PREF_UI_SORT", "LOGIN_DISABLED", "LOGIN_USE_IPLIST",
     "LOGIN_ALLOW_IPS", "PHPCLI", "TIME", "DATE")
)  # fmt: skip
_CGROUP_KEYS = ("CPU_QUOTA", "CPU_QUOTA_PERIOD", "MEMORY_LIMIT", "SWAP_LIMIT")
USER_LIST_KEYS = (
    ("NAME", "PACKAGE", *_TEMPLATE_KEYS, *_LIMIT_KEYS, *_CGROUP_KEYS, "BANDWIDTH", "NS", "SHELL", "BACKUPS",
     "CONTACT", "CRON_REPORTS", "RKEY", "ROLE", *_SUSPENDED_KEYS, "LANGUAGE", "TIME", "DATE")
)  # fmt: skip
PACKAGE_LIST_KEYS = (
    ("WEB_TEMPLATE", "PROXY_TEMPLATE", "DNS_TEMPLATE", *_LIMIT_KEYS, *_CGROUP_KEYS, "BANDWIDTH", "NS",
     "SHELL", "BACKUPS", "TIME", "DATE")
)  # fmt: skip
# Everything a package file holds, in file order (BACKEND_TEMPLATE, RATE_LIMIT and BACKUPS_INCREMENTAL are
# stored but not listed, §6.9).
PACKAGE_FILE_KEYS = (
    (*_TEMPLATE_KEYS, *_LIMIT_KEYS[:6], "RATE_LIMIT", *_LIMIT_KEYS[6:], *_CGROUP_KEYS, "BANDWIDTH", "NS",
     "SHELL", "BACKUPS", "BACKUPS_INCREMENTAL")
)  # fmt: skip
USER_IP_KEYS = ("OWNER", "STATUS", "NAME", "NAT")

# The web.conf line written by v-add-web-domain (§5.1); FTP_PATH is inserted before PROXY later (§4).
WEB_CONF_KEYS = (
    "DOMAIN", "IP", "IP6", "CUSTOM_DOCROOT", "ALIAS", "TPL", "SSL", "SSL_FORCE", "SSL_HOME", "LETSENCRYPT",
    "FTP_USER", "FTP_MD5", "BACKEND", "PROXY", "PROXY_EXT", "STATS", "STATS_USER", "STATS_CRYPT", "U_DISK",
    "U_BANDWIDTH", "SUSPENDED", "TIME", "DATE",
)  # fmt: skip

# Shipped API permission profiles (§2.5); only the commands relevant to this mock are exact.
SHIPPED_PROFILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "billing": ("admin", (
        "v-add-user", "v-delete-user", "v-suspend-user", "v-unsuspend-user", "v-change-user-shell",
        "v-list-user", "v-list-users", "v-make-tmp-file", "v-add-domain", "v-change-user-package",
        "v-change-user-password",
    )),
    "purge-nginx-cache": ("user", ("v-purge-nginx-cache", "v-list-web-domains", "v-list-web-domain")),
    "phpmyadmin-sso": ("admin", ("v-add-database-temp-user", "v-delete-database-temp-user")),
    "mail-accounts": ("user", ("v-list-mail-accounts", "v-add-mail-account", "v-delete-mail-account")),
    "sync-dns-cluster": ("admin", ("v-add-remote-dns-domain", "v-delete-remote-dns-domain")),
    "update-dns-records": ("user", ("v-list-dns-records", "v-change-dns-record")),
}  # fmt: skip

# Names already in a fresh Debian /etc/passwd of a Hestia server; they block user and FTP names (§3, §4).
SYSTEM_ACCOUNTS = (
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
    "backup", "list", "irc", "nobody", "systemd-network", "messagebus", "sshd", "ftp", "bind", "Debian-exim",
    "dovecot", "mysql", "hestiaweb", "hestiamail",
)  # fmt: skip


@dataclass
class Settings:
    """The hestia.conf values the mock honours."""

    root_user: str = "admin"
    api: str = "yes"
    api_system: str = "1"
    api_allowed_ip: str = ""
    web_system: str = "nginx"
    proxy_system: str = ""  # empty: nginx alone serves the sites (no proxy in front, §13.5)


@dataclass
class ApiProfile:
    """A permission profile file in /usr/local/hestia/data/api/ (§2.5)."""

    name: str
    role: str
    commands: tuple[str, ...]


@dataclass
class AccessKey:
    """An access key file in /usr/local/hestia/data/access-keys/ (§2.5)."""

    key_id: str
    secret: str
    user: str
    permissions: tuple[str, ...] = ()
    comment: str = ""
    time: str = ""  # TIME and DATE of the key file (v-add-access-key writes them)
    date: str = ""


@dataclass
class Package:
    """A user package; `values` holds the package file keys in file order."""

    name: str
    values: dict[str, str]


@dataclass
class Ip:
    """A system IP address (§6.10)."""

    address: str
    owner: str
    status: str = "shared"
    name: str = ""
    nat: str = ""
    interface: str = "eth0"
    netmask: str = "255.255.255.0"


@dataclass
class WebDomain:
    """One web.conf line: the keys in file order, every value a string."""

    conf: dict[str, str]

    @property
    def name(self) -> str:
        """The DOMAIN key."""
        return self.conf["DOMAIN"]


@dataclass
class User:
    """A Hestia user: its user.conf and its web domains in web.conf order."""

    name: str
    conf: dict[str, str]
    domains: dict[str, WebDomain] = field(default_factory=dict)
    logins: list[dict[str, str]] = field(default_factory=list)  # the user's auth.log (v-log-user-login, §12)

    @property
    def suspended(self) -> bool:
        """Whether SUSPENDED is yes."""
        return self.conf.get("SUSPENDED") == "yes"


@dataclass
class PasswdEntry:
    """An /etc/passwd + /etc/shadow line: Hestia users, FTP accounts and system accounts share them."""

    name: str
    kind: str  # "user", "ftp" or "system"
    home: str  # Hestia's own path, e.g. /home/alice/web/alice.example/public_html
    hash: str = "!"  # a leading "!" means locked (usermod --lock)
    owner: str = ""

    @property
    def locked(self) -> bool:
        """Whether the account is locked, as usermod --lock marks it."""
        return self.hash.startswith("!")


# Enough to keep plain text out of the state; low, because every seed load hashes a dozen passwords.
_HASH_ROUNDS = 1000


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A salted PBKDF2-SHA512 hash in a shadow-like `$id$rounds$salt$hash` form (never the plain text)."""
    salt = salt if salt is not None else os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _HASH_ROUNDS)
    return f"$pbkdf2-sha512${_HASH_ROUNDS}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`; a locked (`!`) or malformed hash never matches."""
    parts = stored.split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != "pbkdf2-sha512":  # "!$..." is locked
        return False
    salt = base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4))
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]))
    return hmac.compare_digest(_b64(digest), parts[4])


def _b64(raw: bytes) -> str:
    # urlsafe alphabet without padding: never a ':' that would corrupt the colon-joined FTP_MD5 list
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class HestiaState:
    """Everything a Hestia server remembers, guarded by one re-entrant lock."""

    def __init__(self, fs: MockFs, clock: Callable[[], datetime] = datetime.now) -> None:
        self.lock = threading.RLock()
        self.fs = fs
        self.clock = clock
        self.settings = Settings()
        self.profiles: dict[str, ApiProfile] = {}
        self.access_keys: dict[str, AccessKey] = {}
        self.legacy_keys: set[str] = set()
        self.packages: dict[str, Package] = {}
        self.ips: dict[str, Ip] = {}
        self.users: dict[str, User] = {}
        self.passwd: dict[str, PasswdEntry] = {}
        # $HESTIA/log/auth.log: the lines fail2ban's hestia-iptables jail reads (HESTIA_API.md §2.1, §2.6).
        self.auth_log: list[str] = []
        self.clear()

    def clear(self) -> None:
        """Forget everything: a fresh server with only the shipped profiles and system accounts."""
        with self.lock:
            self.settings = Settings()
            self.profiles = {n: ApiProfile(n, role, cmds) for n, (role, cmds) in SHIPPED_PROFILES.items()}
            self.access_keys.clear()
            self.legacy_keys.clear()
            self.packages.clear()
            self.ips.clear()
            self.users.clear()
            self.passwd = {n: PasswdEntry(n, "system", "/nonexistent") for n in SYSTEM_ACCOUNTS}
            self.auth_log.clear()
            self.fs.wipe()

    def timestamp(self) -> tuple[str, str]:
        """TIME and DATE as Hestia writes them (`date +'%T %F'`)."""
        now = self.clock()
        return now.strftime("%H:%M:%S"), now.strftime("%Y-%m-%d")

    @property
    def root_conf(self) -> dict[str, str]:
        """ROOT_USER's user.conf (holds the system-wide U_USERS and SUSPENDED_USERS, §6.7)."""
        root = self.users.get(self.settings.root_user)
        return root.conf if root else {}

    def bump(self, conf: dict[str, str], key: str, delta: int = 1) -> None:
        """Add `delta` to a numeric user.conf counter, never below 0 (as decrease_user_value does)."""
        conf[key] = str(max(0, int(conf.get(key) or "0") + delta))
