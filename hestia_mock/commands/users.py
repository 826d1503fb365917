"""The user scripts (HESTIA_API.md §6.1 to §6.6)."""

from __future__ import annotations

import secrets
import string

from hestia_mock.commands.checks import RESERVED_USERS, Checks, arg
from hestia_mock.commands.ftp import PAM_ERROR
from hestia_mock.commands.registry import command
from hestia_mock.state import (
    E_EXISTS,
    E_INVALID,
    E_LIMIT,
    E_PASSWORD,
    PACKAGE_FILE_KEYS,
    USER_ONE_KEYS,
    HestiaExit,
    Package,
    PasswdEntry,
    User,
    fail,
    hash_password,
    verify_password,
)

# Package limits compared with usage by v-change-user-package; MAIL_DOMAINS is missing on purpose:
# the upstream check is broken by a typo (`$E_LIMI"T`, §6.5).
_USAGE_CHECKS = (
    ("WEB_DOMAINS", "U_WEB_DOMAINS", "WEB_DOMAIN"),
    ("DNS_DOMAINS", "U_DNS_DOMAINS", "DNS_DOMAIN"),
    ("DATABASES", "U_DATABASES", "DATABASE"),
    ("CRON_JOBS", "U_CRON_JOBS", "CRON"),
    ("DISK_QUOTA", "U_DISK", "DISK"),
    ("BANDWIDTH", "U_BANDWIDTH", "BANDWIDTH"),
)
# The list as v-add-user prints it after a reserved name (HESTIA_API.md §13.11).
_RESERVED_LIST = (
    "List of reserved names: aria aria_log mysql mysql_upgrade ib ib_buffer ddl ddl_recovery performance sudo"
)
_COUNTERS = {key for key in USER_ONE_KEYS if key.startswith(("U_", "SUSPENDED_"))} | {"IP_OWNED"}


def new_rkey() -> str:
    """16 random alphanumeric characters, like user.conf's RKEY."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


class UserCommands(Checks):
    """v-add-user, v-delete-user, v-(un)suspend-user, v-change-user-*, v-check-user-password."""

    @command(
        "v-add-user",
        "USER PASSWORD EMAIL [PACKAGE] [NAME] [LASTNAME]",
        secret=(2,),
        usage="USER PASSWORD EMAIL [PACKAGE] [NAME] ",
    )
    def v_add_user(self, *args: str) -> str:
        """Create a Hestia user from a package (§6.1)."""
        self.need_args(args, 3, "v-add-user")
        name, password, email = arg(args, 1), arg(args, 2), arg(args, 3)
        package_name = args[3] if len(args) > 3 else "default"  # the default only when absent (§6.1)
        full_name = " ".join(a for a in args[4:6] if a)
        self.check_user_format(name, creating=True)
        self.check_simple_format(email, "email")
        self.check_simple_format(package_name, "package")
        self.check_simple_format(full_name, "name")
        if name.lower() in RESERVED_USERS:
            raise fail(E_INVALID, f"The user name '{name}' is reserved and cannot be used. {_RESERVED_LIST}")
        if name in self.passwd or name in self.users:
            raise fail(E_EXISTS, f"user {name} exists")
        package = self.package_of(package_name)
        if not password:
            raise HestiaExit(E_INVALID, PAM_ERROR)
        self.create_user(name, password, email, package, full_name)
        return ""

    def create_user(
        self, name: str, password: str, email: str, package: Package, full_name: str, role: str = "user"
    ) -> User:
        """The side effects of v-add-user: passwd entry, home tree, user.conf, admin's U_USERS."""
        time, date = self.timestamp()
        shared = sum(1 for ip in self.ips.values() if ip.status == "shared")
        conf = {key: "" for key in USER_ONE_KEYS} | {key: "0" for key in _COUNTERS}
        conf.update({k: v for k, v in package.values.items() if k in conf or k.startswith(("CPU", "MEM", "SWAP"))})
        conf.update(
            NAME=full_name,
            PACKAGE=package.name,
            HOME=f"/home/{name}",
            CONTACT=email,
            CRON_REPORTS="yes",
            RKEY=new_rkey(),
            ROLE=role,
            SUSPENDED="no",
            IP_AVAIL=str(shared),
            BACKUPS_INCREMENTAL="no",
            NOTIFICATIONS="no",
            PREF_UI_SORT="name",
            LOGIN_DISABLED="no",
            LOGIN_USE_IPLIST="no",
            TIME=time,
            DATE=date,
        )
        user = User(name, conf)
        self.users[name] = user
        self.passwd[name] = PasswdEntry(name, "user", f"/home/{name}", hash_password(password), owner=name)
        self.fs.mkdir(f"/home/{name}/web", 0o751)
        self.bump(self.root_conf, "U_USERS")
        return user

    @command("v-delete-user", "USER [RESTART]")
    def v_delete_user(self, *args: str) -> str:
        """Delete a user with its domains, FTP accounts, keys and home; ROOT_USER is a silent no-op (§6.2)."""
        self.need_args(args, 1, "v-delete-user")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        if user.name == self.settings.root_user:
            return ""
        if user.suspended:
            self.bump(self.root_conf, "SUSPENDED_USERS", -1)
        for domain in user.domains.values():
            for ftp_name in filter(None, domain.conf.get("FTP_USER", "").split(":")):
                self.passwd.pop(ftp_name, None)
        for key_id in [k for k, key in self.access_keys.items() if key.user == user.name]:
            del self.access_keys[key_id]
        for ip in self.ips.values():
            if ip.owner == user.name:
                ip.owner, ip.status = self.settings.root_user, "shared"
        self.passwd.pop(user.name, None)
        del self.users[user.name]
        self.fs.remove_tree(f"/home/{user.name}")
        self.bump(self.root_conf, "U_USERS", -1)
        return ""

    @command("v-suspend-user", "USER [RESTART]")
    def v_suspend_user(self, *args: str) -> str:
        """Lock the user and every `<user>_*` account, suspend all its web domains (§4.5)."""
        self.need_args(args, 1, "v-suspend-user")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        if user.name == self.settings.root_user:
            return ""
        self.check_user_active(user)
        for entry in self._prefixed_accounts(user.name):
            if not entry.locked:
                entry.hash = "!" + entry.hash
        for domain in user.domains.values():
            if domain.conf.get("SUSPENDED") != "yes":
                domain.conf["SUSPENDED"] = "yes"
                self.bump(user.conf, "SUSPENDED_WEB")
        user.conf["SUSPENDED"] = "yes"
        self.bump(self.root_conf, "SUSPENDED_USERS")
        self.recount_web_usage(user)  # v-suspend-web-domains rebuilds every domain (§13.4)
        return ""

    @command("v-unsuspend-user", "USER [RESTART]")
    def v_unsuspend_user(self, *args: str) -> str:
        """Unlock and unsuspend everything; never checks that the user was suspended (§4.5)."""
        self.need_args(args, 1, "v-unsuspend-user")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        if user.name == self.settings.root_user:
            return ""
        for entry in self._prefixed_accounts(user.name):
            entry.hash = entry.hash.removeprefix("!")
        for domain in user.domains.values():
            domain.conf["SUSPENDED"] = "no"
        user.conf["SUSPENDED"] = "no"
        user.conf["SUSPENDED_WEB"] = "0"
        self.bump(self.root_conf, "SUSPENDED_USERS", -1)
        self.recount_web_usage(user)
        return ""

    @command("v-change-user-password", "USER [PASSWORD]", secret=(2,))
    def v_change_user_password(self, *args: str) -> str:
        """New password and a new RKEY; refused for a suspended user (§6.4)."""
        self.need_args(args, 1, "v-change-user-password")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        self.check_user_active(user)
        # An empty PASSWORD makes the script read stdin, which is empty under the API.
        if not arg(args, 2):
            raise HestiaExit(E_INVALID, PAM_ERROR)
        self.passwd[user.name].hash = hash_password(arg(args, 2))
        user.conf["RKEY"] = new_rkey()
        return ""

    @command("v-change-user-package", "USER PACKAGE [FORCE]")
    def v_change_user_package(self, *args: str) -> str:
        """Apply a package's values, keeping counters; usage above a limit → 8 unless FORCE=yes (§6.5)."""
        self.need_args(args, 2, "v-change-user-package")
        self.check_user_format(arg(args, 1))
        self.check_simple_format(arg(args, 2), "package")
        user = self.user_of(arg(args, 1))
        package = self.package_of(arg(args, 2))
        if arg(args, 3) != "yes":
            for limit_key, usage_key, label in _USAGE_CHECKS:
                limit = package.values.get(limit_key, "unlimited")
                if limit != "unlimited" and int(user.conf.get(usage_key) or 0) > int(limit):
                    raise fail(E_LIMIT, f"Package doesn't cover {label} usage")
        for key in PACKAGE_FILE_KEYS:
            if key in user.conf or key in package.values:
                user.conf[key] = package.values.get(key, "")
        user.conf["PACKAGE"] = package.name
        return ""

    @command("v-check-user-password", "USER PASSWORD [IP] [RETURN_HASH]", secret=(2,))
    def v_check_user_password(self, *args: str) -> str:
        """Exit 0 when the password matches; any failure is 9 `password missmatch` (sic, §6.6)."""
        self.need_args(args, 2, "v-check-user-password")
        self.check_user_format(arg(args, 1))
        self.check_simple_format(arg(args, 3), "ip")
        user = self.users.get(arg(args, 1))
        entry = self.passwd.get(arg(args, 1))
        if user is None or entry is None or not arg(args, 2) or not verify_password(arg(args, 2), entry.hash):
            raise fail(E_PASSWORD, "password missmatch")
        return entry.hash if arg(args, 4) else ""

    def _prefixed_accounts(self, name: str) -> list[PasswdEntry]:
        """The user itself and every passwd entry starting with `<user>_`, other users included (§4.5)."""
        return [e for n, e in self.passwd.items() if n == name or n.startswith(f"{name}_")]
