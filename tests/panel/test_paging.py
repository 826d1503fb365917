"""Pages of cards (issue 7): PAGE_SIZE cards a page, the pager, the `?q=` filter, one Hestia call, a small page.

One customer, `big`, has 1000 FTP users: 60 on `d001.big.example` (so the advanced section has two pages) and
940 dealt over 199 more domains. Every test here only reads, so the seeded mock is made once for the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from panel_testing import MockCalls, sign_in

from hestia_mock.models import Backend
from hestia_mock.seeds import read_seed
from panel.paging import PAGE_SIZE

FTP_USERS = 1000
BIG_DOMAIN = "d001.big.example"
ON_BIG_DOMAIN = 60
HTML_BUDGET = 300 * 1024  # issue 7: the 1000-user page is under 300 KB


def big_seed() -> dict[str, Any]:
    """The demo seed plus `big`: 1000 FTP users over 200 domains; every third one has a folder."""
    names = [f"d{i:03d}.big.example" for i in range(1, 201)]
    domains: dict[str, Any] = {name: {"ftp": []} for name in names}
    for n in range(FTP_USERS):
        account = {"suffix": f"f{n:04d}", "password": "Big-ftp-pass-2026"}
        if n % 3 == 1:
            account["path"] = "public_html"
        home = names[0] if n < ON_BIG_DOMAIN else names[1 + n % 199]
        domains[home]["ftp"].append(account)
    seed = read_seed("demo")
    seed["users"] = {**seed["users"], "big": {"password": "Big-user-2026", "email": "big@example.com",
                                              "package": "default", "domains": domains}}
    return seed


@pytest.fixture(scope="module")
def big_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    mock = Backend(root=Path(tmp_path_factory.mktemp("big")) / "hestia")
    mock.load_seed(big_seed())
    yield mock
    mock.close()


@pytest.fixture
def backend(big_backend: Backend) -> Backend:
    """Overrides conftest's demo backend: these tests only read, so they share the seeded one."""
    return big_backend


@pytest.fixture
def big(client: FlaskClient, calls: MockCalls) -> FlaskClient:
    """The `big` customer's browser with a clean call log."""
    sign_in(client, "big")
    calls.clear()
    return client


def cards(html: str) -> list[str]:
    """The usernames of the cards on a page, in order."""
    return re.findall(r'data-testid="ftp-card" data-username="([^"]+)"', html)


def link(html: str, rel: str) -> str | None:
    """The href of the pager's rel=prev or rel=next link, unescaped; None when there is none."""
    match = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def pager_range(html: str) -> str:
    match = re.search(r'data-testid="pager-range">([^<]+)<', html)
    assert match, "no pager on the page"
    return " ".join(match.group(1).split())


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# -- the simple section ----------------------------------------------------------------------------------------
def test_first_page_has_page_size_cards_a_pager_and_global_counts(big: FlaskClient, calls: MockCalls) -> None:
    html = page(big, "/ftp")
    assert len(cards(html)) == PAGE_SIZE == 50
    assert pager_range(html) == "1-50 of 1000"
    assert link(html, "prev") is None
    assert link(html, "next") == "/ftp?page=2"
    assert "200 web domains" in html and "1000 FTP users" in html  # the status line counts every page
    assert calls.commands() == ["v-list-web-domains"]


def test_page_two_shows_the_next_cards(big: FlaskClient, calls: MockCalls) -> None:
    first, second = cards(page(big, "/ftp")), cards(page(big, "/ftp?page=2"))
    html = page(big, "/ftp?page=2")
    assert len(second) == PAGE_SIZE and not set(first) & set(second)
    assert pager_range(html) == "51-100 of 1000"
    assert link(html, "prev") == "/ftp" and link(html, "next") == "/ftp?page=3"
    assert calls.commands() == ["v-list-web-domains"] * 3  # one call per page view, whatever the page


def test_the_pages_together_show_every_ftp_user_once(big: FlaskClient) -> None:
    seen: list[str] = []
    url: str | None = "/ftp"
    while url is not None:
        html = page(big, url)
        seen += cards(html)
        url = link(html, "next")
    assert len(seen) == len(set(seen)) == FTP_USERS


@pytest.mark.parametrize(("asked", "shown"), [
    ("999", "951-1000 of 1000"),  # past the end: the last page (documented in panel/paging.py)
    ("20", "951-1000 of 1000"),
    ("0", "1-50 of 1000"),  # not a positive whole number: the first page
    ("-3", "1-50 of 1000"),
    ("two", "1-50 of 1000"),
    ("²", "1-50 of 1000"),
])
def test_a_page_out_of_range_gives_the_nearest_real_page(big: FlaskClient, asked: str, shown: str) -> None:
    html = page(big, f"/ftp?page={asked}")
    assert len(cards(html)) == PAGE_SIZE
    assert pager_range(html) == shown


# -- the filter ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("BIG_F0007", {"big_f0007"}),  # the login, case-insensitive
    ("d077.big.example", {"big_f0075", "big_f0274", "big_f0473", "big_f0672", "big_f0871"}),  # the domain
    ("d077 public_html", {"big_f0274", "big_f0871"}),  # every word must match: domain and folder
])
def test_filter_matches_login_domain_and_folder(big: FlaskClient, calls: MockCalls, query: str,
                                                expected: set[str]) -> None:
    html = page(big, f"/ftp?q={query}")
    assert set(cards(html)) == expected
    assert f'name="q" value="{query}"' in html
    assert "1000 FTP users" in html  # the status line stays global
    assert calls.commands() == ["v-list-web-domains"]


def test_filtered_pages_keep_the_filter_in_the_pager(big: FlaskClient) -> None:
    html = page(big, "/ftp?q=Public_HTML")
    assert pager_range(html) == "1-50 of 333 matching “Public_HTML”"
    assert link(html, "next") == "/ftp?page=2&q=Public_HTML"
    last = page(big, "/ftp?q=Public_HTML&page=7")
    assert pager_range(last) == "301-333 of 333 matching “Public_HTML”"
    assert link(last, "prev") == "/ftp?page=6&q=Public_HTML" and link(last, "next") is None
    assert len(cards(last)) == last.count('<code data-testid="folder">/public_html</code>') == 33


def test_filter_without_a_match_says_so_and_offers_everything_back(big: FlaskClient) -> None:
    html = page(big, "/ftp?q=nothing-like-this")
    assert cards(html) == []
    assert 'data-testid="no-match"' in html and "No FTP user matches “nothing-like-this”." in html
    assert '<a href="/ftp">Show all 1000</a>' in html
    assert 'data-testid="empty"' not in html


def test_filter_is_a_get_form_that_works_without_javascript(big: FlaskClient) -> None:
    html = page(big, "/ftp?page=3")
    form = html[html.index('<form class="filter"'):]
    form = form[:form.index("</form>")]
    assert 'method="get" action="/ftp"' in form
    assert 'name="q"' in form and 'id="card-filter"' in form and 'data-filter-target="cards"' in form
    assert "hidden" not in form  # visible without the script
    assert 'type="submit"' in form


def test_filter_text_is_escaped(big: FlaskClient) -> None:
    html = page(big, "/ftp?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


# -- the advanced section --------------------------------------------------------------------------------------
def test_advanced_section_pages_too(big: FlaskClient, calls: MockCalls) -> None:
    first = page(big, f"/ftp/{BIG_DOMAIN}")
    second = page(big, f"/ftp/{BIG_DOMAIN}?page=2")
    assert len(cards(first)) == PAGE_SIZE and len(cards(second)) == ON_BIG_DOMAIN - PAGE_SIZE
    assert pager_range(first) == "1-50 of 60" and pager_range(second) == "51-60 of 60"
    assert link(first, "next") == f"/ftp/{BIG_DOMAIN}?page=2" and link(second, "prev") == f"/ftp/{BIG_DOMAIN}"
    assert "<dt>FTP users</dt><dd>60</dd>" in second  # the domain's count, not the page's
    assert calls.commands() == ["v-list-web-domains"] * 2


def test_advanced_section_filter_stays_on_its_domain(big: FlaskClient) -> None:
    html = page(big, f"/ftp/{BIG_DOMAIN}?q=f0001")
    assert cards(html) == ["big_f0001"]
    assert f'method="get" action="/ftp/{BIG_DOMAIN}"' in html


# -- size and connection details -------------------------------------------------------------------------------
def test_the_1000_user_page_is_under_300_kb(big: FlaskClient) -> None:
    size = len(big.get("/ftp").data)
    assert size < HTML_BUDGET, f"{size} bytes"


def test_connection_details_come_from_the_stored_listing(big: FlaskClient, calls: MockCalls) -> None:
    page(big, "/ftp")  # the listing is stored, as after any page view
    calls.clear()
    html = page(big, f"/ftp/{BIG_DOMAIN}/big_f0001/connection")
    assert '<code class="copy-value" id="ftp-big_f0001-folder">/public_html</code>' in html
    assert 'id="ftp-big_f0001-login">big_f0001</code>' in html
    assert big.get("/ftp/d002.big.example/big_f0001/connection").status_code == 404  # not on that domain
    assert big.get("/ftp/alice.example/alice_media/connection").status_code == 404  # somebody else's
    assert calls.commands() == []
