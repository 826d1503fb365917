"""The mock's latency model per web domain (`domain_latency`): base ms plus ms per web domain of the user.

HestiaCP's v-list-web-domains walks web.conf and costs about 20 ms per web domain (issue 19 Must 9). Tests inject
the sleep, so the modelled seconds are counted, never waited.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hestia_mock_helpers import DEMO_HASH, form

from hestia_mock.faults import FaultError, FaultRegistry
from hestia_mock.server import MockContext


@pytest.fixture
def slept(client: FlaskClient) -> list[float]:
    """Every modelled wait of the mock app, in seconds (the injected sleep records instead of waiting)."""
    waits: list[float] = []
    context: MockContext = client.application.extensions["hestia_mock"]
    context.faults.sleep = waits.append
    return waits


def _list(client: FlaskClient, cmd: str, *args: str) -> int:
    return client.post("/api/", data=form(cmd, *args, hash=DEMO_HASH)).status_code


def _faults(client: FlaskClient) -> FaultRegistry:
    registry: FaultRegistry = client.application.extensions["hestia_mock"].faults
    return registry


def test_the_web_domain_listing_costs_base_plus_per_domain(client: FlaskClient, slept: list[float]) -> None:
    _faults(client).add({"kind": "domain_latency", "ms": 40, "per_domain_ms": 20})
    assert _list(client, "v-list-web-domains", "alice", "json") == 200  # alice: six web domains
    assert _list(client, "v-list-web-domains", "bob", "json") == 200  # bob: one
    assert slept == [pytest.approx(0.040 + 6 * 0.020), pytest.approx(0.040 + 0.020)]


def test_other_commands_pay_only_the_base(client: FlaskClient, slept: list[float]) -> None:
    _faults(client).add({"kind": "domain_latency", "ms": 40, "per_domain_ms": 20})
    assert _list(client, "v-list-user", "alice", "json") == 200
    assert _list(client, "v-list-web-domains", "nobody", "json") != 200  # unknown user: no domains to walk
    assert slept == [pytest.approx(0.040), pytest.approx(0.040)]


def test_a_named_command_is_charged_per_domain_too(client: FlaskClient, slept: list[float]) -> None:
    _faults(client).add({"kind": "domain_latency", "cmd": "v-list-user", "per_domain_ms": 10})
    assert _list(client, "v-list-user", "alice", "json") == 200
    assert _list(client, "v-list-web-domains", "alice", "json") == 200  # another command: no fault
    assert slept == [pytest.approx(0.060)]


def test_the_latency_kind_uses_the_injected_sleep_too(client: FlaskClient, slept: list[float]) -> None:
    _faults(client).add({"kind": "latency", "ms": 150})
    assert _list(client, "v-list-users", "json") == 200
    assert slept == [pytest.approx(0.150)]


def test_per_domain_ms_is_checked() -> None:
    with pytest.raises((FaultError, ValueError)):
        FaultRegistry().add({"kind": "domain_latency", "per_domain_ms": "many"})
