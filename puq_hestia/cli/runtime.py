"""What every `puq-hestia` command shares: the runtime (settings, store, clients), exit codes, parser helpers."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, TextIO

from puq_hestia.auth.sso import SsoSigner
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import ConfigError
from puq_hestia.hestia.transport import Transport
from puq_hestia.intents import IntentLog
from puq_hestia.settings import ServerSettings, Settings
from puq_hestia.store import Store

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "Runtime", "UsageError", "command_parser", "server_option"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A wrong argument or configuration: printed, exit status 2."""


class Runtime:
    """What a command needs, opened lazily from the settings and closed at the end."""

    def __init__(self, args: argparse.Namespace, out: TextIO, stack: ExitStack) -> None:
        self.args = args
        self.out = out
        self._stack = stack
        self._settings: Settings | None = None
        self._store: Store | None = None

    @property
    def settings(self) -> Settings:
        """The loaded settings (UsageError when the file is missing or invalid)."""
        if self._settings is None:
            try:
                self._settings = Settings.load(self.args.config)
            except ConfigError as error:
                raise UsageError(str(error)) from None
        return self._settings

    def server(self) -> ServerSettings:
        """The server named by --server, or the default one."""
        try:
            return self.settings.server(getattr(self.args, "server", None))
        except ConfigError as error:
            raise UsageError(str(error)) from None

    def client(self, server: ServerSettings, *, journal: bool = True) -> HestiaClient:
        """A client for SERVER whose changes are written down first (DESIGN.md §7), closed at the end."""
        wait = self.settings.store.lock_timeout_s
        log = IntentLog(self.store, server.id, wait=wait) if journal else None
        transport = Transport(server.config, journal=log)
        client = HestiaClient(server.config, transport=transport)
        self._stack.callback(client.close)
        return client

    @property
    def store(self) -> Store:
        """The bridge's store, closed when the command ends."""
        if self._store is None:
            self._store = self._stack.enter_context(Store(self.settings.database_url, options=self.settings.store))
        return self._store

    def signer(self) -> SsoSigner:
        """The single-sign-on signer of the panel."""
        return SsoSigner(self.settings.secret_key, self.settings.public_url)

    def print(self, text: str) -> None:
        """Write one line of output."""
        print(text, file=self.out)


def command_parser(sub: Any, name: str, handler: Callable[[Runtime], int] | None, text: str) -> Any:
    parser = sub.add_parser(name, help=text, description=text)
    parser.set_defaults(handler=handler)
    return parser


def server_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help="server id (default: the configured default server)")

