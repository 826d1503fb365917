"""Read-only scripts: users, packages, IPs and the directory listing (HESTIA_API.md §6.7 to §6.10, §7)."""

from __future__ import annotations

from hestia_mock.commands.checks import Checks, arg
from hestia_mock.commands.registry import command
from hestia_mock.fs import is_domain_inside
from hestia_mock.render import render
from hestia_mock.state import (
    E_ARGS,
    E_INVALID,
    PACKAGE_LIST_KEYS,
    USER_IP_KEYS,
    USER_LIST_KEYS,
    USER_ONE_KEYS,
    HestiaExit,
    User,
    fail,
)

# PHP-FPM's working directory: where a relative DIRECTORY resolves (§7), always outside any home.
_API_CWD = "/usr/local/hestia/web/api"
_USER_COLUMNS = (
    ("PACKAGE", "PACKAGE"),
    ("IP", "IP_OWNED"),
    ("DISK", "U_DISK"),
    ("BW", "U_BANDWIDTH"),
    ("SPND", "SUSPENDED"),
    ("DATE", "DATE"),
)
_PACKAGE_COLUMNS = (
    ("TPL", "WEB_TEMPLATE"),
    ("WEB", "WEB_DOMAINS"),
    ("DNS", "DNS_DOMAINS"),
    ("MAIL", "MAIL_DOMAINS"),
    ("DB", "DATABASES"),
    ("SHELL", "SHELL"),
    ("DISK", "DISK_QUOTA"),
    ("BW", "BANDWIDTH"),
)
_IP_COLUMNS = (("OWNER", "OWNER"), ("STATUS", "STATUS"), ("NAME", "NAME"), ("NAT", "NAT"))


def _fmt(args: tuple[str, ...], position: int) -> str:
    # FORMAT defaults to shell only when the argument is absent; an empty one prints nothing (§5.2).
    return args[position - 1] if len(args) >= position else "shell"


class ListCommands(Checks):
    """v-list-user, v-list-users, v-list-user-packages, v-list-user-ips, v-list-fs-directory."""

    @command("v-list-user", "USER [FORMAT]")
    def v_list_user(self, *args: str) -> str:
        """One user's user.conf; U_USERS/SUSPENDED_USERS come from ROOT_USER (§6.7)."""
        self.need_args(args, 1, "v-list-user")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        system_wide = {"U_USERS", "SUSPENDED_USERS"}
        pairs = [
            (k, self.root_conf.get(k, "") if k in system_wide else self._user_value(user, k)) for k in USER_ONE_KEYS
        ]
        # v-list-user prints the inner closing brace indented by 8 spaces (§6.7).
        return render([(user.name, pairs)], _fmt(args, 2), "USER", _USER_COLUMNS, inner_close=8)

    @command("v-list-users", "[FORMAT]")
    def v_list_users(self, *args: str) -> str:
        """Every Hestia user, in /etc/passwd order (§6.8)."""
        rows = [(u.name, [(k, self._user_value(u, k)) for k in USER_LIST_KEYS]) for u in self.users.values()]
        return render(rows, _fmt(args, 1), "USER", _USER_COLUMNS)

    @command("v-list-user-packages", "[FORMAT]")
    def v_list_user_packages(self, *args: str) -> str:
        """Every package, newest file first (`ls --sort=time`, §13.8); packages are kept in creation order."""
        newest_first = reversed(list(self.packages.values()))
        rows = [(p.name, [(k, p.values.get(k, "")) for k in PACKAGE_LIST_KEYS]) for p in newest_first]
        return render(rows, _fmt(args, 1), "PKG_NAME", _PACKAGE_COLUMNS)

    @command("v-list-user-ips", "USER [FORMAT]")
    def v_list_user_ips(self, *args: str) -> str:
        """The user's own IPs plus the admin's shared ones (§6.10)."""
        self.need_args(args, 1, "v-list-user-ips")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        root = self.settings.root_user
        rows = [
            (ip.address, list(zip(USER_IP_KEYS, (ip.owner, ip.status, ip.name, ip.nat), strict=True)))
            for ip in self.ips.values()
            if ip.owner == user.name or (ip.owner == root and ip.status == "shared")
        ]
        # Like v-list-user, the inner closing brace is indented by 8 spaces (§13.7).
        return render(rows, _fmt(args, 2), "IP", _IP_COLUMNS, inner_close=8)

    @command("v-list-fs-directory", "USER [DIRECTORY]", usage="[PATH]")
    def v_list_fs_directory(self, *args: str) -> str:
        """`find DIR -maxdepth 1 -printf ...` over the real tree; the home check is unanchored (§7)."""
        name, directory = arg(args, 1), arg(args, 2)
        if not name:
            # This script tests `-z "$user"` itself and prints a usage line without its own name.
            raise HestiaExit(E_ARGS, "Usage: USER [PATH]")
        user = self.user_of(name)
        home = f"/home/{user.name}"
        target = home
        if directory:
            absolute = directory if directory.startswith("/") else f"{_API_CWD}/{directory}"
            resolved = self.fs.readlink_f(absolute)
            if resolved is None or not is_domain_inside(resolved, home):
                raise fail(E_INVALID, f"invalid path {directory}")
            target = resolved
        lines = self.fs.list_directory(target, user.name)
        if lines is None:
            raise HestiaExit(E_ARGS, "")  # find's own exit status, nothing on stdout (§7)
        return "\n".join(lines)

    def _user_value(self, user: User, key: str) -> str:
        return f"/home/{user.name}" if key == "HOME" else user.conf.get(key, "")
