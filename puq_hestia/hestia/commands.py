"""The table of Hestia commands the bridge may run, and the local checks made before any of them is sent.

Each :class:`CommandSpec` names the command's arguments in Hestia's order (the ``# options:`` line of
the script), which of them are secret (masked in every log line and error text), whether the command is
read-only (which decides what the transport may retry, SECURITY.md 20) and whether it prints data on
success (which decides how the legacy login reads the result, HESTIA_API.md §2.2). A command outside the
table, or an argument with a control character, is refused here, before any network I/O (SECURITY.md 3).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from puq_hestia.hestia.errors import HestiaUsageError

#: What replaces a secret value in logs and error texts.
MASK = "***"

# The API reads at most arg1 … arg13 (HESTIA_API.md §2).
MAX_ARGS = 13


@dataclass(frozen=True)
class CommandSpec:
    """One Hestia command: its argument names in order, which are secret, and how it behaves."""

    name: str
    args: tuple[str, ...]
    required: int
    secret: frozenset[str] = frozenset()
    read_only: bool = False
    returns_data: bool = False

    def check(self, values: Sequence[str]) -> None:
        """Refuse (HestiaUsageError) a wrong argument count or an argument with a control character."""
        if not self.required <= len(values) <= len(self.args):
            expected = f"{self.required} to {len(self.args)} arguments ({self.usage})"
            raise HestiaUsageError(f"{self.name} takes {expected}, got {len(values)}")
        for arg_name, value in zip(self.args, values, strict=False):
            if not isinstance(value, str):
                raise HestiaUsageError(f"{self.name}: argument {arg_name} must be a string")
            if has_control_character(value):
                # Never echo the value: it may be a password.
                raise HestiaUsageError(f"{self.name}: argument {arg_name} contains a control character")

    def secret_values(self, values: Sequence[str]) -> list[str]:
        """Return the values passed in secret positions (to be masked wherever they could be echoed)."""
        return [value for arg_name, value in zip(self.args, values, strict=False) if arg_name in self.secret]

    def masked(self, values: Sequence[str]) -> list[str]:
        """Return the argument values with every secret one replaced by :data:`MASK`."""
        return [
            MASK if arg_name in self.secret else value
            for arg_name, value in zip(self.args, values, strict=False)
        ]

    @property
    def usage(self) -> str:
        """Hestia-style usage text: ``USER DOMAIN [FORMAT]``."""
        names = [name.upper() for name in self.args]
        return " ".join(name if i < self.required else f"[{name}]" for i, name in enumerate(names))


def _spec(
    name: str,
    options: str,
    *,
    secret: Iterable[str] = (),
    read_only: bool = False,
    returns_data: bool = False,
) -> CommandSpec:
    """Build a spec from Hestia's own option line, e.g. ``"user domain [format]"``."""
    words = options.split()
    args = tuple(word.strip("[]") for word in words)
    required = sum(1 for word in words if not word.startswith("["))
    secret_set = frozenset(secret)
    assert secret_set <= set(args), f"{name}: unknown secret argument"
    assert len(args) <= MAX_ARGS, f"{name}: too many arguments for the API"
    return CommandSpec(name, args, required, secret_set, read_only, returns_data)


_SPECS = (
    # Web domains (HESTIA_API.md §5).
    _spec("v-list-web-domains", "user [format]", read_only=True, returns_data=True),
    _spec("v-list-web-domain", "user domain [format]", read_only=True, returns_data=True),
    _spec("v-add-web-domain", "user domain [ip] [restart] [aliases] [proxy_extensions]"),
    _spec("v-suspend-web-domain", "user domain [restart]"),
    _spec("v-unsuspend-web-domain", "user domain [restart]"),
    # FTP accounts (§4): ftp_user is the suffix for the add command and the full name for the others.
    _spec("v-add-web-domain-ftp", "user domain ftp_user ftp_password [ftp_path]", secret={"ftp_password"}),
    _spec("v-change-web-domain-ftp-password", "user domain ftp_user ftp_password", secret={"ftp_password"}),
    _spec("v-change-web-domain-ftp-path", "user domain ftp_user ftp_path"),
    _spec("v-delete-web-domain-ftp", "user domain ftp_user"),
    # Users (§6). v-change-user-password reads stdin when PASSWORD is missing, so the bridge always sends it.
    _spec("v-add-user", "user password email [package] [name] [lastname]", secret={"password"}),
    _spec("v-delete-user", "user [restart]"),
    _spec("v-suspend-user", "user [restart]"),
    _spec("v-unsuspend-user", "user [restart]"),
    _spec("v-change-user-password", "user password", secret={"password"}),
    _spec("v-change-user-package", "user package [force]"),
    _spec("v-check-user-password", "user password [ip] [return_hash]", secret={"password"}, read_only=True),
    _spec("v-list-user", "user [format]", read_only=True, returns_data=True),
    _spec("v-list-users", "[format]", read_only=True, returns_data=True),
    _spec("v-list-user-packages", "[format]", read_only=True, returns_data=True),
    _spec("v-list-user-ips", "user [format]", read_only=True, returns_data=True),
    # Login policy (§12): the second factor, the customer's login history and user.conf values.
    _spec("v-check-user-2fa", "user token", secret={"token"}, read_only=True),
    _spec("v-add-user-2fa", "user"),
    _spec("v-delete-user-2fa", "user"),
    _spec("v-log-user-login", "user ip status session_id user_agent [authlog] [reason]"),
    _spec("v-change-user-config-value", "user key value"),
    # Filesystem (§7).
    _spec("v-list-fs-directory", "user [directory]", read_only=True, returns_data=True),
    # Access keys and their permission profiles (§2.5), for `puq-hestia check`.
    _spec("v-list-access-key", "access_key_id [format]", read_only=True, returns_data=True),
    _spec("v-list-api", "api [format]", read_only=True, returns_data=True),
    _spec("v-add-fs-directory", "user directory"),  # mkdir -p as the user, inside its home (§7)
)

#: Every command the bridge may run, by name.
COMMANDS: dict[str, CommandSpec] = {spec.name: spec for spec in _SPECS}


#: Output fields that hold a secret, by command: dropped where the answer is parsed, never kept, logged or shown.
#: v-list-access-key prints the key's SECRET_ACCESS_KEY in clear (HESTIA_API.md §2.5).
SECRET_OUTPUT_FIELDS: dict[str, frozenset[str]] = {
    "v-list-access-key": frozenset({"SECRET_ACCESS_KEY"}),
}


def without_secret_fields(name: str, record: Mapping[str, object]) -> dict[str, object]:
    """Return ``record`` without the secret output fields of command ``name``."""
    secret = SECRET_OUTPUT_FIELDS.get(name, frozenset())
    return {key: value for key, value in record.items() if key not in secret}


def get_spec(name: str) -> CommandSpec:
    """Return the spec of a known command; refuse (HestiaUsageError) any other name."""
    try:
        return COMMANDS[name]
    except KeyError:
        raise HestiaUsageError(f"command {name!r} is not in the client's command table") from None


def has_control_character(value: str) -> bool:
    """Tell whether ``value`` holds a control character (C0, DEL or C1; tab and newline included)."""
    return any(unicodedata.category(char) == "Cc" for char in value)


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each non-empty secret in ``text`` by :data:`MASK` (longest first)."""
    # Hestia trims every argument (HESTIA_API.md §2), so an echoed secret may have lost its outer whitespace.
    variants = {variant for secret in secrets for variant in (secret, secret.strip()) if variant}
    for secret in sorted(variants, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
