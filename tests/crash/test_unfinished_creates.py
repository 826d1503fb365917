"""A billing create whose worker died between its steps, settled by `puq-hestia maintain` (issue 18, point 1).

The worker's death is reproduced where it happens: a journal that dies (a BaseException nothing in the bridge
catches, as with kill -9 no cleanup runs) just before a command is sent, or just after Hestia answered and before
the answer is written down; the delivery's hook record stays "pending", as a killed worker leaves it. Billing
never redelivers: the maintenance run must end the create itself, as the create would have ended, and the stored
answer must then be what a redelivery with the same Idempotency-Key gets, with no second v-add-user.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from provisioning_support import DEMO_HASH, URL, Mock, quick_client, whmcs_params

from puq_hestia.billing.provisioning import ProvisioningContext, run_action
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.transport import Transport
from puq_hestia.intents import IntentLog, intent_origin
from puq_hestia.maintenance import run_maintenance
from puq_hestia.store import Store, intents, metadata
from puq_hestia.unfinished import ROLLED_BACK

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RESELLER, KEY = "reseller-a", "create-half-1"


class Killed(BaseException):
    """The worker dies here (kill -9): no except or finally of the bridge handles a BaseException."""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class DyingLog(IntentLog):
    """The transport's journal, dying just before COMMAND is sent, or (``after``) once Hestia answered it."""

    def __init__(self, store: Store, command: str, *, after: bool = False) -> None:
        super().__init__(store, "main", wait=0)
        self.command, self.die_after = command, after

    def before(self, command: str, masked_args: Any) -> Any:
        entry = super().before(command, masked_args)
        if command == self.command and not self.die_after:
            raise Killed(command)
        return entry

    def after(self, entry: object, outcome: str) -> None:
        if self.die_after and self.store.engine is not None and _command_of(self.store, entry) == self.command:
            raise Killed(self.command)
        super().after(entry, outcome)


def _command_of(store: Store, entry: Any) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(sa.select(intents.c.command).where(intents.c.id == entry.intent_id)).scalar_one())


@pytest.fixture
def clock() -> Clock:
    return Clock()


PG_URL = os.environ.get("PUQ_TEST_DATABASE_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def store(request: pytest.FixtureRequest, clock: Clock) -> Iterator[Store]:
    """SQLite always; PostgreSQL too under `make test-postgres` (its clock types and comparisons differ)."""
    url = "sqlite://" if request.param == "sqlite" else PG_URL
    if url == PG_URL:
        _drop_all(url)
    with Store(url, clock=clock) as s:
        yield s
    if url == PG_URL:
        _drop_all(url)


def _drop_all(url: str) -> None:
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def reader(mock: Mock) -> HestiaClient:
    """The maintenance run's client."""
    return quick_client(ServerConfig(URL, hash=DEMO_HASH))


def dying_client(journal: IntentLog) -> HestiaClient:
    config = ServerConfig(URL, hash=DEMO_HASH)
    return HestiaClient(config, transport=Transport(config, journal=journal, sleep=lambda _s: None,
                                                    random=lambda: 0.0))


def params(name: str = "halfx", **extra: Any) -> dict[str, Any]:
    return whmcs_params(username=name, domain=f"{name}.example", password="Halfx-pass-2026",
                        clientsdetails={"email": f"{name}@example.com"}, **extra)


def deliver(store: Store, client: HestiaClient, body: dict[str, Any], key: str = KEY) -> Any:
    """One create_account delivery as the hooks endpoint runs it: its record, its origin, the action."""
    store.begin_hook(RESELLER, key, "create_account", "hash-of-the-body")
    ctx = ProvisioningContext(client=client, server_id="main", store=store, reseller_id=RESELLER,
                              idempotency_key=key)
    with intent_origin(f"hook:{RESELLER}:{key}"):
        return run_action("create_account", body, ctx)


def crash(store: Store, command: str, body: dict[str, Any], *, after: bool = False) -> None:
    with pytest.raises(Killed):
        deliver(store, dying_client(DyingLog(store, command, after=after)), body)


def maintain(store: Store, client: HestiaClient, clock: Clock) -> list[str]:
    clock.now += timedelta(minutes=3)  # past the grace time and the dead worker's turn on the account
    return run_maintenance(store, {"main": client}).lines()


def plan_state(store: Store, name: str = "halfx") -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(sa.select(intents.c.state).where(
            intents.c.command == "create_account", intents.c.account == name)).scalar_one())


def answer(store: Store, key: str = KEY) -> dict[str, Any] | None:
    """What a redelivery with the same Idempotency-Key is answered (panel/hooks.py replays a done record)."""
    record = store.hook_record(RESELLER, key)
    assert record is not None
    return record.result if record.is_done else None


def test_an_account_made_without_its_web_domain_is_rolled_back_and_its_delivery_answered(
        store: Store, mock: Mock, reader: HestiaClient, clock: Clock) -> None:
    crash(store, "v-add-web-domain", params())  # v-add-user answered; died before the domain was sent
    assert mock.user("halfx") is not None and plan_state(store) == "made"
    assert store.account_owner("main", "halfx") == RESELLER
    lines = maintain(store, reader, clock)
    assert any("create_account halfx: rolled back" in line for line in lines), lines
    assert mock.user("halfx") is None
    assert mock.mutations() == ["v-add-user", "v-delete-user"]  # the web domain was never sent
    assert plan_state(store) == "rolled back"
    assert store.account_owner("main", "halfx") is None and store.create_intent("main", "halfx") is None
    assert answer(store) == {"status": 409, "body": {"result": "error", "message": ROLLED_BACK}}
    # A later account of the name starts clean; the rollback stays on record for operators.
    assert store.recent_events("main", "halfx") == []
    assert [e.outcome for e in store.events("main") if e.action == "maintenance.create_account"] == ["rolled back"]
    # Billing sends the create again as a new request: a fresh account, made once.
    assert deliver(store, reader, params(), key="create-half-2").ok
    assert mock.commands().count("v-add-user") == 2 and "halfx.example" in mock.user("halfx").domains


def test_a_create_that_made_every_step_is_recorded_owned_and_answered_success(
        store: Store, mock: Mock, reader: HestiaClient, clock: Clock) -> None:
    crash(store, "v-add-web-domain", params(configoption3="3"), after=True)  # added; its answer never recorded
    lines = maintain(store, reader, clock)
    assert any("create_account halfx: done" in line for line in lines), lines
    assert "halfx.example" in mock.user("halfx").domains  # nothing undone
    assert plan_state(store) == "done" and store.account_owner("main", "halfx") == RESELLER
    assert store.account_limits("main", "halfx") == ("default", 3)  # as the create would have recorded them
    assert any(e.action == "maintenance.create_account" and e.outcome == "done"
               for e in store.recent_events("main", "halfx"))
    assert answer(store) == {"status": 200, "body": {"result": "success"}}
    assert mock.mutations() == ["v-add-user", "v-add-web-domain"]


@pytest.mark.parametrize("domain", [True, False], ids=["with-web-domain", "account-only"])
def test_a_redelivery_of_a_create_that_finished_hears_success_not_taken(
        store: Store, mock: Mock, reader: HestiaClient, clock: Clock, monkeypatch: pytest.MonkeyPatch,
        domain: bool) -> None:
    body = params(configoption2="on" if domain else "")
    # Everything made and the plan "done"; the worker dies before the delivery's answer is stored.
    monkeypatch.setattr(store, "set_account_limits", lambda *a, **k: (_ for _ in ()).throw(Killed()))
    crash(store, "-", body)
    monkeypatch.undo()
    lines = maintain(store, reader, clock)
    assert "hook deliveries freed for redelivery: 1" in lines
    mutations = mock.mutations()
    result = deliver(store, reader, body)  # the same Idempotency-Key, taking the freed record over
    assert result.ok, result.message  # before: "The username 'halfx' is already taken" for its own account
    assert mock.mutations() == mutations  # no second v-add-user, nothing else sent


def test_an_account_not_proven_made_by_the_create_is_neither_adopted_nor_removed(
        store: Store, mock: Mock, reader: HestiaClient, clock: Clock) -> None:
    crash(store, "v-add-user", params(), after=True)  # Hestia made it; its answer was never read
    lines = maintain(store, reader, clock)
    assert any("create_account halfx: unproven" in line for line in lines), lines
    assert mock.user("halfx") is not None and mock.mutations() == ["v-add-user"]
    assert plan_state(store) == "unproven" and store.account_owner("main", "halfx") is None
    assert store.create_intent("main", "halfx") is not None  # its redelivery may still prove it
    assert answer(store) is None  # freed: the redelivery runs, and its password is the evidence
    assert deliver(store, reader, params()).ok
    assert store.account_owner("main", "halfx") == RESELLER and mock.commands().count("v-add-user") == 1


@pytest.mark.parametrize("touch", [("v-add-web-domain", "other.example"), ("v-change-user-package", "small")],
                         ids=["a-web-domain-added", "package-changed"])
def test_a_half_made_account_changed_since_is_kept_for_an_operator(
        store: Store, mock: Mock, reader: HestiaClient, clock: Clock, touch: tuple[str, str]) -> None:
    crash(store, "v-add-web-domain", params())
    assert mock.backend.run(touch[0], ["halfx", touch[1]])[0] == 0  # by hand, at Hestia
    lines = maintain(store, reader, clock)
    assert any("create_account halfx: kept" in line for line in lines), lines
    assert mock.user("halfx") is not None and "v-delete-user" not in mock.mutations()
    assert plan_state(store) == "kept"


def test_a_rollback_waits_while_hestia_cannot_answer_and_happens_once_on_the_next_run(
        store: Store, mock: Mock, reader: HestiaClient, clock: Clock) -> None:
    crash(store, "v-add-web-domain", params())
    mock.fault(kind="http_status", status=502, cmd="v-list-web-domains")
    lines = maintain(store, reader, clock)
    assert any("create_account halfx: left open" in line for line in lines), lines
    assert mock.user("halfx") is not None and plan_state(store) == "made" and answer(store) is None
    mock.app.test_client().delete("/_mock/faults")
    maintain(store, reader, clock)
    maintain(store, reader, clock)
    assert mock.user("halfx") is None and mock.mutations().count("v-delete-user") == 1
    assert answer(store) == {"status": 409, "body": {"result": "error", "message": ROLLED_BACK}}


def test_a_delivery_taken_over_by_its_redelivery_is_left_to_it(
        store: Store, mock: Mock, reader: HestiaClient, clock: Clock) -> None:
    crash(store, "v-add-web-domain", params())
    clock.now += timedelta(minutes=11)
    # A redelivery with the same key takes the dead worker's record over (re-stamped now) and is still running.
    assert store.begin_hook(RESELLER, KEY, "create_account", "hash-of-the-body") is None
    lines = run_maintenance(store, {"main": reader}).lines()
    assert any("create_account halfx: left open (a redelivery of it is running)" in line for line in lines), lines
    assert mock.user("halfx") is not None and "v-delete-user" not in mock.mutations()
    assert plan_state(store) == "made" and answer(store) is None


def test_a_rollback_whose_delete_failed_is_done_by_the_next_run_and_answered_once(
        store: Store, mock: Mock, clock: Clock) -> None:
    crash(store, "v-add-web-domain", params())
    journaled = dying_client(IntentLog(store, "main", wait=0))  # as `puq-hestia maintain` runs it: intents too
    mock.fault(kind="http_status", status=502, cmd="v-delete-user", times=1)
    lines = maintain(store, journaled, clock)
    assert any("create_account halfx: left open (removing the half-made account failed" in line for line in lines)
    assert mock.user("halfx") is not None and plan_state(store) == "made"
    # Already the delivery's answer: the account goes on the next run, and a redelivery never makes it again.
    assert answer(store) == {"status": 409, "body": {"result": "error", "message": ROLLED_BACK}}
    lines = maintain(store, journaled, clock)
    assert any("create_account halfx: rolled back" in line for line in lines), lines
    assert mock.user("halfx") is None and plan_state(store) == "rolled back"
    with store.engine.connect() as conn:
        origins = {o for (o,) in conn.execute(sa.select(intents.c.origin).where(
            intents.c.command == "v-delete-user"))}
    assert origins == {f"maintain:hook:{RESELLER}:{KEY}"}


def test_an_operator_create_outside_any_delivery_is_rolled_back_by_its_own_steps(
        store: Store, mock: Mock, reader: HestiaClient, clock: Clock) -> None:
    """The CLI's create has no hook origin: it is named on its own, so only its own calls are its steps."""
    ctx = ProvisioningContext(client=dying_client(DyingLog(store, "v-add-web-domain")), server_id="main",
                              store=store)
    with pytest.raises(Killed):
        run_action("create_account", params(), ctx)
    with store.engine.connect() as conn:
        origins = {o for (o,) in conn.execute(sa.select(intents.c.origin))}
    [origin] = origins
    assert origin.startswith("create:")
    lines = maintain(store, reader, clock)
    assert any("create_account halfx: rolled back" in line for line in lines), lines
    assert mock.user("halfx") is None and mock.mutations() == ["v-add-user", "v-delete-user"]
