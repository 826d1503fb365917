"""Bulk hooks: a reseller suspends 500 accounts, one delivery at a time versus the documented concurrent way.

The documented way (README, "Performance"): keep up to workers x threads signed deliveries in flight, each
with its own Idempotency-Key, and resend only those that did not answer. Hestia runs each suspension as its
own command, so the calls are the same (one v-suspend-user per account); only the waiting overlaps.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from bench.harness import Stats
from bench.rig import hook_request
from bench.seeding import customer_name
from bench.served import Served

ACCOUNTS = 500
LATENCY_MS = 100


@dataclass(frozen=True)
class BulkRun:
    """One pass over every account: seconds, successes and the Hestia commands the mock saw."""

    seconds: float
    succeeded: int
    commands: tuple[str, ...]


@dataclass(frozen=True)
class BulkResult:
    """Sequential and concurrent passes summarised."""

    accounts: int
    in_flight: int
    sequential: Stats
    concurrent: Stats
    sequential_calls: int
    concurrent_calls: int
    all_succeeded: bool

    @property
    def speedup(self) -> float:
        """How many times faster the concurrent way is (medians)."""
        return self.sequential.median / self.concurrent.median


def _deliver(http: requests.Session, served: Served, action: str, user: str) -> bool:
    """One signed hook with an Idempotency-Key, as a billing system sends it; True on success."""
    body, headers = hook_request(action, {"username": user}, key=f"bench-{action}-{user}-{time.time_ns()}")
    reply = http.post(f"{served.url}/hooks/{action}", data=body, headers=headers, timeout=60)
    return reply.status_code == 200


def _pass(served: Served, action: str, users: list[str], in_flight: int) -> BulkRun:
    """Deliver ACTION for every user with IN_FLIGHT deliveries at a time (1: one after another)."""
    served.clear_calls()
    # One session per thread: a session shared by two threads opens a second connection that then sits idle past
    # gunicorn's keep-alive (2 s) and is closed by the server; reusing it later reset the bench's POST.
    local = threading.local()
    sessions: list[requests.Session] = []
    lock = threading.Lock()

    def own_session() -> requests.Session:
        if not hasattr(local, "http"):
            local.http = requests.Session()
            with lock:
                sessions.append(local.http)
        http: requests.Session = local.http
        return http

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        outcomes = list(pool.map(lambda user: _deliver(own_session(), served, action, user), users))
    seconds = time.perf_counter() - began
    for http in sessions:
        http.close()
    return BulkRun(seconds, sum(outcomes), tuple(served.commands()))


def suspend_all(served: Served, accounts: int, runs: int, in_flight: int) -> BulkResult:
    """RUNS sequential and RUNS concurrent suspensions of ACCOUNTS accounts, unsuspending them in between."""
    users = [customer_name(i) for i in range(accounts)]
    served.claim_accounts(users)
    served.latency(LATENCY_MS)
    sequential: list[BulkRun] = []
    concurrent: list[BulkRun] = []
    for _ in range(runs):
        sequential.append(_pass(served, "suspend_account", users, 1))
        _pass(served, "unsuspend_account", users, in_flight)
        concurrent.append(_pass(served, "suspend_account", users, in_flight))
        _pass(served, "unsuspend_account", users, in_flight)
    served.latency(0)
    done = all(run.succeeded == accounts for run in sequential + concurrent)
    return BulkResult(accounts, in_flight, Stats.of([r.seconds for r in sequential]),
                      Stats.of([r.seconds for r in concurrent]),
                      max(len(r.commands) for r in sequential), max(len(r.commands) for r in concurrent), done)
