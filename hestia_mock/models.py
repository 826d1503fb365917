"""The fake HestiaCP's state and behaviour, with no HTTP in it (moto's `models.py`).

`Backend` holds settings, access keys and profiles, the legacy admin password, users (user.conf), packages,
IPs, web domains (web.conf), FTP accounts and the system-wide /etc/passwd names, plus a real directory tree.
Its methods are named after the Hestia scripts (`v_add_web_domain_ftp(*args)`): each takes the script's
positional arguments as strings, returns the script's stdout, and raises `HestiaExit(code, stdout)`
on failure.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from hestia_mock.commands.auth import AuthChecks
from hestia_mock.commands.fs import FsCommands
from hestia_mock.commands.ftp import FtpCommands
from hestia_mock.commands.keys import KeyCommands
from hestia_mock.commands.lists import ListCommands
from hestia_mock.commands.login import LoginCommands
from hestia_mock.commands.registry import COMMANDS, CommandSpec
from hestia_mock.commands.users import UserCommands
from hestia_mock.commands.web import WebCommands
from hestia_mock.fs import MockFs
from hestia_mock.seeds import apply_seed, read_seed
from hestia_mock.state import (
    AccessKey,
    ApiProfile,
    HestiaExit,
    Ip,
    Package,
    PasswdEntry,
    Settings,
    User,
    WebDomain,
    verify_password,
)

__all__ = [
    "COMMANDS",
    "AccessKey",
    "ApiProfile",
    "Backend",
    "CommandSpec",
    "HestiaExit",
    "Ip",
    "Package",
    "PasswdEntry",
    "Settings",
    "User",
    "WebDomain",
]


class Backend(FtpCommands, WebCommands, UserCommands, ListCommands, LoginCommands, KeyCommands, AuthChecks,
              FsCommands):
    """One fake Hestia server; thread-safe (every command and query runs under `self.lock`)."""

    def __init__(self, root: Path | None = None, clock: Callable[[], datetime] = datetime.now) -> None:
        self._owns_root = root is None
        root = Path(tempfile.mkdtemp(prefix="hestia-mock-")) if root is None else Path(root)
        root.mkdir(parents=True, exist_ok=True)
        super().__init__(MockFs(root), clock)

    @property
    def root(self) -> Path:
        """The real folder that stands for `/` (home/USER/web/DOMAIN/... lives under it)."""
        return self.fs.root

    def reset(self) -> None:
        """Forget everything (files included): an empty server without users."""
        self.clear()

    def load_seed(self, seed: str | Path | Mapping[str, Any]) -> None:
        """Replace the whole state with a seed: a shipped name (`demo`, `empty`), a JSON file or a mapping."""
        data = read_seed(seed)
        with self.lock:
            self.clear()
            apply_seed(self, data)

    def has_command(self, name: str) -> bool:
        """Whether the script exists (`$BIN/<cmd>`)."""
        return name in COMMANDS

    def run(self, name: str, args: list[str] | tuple[str, ...]) -> tuple[int, str]:
        """Run a script by name: (exit code, stdout). An unknown script is sudo's exit 1 with no stdout."""
        spec = COMMANDS.get(name)
        if spec is None:
            return 1, ""
        try:
            return 0, getattr(self, spec.method)(*args)
        except HestiaExit as exc:
            return exc.code, exc.message

    def ftp_login(self, name: str, password: str) -> Path | None:
        """The real home folder when an FTP account may log in now with this password, else None (§4.5)."""
        with self.lock:
            entry = self.passwd.get(name)
            if entry is None or entry.kind != "ftp" or entry.locked or not verify_password(password, entry.hash):
                return None
            home = self.fs.real(entry.home)
            return home if home.is_dir() else None

    def ftp_home(self, name: str) -> Path | None:
        """The real folder an FTP account logs in to (its /etc/passwd home), or None."""
        with self.lock:
            entry = self.passwd.get(name)
            return self.fs.real(entry.home) if entry is not None and entry.kind == "ftp" else None

    def ftp_account_active(self, name: str) -> bool:
        """Whether the FTP account still exists and is not locked (checked on every FTP operation)."""
        with self.lock:
            entry = self.passwd.get(name)
            return entry is not None and entry.kind == "ftp" and not entry.locked

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON-ready data (GET /_mock/state); secrets are masked, hashes kept."""
        with self.lock:
            return {
                "settings": asdict(self.settings),
                "users": {
                    name: {
                        # The TOTP secret is masked like the access keys' (tests read it from the seed).
                        "conf": {k: "***" if k in ("TWOFA", "QRCODE") and v else v for k, v in u.conf.items()},
                        "web_domains": {d: dict(w.conf) for d, w in u.domains.items()},
                        "login_history": [dict(line) for line in u.logins],
                    }
                    for name, u in self.users.items()
                },
                "packages": {name: dict(p.values) for name, p in self.packages.items()},
                "ips": {address: asdict(ip) for address, ip in self.ips.items()},
                "profiles": {name: {"role": p.role, "commands": list(p.commands)} for name, p in self.profiles.items()},
                "access_keys": {
                    k: {
                        "user": key.user,
                        "permissions": list(key.permissions),
                        "comment": key.comment,
                        "secret": "***",
                    }
                    for k, key in self.access_keys.items()
                },
                "passwd": {
                    n: {"kind": e.kind, "home": e.home, "owner": e.owner, "locked": e.locked}
                    for n, e in self.passwd.items()
                    if e.kind != "system"
                },
                "auth_log": list(self.auth_log),
                "root": str(self.root),
            }

    def close(self) -> None:
        """Delete the temporary root folder if this backend created it."""
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)
