"""A circuit breaker per Hestia server: stop calling a server that keeps failing, and probe it now and then.

When a server is down, every customer action would otherwise wait out its connect and read timeouts and the
retry budget (SECURITY.md 19-20) before failing. After ``threshold`` consecutive *transient* failures (the
server could not be reached, did not answer, answered 5xx/429, or said E_LA) the breaker **opens**: calls fail
at once with :class:`CircuitOpenError`, before any network I/O, so nothing can be half-applied. After
``cooldown`` seconds it is **half-open**: exactly one call goes through as the probe while the others keep
failing fast; a probe that gets any answer with an exit code closes the breaker, a transient failure opens it
again for another cooldown.

A command that Hestia refused (E_EXISTS, E_NOTEXIST, an auth error...) proves the server is alive, so it
counts as a success here. TLS failures are configuration problems, not outages: they neither open nor close
the breaker, so their own clear error keeps showing. The state lives in the process; each gunicorn worker has
its own breaker (DESIGN.md §6 keeps no shared in-memory state, and a worker that learns on its own costs at
most ``threshold`` slow calls).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from enum import StrEnum

from puq_hestia.hestia.errors import HestiaConnectionError, HestiaError, HestiaTLSError, LoadTooHighError

__all__ = ["BreakerState", "CircuitBreaker", "CircuitOpenError", "is_transient"]

DEFAULT_THRESHOLD = 5
DEFAULT_COOLDOWN = 30.0


class CircuitOpenError(HestiaConnectionError):
    """Refused locally, without any call: the server failed repeatedly and is resting (nothing was changed)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BreakerState(StrEnum):
    """Where the breaker stands."""

    CLOSED = "closed"  # calls go through
    OPEN = "open"  # calls fail fast until the cooldown is over
    HALF_OPEN = "half_open"  # one probe call is under way; the others fail fast


def is_transient(error: BaseException) -> bool:
    """True for failures that say the server is unreachable or overloaded (what opens the breaker)."""
    if isinstance(error, HestiaTLSError | CircuitOpenError):
        return False
    return isinstance(error, HestiaConnectionError | LoadTooHighError)


class CircuitBreaker:
    """Counts consecutive transient failures of one server; thread-safe."""

    def __init__(self, name: str = "hestia", *, threshold: int = DEFAULT_THRESHOLD,
                 cooldown: float = DEFAULT_COOLDOWN, clock: Callable[[], float] = time.monotonic) -> None:
        if threshold < 1 or cooldown < 0:
            raise ValueError("threshold must be >= 1 and cooldown >= 0")
        self.name = name
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock  # public so tests (and a bench) can move time without sleeping
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose cooldown is over reads as half-open)."""
        with self._lock:
            return self._state()

    def before_call(self, command: str) -> None:
        """Let the call through, or raise CircuitOpenError (no I/O happens for a refused call)."""
        with self._lock:
            state = self._state()
            if state is BreakerState.CLOSED:
                return
            if state is BreakerState.HALF_OPEN and not self._probing:
                self._probing = True  # this call is the probe
                return
            wait = max(0.0, self._opened_at + self.cooldown - self.clock())
        raise CircuitOpenError(
            f"{command}: not sent, because the control panel {self.name} failed {self.threshold} times in a row; "
            f"the next attempt is allowed in {math.ceil(wait)} s",
            retry_after=wait,
        )

    def record(self, error: BaseException | None) -> None:
        """Report how a call that was let through ended (None: an answer arrived)."""
        with self._lock:
            was_probe, self._probing = self._probing, False
            if error is None or not is_transient(error):
                if not isinstance(error, HestiaTLSError):
                    self._failures = 0
                return
            self._failures += 1
            if was_probe or self._failures >= self.threshold:
                self._opened_at = self.clock()
                self._failures = max(self._failures, self.threshold)

    def call(self, command: str, run: Callable[[], object]) -> object:
        """Run ``run`` under the breaker: check first, then record its outcome (re-raising any error)."""
        self.before_call(command)
        try:
            result = run()
        except HestiaError as error:
            self.record(error)
            raise
        except BaseException:
            self._release()  # not a Hestia failure (a bug, an interrupt): it says nothing about the server
            raise
        self.record(None)
        return result

    def _release(self) -> None:
        """End a probe without a verdict, so the next call may probe again."""
        with self._lock:
            self._probing = False

    def _state(self) -> BreakerState:
        if self._failures < self.threshold:
            return BreakerState.CLOSED
        if self.clock() - self._opened_at < self.cooldown:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN
