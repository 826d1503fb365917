"""Fault injection and the calls log of the mock's API (`/_mock/faults`, `/_mock/calls`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

# Kinds that delay an answer; every matching one applies.
DELAY_KINDS = frozenset({"latency", "stall", "domain_latency"})
# Commands whose real script walks every web domain of the user (arg1): `domain_latency` charges them
# `per_domain_ms` per domain. HestiaCP 1.10.3's v-list-web-domains, run directly, costs ~20 ms per web domain
# (148 ms at 6 domains, 840-940 ms at 40; issue 19 Must 9).
PER_DOMAIN_COMMANDS = frozenset({"v-list-web-domains"})
# Kinds that end the exchange without running the command.
BEFORE_KINDS = frozenset({"http_status", "exit_code", "drop_before", "connect_timeout", "refused"})
# Kinds that run the command, then lose the answer.
AFTER_KINDS = frozenset({"drop_after", "read_timeout"})
KINDS = DELAY_KINDS | BEFORE_KINDS | AFTER_KINDS


class FaultError(ValueError):
    """A fault specification the mock cannot apply."""


@dataclass
class Fault:
    """One injected fault; `times` None means always."""

    kind: str
    cmd: str | None = None
    times: int | None = None
    ms: int = 0
    per_domain_ms: int = 0
    seconds: float = 0.0
    status: int = 500
    body: str = ""
    code: int = 14
    message: str = ""
    retry_after: str | None = None

    @classmethod
    def from_json(cls, spec: Mapping[str, Any]) -> Fault:
        """Validate a POST /_mock/faults body."""
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        unknown = set(spec) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise FaultError(f"unknown fault fields {sorted(unknown)}")
        times = spec.get("times")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise FaultError("times must be a positive integer or omitted")
        default_seconds = 30.0 if kind == "read_timeout" else 0.0
        retry_after = spec.get("retry_after")
        return cls(
            kind=kind,
            cmd=spec.get("cmd"),
            times=times,
            ms=int(spec.get("ms", 0)),
            per_domain_ms=int(spec.get("per_domain_ms", 0)),
            seconds=float(spec.get("seconds", default_seconds)),
            status=int(spec.get("status", 500)),
            body=str(spec.get("body", "")),
            code=int(spec.get("code", 14)),
            message=str(spec.get("message", "")),
            retry_after=None if retry_after is None else str(retry_after),
        )

    def delay(self, cmd: str, domains: int) -> float:
        """Seconds this delay fault adds to a call of CMD by a user with DOMAINS web domains."""
        if self.kind == "stall":
            return self.seconds
        walks_domains = self.kind == "domain_latency" and (cmd in PER_DOMAIN_COMMANDS or self.cmd == cmd)
        return (self.ms + (self.per_domain_ms * domains if walks_domains else 0)) / 1000

    def to_json(self) -> dict[str, Any]:
        """The fault as GET /_mock/faults shows it."""
        return {k: v for k, v in asdict(self).items() if v is not None}


class FaultRegistry:
    """The active faults; waits are interruptible by `clear()` so tests never hang.

    ``sleep`` replaces the wall-clock wait of the latency kinds (`latency`, `domain_latency`): a test or the
    bench passes a recorder and the modelled seconds are counted instead of waited (`stall` always waits, so a
    test can hold a call open).
    """

    def __init__(self, sleep: Callable[[float], object] | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._interrupt = threading.Event()
        self.sleep = sleep

    def add(self, spec: Mapping[str, Any]) -> Fault:
        """Register a fault from its JSON specification."""
        fault = Fault.from_json(spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault and wake every request stalled by one."""
        with self._lock:
            self._faults.clear()
            self._interrupt.set()
            self._interrupt = threading.Event()

    def active(self) -> list[dict[str, Any]]:
        """The active faults."""
        with self._lock:
            return [f.to_json() for f in self._faults]

    def take(self, cmd: str) -> list[Fault]:
        """The faults for this call: every matching delay, then at most one fault that ends the exchange."""
        chosen: list[Fault] = []
        with self._lock:
            for fault in list(self._faults):
                if fault.cmd not in (None, cmd):
                    continue
                ending = fault.kind not in DELAY_KINDS
                if ending and any(f.kind not in DELAY_KINDS for f in chosen):
                    continue
                chosen.append(fault)
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
        return chosen

    def pause(self, fault: Fault, cmd: str, domains: int) -> None:
        """Apply one delay fault to a call: the injected sleep for latency kinds, else an interruptible wait."""
        seconds = fault.delay(cmd, domains)
        if self.sleep is not None and fault.kind != "stall":
            self.sleep(seconds)
        else:
            self.wait(seconds)

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when interrupted by `clear()`."""
        with self._lock:
            event = self._interrupt
        return event.wait(max(0.0, seconds))


@dataclass
class CallRecord:
    """One API call as GET /_mock/calls lists it."""

    cmd: str
    args: list[str]
    exit_code: int | None
    http_status: int | None
    duration_ms: float
    time: str
    auth: str = ""
    fault: str | None = None


class CallLog:
    """Every API call the mock answered (or dropped), oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[CallRecord] = []

    def record(self, call: CallRecord) -> None:
        """Append a call."""
        with self._lock:
            self._calls.append(call)

    def entries(self) -> list[dict[str, Any]]:
        """The calls as JSON-ready dicts."""
        with self._lock:
            return [asdict(c) for c in self._calls]

    def clear(self) -> None:
        """Forget every call."""
        with self._lock:
            self._calls.clear()


def now_iso() -> str:
    """The current UTC time for the calls log."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")
