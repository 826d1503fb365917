"""The circuit breaker per Hestia server (puq_hestia/hestia/breaker.py): fail fast after repeated transient failures,
close again after a successful probe. Time is a fake clock; nothing sleeps."""

from __future__ import annotations

import pytest
from chaos_support import FakeClock, Rig

from panel.extensions import build_services
from puq_hestia.hestia.breaker import BreakerState, CircuitBreaker, CircuitOpenError
from puq_hestia.hestia.errors import (
    AlreadyExistsError,
    ConfigError,
    HestiaConnectionError,
    HestiaTimeoutError,
    HestiaTLSError,
)
from puq_hestia.settings import Settings

DOWN = HestiaConnectionError("cannot connect")


def _breaker(clock: FakeClock, threshold: int = 3) -> CircuitBreaker:
    return CircuitBreaker("main", threshold=threshold, cooldown=30, clock=clock)


def _half_open() -> CircuitBreaker:
    """A breaker opened by one failure whose cooldown is over: the next call is the probe."""
    clock = FakeClock()
    breaker = _breaker(clock, threshold=1)
    _fail(breaker)
    clock.advance(30)
    return breaker


def _fail(breaker: CircuitBreaker, error: Exception = DOWN) -> None:
    breaker.before_call("v-list-users")
    breaker.record(error)


def test_it_opens_after_threshold_consecutive_transient_failures() -> None:
    breaker = _breaker(FakeClock())
    for _ in range(2):
        _fail(breaker)
    assert breaker.state is BreakerState.CLOSED
    _fail(breaker, HestiaTimeoutError("no answer"))
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpenError) as refused:
        breaker.before_call("v-add-web-domain-ftp")
    assert refused.value.retry_after == 30 and not refused.value.outcome_unknown


def test_an_answer_resets_the_count_even_a_refusal() -> None:
    """E_EXISTS proves the server is alive: it is not a failure of the server."""
    breaker = _breaker(FakeClock())
    _fail(breaker)
    _fail(breaker)
    _fail(breaker, AlreadyExistsError("v-add-user", 4))
    _fail(breaker)
    _fail(breaker)
    assert breaker.state is BreakerState.CLOSED


def test_tls_failures_neither_open_nor_close_it() -> None:
    breaker = _breaker(FakeClock(), threshold=1)
    for _ in range(5):
        _fail(breaker, HestiaTLSError("bad certificate"))
    assert breaker.state is BreakerState.CLOSED


def test_one_probe_after_the_cooldown_closes_it_on_success() -> None:
    breaker = _half_open()
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.before_call("v-list-users")  # the probe
    with pytest.raises(CircuitOpenError):
        breaker.before_call("v-list-users")  # others still fail fast while the probe runs
    breaker.record(None)
    assert breaker.state is BreakerState.CLOSED
    breaker.before_call("v-list-users")


def test_a_failed_probe_opens_it_for_another_cooldown() -> None:
    clock = FakeClock()
    breaker = _breaker(clock, threshold=2)
    _fail(breaker)
    _fail(breaker)
    clock.advance(31)
    _fail(breaker)
    assert breaker.state is BreakerState.OPEN
    clock.advance(29)
    assert breaker.state is BreakerState.OPEN
    clock.advance(1)
    assert breaker.state is BreakerState.HALF_OPEN


def test_a_probe_that_crashes_for_another_reason_lets_the_next_call_probe() -> None:
    breaker = _half_open()
    with pytest.raises(KeyError):
        breaker.call("v-list-users", lambda: {}["missing"])
    assert breaker.call("v-list-users", lambda: "ok") == "ok"
    assert breaker.state is BreakerState.CLOSED


def test_customers_get_a_fast_clear_503_and_no_call_while_it_is_open(fresh: Rig) -> None:
    browser = fresh.customer()
    fresh.fault(kind="refused")
    for _ in range(5):  # five actions, each after its three attempts: the breaker opens
        assert browser.post("/ftp/alice.example/alice_deploy/delete").status_code == 503
    calls_before = len(fresh.calls())
    response = browser.post("/ftp/alice.example/alice_deploy/delete")
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "failed several times in a row" in text and "Nothing was changed" in text
    assert response.headers["Retry-After"] == "30"
    assert len(fresh.calls()) == calls_before  # failed fast: Hestia was not called
    assert "alice_deploy" in fresh.backend.passwd


def test_it_closes_after_a_successful_probe_and_actions_work_again(fresh: Rig) -> None:
    browser = fresh.customer()
    fresh.fault(kind="refused")
    for _ in range(5):
        browser.post("/ftp/alice.example/alice_deploy/delete")
    fresh.clear_faults()
    assert browser.post("/ftp/alice.example/alice_deploy/delete").status_code == 503  # still resting
    fresh.clock.advance(30)
    response = browser.post("/ftp/alice.example/alice_deploy/delete")  # the probe, and it succeeds
    assert response.status_code == 302
    assert "alice_deploy" not in fresh.backend.passwd
    assert fresh.services.servers["main"].breaker.state is BreakerState.CLOSED


def test_resellers_are_told_nothing_changed_while_it_is_open(fresh: Rig) -> None:
    fresh.fault(kind="connect_timeout")
    for _ in range(5):
        fresh.hook("suspend_account", {"username": "bob"})
    count = len(fresh.calls())
    response = fresh.hook("suspend_account", {"username": "bob"})
    assert response.status_code == 503
    assert "nothing was changed" in response.get_json()["message"]
    assert len(fresh.calls()) == count and not fresh.backend.users["bob"].suspended


def _settings_with(**server: object) -> Settings:
    return Settings.from_mapping({"panel": {"demo": True, "secret_key": "x" * 32, "database_url": "sqlite://"},
                                  "servers": {"main": {"url": "https://hestia.test:8083", "hash": "A" * 20 + ":s",
                                                       **server}}})


def test_threshold_and_cooldown_come_from_the_server_settings() -> None:
    services = build_services(_settings_with(breaker_threshold=2, breaker_cooldown=5), clock=FakeClock())
    breaker = services.servers["main"].breaker
    assert (breaker.threshold, breaker.cooldown) == (2, 5.0)
    defaults = build_services(_settings_with()).servers["main"].breaker
    assert (defaults.threshold, defaults.cooldown) == (5, 30.0)


@pytest.mark.parametrize(("name", "value"), [("breaker_threshold", 0), ("breaker_cooldown", -1),
                                             ("breaker_cooldown", 86400)])
def test_out_of_range_breaker_settings_refuse_to_start(name: str, value: int) -> None:
    with pytest.raises(ConfigError, match=f"{name} must be between"):
        _settings_with(**{name: value})
