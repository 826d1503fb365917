"""The exceptions raised by the HestiaCP client.

Callers never see a raw ``requests`` exception: every failure that involves Hestia is a
:class:`HestiaError`, with the original exception kept as ``__cause__``. Command failures map Hestia's
exit code (never the HTTP status: E_NOTEXIST and E_EXISTS are both HTTP 400, HESTIA_API.md §2.3) to one
class per code through the single :data:`EXIT_CODES` table. Messages never contain a password or secret
key; the transport masks them first.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """The bridge's own configuration is missing or invalid (kept apart from Hestia's errors)."""


class HestiaError(Exception):
    """Root of every error that involves talking to Hestia."""

    #: True when a mutating command may have run at Hestia although no answer said so (read timeout,
    #: connection reset after the request was sent, 5xx without an exit code). The FTP service reconciles such
    #: outcomes (SECURITY.md 22). Always False for read-only commands and for errors raised before any I/O.
    outcome_unknown: bool

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.outcome_unknown = outcome_unknown


class HestiaUsageError(HestiaError, ValueError):
    """A call refused locally, before any I/O (unknown command, wrong arguments, control character)."""


class HestiaConnectionError(HestiaError):
    """Hestia could not be reached, or the connection broke before a complete answer arrived."""


class HestiaTLSError(HestiaConnectionError):
    """The TLS handshake or certificate check failed; never retried (SECURITY.md 19)."""


class HestiaTimeoutError(HestiaConnectionError):
    """Hestia did not accept the connection, or did not answer, within the configured timeout."""


class HestiaServerError(HestiaConnectionError):
    """The web server answered with an HTTP error and no Hestia exit code (a 5xx from nginx, or a 429)."""

    def __init__(self, message: str, *, status_code: int, outcome_unknown: bool = False) -> None:
        super().__init__(message, outcome_unknown=outcome_unknown)
        self.status_code = status_code


class HestiaProtocolError(HestiaError):
    """Hestia's answer is not a valid reply: empty or HTML body, invalid JSON, non-numeric exit code."""


class HestiaCommandError(HestiaError):
    """A Hestia command (or the API in front of it) failed with an exit code."""

    def __init__(
        self,
        command: str,
        code: int | None,
        text: str = "",
        *,
        http_status: int | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        self.command = command
        self.code = code
        self.code_name = exit_code_name(code)
        self.text = text
        self.http_status = http_status
        super().__init__(self._describe(), outcome_unknown=outcome_unknown)

    def _describe(self) -> str:
        code = "no exit code" if self.code is None else f"exit {self.code} ({self.code_name})"
        detail = f": {self.text}" if self.text else ""
        return f"{self.command} failed with {code}{detail}"

    @classmethod
    def from_exit_code(
        cls,
        command: str,
        code: int,
        text: str = "",
        *,
        http_status: int | None = None,
        outcome_unknown: bool = False,
    ) -> HestiaCommandError:
        """Build the exception class registered for ``code`` in :data:`EXIT_CODES` (or the fallback)."""
        error_class = EXIT_CODES[code][1] if code in EXIT_CODES else UnexpectedExitCodeError
        return error_class(command, code, text, http_status=http_status, outcome_unknown=outcome_unknown)


class InvalidArgumentsError(HestiaCommandError):
    """E_ARGS (1): not enough arguments; also demo mode and a few ad-hoc exits (e.g. a missing folder, §7)."""


class InvalidInputError(HestiaCommandError):
    """E_INVALID (2): an argument has an invalid format or value."""


class NotFoundError(HestiaCommandError):
    """E_NOTEXIST (3): the object does not exist."""


class AlreadyExistsError(HestiaCommandError):
    """E_EXISTS (4): the object already exists."""


class SuspendedError(HestiaCommandError):
    """E_SUSPENDED (5): the object (or its owner) is suspended."""


class NotSuspendedError(HestiaCommandError):
    """E_UNSUSPENDED (6): the object is not suspended."""


class InUseError(HestiaCommandError):
    """E_INUSE (7): the object is in use."""


class LimitError(HestiaCommandError):
    """E_LIMIT (8): a package limit is reached."""


class AuthenticationError(HestiaCommandError):
    """E_PASSWORD (9): wrong password or API key; never retried (SECURITY.md 21)."""


class ForbiddenError(AuthenticationError):
    """E_FORBIDDEN (10): the IP, key or user may not run this command."""


class DisabledError(HestiaCommandError):
    """E_DISABLED (11): the subsystem (or the whole API) is disabled."""


class BrokenConfigError(HestiaCommandError):
    """E_PARSING (12): Hestia's own configuration is broken."""


class DiskFullError(HestiaCommandError):
    """E_DISK (13): not enough disk space."""


class LoadTooHighError(HestiaCommandError):
    """E_LA (14): the server load is too high; retried with backoff (SECURITY.md 20)."""


class ServiceConnectError(HestiaCommandError):
    """E_CONNECT (15): Hestia could not connect to a remote service."""


class FtpServiceError(HestiaCommandError):
    """E_FTP (16): the FTP server is not responding."""


class DatabaseServiceError(HestiaCommandError):
    """E_DB (17): the database server is not responding."""


class RrdError(HestiaCommandError):
    """E_RRD (18): rrdtool failed."""


class UpdateError(HestiaCommandError):
    """E_UPDATE (19): an update failed."""


class RestartError(HestiaCommandError):
    """E_RESTART (20): a service restart failed."""


class ApiDisabledError(AuthenticationError):
    """E_API_DISABLED (21): the API is enabled for the admin only (HESTIA_API.md §2.1 step 7)."""


class UnexpectedExitCodeError(HestiaCommandError):
    """An exit code that is not in the table (for example 405 for an unreadable request), or none at all."""


#: Hestia's exit codes (func/main.sh, HESTIA_API.md §2.4) -> (name, exception class); the one mapping.
EXIT_CODES: dict[int, tuple[str, type[HestiaCommandError]]] = {
    1: ("E_ARGS", InvalidArgumentsError),
    2: ("E_INVALID", InvalidInputError),
    3: ("E_NOTEXIST", NotFoundError),
    4: ("E_EXISTS", AlreadyExistsError),
    5: ("E_SUSPENDED", SuspendedError),
    6: ("E_UNSUSPENDED", NotSuspendedError),
    7: ("E_INUSE", InUseError),
    8: ("E_LIMIT", LimitError),
    9: ("E_PASSWORD", AuthenticationError),
    10: ("E_FORBIDDEN", ForbiddenError),
    11: ("E_DISABLED", DisabledError),
    12: ("E_PARSING", BrokenConfigError),
    13: ("E_DISK", DiskFullError),
    14: ("E_LA", LoadTooHighError),
    15: ("E_CONNECT", ServiceConnectError),
    16: ("E_FTP", FtpServiceError),
    17: ("E_DB", DatabaseServiceError),
    18: ("E_RRD", RrdError),
    19: ("E_UPDATE", UpdateError),
    20: ("E_RESTART", RestartError),
    21: ("E_API_DISABLED", ApiDisabledError),
}


def exit_code_name(code: int | None) -> str:
    """Return Hestia's name for an exit code (``E_NOTEXIST``), ``UNKNOWN`` when it is not in the table."""
    if code is None:
        return "NONE"
    return EXIT_CODES[code][0] if code in EXIT_CODES else "UNKNOWN"
