"""Least privilege: the API profile the bridge ships, and what the configured key may run (HESTIA_API.md §2.5).

Hestia logs every refused command as a failed login and fail2ban bans an address after five (§2.1, §2.6), so
a key's rights are never probed command by command. :func:`read_key_rights` reads the key's own file
(``v-list-access-key``, first: the shipped profile allows it) and then its profiles (``v-list-api``). Hestia's
shipped profiles are known by name and never asked about, because none of them allows ``v-list-api``: asking
would itself be a refused call. At most one refused call can happen, when a custom profile lacks
``v-list-api``; it is reported as such.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.commands import COMMANDS
from puq_hestia.hestia.errors import ForbiddenError, InvalidInputError
from puq_hestia.hestia.models import AccessKeyInfo, ApiProfile

__all__ = ["PROFILE_DIR", "PROFILE_NAME", "SHIPPED_PROFILES", "KeyRights", "add_key_command",
           "describe_rights", "needed_commands", "profile_file", "read_key_rights"]

PROFILE_NAME = "puq-hestia"
PROFILE_DIR = "/usr/local/hestia/data/api"

#: The profiles HestiaCP 1.10.3 installs in data/api/ (install/common/api/), with their commands. None holds an
#: FTP command or v-list-api.
SHIPPED_PROFILES: dict[str, ApiProfile] = {
    profile.name: profile for profile in (
        ApiProfile("billing", "admin", (
            "v-add-user", "v-delete-user", "v-suspend-user", "v-unsuspend-user", "v-change-user-shell",
            "v-list-user", "v-list-users", "v-make-tmp-file", "v-add-domain", "v-change-user-package",
            "v-change-user-password")),
        ApiProfile("list-all-user-objects", "admin", (
            "v-list-all-web-domains", "v-list-all-mail-domains", "v-list-all-dns-domains", "v-list-all-databases")),
        ApiProfile("phpmyadmin-sso", "admin", (
            "v-add-database-temp-user", "v-delete-database-temp-user", "v-add-database-temp-user-all",
            "v-delete-database-temp-user-all")),
        ApiProfile("purge-nginx-cache", "user", ("v-purge-nginx-cache", "v-list-web-domains", "v-list-web-domain")),
        ApiProfile("sync-dns-cluster", "admin", (
            "v-list-users", "v-list-sys-config", "v-list-user", "v-add-cron-restart-job", "v-delete-dns-domains-src",
            "v-insert-dns-domain", "v-insert-dns-record", "v-insert-dns-records", "v-rebuild-dns-domains",
            "v-delete-dns-record", "v-make-tmp-file")),
        ApiProfile("update-dns-records", "user", ("v-list-dns-records", "v-change-dns-record")),
    )
}  # fmt: skip


def needed_commands() -> tuple[str, ...]:
    """Every command the bridge runs: exactly the command table, sorted."""
    return tuple(sorted(COMMANDS))


def add_key_command(owner: str = "admin", profile: str = PROFILE_NAME) -> str:
    """The shell line that creates the bridge's key with PROFILE for OWNER (the administrator)."""
    return " ".join(shlex.quote(part) for part in ("v-add-access-key", owner, profile, "puq-hestia bridge", "json"))


def profile_file(name: str = PROFILE_NAME, owner: str = "admin") -> str:
    """The profile file to save as PROFILE_DIR/NAME; its comments are skipped by Hestia's source_conf."""
    return "\n".join((
        f"# {PROFILE_DIR}/{name}: the Hestia commands puq-hestia runs, and no other.",
        "# Save it as root (owner root, mode 644). ROLE admin: the bridge acts on the users it provisions.",
        "ROLE='admin'",
        f"COMMANDS='{','.join(needed_commands())}'",
        "# Then create the bridge's key with this profile (it prints the key and its secret once):",
        f"#   {add_key_command(owner, name)}",
        "",
    ))


@dataclass(frozen=True)
class KeyRights:
    """What one access key may run, as its own key file and profiles say."""

    key: AccessKeyInfo
    profiles: tuple[ApiProfile, ...] = ()
    unread: tuple[str, ...] = ()  # profiles whose commands could not be read (the key lacks v-list-api)
    absent: tuple[str, ...] = ()  # profiles the key names that do not exist at Hestia (they grant nothing)
    refused_call: str = ""  # the one refused call made while reading (empty: none)

    @property
    def every_command(self) -> bool:
        """A key without profiles runs every command (only the administrator's keys can be like this)."""
        return not self.key.permissions

    @property
    def allowed(self) -> frozenset[str]:
        """The commands the read profiles grant."""
        return frozenset(command for profile in self.profiles for command in profile.commands)

    def may_run(self, command: str) -> bool | None:
        """True or False; None when a profile could not be read and the command is not in the others."""
        if self.every_command or command in self.allowed:
            return True
        return None if self.unread else False

    def missing(self) -> tuple[str, ...]:
        """The needed commands the key certainly may not run."""
        return tuple(command for command in needed_commands() if self.may_run(command) is False)

    def unknown(self) -> tuple[str, ...]:
        """The needed commands that depend on a profile that could not be read."""
        return tuple(command for command in needed_commands() if self.may_run(command) is None)

    def extra(self) -> tuple[str, ...]:
        """Commands the key may run that the bridge never needs (empty for a key with every command)."""
        return tuple(sorted(self.allowed - set(COMMANDS)))


def read_key_rights(client: HestiaClient, key_id: str) -> KeyRights:
    """The key's rights from its own file and profiles, with at most one refused call (see the module text)."""
    key = client.access_key(key_id)  # a refusal here propagates: nothing else can be read
    if not key.permissions:
        return KeyRights(key)
    profiles: list[ApiProfile] = [SHIPPED_PROFILES[name] for name in key.permissions if name in SHIPPED_PROFILES]
    custom = sorted((name for name in key.permissions if name not in SHIPPED_PROFILES),
                    key=lambda name: name != PROFILE_NAME)  # ours first: it surely allows v-list-api
    absent: list[str] = []
    if custom and "v-list-api" not in {command for profile in profiles for command in profile.commands}:
        first, custom = custom[0], custom[1:]
        try:
            _read_profile(client, first, profiles, absent)
        except ForbiddenError:
            return KeyRights(key, tuple(profiles), (first, *custom), refused_call=f"v-list-api {first}")
    unread: list[str] = []
    for name in custom:
        try:
            _read_profile(client, name, profiles, absent)
        except ForbiddenError:  # only when the key changed meanwhile: one v-list-api already passed
            unread.append(name)
    return KeyRights(key, tuple(profiles), tuple(unread), tuple(absent))


def _read_profile(client: HestiaClient, name: str, profiles: list[ApiProfile], absent: list[str]) -> None:
    """Append profile NAME to PROFILES, or its name to ABSENT when Hestia has no such profile (exit 2)."""
    try:
        profiles.append(client.api_profile(name))
    except InvalidInputError:
        absent.append(name)


_MARKS = {True: "may run", False: "MISSING", None: "unknown"}


def describe_rights(rights: KeyRights, url: str) -> list[str]:
    """Lines for an operator: the key, one indented line per needed command, then the verdict."""
    key = rights.key
    lines = [f"key {key.key_id} of {key.user or 'the administrator'} at {url}, "
             f"profiles: {', '.join(key.permissions) or 'none'}"]
    lines += [f"  {_MARKS[rights.may_run(command)]:<8} {command}" for command in needed_commands()]
    if rights.refused_call:
        lines.append(f"note: one refused call was made ({rights.refused_call}); Hestia logs it as a failed login")
    if rights.absent:
        lines.append(f"note: the key names profiles Hestia does not have: {', '.join(rights.absent)}")
    missing, unknown = rights.missing(), rights.unknown()
    if missing:
        lines.append(f"FAILED: the key may not run {len(missing)} of the {len(needed_commands())} commands "
                     f"puq-hestia needs ({', '.join(missing)}); give it puq-hestia's profile "
                     "(puq-hestia hestia-profile)")
    elif unknown:
        lines.append(f"FAILED: the key may not run v-list-api, so its profiles ({', '.join(rights.unread)}) cannot "
                     "be read; give it puq-hestia's profile (puq-hestia hestia-profile)")
    elif rights.every_command:
        lines.append("ok: the key has no profile, so it may run all commands (more than needed); a key with "
                     "puq-hestia's profile is enough (puq-hestia hestia-profile)")
    else:
        extra = rights.extra()
        more = f", and {len(extra)} it never uses ({', '.join(extra)})" if extra else ""
        lines.append(f"ok: the key may run every command puq-hestia needs{more}")
    return lines
