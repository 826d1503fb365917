"""HestiaClient: typed methods in the product's language over the Hestia commands.

Each method's docstring names the command it runs and its argument order. The client keeps no per-call state,
so one instance may serve several threads at once.
"""

from __future__ import annotations

import builtins

from puq_hestia.hestia.commands import without_secret_fields
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import (
    AuthenticationError,
    HestiaProtocolError,
    HestiaUsageError,
    InvalidArgumentsError,
)
from puq_hestia.hestia.models import (
    AccessKeyInfo,
    ApiProfile,
    DirectoryEntry,
    HestiaUser,
    Package,
    Record,
    UserIp,
    WebDomain,
    parse_directory_listing,
    parse_web_domains,
    records,
)
from puq_hestia.hestia.transport import Transport

# Hestia's exit code for a wrong password (E_PASSWORD, HESTIA_API.md §6.6).
_E_PASSWORD = 9


class FtpCommands:
    """The additional FTP accounts of web domains (``client.ftp``)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(self, user: str, domain: str, suffix: str, password: str, path: str = "") -> None:
        """v-add-web-domain-ftp USER DOMAIN FTP_USER FTP_PASSWORD [FTP_PATH]; FTP_USER is the suffix only.

        Hestia names the account ``USER_suffix`` (HESTIA_API.md §4.1); ``path`` is relative to the domain.
        """
        args = [user, domain, suffix, password] + ([path] if path else [])
        self._transport.run("v-add-web-domain-ftp", *args)

    def change_password(self, user: str, domain: str, username: str, password: str) -> None:
        """v-change-web-domain-ftp-password USER DOMAIN FTP_USER FTP_PASSWORD; FTP_USER is the full name."""
        self._transport.run("v-change-web-domain-ftp-password", user, domain, username, password)

    def change_path(self, user: str, domain: str, username: str, path: str) -> None:
        """v-change-web-domain-ftp-path USER DOMAIN FTP_USER FTP_PATH; full name, "" for the domain root."""
        self._transport.run("v-change-web-domain-ftp-path", user, domain, username, path)

    def delete(self, user: str, domain: str, username: str) -> None:
        """v-delete-web-domain-ftp USER DOMAIN FTP_USER; FTP_USER is the full name."""
        self._transport.run("v-delete-web-domain-ftp", user, domain, username)


class UserCommands:
    """Hestia user accounts (``client.users``)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(self, user: str, password: str, email: str, package: str = "default", name: str = "") -> None:
        """v-add-user USER PASSWORD EMAIL [PACKAGE] [NAME]; PACKAGE is always sent (empty is E_NOTEXIST)."""
        args = [user, password, email, package] + ([name] if name else [])
        self._transport.run("v-add-user", *args)

    def delete(self, user: str) -> None:
        """v-delete-user USER."""
        self._transport.run("v-delete-user", user)

    def suspend(self, user: str) -> None:
        """v-suspend-user USER."""
        self._transport.run("v-suspend-user", user)

    def unsuspend(self, user: str) -> None:
        """v-unsuspend-user USER."""
        self._transport.run("v-unsuspend-user", user)

    def change_password(self, user: str, password: str) -> None:
        """v-change-user-password USER PASSWORD."""
        self._transport.run("v-change-user-password", user, password)

    def change_package(self, user: str, package: str) -> None:
        """v-change-user-package USER PACKAGE."""
        self._transport.run("v-change-user-package", user, package)

    def check_password(self, user: str, password: str, ip: str | None = None) -> bool:
        """v-check-user-password USER PASSWORD [IP]; False on E_PASSWORD (9), any other failure raises.

        IP is the customer's address: Hestia logs failures with it, where fail2ban reads them (HESTIA_API.md §12).
        Under an access key, a wrong API secret is also exit 9 (HESTIA_API.md §2.1), so check the connection
        with :meth:`HestiaClient.ping` when every login fails.
        """
        try:
            self._transport.run("v-check-user-password", user, password, *([ip] if ip else []))
        except AuthenticationError as error:
            if error.code == _E_PASSWORD:
                return False
            raise
        return True

    def check_two_factor(self, user: str, code: str) -> bool:
        """v-check-user-2fa USER TOKEN; False on a wrong code (9), any other failure (2FA off: 3) raises."""
        try:
            self._transport.run("v-check-user-2fa", user, code)
        except AuthenticationError as error:
            if error.code == _E_PASSWORD:
                return False
            raise
        return True

    def log_login(self, user: str, ip: str, success: bool, session_id: str, user_agent: str) -> None:
        """v-log-user-login USER IP success|failed SESSION_ID USER_AGENT: a line in the customer's login history.

        Hestia refuses quotes in USER_AGENT (§12), so they are removed; it is also cut to 200 characters.
        """
        agent = " ".join(user_agent.replace("'", "").replace('"', "").split())[:200]
        status = "success" if success else "failed"
        self._transport.run("v-log-user-login", user, ip, status, session_id, agent)

    def get(self, user: str) -> HestiaUser:
        """v-list-user USER json."""
        entries = records(self._transport.run_json("v-list-user", user, "json"), "v-list-user")
        name, record = _single(entries, user, "v-list-user")
        return HestiaUser.from_hestia(name, record)

    def list(self) -> builtins.list[HestiaUser]:
        """v-list-users json."""
        entries = records(self._transport.run_json("v-list-users", "json"), "v-list-users")
        return [HestiaUser.from_hestia(name, record) for name, record in entries.items()]

    def packages(self) -> builtins.list[Package]:
        """v-list-user-packages json."""
        entries = records(self._transport.run_json("v-list-user-packages", "json"), "v-list-user-packages")
        return [Package.from_hestia(name, record) for name, record in entries.items()]

    def ips(self, user: str) -> builtins.list[UserIp]:
        """v-list-user-ips USER json: the user's own IPs and the admin's shared ones."""
        entries = records(self._transport.run_json("v-list-user-ips", user, "json"), "v-list-user-ips")
        return [UserIp.from_hestia(ip, record) for ip, record in entries.items()]


class HestiaClient:
    """Typed access to one HestiaCP server; ``client.ftp`` and ``client.users`` group their commands."""

    def __init__(self, config: ServerConfig, *, transport: Transport | None = None) -> None:
        self.config = config
        self._transport = transport or Transport(config)
        self.ftp = FtpCommands(self._transport)
        self.users = UserCommands(self._transport)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._transport.close()

    def ping(self) -> None:
        """v-list-users json: a cheap read-only call that proves the URL, TLS, credentials and API all work.

        Chosen because the shipped ``billing`` key profile allows it and it needs no user name (the admin's
        name is not always ``admin``, HESTIA_API.md §10 item 7). Raises a HestiaError when anything is wrong.
        """
        records(self._transport.run_json("v-list-users", "json"), "v-list-users")

    def web_domains(self, user: str) -> list[WebDomain]:
        """v-list-web-domains USER json: every web domain of the user with its FTP accounts, in ONE call."""
        return parse_web_domains(self._transport.run_json("v-list-web-domains", user, "json"))

    def web_domain(self, user: str, domain: str) -> WebDomain:
        """v-list-web-domain USER DOMAIN json."""
        payload = self._transport.run_json("v-list-web-domain", user, domain, "json")
        entries = records(payload, "v-list-web-domain")
        name, record = _single(entries, domain, "v-list-web-domain")
        return WebDomain.from_hestia(name, record)

    def add_web_domain(self, user: str, domain: str, ip: str | None = None) -> None:
        """v-add-web-domain USER DOMAIN [IP]; without IP Hestia picks the user's first available one."""
        args = [user, domain] + ([ip] if ip else [])
        self._transport.run("v-add-web-domain", *args)

    def suspend_web_domain(self, user: str, domain: str) -> None:
        """v-suspend-web-domain USER DOMAIN (FTP accounts keep working, HESTIA_API.md §4.5)."""
        self._transport.run("v-suspend-web-domain", user, domain)

    def unsuspend_web_domain(self, user: str, domain: str) -> None:
        """v-unsuspend-web-domain USER DOMAIN."""
        self._transport.run("v-unsuspend-web-domain", user, domain)

    def list_directory(self, user: str, path: str) -> list[DirectoryEntry] | None:
        """v-list-fs-directory USER DIRECTORY: the listing of an absolute path, None when it does not exist.

        The first entry is the path itself, with an empty name (``entries[0].is_dir`` tells a folder from a
        file); the folder's contents follow.

        A missing last path element makes the command print nothing and exit 1: an empty 400 under access
        keys, a bare ``OK`` under the legacy login (HESTIA_API.md §7). An existing folder always prints
        itself.
        """
        if not path.startswith("/"):
            # A relative path resolves against the API's working directory (§7).
            raise HestiaUsageError("v-list-fs-directory needs an absolute path")
        try:
            output = self._transport.run("v-list-fs-directory", user, path)
        except InvalidArgumentsError as error:
            if error.text:
                raise
            return None
        return parse_directory_listing(output) if output else None

    def add_directory(self, user: str, path: str) -> None:
        """v-add-fs-directory USER DIRECTORY: ``mkdir -p`` as the user; an absolute path inside its home.

        Hestia answers 2 (invalid destination path) outside /tmp and the home or when more than one level is
        missing (its readlink -f prints nothing), and 3 when mkdir fails (HESTIA_API.md §7).
        """
        if not path.startswith("/"):
            raise HestiaUsageError("v-add-fs-directory needs an absolute path")  # as for list_directory
        self._transport.run("v-add-fs-directory", user, path)


    def access_key(self, key_id: str) -> AccessKeyInfo:
        """v-list-access-key ACCESS_KEY_ID json: the key's owner, profiles and comment; its secret is dropped here."""
        payload = self._transport.run_json("v-list-access-key", key_id, "json")
        if isinstance(payload, dict):
            payload = without_secret_fields("v-list-access-key", payload)
        return AccessKeyInfo.from_hestia(payload)

    def api_profile(self, name: str) -> ApiProfile:
        """v-list-api API json: a permission profile's role and commands (exit 2 when it does not exist)."""
        return ApiProfile.from_hestia(self._transport.run_json("v-list-api", name, "json"))


def _single(entries: dict[str, Record], key: str, command: str) -> tuple[str, Record]:
    """Pick the one entry of a single-object answer (``{"alice": {...}}``)."""
    if key in entries:
        return key, entries[key]
    if len(entries) == 1:
        return next(iter(entries.items()))
    raise HestiaProtocolError(f"{command}: expected one entry, got {len(entries)}")
