"""The only code that talks HTTP: one POST to Hestia's ``/api/`` per attempt, read into output or an error.

Answers are read by exit code, never by HTTP status (HESTIA_API.md §2.3). Access keys always get a
``Hestia-Exit-Code`` header (§2.1); the legacy admin login gets status 200 with no header on success, so
mutating commands ask for ``returncode=yes`` and data commands are read by their ``Error:`` prefix
(§2.2).

Retries follow SECURITY.md 19-23 and are built here from :class:`ServerConfig`, by command kind: a
request that never reached Hestia (connection refused, connect timeout) is retried for every command;
one that may have run (read timeout, reset, 5xx) only for read-only commands; E_LA and HTTP 429 are
retried honouring ``Retry-After``; TLS and authentication failures never (fail2ban bans after 5 failed
logins, HESTIA_API.md §2.5).
"""

from __future__ import annotations

import json
import logging
import random as random_module
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from puq_hestia import __version__
from puq_hestia.hestia.breaker import CircuitBreaker
from puq_hestia.hestia.commands import CommandSpec, get_spec, mask_text
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import (
    AuthenticationError,
    HestiaCommandError,
    HestiaConnectionError,
    HestiaError,
    HestiaProtocolError,
    HestiaServerError,
    HestiaTimeoutError,
    HestiaTLSError,
    HestiaUsageError,
    LoadTooHighError,
    UnexpectedExitCodeError,
)

log = logging.getLogger("puq_hestia.hestia.transport")

EXIT_CODE_HEADER = "Hestia-Exit-Code"
# Longest Hestia text kept in an exception (an HTML error page is not useful in full).
_MAX_TEXT = 300
# Under the legacy login a data command's failure has no exit code (§2.2); these texts say which one it was.
_LEGACY_ERROR_CODES = (("Usage:", 1), ("doesn't exist", 3), ("invalid", 2))


@dataclass(frozen=True)
class _Call:
    """The immutable state of one call, shared by its attempts (nothing per call is kept on the transport)."""

    spec: CommandSpec
    args: tuple[str, ...]
    form: dict[str, str]
    want_json: bool
    secrets: tuple[str, ...]
    legacy: bool

    def mask(self, text: str) -> str:
        """Mask every secret of this call in ``text`` (Hestia may echo arguments back)."""
        return mask_text(text, self.secrets)


class _Retry(Exception):
    """Internal: an attempt failed in a way the policy may retry; carries the public error and Retry-After."""

    def __init__(self, error: HestiaError, retry_after: float | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


USER_AGENT = f"puq-hestia/{__version__}"


class Journal(Protocol):
    """Where the transport writes down a change before sending it, and how it ended (DESIGN.md §7).

    ``before`` runs before the first attempt of every mutating command, with the secrets already masked; if it
    raises, nothing is sent. ``after`` gets "done", "failed" (Hestia refused: nothing changed) or "unknown"
    (the answer was lost). A process that dies in between leaves the entry open for the maintenance run.
    """

    def before(self, command: str, masked_args: Sequence[str]) -> object:
        """Record the intent; return a handle for ``after``."""

    def after(self, entry: object, outcome: str) -> None:
        """Record how the call ended."""


class Transport:
    """POSTs commands to one Hestia server with timeouts, exit-code parsing and the retry policy."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random_module.random,
        breaker: CircuitBreaker | None = None,
        journal: Journal | None = None,
    ) -> None:
        self._config = config
        self._journal = journal  # the product's intent log (puq_hestia.intents); the client knows no store
        self._breaker = breaker  # the panel gives each server one (puq_hestia/hestia/breaker.py); the CLI needs none
        # requests.Session is not documented as thread-safe, so each thread of a gunicorn worker gets its own
        # (with its own keep-alive connections); a session given by the caller (tests) is shared as given.
        self._shared = session
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        if session is not None:
            session.headers["User-Agent"] = USER_AGENT
        self._sleep = sleep
        self._random = random
        self._host = urlsplit(config.api_url).netloc

    def run(self, command: str, *args: str) -> str:
        """Run a command and return its trimmed output ("" when it printed nothing)."""
        result: str = self._call(command, args, want_json=False)
        return result

    def run_json(self, command: str, *args: str) -> Any:
        """Run a command whose output is JSON (the caller passes ``json`` as FORMAT) and return it decoded."""
        return self._call(command, args, want_json=True)

    def close(self) -> None:
        """Close the HTTP sessions of every thread."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in [*sessions, *([self._shared] if self._shared else [])]:
            session.close()

    @property
    def _session(self) -> requests.Session:
        """This thread's session: the caller's, or one made for the thread on first use."""
        if self._shared is not None:
            return self._shared
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _call(self, command: str, args: Sequence[str], *, want_json: bool) -> Any:
        spec = get_spec(command)
        spec.check(args)
        if want_json and not spec.returns_data:
            raise HestiaUsageError(f"{command} prints no data")
        call = self._prepare(spec, tuple(args), want_json)
        if self._journal is None or spec.read_only:
            return self._guarded(call)
        entry = self._journal.before(spec.name, spec.masked(args))  # written down before anything is sent
        try:
            result = self._guarded(call)
        except HestiaError as error:
            self._journal.after(entry, "unknown" if error.outcome_unknown else "failed")
            raise
        self._journal.after(entry, "done")
        return result

    def _guarded(self, call: _Call) -> Any:
        """The call's attempts, behind the circuit breaker when there is one."""
        if self._breaker is None:
            return self._with_retries(call)
        # One verdict per call, after its retries: a call that recovered on its second attempt is a success.
        return self._breaker.call(call.spec.name, lambda: self._with_retries(call))

    def _with_retries(self, call: _Call) -> Any:
        """Run the attempts of one call under the retry policy."""
        try:
            return self._retrying()(self._attempt, call)
        except _Retry as retry:
            # The budget is spent: raise the last real error, keeping its requests cause.
            raise retry.error from retry.error.__cause__

    def _prepare(self, spec: CommandSpec, args: tuple[str, ...], want_json: bool) -> _Call:
        config = self._config
        form = {"cmd": spec.name} | {f"arg{i}": value for i, value in enumerate(args, start=1)}
        if config.uses_access_key:
            form |= {"access_key": config.access_key, "secret_key": config.secret_key}
        else:
            form |= {"user": config.user, "password": config.password}
            if not spec.returns_data:
                form["returncode"] = "yes"  # the legacy login's only way to send the exit code (§2.2)
        secrets = (*spec.secret_values(args), config.secret_key, config.password)
        return _Call(spec, args, form, want_json, secrets, legacy=not config.uses_access_key)

    def _retrying(self) -> Retrying:
        """A fresh retry controller for one call (tenacity keeps per-run state on it)."""
        return Retrying(
            retry=retry_if_exception_type(_Retry),
            wait=self._wait,
            stop=self._stop,
            sleep=self._sleep,
            before_sleep=_log_retry,
            reraise=True,
        )

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After when the server sent one, otherwise exponential backoff with equal jitter."""
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Retry) and failure.retry_after is not None:
            return failure.retry_after
        config = self._config
        ceiling = min(config.backoff_max, config.backoff_initial * 2.0 ** (state.attempt_number - 1))
        return ceiling / 2 + self._random() * ceiling / 2

    def _stop(self, state: RetryCallState) -> bool:
        """Stop after max_attempts, or when the next wait would overrun the retry budget."""
        config = self._config
        return state.attempt_number >= config.max_attempts or (
            state.idle_for + state.upcoming_sleep > config.retry_budget
        )

    def _attempt(self, call: _Call) -> Any:
        started = time.perf_counter()
        response: requests.Response | None = None
        try:
            response = self._post(call)
            result = self._read(call, response)
        except HestiaError as error:
            _log_call(call, response, error, time.perf_counter() - started)
            if not _retryable(error, call.spec):
                raise
            raise _Retry(error, _retry_after(response)) from error
        _log_call(call, response, None, time.perf_counter() - started)
        return result

    def _post(self, call: _Call) -> requests.Response:
        """Send one request; turn every requests failure into a HestiaError (``from e``)."""
        name, host = call.spec.name, self._host
        may_have_run = not call.spec.read_only
        try:
            return self._session.post(
                self._config.api_url,
                data=call.form,
                timeout=self._config.timeout,
                verify=self._config.tls_verify,
                allow_redirects=False,  # a redirected POST turns into a GET, which Hestia answers with 405
            )
        except requests.exceptions.SSLError as e:
            raise HestiaTLSError(f"{name}: TLS handshake or certificate check with {host} failed") from e
        except requests.exceptions.ConnectTimeout as e:
            raise HestiaTimeoutError(f"{name}: connecting to {host} timed out") from e
        except requests.exceptions.Timeout as e:
            message = f"{name}: {host} did not answer within {self._config.read_timeout:g}s"
            raise HestiaTimeoutError(message, outcome_unknown=may_have_run) from e
        except requests.exceptions.ConnectionError as e:
            if _never_connected(e):
                raise HestiaConnectionError(f"{name}: cannot connect to {host}") from e
            raise HestiaConnectionError(
                f"{name}: the connection to {host} broke before an answer", outcome_unknown=may_have_run
            ) from e
        except requests.exceptions.RequestException as e:
            raise HestiaConnectionError(
                f"{name}: the request to {host} failed ({type(e).__name__})", outcome_unknown=may_have_run
            ) from e

    def _read(self, call: _Call, response: requests.Response) -> Any:
        """Turn a response into the command's output, or raise the matching HestiaError."""
        name, status = call.spec.name, response.status_code
        text = call.mask(response.text.strip())
        header = response.headers.get(EXIT_CODE_HEADER)
        if header is not None:
            code = _parse_exit_code(name, header)
            if code != 0:
                raise HestiaCommandError.from_exit_code(name, code, text[:_MAX_TEXT], http_status=status)
            return self._output(call, "" if status == 204 else text)
        if status == 401:
            raise AuthenticationError(name, None, text[:_MAX_TEXT], http_status=status)
        if status == 429 or status >= 500:
            raise HestiaServerError(
                f"{name}: HTTP {status} from {self._host} without a Hestia exit code",
                status_code=status,
                outcome_unknown=status != 429 and not call.spec.read_only,
            )
        if status == 204:
            return self._output(call, "")
        if status == 200 and call.legacy:
            return self._read_legacy(call, text)
        raise HestiaProtocolError(f"{name}: HTTP {status} from {self._host} without a Hestia exit code")

    def _read_legacy(self, call: _Call, text: str) -> Any:
        """Read a legacy-login answer: status 200, no header (HESTIA_API.md §2.2)."""
        name = call.spec.name
        if "returncode" in call.form:
            if not text.isdigit():
                raise HestiaProtocolError(f"{name}: expected an exit code, got {len(text)} characters")
            if int(text) != 0:
                raise HestiaCommandError.from_exit_code(name, int(text), http_status=200)
            return self._output(call, "")
        if text.startswith(("Error:", "ERROR:", "Usage:")):
            raise _legacy_error(name, text[:_MAX_TEXT])
        # "OK" means the command printed nothing, whatever its exit code.
        return self._output(call, "" if text == "OK" else text)

    def _output(self, call: _Call, text: str) -> Any:
        """Return the text, or its JSON when asked; empty, HTML or invalid JSON is a protocol error."""
        if not call.want_json:
            return text
        name = call.spec.name
        if not text:
            raise HestiaProtocolError(f"{name}: empty answer where JSON was expected")
        if text.startswith("<"):
            raise HestiaProtocolError(f"{name}: HTML answer where JSON was expected")
        try:
            # strict=False: Hestia does not escape tabs and other control characters in values (issue #2090).
            return json.loads(text, strict=False)
        except ValueError as e:
            # The body is not quoted: it may hold data such as RKEY.
            raise HestiaProtocolError(f"{name}: invalid JSON ({len(text)} characters)") from e


def _parse_exit_code(name: str, header: str) -> int:
    value = header.strip()
    if not value.isdigit():
        raise HestiaProtocolError(f"{name}: non-numeric {EXIT_CODE_HEADER} header {value[:20]!r}")
    return int(value)


def _legacy_error(name: str, text: str) -> HestiaCommandError:
    """Build the error for a legacy data-mode failure, whose exit code Hestia does not send."""
    for marker, code in _LEGACY_ERROR_CODES:
        if marker in text:
            return HestiaCommandError.from_exit_code(name, code, text, http_status=200)
    return UnexpectedExitCodeError(name, None, text, http_status=200)


def _retryable(error: HestiaError, spec: CommandSpec) -> bool:
    """SECURITY.md 19-21: what may be tried again for this command."""
    if isinstance(error, HestiaTLSError | AuthenticationError):
        return False
    if isinstance(error, LoadTooHighError):
        return True
    if isinstance(error, HestiaConnectionError):
        # outcome_unknown is only ever set for mutating commands whose request may have run.
        return spec.read_only or not error.outcome_unknown
    return False


def _retry_after(response: requests.Response | None) -> float | None:
    """Seconds from a ``Retry-After`` header; the HTTP-date form is ignored (backoff applies)."""
    value = response.headers.get("Retry-After", "").strip() if response is not None else ""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _never_connected(error: requests.exceptions.ConnectionError) -> bool:
    """True when the connection itself failed (refused, DNS), so the request cannot have reached Hestia."""
    reason: object = error.args[0] if error.args else None
    for _ in range(4):  # requests wraps urllib3's MaxRetryError, whose .reason is the real failure
        if isinstance(reason, NewConnectionError | ConnectTimeoutError | ConnectionRefusedError):
            return True
        reason = getattr(reason, "reason", None)
    return False


def _log_call(
    call: _Call, response: requests.Response | None, error: HestiaError | None, seconds: float
) -> None:
    if error is None:
        outcome = "exit=0"
    elif isinstance(error, HestiaCommandError):
        outcome = f"exit={error.code} ({error.code_name})"
    else:
        outcome = type(error).__name__
    status = response.status_code if response is not None else "-"
    log.debug(
        "hestia %s args=%s %s status=%s duration=%.3fs",
        call.spec.name, call.spec.masked(call.args), outcome, status, seconds,
    )


def _log_retry(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome else None
    message = failure.error.message if isinstance(failure, _Retry) else repr(failure)
    log.info("retrying after attempt %d failed (%s); waiting %.2fs", state.attempt_number, message,
             state.upcoming_sleep)
