"""The FTP account scripts (HESTIA_API.md §4), quirks included."""

from __future__ import annotations

import re

from hestia_mock.commands.checks import Checks, arg, format_domain
from hestia_mock.commands.registry import command
from hestia_mock.fs import hestia_regex, is_domain_inside, relative_to_domain
from hestia_mock.state import (
    E_EXISTS,
    E_INVALID,
    E_NOTEXIST,
    HestiaExit,
    PasswdEntry,
    User,
    WebDomain,
    fail,
    hash_password,
)

PAM_ERROR = "Error: Password not accepted due to PAM restrictions"


class FtpCommands(Checks):
    """v-add-web-domain-ftp, v-change-web-domain-ftp-password/-path, v-delete-web-domain-ftp."""

    @command("v-add-web-domain-ftp", "USER DOMAIN FTP_USER FTP_PASSWORD [FTP_PATH]", secret=(4,))
    def v_add_web_domain_ftp(self, *args: str) -> str:
        """Add `USER_suffix` to a web domain; arg3 is the suffix only (§4.1)."""
        self.need_args(args, 4, "v-add-web-domain-ftp")
        name, domain_name = arg(args, 1), format_domain(arg(args, 2))
        full, password, raw_path = f"{name}_{arg(args, 3)}", arg(args, 4), arg(args, 5)
        user, domain = self._ftp_target(name, domain_name, full)
        if full in self.passwd:
            raise fail(E_EXISTS, f"ftp user {full} already exists")
        domain_dir = f"/home/{name}/web/{domain.name}"
        home = self._checked_ftp_dir(domain_dir, raw_path) if raw_path else domain_dir
        # The folder exists by now. useradd refuses a home holding ':' (its exit status is not checked), then
        # chpasswd fails for the missing account: the PAM message, no account (HESTIA_API.md §13.1).
        if not password or ":" in home:
            raise HestiaExit(E_INVALID, PAM_ERROR)
        entry = PasswdEntry(full, "ftp", home, hash_password(password), owner=user.name)
        self.passwd[full] = entry
        conf = domain.conf
        if "FTP_PATH" not in conf:
            _insert_before(conf, "FTP_PATH", "", "PROXY")
        if conf.get("FTP_USER"):
            # Only later accounts get the normalised relative path; the first keeps the raw argument (§4).
            conf["FTP_USER"] += f":{full}"
            conf["FTP_MD5"] = f"{conf.get('FTP_MD5', '')}:{entry.hash}"
            conf["FTP_PATH"] = f"{conf['FTP_PATH']}:{relative_to_domain(home, domain_dir)}"
        else:
            conf.update(FTP_USER=full, FTP_MD5=entry.hash, FTP_PATH=raw_path)
        return ""

    @command("v-change-web-domain-ftp-password", "USER DOMAIN FTP_USER FTP_PASSWORD", secret=(4,))
    def v_change_web_domain_ftp_password(self, *args: str) -> str:
        """Set a new password for the full FTP name (§4.2)."""
        self.need_args(args, 4, "v-change-web-domain-ftp-password")
        name, full, password = arg(args, 1), arg(args, 3), arg(args, 4)
        _, domain = self._ftp_target(name, format_domain(arg(args, 2)), full)
        position = _ftp_position(domain, full)
        entry = self.passwd.get(full)
        if entry is None or not password:
            raise HestiaExit(E_INVALID, PAM_ERROR)
        # usermod --lock state survives chpasswd only as far as the shadow prefix goes; keep it
        entry.hash = ("!" if entry.locked else "") + hash_password(password)
        _set_at(domain.conf, "FTP_MD5", position, entry.hash)
        return ""

    @command("v-change-web-domain-ftp-path", "USER DOMAIN FTP_USER FTP_PATH")
    def v_change_web_domain_ftp_path(self, *args: str) -> str:
        """Move an FTP account to another folder; always stores the normalised path (§4.3)."""
        self.need_args(args, 4, "v-change-web-domain-ftp-path")
        name, full, raw_path = arg(args, 1), arg(args, 3), arg(args, 4)
        _, domain = self._ftp_target(name, format_domain(arg(args, 2)), full)
        position = _ftp_position(domain, full)
        domain_dir = f"/home/{name}/web/{domain.name}"
        home = self._checked_ftp_dir(domain_dir, raw_path)
        entry = self.passwd.get(full)
        if entry is not None:
            entry.home = home
        _set_at(domain.conf, "FTP_PATH", position, relative_to_domain(home, domain_dir))
        return ""

    @command("v-delete-web-domain-ftp", "USER DOMAIN FTP_USER")
    def v_delete_web_domain_ftp(self, *args: str) -> str:
        """Delete an FTP account; no suspension check, so it works on suspended domains (§4.4)."""
        self.need_args(args, 3, "v-delete-web-domain-ftp")
        name, domain_name, full = arg(args, 1), format_domain(arg(args, 2)), arg(args, 3)
        self._check_ftp_formats(name, domain_name, full)
        self.check_web_system()
        domain = self.domain_of(self.user_of(name), domain_name)
        position = _ftp_position(domain, full)
        self.passwd.pop(full, None)
        conf = domain.conf
        users = _without(conf.get("FTP_USER", ""), position)
        conf["FTP_USER"] = ":".join(u for u in users.split(":") if u)  # sed '/^$/d' on the names only
        conf["FTP_MD5"] = _without(conf.get("FTP_MD5", ""), position)
        if "FTP_PATH" in conf:
            conf["FTP_PATH"] = _without(conf["FTP_PATH"], position)
        return ""

    def _check_ftp_formats(self, name: str, domain_name: str, full: str) -> None:
        self.check_user_format(name)
        self.check_domain_format(domain_name)
        self.check_user_format(full, "ftp_user")

    def _ftp_target(self, name: str, domain_name: str, full: str) -> tuple[User, WebDomain]:
        """The shared check sequence of add/change: formats, WEB_SYSTEM, user and domain active (§4.1)."""
        self._check_ftp_formats(name, domain_name, full)
        self.check_web_system()
        user = self.user_of(name)
        self.check_user_active(user)
        domain = self.domain_of(user, domain_name)
        self.check_domain_active(domain)
        return user, domain

    def _checked_ftp_dir(self, domain_dir: str, raw_path: str) -> str:
        """`readlink -f` + the unanchored containment grep; a missing last level is created (§4.1)."""
        absolute = self.fs.readlink_f(f"{domain_dir}/{raw_path}")
        if absolute is None or not is_domain_inside(absolute, domain_dir):
            raise fail(E_INVALID, f"absolute path {absolute or ''} is invalid")
        if not self.fs.exists(absolute):
            self.fs.mkdir(absolute, 0o751)
        return absolute


def _ftp_position(domain: WebDomain, full: str) -> int:
    """Index of the account in FTP_USER, matched with `grep ^name$` (so `.` is a wildcard)."""
    pattern = hestia_regex(full)
    for index, entry in enumerate(domain.conf.get("FTP_USER", "").split(":")):
        if entry and re.fullmatch(pattern, entry):
            return index
    raise fail(E_NOTEXIST, f"account {full} doesn't exist")


def _set_at(conf: dict[str, str], key: str, index: int, value: str) -> None:
    """Replace one colon-list entry; a list too short to have it stays unchanged, as the sed does."""
    items = conf.get(key, "").split(":")
    if index < len(items):
        items[index] = value
        conf[key] = ":".join(items)


def _without(joined: str, index: int) -> str:
    items = joined.split(":")
    return ":".join(item for i, item in enumerate(items) if i != index)


def _insert_before(conf: dict[str, str], key: str, value: str, anchor: str) -> None:
    """`add_object_key`: a new key placed just before `anchor` (or at the end)."""
    items = list(conf.items())
    at = next((i for i, (k, _) in enumerate(items) if k == anchor), len(items))
    items.insert(at, (key, value))
    conf.clear()
    conf.update(items)
