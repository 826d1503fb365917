"""Words and links (issue 19 Must 7)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def test_distinct_labels_and_ftp_users_before_the_domain_list(alice: FlaskClient) -> None:
    html = alice.get("/ftp").get_data(as_text=True)
    assert "FTP users of this domain</a>" in html and "Domain settings</a>" not in html
    assert 'aria-label="Open website alice.example (new tab)"' in html
    assert html.index('data-testid="ftp-card"') < html.index('id="domains-title"')
    assert "HestiaCP settings ↗" in alice.get("/ftp/alice.example").get_data(as_text=True)


def test_the_simple_add_hint_is_short_and_links_to_choosing_yourself(alice: FlaskClient) -> None:
    html = alice.get("/ftp/add?domain=blog.alice.example").get_data(as_text=True)
    assert "The name and a strong password are generated; the password is shown once." in html
    assert re.search(r'href="/ftp/blog.alice.example/add"\s+data-testid="choose-yourself"', html)


def test_copied_is_announced_through_a_live_region(alice: FlaskClient) -> None:
    assert '<p id="live" class="visually-hidden" aria-live="polite" role="status"></p>' in alice.get(
        "/ftp").get_data(as_text=True)


def test_the_503_page_says_ftp_keeps_working_and_offers_try_again(alice: FlaskClient, mock_app: Flask) -> None:
    mock_app.test_client().post("/_mock/faults", json={"kind": "http_status", "status": 500,
                                                       "cmd": "v-list-web-domains"})
    page = alice.get("/ftp")
    html = page.get_data(as_text=True)
    assert page.status_code == 503
    assert "Your FTP users keep working" in html and '>Try again</a>' in html and 'href="/ftp"' in html


def test_a_direct_url_to_a_forbidden_form_says_why_up_front(alice: FlaskClient, calls: object) -> None:
    for url in ("/ftp/shop.alice.example/add", "/ftp/shop.alice.example/alice_shop/edit"):
        html = alice.get(url).get_data(as_text=True)
        assert "The web domain shop.alice.example is suspended, so FTP users cannot be added or changed" in html
    assert "is suspended" not in alice.get("/ftp/alice.example/add").get_data(as_text=True)
