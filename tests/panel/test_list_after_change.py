"""Calls per journey: the list after the customer's own change comes from the listing that change updated.

Journey: open the list -> open the popup -> the change -> back to the list. Before (issue 19 Must 9) the list was
read from Hestia again (one v-list-web-domains, ~20 ms per web domain at a real server); now the page the change
leads to is served from the stored listing, under the freshness rule of panel/fresh.py, which these tests pin.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import MockCalls, make_app, sign_in

from hestia_mock.models import Backend
from panel.fresh import FRESH_SECONDS
from puq_hestia.settings import Settings

LIST = "v-list-web-domains"


class Clock:
    """The panel's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make(settings: Settings, mock_app: Flask, clock: Clock) -> Callable[..., Flask]:
    """A panel app on the mock with the test clock (and any other config)."""
    return lambda **config: make_app(settings, PUQ_CLOCK=clock, **config)


@pytest.fixture
def browser(make: Callable[..., Flask], calls: MockCalls) -> FlaskClient:
    """Alice's browser after her first list page, with a clean call log."""
    client = make().test_client()
    sign_in(client, "alice")
    assert client.get("/ftp").status_code == 200
    calls.clear()
    return client


def _add(client: FlaskClient) -> None:
    assert client.get("/ftp/alice.example/add").status_code == 200  # the popup: no Hestia call
    response = client.post("/ftp/alice.example/add", data={"suffix": "newbie", "password": "Newbie-pass-2026x"})
    assert response.status_code == 201


def test_add_journey_back_to_the_list_costs_no_listing(browser: FlaskClient, calls: MockCalls) -> None:
    _add(browser)
    page = browser.get("/ftp")
    assert page.status_code == 200 and "alice_newbie" in page.get_data(as_text=True)
    assert calls.commands() == ["v-add-web-domain-ftp"]  # before: v-add-web-domain-ftp, v-list-web-domains
    calls.clear()
    assert "alice_newbie" in browser.get("/ftp").get_data(as_text=True)  # a reload reads Hestia again
    assert calls.commands() == [LIST]


def test_edit_journeys_back_to_the_list_cost_no_listing(browser: FlaskClient, calls: MockCalls) -> None:
    assert browser.get("/ftp/alice.example/alice_media/edit").status_code == 200
    assert browser.post("/ftp/alice.example/alice_media/password", data={"password": ""}).status_code == 200
    assert browser.get("/ftp").status_code == 200
    assert browser.post("/ftp/alice.example/alice_media/path", data={"path": "public_html"}).status_code == 302
    page = browser.get("/ftp/alice.example").get_data(as_text=True)  # the advanced section: the same rule
    assert 'data-filter-text="alice_media alice.example /public_html"' in page
    assert calls.commands() == ["v-change-web-domain-ftp-password", "v-list-fs-directory",
                                "v-change-web-domain-ftp-path"]


def test_delete_journey_shows_the_listing_without_the_deleted_user(browser: FlaskClient, calls: MockCalls) -> None:
    assert browser.post("/ftp/alice.example/alice_media/delete", data={}).status_code == 302
    page = browser.get("/ftp").get_data(as_text=True)
    assert "was deleted" in page and 'data-filter-text="alice_media ' not in page
    assert calls.commands() == ["v-delete-web-domain-ftp"]


def test_a_listing_read_over_two_minutes_before_is_read_again(browser: FlaskClient, calls: MockCalls,
                                                              clock: Clock) -> None:
    clock.now += FRESH_SECONDS + 1  # the customer left the list open, then added a user
    _add(browser)
    assert "alice_newbie" in browser.get("/ftp").get_data(as_text=True)
    assert calls.commands() == ["v-add-web-domain-ftp", LIST]


def test_a_listing_rewritten_by_anyone_else_is_read_again(browser: FlaskClient, calls: MockCalls,
                                                          backend: Backend, make: Callable[..., Flask]) -> None:
    _add(browser)
    backend.v_add_web_domain_ftp("alice", "blog.alice.example", "elsewhere", "Elsewhere-pass-2026x")
    other = make().test_client()  # another browser (or a hook) reads Hestia: the stored listing changes
    sign_in(other, "alice")
    assert other.get("/ftp").status_code == 200
    calls.clear()
    page = browser.get("/ftp").get_data(as_text=True)
    assert "alice_newbie" in page and "alice_elsewhere" in page
    assert calls.commands() == [LIST]


def test_a_change_made_elsewhere_is_picked_up_by_the_next_normal_read(browser: FlaskClient, calls: MockCalls,
                                                                      backend: Backend) -> None:
    _add(browser)
    backend.v_add_web_domain_ftp("alice", "blog.alice.example", "elsewhere", "Elsewhere-pass-2026x")
    first = browser.get("/ftp").get_data(as_text=True)  # the listing the change updated: not yet this one
    assert "alice_newbie" in first and "alice_elsewhere" not in first
    assert "alice_elsewhere" in browser.get("/ftp").get_data(as_text=True)
    assert calls.commands() == ["v-add-web-domain-ftp", LIST]


def test_a_refused_change_leaves_the_next_list_to_hestia(browser: FlaskClient, calls: MockCalls) -> None:
    refused = browser.post("/ftp/alice.example/add", data={"suffix": "media", "password": "Newbie-pass-2026x"})
    assert refused.status_code == 422  # alice_media exists: nothing changed
    assert browser.get("/ftp").status_code == 200
    assert calls.commands() == [LIST]


def test_switched_off_the_list_after_a_change_is_read_from_hestia(make: Callable[..., Flask],
                                                                  calls: MockCalls) -> None:
    client = make(PUQ_LIST_AFTER_CHANGE=False).test_client()  # the bench's "before"
    sign_in(client, "alice")
    assert client.get("/ftp").status_code == 200
    calls.clear()
    _add(client)
    assert client.get("/ftp").status_code == 200
    assert calls.commands() == ["v-add-web-domain-ftp", LIST]

