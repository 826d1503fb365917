"""The authentication helpers the API calls before a command (v-check-access-key and friends, §2.1, §2.2)."""

from __future__ import annotations

import posixpath
import re

from hestia_mock.commands.checks import Checks
from hestia_mock.commands.registry import COMMANDS
from hestia_mock.state import E_FORBIDDEN, E_PASSWORD, HestiaExit, verify_password

_KEY_ID_RE = re.compile(r"[A-Za-z0-9]{20}")
_SECRET_RE = re.compile(r"[A-Za-z0-9|_.+/^~=%-]{40}")


class AuthChecks(Checks):
    """What the PHP API asks Hestia before running a command."""

    def v_check_access_key(
        self, key_id: str, secret: str, command: str, ip: str = "127.0.0.1"
    ) -> tuple[str, int]:
        """The key's owner and the position of the command's USER option (0: no check), or HestiaExit.

        Every failure exits 9 except the two command checks, which exit 10 (`abort_missmatch`). Each call appends
        its auth.log line: `DATE TIME KEY IP CMD successfully launched` or `DATE TIME KEY IP failed to login`.
        """
        with self.lock:
            key_id = posixpath.basename(key_id)
            time, date = self.timestamp()
            try:
                owner, position = self._checked_access_key(key_id, secret, command)
            except HestiaExit:
                self.auth_log.append(f"{date} {time} {key_id or 'api'} {ip} failed to login")
                raise
            self.auth_log.append(f"{date} {time} {key_id} {ip} {command} successfully launched")
            return owner, position

    def _checked_access_key(self, key_id: str, secret: str, command: str) -> tuple[str, int]:
        """The checks of v-check-access-key, in its order."""
        if not _KEY_ID_RE.fullmatch(key_id):
            raise _denied(E_PASSWORD, f"invalid access_key_id format :: {key_id}")
        key = self.access_keys.get(key_id)
        if key is None:
            raise _denied(E_PASSWORD, f"key {key_id} doesn't exist")
        if not _SECRET_RE.fullmatch(secret):
            raise _denied(E_PASSWORD, "invalid secret_access_key format")
        if key.secret != secret:
            raise _denied(E_PASSWORD, f"Invalid secret key for key {key_id}")
        position = self._command_position(key_id, key.user, key.permissions, command)
        user = self.users.get(key.user)
        if user is None:
            raise _denied(E_PASSWORD, f"user {key.user} doesn't exist")
        if user.suspended:
            raise _denied(E_PASSWORD, f"user {key.user} is suspended")
        return key.user, position

    def _command_position(self, key_id: str, owner: str, permissions: tuple[str, ...], command: str) -> int:
        """`check_access_key_cmd`: the script must exist, then be in one of the key's profiles."""
        special = command == "v-make-tmp-file"
        if not special and command not in COMMANDS:
            raise _denied(E_FORBIDDEN, f"Command {command} not found")
        root = self.settings.root_user
        allowed = {c for p in permissions if p in self.profiles for c in self.profiles[p].commands}
        if (permissions and command not in allowed) or (not permissions and owner != root):
            raise _denied(E_FORBIDDEN, f"Key {key_id} don't have permission to run the command {command}")
        if owner == root or special:
            return 0
        return COMMANDS[command].user_position

    def check_root_password(self, password: str) -> bool:
        """The legacy user/password login (salt + hash check of ROOT_USER, §2.2 step 3)."""
        with self.lock:
            entry = self.passwd.get(self.settings.root_user)
            return entry is not None and verify_password(password, entry.hash)

    def check_legacy_key(self, key: str, ip: str = "127.0.0.1") -> bool:
        """`v-check-api-key` on data/keys/<basename(hash)>; key files under 16 characters fail (§2.2).

        Like the script, it appends `DATE TIME api IP successfully launched` or `... failed to login` to auth.log.
        """
        with self.lock:
            name = posixpath.basename(key)
            valid = len(name) >= 16 and name in self.legacy_keys
            time, date = self.timestamp()
            outcome = "successfully launched" if valid else "failed to login"
            self.auth_log.append(f"{date} {time} api {ip} {outcome}")
            return valid

    def make_tmp_file(self, content: str, name: str) -> None:
        """`v-make-tmp-file`: the PHP code writes arg1 plus a newline to /tmp/<basename(arg2)>."""
        with self.lock:
            target = posixpath.join("/tmp", posixpath.basename(name) or "unnamed")  # noqa: S108 - inside the mock root
            self.fs.write(target, content + "\n")


def _denied(code: int, text: str) -> HestiaExit:
    return HestiaExit(code, f"Error: {text}")
