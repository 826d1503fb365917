"""`kill -9` of `puq-hestia serve` while customers' FTP creates are at Hestia, then a restart and maintain (issue 18).

Two customers sign in through the real forms and create an FTP user each; the mock runs those creates and holds
their answers (fault `read_timeout`). A third create is held before it runs (fault `stall`: it never runs while
the test looks). The whole gunicorn process group is killed, started again on the crashed store, and
`puq-hestia maintain` settles every intent by evidence (the FTP users `v-list-web-domains` shows). Afterwards the
customers' pages tell the truth, no FTP user is doubled or lost, and a resubmitted form creates nothing.
"""

from __future__ import annotations

import html
import io
import re
import secrets
import threading
from pathlib import Path

import requests
import sqlalchemy as sa
from kill_support import Served, quiet, wait_until, write_config
from redis_testing import RedisServer

from hestia_mock.testing import MockHestia
from puq_hestia import cli
from puq_hestia.store import Store, intents

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# customer -> (password, web domain, the suffix of the FTP user it creates)
CUSTOMERS = {"alice": ("Alice-demo-2026", "alice.example", "crasha"),
             "bob": ("Bob-demo-2026", "bob.example", "crashb"),
             "iris": ("Iris-demo-2026", "iris.example", "crashi")}
MADE, NEVER = ("alice", "bob"), "iris"


class Customer:
    """A browser session: the real login form, then the real add form with a one-time token."""

    def __init__(self, url: str, user: str) -> None:
        self.url, self.user = url, user
        self.password, self.domain, self.suffix = CUSTOMERS[user]
        self.http = requests.Session()
        self.once = secrets.token_urlsafe(18)
        page = self.http.get(f"{url}/login", timeout=10).text
        reply = self.http.post(f"{url}/login", data={"csrf_token": _token(page), "username": user,
                                                     "password": self.password}, allow_redirects=False, timeout=10)
        assert reply.status_code == 302, reply.text
        self.csrf = _token(self.http.get(f"{url}/ftp/{self.domain}/add", timeout=10).text)

    def create(self, url: str | None = None) -> requests.Response:
        """POST the add form (the browser's resubmit sends this same body and token again)."""
        data = {"csrf_token": self.csrf, "once": self.once, "suffix": self.suffix,
                "password": f"{self.user.title()}-crash-ftp-2026", "path": "", "back": "domain"}
        return self.http.post(f"{url or self.url}/ftp/{self.domain}/add", data=data, allow_redirects=False,
                              timeout=60)

    @property
    def login(self) -> str:
        return f"{self.user}_{self.suffix}"


def _token(page: str) -> str:
    match = TOKEN.search(page)
    assert match is not None, page[:500]
    return match.group(1)


def ftp_users(hestia: MockHestia, user: str, domain: str) -> list[str]:
    """The FTP users Hestia holds for DOMAIN, in order (a doubled one would show twice)."""
    names = hestia.backend.users[user].domains[domain].conf["FTP_USER"]
    return [n for n in names.split(":") if n]


def ftp_intents(store: Store) -> dict[str, tuple[str, str]]:
    """account -> (state, origin) of each FTP create intent."""
    query = sa.select(intents.c.account, intents.c.state, intents.c.origin).where(
        intents.c.command == "v-add-web-domain-ftp")
    with store.engine.connect() as conn:
        return {account: (state, origin) for account, state, origin in conn.execute(query).all()}


def test_kill_9_mid_ftp_creates_then_maintain_settles_each_by_evidence(hestia: MockHestia, redis: RedisServer,
                                                                       tmp_path: Path) -> None:
    config, db = write_config(tmp_path, hestia, redis.url)
    served = Served(config)
    try:
        customers = {user: Customer(served.url, user) for user in CUSTOMERS}
        before = {u: ftp_users(hestia, u, c.domain) for u, c in customers.items()}
        threads = []
        # Made at Hestia, answers held (each customer's own account turn, so both are in the window at once).
        hestia.fault(kind="read_timeout", cmd="v-add-web-domain-ftp", seconds=120, times=len(MADE))
        for user in MADE:
            threads.append(threading.Thread(target=quiet, args=(customers[user].create,)))
            threads[-1].start()
        wait_until(lambda: all(customers[u].login in ftp_users(hestia, u, customers[u].domain) for u in MADE),
                   "the creates did not reach Hestia")
        # Held before it runs: its intent is written, Hestia has not made it.
        hestia.fault(kind="stall", cmd="v-add-web-domain-ftp", seconds=300, times=1)
        threads.append(threading.Thread(target=quiet, args=(customers[NEVER].create,)))
        threads[-1].start()
        with Store(f"sqlite:///{db}") as store:
            wait_until(lambda: len(ftp_intents(store)) == len(CUSTOMERS), "the third create did not start")
        served.kill()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        served.stop()
    with Store(f"sqlite:///{db}") as store:
        assert {u: s for u, (s, _) in ftp_intents(store).items()} == dict.fromkeys(CUSTOMERS, "open")

    restarted = Served(config)  # boots on the crashed store; the customers' sessions live on in it
    try:
        out = io.StringIO()
        assert cli.main(["--config", str(config), "maintain", "--grace", "0"], out=out) == 0
        report = out.getvalue()
        with Store(f"sqlite:///{db}") as store:
            settled = ftp_intents(store)
            # Made or not made by evidence; each names the customer who asked.
            assert settled == {"alice": ("done", "panel:alice"), "bob": ("done", "panel:bob"),
                               "iris": ("failed", "panel:iris")}, report
            for user, customer in customers.items():
                [event] = [e for e in store.recent_events("main", user) if e.ftp_user == customer.login]
                assert event.action == "maintenance.v-add-web-domain-ftp"
                assert event.outcome == ("done" if user in MADE else "failed")
                assert store.claim_name("main", customer.login)  # no claim left "being created right now"
                store.release_name("main", customer.login)
        for user, customer in customers.items():
            made = [customer.login] if user in MADE else []
            assert ftp_users(hestia, user, customer.domain) == before[user] + made  # none doubled, none lost
            page = customer.http.get(f"{restarted.url}/ftp/{customer.domain}", timeout=10)
            assert page.status_code == 200
            cards = re.findall(r'data-testid="ftp-card" data-username="([^"]+)"', page.text)
            assert len(cards) == len(set(cards)) and set(cards) == set(before[user] + made), cards  # Hestia's truth
            activity = html.unescape(page.text)  # the domain page lists its recent activity
            said = (f"The interrupted create of the FTP user {customer.login} on {customer.domain}: checked "
                    "after an interruption: ")
            if user in MADE:  # the password was never shown: the activity list says to set a new one
                assert said + "the FTP user was created" in activity and "set a new password" in activity
            else:
                assert said + "the change was not made" in activity
        creates = sum(1 for c in hestia.calls() if c["cmd"] == "v-add-web-domain-ftp")
        for customer in customers.values():  # the browser resubmits the interrupted form: nothing is created
            again = customer.create(restarted.url)
            assert again.status_code == 200 and "This was already done" in again.text
            assert "Check the list" in again.text
        assert sum(1 for c in hestia.calls() if c["cmd"] == "v-add-web-domain-ftp") == creates
        for user, customer in customers.items():
            made = [customer.login] if user in MADE else []
            assert ftp_users(hestia, user, customer.domain) == before[user] + made
    finally:
        restarted.stop()
