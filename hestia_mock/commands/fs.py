"""Filesystem scripts that change something: v-add-fs-directory (HESTIA_API.md §7), for the folder offer of issue 19.

The script checks its arguments itself (no func/main.sh helpers), so its messages differ from the other scripts':
"hestia user X doesn't exist", "invalid destination path X" (read in hestiacp/hestiacp bin/v-add-fs-directory).
"""

from __future__ import annotations

from hestia_mock.commands.checks import Checks, arg
from hestia_mock.commands.registry import command
from hestia_mock.state import E_ARGS, E_INVALID, E_NOTEXIST, HestiaExit, fail


class FsCommands(Checks):
    """v-add-fs-directory."""

    @command("v-add-fs-directory", "USER DIRECTORY")
    def v_add_fs_directory(self, *args: str) -> str:
        """`readlink -f DIR` must start with /tmp or the home (prefix, no trailing slash), then `mkdir -p` as USER."""
        name, directory = arg(args, 1), arg(args, 2)
        if not directory:
            raise HestiaExit(E_ARGS, "Usage: USER DIRECTORY")
        if name not in self.users:
            raise fail(E_NOTEXIST, f"hestia user {name} doesn't exist")
        resolved = self.fs.readlink_f(directory) if directory.startswith("/") else None
        home = f"/home/{name}"
        if resolved is None or not (resolved.startswith("/tmp") or resolved.startswith(home)):  # noqa: S108 - Hestia's rule
            raise fail(E_INVALID, f"invalid destination path {directory}")
        if self.fs.exists(resolved) and not self.fs.real(resolved).is_dir():
            raise fail(E_NOTEXIST, f"directory {directory} was not created")  # mkdir -p fails on a file
        self.fs.mkdir(resolved, 0o755)  # mkdir as the user: its umask 022
        return ""
