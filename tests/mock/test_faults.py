"""Fault injection through the real threaded server and through the in-process `responses` bridge."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
import responses
from hestia_mock_helpers import DEMO_HASH, form

from hestia_mock import bridge
from hestia_mock.faults import FaultError, FaultRegistry
from hestia_mock.models import Backend
from hestia_mock.server import MockContext
from hestia_mock.testing import MockHestia

FTP_ADD = ("v-add-web-domain-ftp", "bob", "bob.example", "x", "Secret-pass-1")


def ftp_users(backend: Backend) -> str:
    return backend.users["bob"].domains["bob.example"].conf["FTP_USER"]


# --- the real server -------------------------------------------------------------------------------------


def test_drop_before_does_not_apply(hestia: MockHestia) -> None:
    hestia.fault(kind="drop_before", cmd="v-add-web-domain-ftp", times=1)
    with pytest.raises(requests.ConnectionError):
        hestia.api(*FTP_ADD)
    assert ftp_users(hestia.backend) == "bob_web"
    assert hestia.calls()[-1]["fault"] == "drop_before" and hestia.calls()[-1]["http_status"] is None
    assert hestia.api(*FTP_ADD).status_code == 204  # times=1: the next call goes through


def test_drop_after_applies_then_loses_the_answer(hestia: MockHestia) -> None:
    hestia.fault(kind="drop_after", cmd="v-add-web-domain-ftp", times=1)
    with pytest.raises(requests.ConnectionError):
        hestia.api(*FTP_ADD)
    assert ftp_users(hestia.backend) == "bob_web:bob_x"
    assert hestia.calls()[-1]["exit_code"] == 0


def test_fault_for_another_command_does_not_fire(hestia: MockHestia) -> None:
    hestia.fault(kind="drop_before", cmd="v-delete-user")
    assert hestia.api("v-list-users", "json").status_code == 200


def test_latency(hestia: MockHestia) -> None:
    hestia.fault(kind="latency", ms=150, times=1)
    started = time.perf_counter()
    assert hestia.api("v-list-users", "json").status_code == 200
    assert time.perf_counter() - started >= 0.15
    assert hestia.calls()[-1]["duration_ms"] >= 150


@pytest.mark.parametrize(("body", "text"), [("", ""), ("html", "<center><h1>503 Service Temporarily")])
def test_http_status_without_exit_header(hestia: MockHestia, body: str, text: str) -> None:
    hestia.fault(kind="http_status", status=503, body=body, times=1)
    response = hestia.api(*FTP_ADD)
    assert response.status_code == 503 and "Hestia-Exit-Code" not in response.headers
    assert text in response.text if text else response.text == ""
    assert ftp_users(hestia.backend) == "bob_web"


def test_exit_code_with_retry_after(hestia: MockHestia) -> None:
    hestia.fault(kind="exit_code", code=14, message="Error: LA is too high", retry_after=3, times=2)
    for _ in range(2):
        response = hestia.api("v-list-users", "json")
        assert (response.status_code, response.headers["Hestia-Exit-Code"]) == (400, "14")
        assert (response.headers["Retry-After"], response.text) == ("3", "Error: LA is too high")
    assert hestia.api("v-list-users", "json").status_code == 200


def test_read_timeout_on_the_real_server(hestia: MockHestia) -> None:
    hestia.fault(kind="read_timeout", seconds=5, times=1)
    data = form(*FTP_ADD, hash=DEMO_HASH)
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{hestia.url}/api/", data=data, timeout=(2, 0.3))
    assert ftp_users(hestia.backend) == "bob_web:bob_x"
    hestia.clear_faults()  # wakes the handler thread at once


def test_stall_is_interrupted_by_clearing_faults(hestia: MockHestia) -> None:
    hestia.fault(kind="stall", seconds=30)
    timer = threading.Timer(0.2, hestia.clear_faults)
    timer.start()
    started = time.perf_counter()
    assert hestia.api("v-list-users", "json").status_code == 200
    assert time.perf_counter() - started < 5
    timer.join()


def test_control_endpoints_for_faults(hestia: MockHestia) -> None:
    created = requests.post(f"{hestia.url}/_mock/faults", json={"kind": "latency", "ms": 1}, timeout=5)
    assert created.status_code == 201 and created.json()[0]["kind"] == "latency"
    assert requests.get(f"{hestia.url}/_mock/faults", timeout=5).json()[0]["ms"] == 1
    bad = requests.post(f"{hestia.url}/_mock/faults", json={"kind": "meteor"}, timeout=5)
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
    assert requests.delete(f"{hestia.url}/_mock/faults", timeout=5).json() == {"ok": True}
    assert requests.get(f"{hestia.url}/_mock/faults", timeout=5).json() == []


# --- the registry ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec", [{"kind": "nope"}, {"kind": "latency", "times": 0}, {"kind": "latency", "colour": "red"}]
)
def test_invalid_fault_specs(spec: dict[str, object]) -> None:
    with pytest.raises(FaultError):
        FaultRegistry().add(spec)


def test_take_returns_delays_and_one_ending_fault() -> None:
    registry = FaultRegistry()
    for spec in ({"kind": "latency", "ms": 1}, {"kind": "drop_before", "times": 1}, {"kind": "drop_after"}):
        registry.add(spec)
    assert [f.kind for f in registry.take("v-x")] == ["latency", "drop_before"]
    assert [f.kind for f in registry.take("v-x")] == ["latency", "drop_after"]


# --- the responses bridge ----------------------------------------------------------------------------------


@pytest.fixture
def bridged(backend: Backend) -> Iterator[MockContext]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        app = bridge.install(rsps, backend)
        yield app.extensions["hestia_mock"]


def post(*args: str) -> requests.Response:
    return requests.post(f"{bridge.DEFAULT_URL}/api/", data=form(*args, hash=DEMO_HASH), timeout=5)


def test_bridge_answers_like_the_server(bridged: MockContext) -> None:
    response = post("v-list-web-domains", "bob", "json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["bob.example"]["FTP_USER"] == "bob_web"
    assert post("v-list-user", "ghost", "json").headers["Hestia-Exit-Code"] == "3"


@pytest.mark.parametrize(
    ("kind", "exception", "applied"),
    [
        ("drop_before", requests.ConnectionError, False),
        ("refused", requests.ConnectionError, False),
        ("connect_timeout", requests.ConnectTimeout, False),
        ("drop_after", requests.ConnectionError, True),
        ("read_timeout", requests.ReadTimeout, True),
    ],
)
def test_bridge_maps_faults_to_requests_exceptions(
    bridged: MockContext, backend: Backend, kind: str, exception: type[Exception], applied: bool
) -> None:
    bridged.faults.add({"kind": kind, "cmd": "v-add-web-domain-ftp", "times": 1})
    with pytest.raises(exception) as caught:
        post(*FTP_ADD)
    assert ("bob_x" in ftp_users(backend)) is applied
    if kind in ("drop_after", "read_timeout"):
        assert not isinstance(caught.value, requests.ConnectTimeout)
    if kind == "drop_after":
        assert "RemoteDisconnected" in repr(caught.value)
    assert post("v-list-users", "json").status_code == 200


def test_bridge_records_calls_with_masked_secrets(bridged: MockContext) -> None:
    post(*FTP_ADD)
    call = bridged.calls.entries()[-1]
    assert call["args"] == ["bob", "bob.example", "x", "***"]
    assert "Secret-pass-1" not in repr(bridged.calls.entries())
