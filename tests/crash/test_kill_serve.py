"""`kill -9` of `puq-hestia serve` while hooks are at Hestia, then a restart and `puq-hestia maintain` (issue 18).

The mock runs each create and then holds its answer (fault `read_timeout`), or holds a step before running it
(fault `stall`), so every delivery is inside the window "Hestia did (or did not) do it, the bridge has not written
it down" when the whole gunicorn process group is killed. Afterwards: every account Hestia made is recorded and
audited, or rolled back when it was only half made; no hook delivery is stuck as "still running", and each
redelivery (same Idempotency-Key) gets its true result.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import requests
from kill_support import Served, deliver, intent_states, quiet, wait_until, wall_clock_second, write_config
from redis_testing import RedisServer

from hestia_mock.testing import MockHestia
from puq_hestia import cli
from puq_hestia.store import Store

NAMES = ("kila", "kilb", "kilc")


def test_kill_9_mid_create_then_maintain_leaves_nothing_unrecorded_or_stuck(hestia: MockHestia, redis: RedisServer,
                                                                             tmp_path: Path) -> None:
    config, db = write_config(tmp_path, hestia, redis.url)
    served = Served(config)
    try:
        hestia.fault(kind="read_timeout", cmd="v-add-user", seconds=120)  # runs, then holds the answer
        now = wall_clock_second()  # the served bridge checks timestamps on its real clock
        results: dict[str, object] = {}
        threads = [threading.Thread(target=lambda n=n: quiet(deliver, served.url, n, now, results))
                   for n in NAMES]
        for thread in threads:
            thread.start()
        wait_until(lambda: all(n in hestia.backend.users for n in NAMES), "the creates did not reach Hestia")
        served.kill()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        served.stop()
    hestia.clear_faults()
    assert all(isinstance(results.get(n), requests.ConnectionError) for n in NAMES)

    # What the crash left: accounts at Hestia, intents open, deliveries pending.
    with Store(f"sqlite:///{db}") as store:
        assert intent_states(store) == {**{(n, "v-add-user"): "open" for n in NAMES},
                                        **{(n, "create_account"): "open" for n in NAMES}}

    restarted = Served(config)  # boots on the crashed store
    try:
        out = io.StringIO()
        assert cli.main(["--config", str(config), "maintain", "--grace", "0"], out=out) == 0
        report = out.getvalue()
        assert "hook deliveries freed for redelivery: 3" in report, report
        with Store(f"sqlite:///{db}") as store:
            # Existence is recorded, not adopted: no owner, nothing written to the name's activity list yet.
            assert intent_states(store) == {**{(n, "v-add-user"): "exists" for n in NAMES},
                                            **{(n, "create_account"): "unproven" for n in NAMES}}
            for name in NAMES:
                assert store.account_owner("main", name) is None
                assert not any(e.action == "maintenance.v-add-user" for e in store.recent_events("main", name))
        # Each redelivery gets the true result: its own account, finished (the web domain added).
        for offset, name in enumerate(NAMES, start=1):
            reply = deliver(restarted.url, name, now + offset)
            assert reply.status_code == 200, reply.text
            assert reply.json() == {"result": "success"}
            assert f"{name}.example" in hestia.backend.users[name].domains
        with Store(f"sqlite:///{db}") as store:  # proven made by its own redelivery (the password checks out)
            assert all(store.account_owner("main", name) == "reseller-a" for name in NAMES)
            for name in NAMES:  # and now audited on the account, as the reseller was told
                assert any(e.action == "account.create_account" and e.outcome == "success"
                           for e in store.recent_events("main", name)), name
    finally:
        restarted.stop()


HALF = ("halfa", "halfb")


def test_kill_9_between_the_account_and_its_web_domain_rolls_the_account_back_once(
        hestia: MockHestia, redis: RedisServer, tmp_path: Path) -> None:
    """Billing never redelivers: maintain itself removes what these creates provably made, and says so."""
    config, db = write_config(tmp_path, hestia, redis.url)
    served = Served(config)
    try:
        # v-add-user answers; v-add-web-domain is held before it runs (it never runs while this test looks).
        hestia.fault(kind="stall", cmd="v-add-web-domain", seconds=300)
        now = wall_clock_second()
        threads = [threading.Thread(target=lambda n=n: quiet(deliver, served.url, n, now)) for n in HALF]
        for thread in threads:
            thread.start()
        with Store(f"sqlite:///{db}") as store:
            wait_until(lambda: sum(1 for (_, c), st in intent_states(store).items()
                                   if c == "v-add-web-domain" and st == "open") == len(HALF),
                       "the creates did not reach their web domain step")
        served.kill()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        served.stop()
    assert all(n in hestia.backend.users and not hestia.backend.users[n].domains for n in HALF)
    with Store(f"sqlite:///{db}") as store:  # proven made (v-add-user answered), claimed, then the worker died
        assert {k: v for k, v in intent_states(store).items() if k[1] == "create_account"} == {
            (n, "create_account"): "made" for n in HALF}
        assert all(store.account_owner("main", n) == "reseller-a" for n in HALF)

    restarted = Served(config)
    try:
        out = io.StringIO()
        assert cli.main(["--config", str(config), "maintain", "--grace", "0"], out=out) == 0
        report = out.getvalue()
        for name in HALF:
            assert f"create_account {name}: rolled back" in report, report
            assert name not in hestia.backend.users  # removed again: billing was never told "success"
        with Store(f"sqlite:///{db}") as store:
            states = intent_states(store)
            for name in HALF:
                assert states[(name, "create_account")] == "rolled back"
                assert states[(name, "v-add-web-domain")] == "failed"  # checked: it never ran
                assert states[(name, "v-delete-user")] == "done"  # the rollback, written down before it was sent
                assert store.account_owner("main", name) is None
                assert store.create_intent("main", name) is None
                archived = [e for e in store.events("main") if e.action == "maintenance.create_account"
                            and e.actor.startswith(f"{name}#ended-")]
                assert [e.outcome for e in archived] == ["rolled back"]  # kept for operators, not on a new account
        adds = sum(1 for c in hestia.calls() if c["cmd"] == "v-add-user")
        # A redelivery with the same Idempotency-Key hears what happened, with no second v-add-user.
        for offset, name in enumerate(HALF, start=1):
            reply = deliver(restarted.url, name, now + offset)
            assert reply.status_code == 409, reply.text
            assert "removed again, so nothing was left behind" in reply.json()["message"]
            assert reply.headers["Idempotent-Replayed"] == "true"
        assert sum(1 for c in hestia.calls() if c["cmd"] == "v-add-user") == adds
        assert all(n not in hestia.backend.users for n in HALF)
    finally:
        restarted.stop()
