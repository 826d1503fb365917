"""FTP user limits per Hestia package, with billing's per-account number (issue 16, part 3).

The demo's alice has 3 FTP users (2 on alice.example, 1 on the suspended shop.alice.example).
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import MockCalls, make_app, sign_in

from panel.extensions import EXTENSION_KEY
from puq_hestia.ftp import FtpService, LimitReachedError
from puq_hestia.ftp.limits import FtpLimits, Quota
from puq_hestia.hestia.errors import ConfigError
from puq_hestia.settings import Settings


def limited(settings: Settings, limits: dict[str, int]) -> Settings:
    server = replace(settings.servers["main"], ftp_limits=limits)
    return replace(settings, servers={"main": server})


@pytest.fixture
def browser(settings: Settings, mock_app: Flask, calls: MockCalls, request: pytest.FixtureRequest) -> FlaskClient:
    app = make_app(limited(settings, request.param))
    client = app.test_client()
    sign_in(client, "alice")
    assert client.get("/ftp").status_code == 200
    calls.clear()
    return client


def service_of(client: FlaskClient) -> FtpService:
    app = client.application
    service: FtpService = app.extensions[EXTENSION_KEY].servers["main"].ftp
    return service


@pytest.mark.parametrize("browser", [{"default": 3}], indirect=True)
def test_at_the_limit_add_is_off_with_the_reason_and_a_post_is_refused_without_a_call(
        browser: FlaskClient, calls: MockCalls) -> None:
    html = browser.get("/ftp").get_data(as_text=True)
    assert '<span data-testid="quota">3 of 3 FTP users</span>' in html
    assert 'id="add-ftp" aria-disabled="true"' in html
    assert "You have 3 of 3 FTP users, the most your hosting plan allows." in html
    calls.clear()
    reply = browser.post("/ftp/add", data={"domain": "alice.example"})
    assert "the most your hosting plan allows" in reply.get_data(as_text=True)
    assert calls.commands() == []  # not even a read: the count and the form come from the stored listing


@pytest.mark.parametrize("browser", [{"default": 5}], indirect=True)
def test_the_sixth_of_five_is_refused(browser: FlaskClient, calls: MockCalls) -> None:
    assert "3 of 5 FTP users" in browser.get("/ftp").get_data(as_text=True)
    for _ in range(2):
        assert browser.post("/ftp/add", data={"domain": "alice.example"}).status_code == 201
    html = browser.get("/ftp").get_data(as_text=True)
    assert "5 of 5 FTP users" in html and 'aria-disabled="true"' in html
    calls.clear()
    with pytest.raises(LimitReachedError):
        service_of(browser).create("alice", "alice.example")
    assert calls.commands() == []


@pytest.mark.parametrize("browser", [{"default": 5, "gold": 50}], indirect=True)
def test_billing_s_number_and_the_package_come_before_the_default(browser: FlaskClient) -> None:
    store = service_of(browser).store
    assert store is not None
    store.set_account_limits("main", "alice", package="gold")
    assert "3 of 50 FTP users" in browser.get("/ftp").get_data(as_text=True)
    store.set_account_limits("main", "alice", ftp_accounts=3)
    assert "3 of 3 FTP users" in browser.get("/ftp").get_data(as_text=True)
    store.set_account_limits("main", "alice", ftp_accounts=None)
    assert "3 of 50 FTP users" in browser.get("/ftp").get_data(as_text=True)


@pytest.mark.parametrize("browser", [{"default": 1}], indirect=True)
def test_lowering_the_limit_below_the_count_deletes_nothing(browser: FlaskClient, calls: MockCalls) -> None:
    html = browser.get("/ftp").get_data(as_text=True)
    assert "3 of 1 FTP user" in html
    assert html.count('data-testid="ftp-card"') == 3
    assert calls.changes() == []


@pytest.mark.parametrize("browser", [{}], indirect=True)
def test_without_limits_the_count_is_just_a_count(browser: FlaskClient) -> None:
    html = browser.get("/ftp").get_data(as_text=True)
    assert '<span data-testid="quota">3 FTP users</span>' in html
    assert 'aria-disabled="true"' not in html


@pytest.mark.parametrize("browser", [{"default": 4}], indirect=True)
def test_two_creates_at_once_at_the_last_free_place_make_exactly_one(browser: FlaskClient,
                                                                    calls: MockCalls) -> None:
    service = service_of(browser)
    results: list[object] = []
    start = threading.Barrier(2)

    def create() -> None:
        start.wait()
        try:
            results.append(service.create("alice", "alice.example"))
        except LimitReachedError as error:
            results.append(error)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(r).__name__ for r in results) == ["Created", "LimitReachedError"]
    assert calls.changes() == ["v-add-web-domain-ftp"]
    assert service.quota("alice") == Quota(4, 4)


def test_quota_words() -> None:
    assert Quota(3, 5).text == "3 of 5 FTP users" and not Quota(3, 5).full
    assert Quota(5, 5).full and Quota(6, 5).full
    assert Quota(1, None).text == "1 FTP user" and not Quota(10**6, None).full
    assert FtpLimits({"default": 2, "pro": 9}).limit("pro") == 9
    assert FtpLimits({"default": 2}).limit("other") == 2 and FtpLimits({}).limit("pro") is None
    assert FtpLimits({"pro": 9}).limit("pro", 0) == 0


@pytest.mark.parametrize("value", [-1, 10_001, "5", 2.5, True])
def test_a_wrong_limit_in_the_settings_stops_the_start(value: object) -> None:
    with pytest.raises(ConfigError, match="ftp_limits"):
        Settings.from_mapping({"panel": {"secret_key": "x"}, "servers": {"main": {
            "url": "https://hestia.example:8083", "hash": "A:B", "ftp_limits": {"default": value}}}})


def test_signing_in_records_the_package_for_the_limit(settings: Settings, mock_app: Flask, backend: object,
                                                      calls: MockCalls) -> None:
    app = make_app(limited(settings, {"default": 9, "gold": 1}))
    client = app.test_client()
    assert client.post("/login", data={"server": "main", "username": "alice",
                                       "password": "Alice-demo-2026"}).status_code == 302
    package = backend.users["alice"].conf["PACKAGE"]  # type: ignore[attr-defined]
    assert app.extensions[EXTENSION_KEY].store.account_limits("main", "alice") == (package, None)
    assert calls.commands().count("v-list-user") == 1  # the policy's own read; the limit added none
