"""The access-key listings: v-list-access-key and v-list-api (HESTIA_API.md §2.5), in Hestia's exact formats."""

from __future__ import annotations

import posixpath
import re

from hestia_mock.commands.checks import Checks, arg
from hestia_mock.commands.registry import command
from hestia_mock.state import E_INVALID, E_NOTEXIST, fail

_KEY_ID_RE = re.compile(r"[A-Za-z0-9]{20}")


def _json_list(items: tuple[str, ...]) -> str:
    """`["a", "b"]` as the scripts build it with sed (`[]` when empty)."""
    return "[" + ", ".join(f'"{item}"' for item in items) + "]" if items else "[]"


def _echo_words(value: str) -> str:
    """An unquoted `$VAR` inside echo's argument: word splitting folds every run of blanks into one space."""
    return " ".join(value.split())


class KeyCommands(Checks):
    """v-list-access-key ACCESS_KEY_ID [FORMAT], v-list-api API [FORMAT]."""

    @command("v-list-access-key", "ACCESS_KEY_ID [FORMAT]")
    def v_list_access_key(self, *args: str) -> str:
        """One key file; the output holds SECRET_ACCESS_KEY in clear, as Hestia prints it (json, shell, plain)."""
        self.need_args(args, 1, "v-list-access-key")
        key_id, fmt = arg(args, 1), args[1] if len(args) > 1 else "shell"
        if not _KEY_ID_RE.fullmatch(key_id):
            raise fail(E_INVALID, f"invalid access_key_id format :: {key_id}")
        key = self.access_keys.get(posixpath.basename(key_id))
        if key is None:
            raise fail(E_NOTEXIST, f"key {key_id} doesn't exist")
        user = key.user or self.settings.root_user  # old key files have no USER (the script's comment)
        permissions = ",".join(key.permissions)
        if fmt == "json":
            return "\n".join((
                "{",
                f'    "ACCESS_KEY_ID": "{key_id}",',
                f'    "SECRET_ACCESS_KEY": "{key.secret}",',
                f'    "USER": "{user}",',
                f'    "PERMISSIONS": {_json_list(key.permissions)},',
                f'    "COMMENT": "{_echo_words(key.comment)}",',
                f'    "TIME": "{key.time}",',
                f'    "DATE": "{key.date}"',
                "}",
            ))  # fmt: skip
        if fmt == "shell":
            return "\n".join((
                f"ACCESS_KEY_ID:      {key_id}",
                f"SECRET_ACCESS_KEY:  {key.secret}",
                f"USER:               {user}",
                f"PERMISSIONS:        {permissions}",
                f"COMMENT:            {key.comment}",
                f"TIME:               {key.time}",
                f"DATE:               {key.date}",
            ))  # fmt: skip
        return f"{key_id}:{key.secret}" if fmt == "plain" else ""

    @command("v-list-api", "API [FORMAT]")
    def v_list_api(self, *args: str) -> str:
        """One permission profile of $HESTIA/data/api (json, shell); a missing one is exit 2 (E_INVALID)."""
        self.need_args(args, 1, "v-list-api")
        name, fmt = arg(args, 1), args[1] if len(args) > 1 else "shell"
        profile = self.profiles.get(name)
        if profile is None:
            raise fail(E_INVALID, f"API {name} doesn't exist")
        if fmt == "json":
            return "\n".join((
                "{",
                f'    "API": "{name}",',
                f'    "ROLE": "{profile.role}",',
                f'    "COMMANDS": {_json_list(profile.commands)}',
                "}",
            ))  # fmt: skip
        if fmt == "shell":
            return "\n".join((
                f"API:           {name}",
                f"ROLE:          {profile.role}",
                f"COMMANDS:      {','.join(profile.commands)}",
            ))  # fmt: skip
        return ""
