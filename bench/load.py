"""The load run of issue 6: many customers at once under gunicorn, plus a reseller suspending in bulk.

The mock Hestia and the panel (gunicorn, several gthread workers, CSRF on, as in production) run as their own
processes (bench/served.py). Each simulated customer signs in with a session cookie, reads its pages, creates,
changes and deletes its own FTP users, and probes another customer's domain; at the same time a reseller
suspends and unsuspends a separate set of accounts through signed hooks, many deliveries in flight. The run
holds when: no response is a 5xx, every customer saw only their own data, every action got the expected
answer, and the mock ends with exactly the accounts the actions should leave (none lost, none doubled).

    python -m bench.load            # the full run (about a minute)
    python -m bench.load --short    # what `make test` runs (tests/chaos/test_load.py)
"""

from __future__ import annotations

import argparse
import re
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.rig import hook_request
from bench.seeding import Size, customer_name, customers_seed
from bench.served import Served

_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
_OTHER_RE = re.compile(r"\b(c\d{3})_|\.(c\d{3})\.example")
SESSION_COOKIE = "puq_session"


@dataclass(frozen=True)
class Plan:
    """How big the run is."""

    customers: int
    rounds: int
    bulk_accounts: int
    bulk_passes: int
    workers: int
    threads: int
    in_flight: int = 8

    @property
    def accounts(self) -> int:
        """Customers plus the accounts the reseller toggles."""
        return self.customers + self.bulk_accounts


FULL = Plan(customers=60, rounds=6, bulk_accounts=60, bulk_passes=4, workers=4, threads=4)
SHORT = Plan(customers=8, rounds=2, bulk_accounts=10, bulk_passes=2, workers=2, threads=4)


@dataclass
class Tally:
    """What the run saw, shared by every thread (under a lock)."""

    statuses: Counter[int] = field(default_factory=Counter)
    requests: int = 0
    unexpected: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    hooks: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, label: str, reply: requests.Response, expected: tuple[int, ...]) -> None:
        """Count a reply; note it when its status is not the expected one."""
        with self.lock:
            self.requests += 1
            self.statuses[reply.status_code] += 1
            if reply.status_code not in expected:
                self.unexpected.append(f"{label}: HTTP {reply.status_code}")


@dataclass(frozen=True)
class LoadResult:
    """The figures of one run and its verdict."""

    plan: Plan
    seconds: float
    requests: int
    statuses: dict[int, int]
    hook_results: dict[str, int]
    unexpected: list[str]
    leaks: list[str]
    state_problems: list[str]

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def ok(self) -> bool:
        """No 5xx, nothing unexpected, no leak, and the mock holds exactly what it should."""
        return not (self.server_errors or self.unexpected or self.leaks or self.state_problems)

    def summary(self) -> str:
        """One paragraph for people."""
        return (f"{self.plan.customers} customers x {self.plan.rounds} rounds and {self.plan.bulk_accounts} accounts "
                f"suspended/unsuspended {self.plan.bulk_passes} times, gunicorn {self.plan.workers} workers x "
                f"{self.plan.threads} threads: {self.requests} requests in {self.seconds:.1f} s, "
                f"{self.server_errors} 5xx, {len(self.unexpected)} unexpected answers, {len(self.leaks)} "
                f"cross-customer leaks, {len(self.state_problems)} lost or doubled accounts")


class Customer:
    """One simulated customer: a browser session and the model of their FTP users."""

    def __init__(self, served: Served, index: int, neighbour: int, tally: Tally) -> None:
        self.user, self.other = customer_name(index), customer_name(neighbour)
        self.domain = f"d001.{self.user}.example"
        self.served, self.tally = served, tally
        self.http = requests.Session()
        # Same domain and path as the cookie the panel sets back, so its updates replace this one.
        self.http.cookies.set(SESSION_COOKIE, served.session_cookie(self.user), domain="127.0.0.1", path="/")
        self.accounts = {f"{self.user}_f0000", f"{self.user}_f0001"}  # what customers_seed gives each
        self.csrf = ""

    def run(self, rounds: int) -> None:
        """Every round: read, create, change password and folder, delete the previous one, probe a neighbour."""
        for r in range(rounds):
            self._page("/ftp")
            self.csrf = self._csrf(self._page(f"/ftp/{self.domain}/add"))
            name = f"{self.user}_r{r}"
            self._post(f"/ftp/{self.domain}/add", {"suffix": f"r{r}", "password": f"Load-pass-{r}-2026",
                                                   "path": "public_html"}, (201,))
            self.accounts.add(name)
            self._post(f"/ftp/{self.domain}/{name}/password", {"password": ""}, (200,))
            self._post(f"/ftp/{self.domain}/{self.user}_f0000/path", {"path": "public_html" if r % 2 else ""},
                       (302,))
            if r:
                self._post(f"/ftp/{self.domain}/{self.user}_r{r - 1}/delete", {}, (302,))
                self.accounts.discard(f"{self.user}_r{r - 1}")
            probe = self.http.get(f"{self.served.url}/ftp/d001.{self.other}.example", timeout=60)
            self.tally.saw(f"{self.user} probes {self.other}", probe, (404,))
            self._page(f"/ftp/{self.domain}")

    def _page(self, path: str) -> str:
        reply = self.http.get(self.served.url + path, timeout=60)
        self.tally.saw(f"{self.user} GET {path}", reply, (200,))
        foreign = {m for pair in _OTHER_RE.findall(reply.text) for m in pair if m and m != self.user}
        if foreign:
            with self.tally.lock:
                self.tally.leaks.append(f"{self.user} saw {sorted(foreign)} on {path}")
        return reply.text

    def _post(self, path: str, data: dict[str, str], expected: tuple[int, ...]) -> None:
        # A fresh one-time token per POST, as a browser gets with every rendering of a form (SECURITY.md 40).
        form = {**data, "csrf_token": self.csrf, "back": "domain", "once": secrets.token_urlsafe(18)}
        reply = self.http.post(self.served.url + path, data=form,
                               allow_redirects=False, timeout=60)
        self.tally.saw(f"{self.user} POST {path}", reply, expected)

    @staticmethod
    def _csrf(page: str) -> str:
        match = _CSRF_RE.search(page)
        return match.group(1) if match else ""


def _bulk(served: Served, plan: Plan, tally: Tally) -> None:
    """The reseller: suspend every bulk account, then unsuspend them, BULK_PASSES times, IN_FLIGHT at once."""
    users = [customer_name(plan.customers + i) for i in range(plan.bulk_accounts)]
    http = requests.Session()

    def deliver(action: str, user: str) -> None:
        body, headers = hook_request(action, {"username": user}, key=f"load-{action}-{user}-{time.time_ns()}")
        reply = http.post(f"{served.url}/hooks/{action}", data=body, headers=headers, timeout=60)
        tally.saw(f"{action} {user}", reply, (200,))
        with tally.lock:
            tally.hooks[reply.json().get("result", "?") if reply.status_code < 500 else "5xx"] += 1

    with ThreadPoolExecutor(plan.in_flight) as pool:
        for _ in range(plan.bulk_passes):
            for action in ("suspend_account", "unsuspend_account"):
                list(pool.map(lambda user, a=action: deliver(a, user), users))


def _state_problems(served: Served, customers: list[Customer], plan: Plan) -> list[str]:
    """Compare the mock's final state with what every action should have left."""
    state: dict[str, Any] = requests.get(f"{served.api}/_mock/state", timeout=60).json()
    problems = []
    for customer in customers:
        domains = state["users"][customer.user]["web_domains"]
        names = [n for n in domains[customer.domain]["FTP_USER"].split(":") if n]
        if sorted(names) != sorted(customer.accounts):
            problems.append(f"{customer.user}: has {sorted(names)}, expected {sorted(customer.accounts)}")
    for i in range(plan.bulk_accounts):
        user = customer_name(plan.customers + i)
        if state["users"][user]["conf"]["SUSPENDED"] != "no":
            problems.append(f"{user}: still suspended after the last unsuspend")
    return problems


def run(plan: Plan) -> LoadResult:
    """Start the mock and gunicorn, run the customers and the reseller at once, and judge the end state."""
    seed = customers_seed(plan.accounts, with_ftp=plan.customers, ftp=Size(2, 1))
    with Served(seed, workers=plan.workers, threads=plan.threads) as served:
        served.claim_accounts([customer_name(plan.customers + i) for i in range(plan.bulk_accounts)])
        tally = Tally()
        customers = [Customer(served, i, (i + 1) % plan.customers, tally) for i in range(plan.customers)]
        started = time.perf_counter()
        threads = [threading.Thread(target=c.run, args=(plan.rounds,)) for c in customers]
        threads.append(threading.Thread(target=_bulk, args=(served, plan, tally)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        problems = _state_problems(served, customers, plan)
    return LoadResult(plan, seconds, tally.requests, dict(tally.statuses), dict(tally.hooks),
                      tally.unexpected[:20], tally.leaks[:20], problems[:20])


def main(argv: list[str] | None = None) -> int:
    """Run the load and print its figures; exit 1 when it does not hold."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the small run of `make test`")
    result = run(SHORT if parser.parse_args(argv).short else FULL)
    print(result.summary())
    for line in result.unexpected + result.leaks + result.state_problems:
        print("  " + line)
    print(f"statuses: {dict(sorted(result.statuses.items()))}; hooks: {result.hook_results}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())


