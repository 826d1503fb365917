"""The table of implemented commands: name, `# options:` header, secret arguments."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

Method = TypeVar("Method", bound=Callable[..., str])


@dataclass(frozen=True)
class CommandSpec:
    """One v-* script as the API sees it."""

    name: str
    options: str  # the script's `# options:` header line
    method: str  # the Backend method implementing it
    secret_args: frozenset[int]  # 1-based positions masked in the calls log
    usage: str  # what check_args prints after the script name

    @property
    def user_position(self) -> int:
        """Position of the USER option, as search_command_arg_position finds it (0 = none, §2.1 step 8)."""
        for index, option in enumerate(self.options.split(), start=1):
            if option.strip("[]").upper() == "USER":
                return index
        return 0


COMMANDS: dict[str, CommandSpec] = {}


def command(
    name: str, options: str, secret: tuple[int, ...] = (), usage: str | None = None
) -> Callable[[Method], Method]:
    """Register a Backend method as the script `name`; calls run under the state lock."""

    def register(func: Method) -> Method:
        COMMANDS[name] = CommandSpec(name, options, func.__name__, frozenset(secret), usage or options)

        @functools.wraps(func)
        def locked(self: Any, *args: str) -> str:
            with self.lock:
                return func(self, *args)

        return locked  # type: ignore[return-value]

    return register
