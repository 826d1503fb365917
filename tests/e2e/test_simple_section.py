"""Journeys in the simple section (`/ftp`): add, read the password once and use it, copy, filter, delete."""

from __future__ import annotations

import ftplib
import io
import re

import pytest
from e2e_support import card, ftp_login, open_popup, popup, screenshot
from playwright.sync_api import Page, expect

from hestia_mock.testing import MockHestia

pytestmark = pytest.mark.browser

ALICE_DIR = "/home/alice/web/alice.example"


@pytest.mark.ftp
def test_add_shows_the_password_once_and_it_logs_in_to_ftp(alice: Page, hestia: MockHestia) -> None:
    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"), "Add an FTP user")
    dialog.get_by_label("Web domain").select_option("alice.example")
    screenshot(alice, "add-popup")
    with alice.expect_response(lambda r: r.request.method == "POST") as posted:
        dialog.get_by_role("button", name="Create FTP user").click()
    assert posted.value.status == 201
    assert posted.value.headers["cache-control"] == "no-store"

    result = popup(alice).get_by_test_id("result")  # the answer stays in the popup (issue 19 Must 5)
    expect(result.get_by_role("heading", level=2)).to_have_text("FTP user created")
    login = alice.locator("#result-login").inner_text()
    password = alice.get_by_test_id("new-password").inner_text()
    assert re.fullmatch(r"alice_[a-z0-9]+", login)
    assert len(password) >= 16
    expect(alice.locator("#result-host")).to_have_text("127.0.0.1")
    expect(alice.locator("#result-port")).to_have_text(str(hestia.ftp_port))
    screenshot(alice, "password-shown", full_page=True)
    alice.get_by_role("button", name="Copy the password").click()
    assert alice.evaluate("navigator.clipboard.readText()") == password

    with ftp_login(hestia, login, password) as client:
        client.storbinary("STOR hello.txt", io.BytesIO(b"uploaded from the e2e test\n"))
    assert hestia.backend.fs.real(f"{ALICE_DIR}/hello.txt").read_bytes() == b"uploaded from the e2e test\n"

    alice.get_by_role("link", name="Done").click()
    expect(card(alice, login).get_by_test_id("folder")).to_have_text("/")


def test_copy_buttons_copy_the_connection_details(alice: Page, hestia: MockHestia) -> None:
    media = card(alice, "alice_media")
    dialog = open_popup(alice, media.get_by_role("link", name="Connection details of alice_media"),
                        "Connect as alice_media")
    expect(dialog.locator("#ftp-alice_media-host")).to_have_text("127.0.0.1")
    expect(dialog.locator("#ftp-alice_media-port")).to_have_text(str(hestia.ftp_port))
    expect(dialog.locator("#ftp-alice_media-login")).to_have_text("alice_media")
    expect(dialog.locator("#ftp-alice_media-folder")).to_have_text("/public_html/media")
    expect(dialog).to_contain_text("Explicit FTPS (FTP over TLS)")
    expect(dialog.get_by_test_id("filezilla")).to_have_attribute("href",
                                                                 "/ftp/alice.example/alice_media/filezilla.xml")
    screenshot(alice, "connection-details")
    dialog.get_by_role("button", name="Copy login").click()
    expect(dialog.get_by_role("button", name="Copy login")).to_have_text("Copied")
    assert alice.evaluate("navigator.clipboard.readText()") == "alice_media"
    dialog.get_by_role("button", name="Copy port").click()
    assert alice.evaluate("navigator.clipboard.readText()") == str(hestia.ftp_port)
    dialog.get_by_role("button", name="Copy all connection details of alice_media").click()
    shared = alice.evaluate("navigator.clipboard.readText()")
    assert shared.splitlines() == ["FTP access to alice.example", "Host: 127.0.0.1", f"Port: {hestia.ftp_port}",
                                   "Protocol: Explicit FTPS (FTP over TLS)", "Login: alice_media",
                                   "Folder: you start in /public_html/media of alice.example"
                                   " (shown as / in your FTP client)",
                                   "Password: sent separately"]
    dialog.get_by_role("link", name="Close").click()
    expect(dialog).to_be_hidden()


def test_filter_box_narrows_the_cards(alice: Page, hestia: MockHestia) -> None:
    for suffix, domain in [("photos", "alice-photos.example"), ("recipes", "alice-recipes.example"),
                           ("folio", "alice-portfolio.example"), ("blog", "blog.alice.example")]:
        assert hestia.api("v-add-web-domain-ftp", "alice", domain, suffix, "Filter-ftp-2026").ok
    alice.reload()
    cards = alice.get_by_test_id("ftp-card")
    expect(cards).to_have_count(7)

    alice.get_by_label("Filter").fill("photos")
    expect(cards.locator("visible=true")).to_have_count(1)
    expect(card(alice, "alice_photos")).to_be_visible()
    alice.get_by_label("Filter").fill("alice.example media")
    expect(cards.locator("visible=true")).to_have_count(1)
    expect(card(alice, "alice_media")).to_be_visible()
    alice.get_by_label("Filter").fill("nothing-like-this")
    expect(cards.locator("visible=true")).to_have_count(0)
    expect(alice.get_by_text("No FTP user matches the filter.")).to_be_visible()
    alice.get_by_label("Filter").fill("")
    expect(cards.locator("visible=true")).to_have_count(7)


def test_many_ftp_users_come_in_pages_with_a_filter_over_every_page(alice: Page, hestia: MockHestia) -> None:
    # blog.alice.example comes after the demo's 3 accounts: p00-p46 fill page 1, p47-p54 are page 2.
    for n in range(55):
        assert hestia.api("v-add-web-domain-ftp", "alice", "blog.alice.example", f"p{n:02d}", "Paged-ftp-2026").ok
    alice.reload()
    cards = alice.get_by_test_id("ftp-card")
    expect(cards).to_have_count(50)
    expect(alice.get_by_test_id("pager-range")).to_have_text("1-50 of 58")
    expect(alice.get_by_test_id("status-line").first).to_contain_text("58 FTP users")

    alice.get_by_role("link", name="Next").click()
    expect(alice).to_have_url("/ftp?page=2")
    expect(cards).to_have_count(8)
    expect(alice.get_by_test_id("pager-range")).to_have_text("51-58 of 58")

    box = alice.get_by_label("Filter")
    box.fill("p01")  # typing filters the cards on this page only: alice_p01 is on page 1
    expect(cards.locator("visible=true")).to_have_count(0)
    expect(alice.get_by_text("No FTP user on this page matches the filter")).to_be_visible()
    box.press("Enter")  # the server searches every page
    expect(alice).to_have_url("/ftp?q=p01")
    expect(cards).to_have_count(1)
    expect(card(alice, "alice_p01")).to_be_visible()
    expect(alice.get_by_test_id("pager-range")).to_have_text("1-1 of 1 matching “p01”")

    alice.get_by_test_id("clear-filter").click()
    expect(alice).to_have_url("/ftp")
    expect(cards).to_have_count(50)


@pytest.mark.ftp
def test_delete_asks_for_confirmation_in_a_popup(alice: Page, hestia: MockHestia) -> None:
    deploy = card(alice, "alice_deploy")
    dialog = open_popup(alice, deploy.get_by_role("link", name="Delete alice_deploy"), "Delete alice_deploy?")
    expect(dialog).to_contain_text("alice.example")
    dialog.get_by_role("button", name="Delete FTP user").click()

    expect(popup(alice)).to_be_hidden()
    expect(alice).to_have_url("/ftp")
    expect(alice.get_by_test_id("flash")).to_have_text("The FTP user alice_deploy was deleted.")
    expect(deploy).to_have_count(0)
    expect(alice.get_by_test_id("ftp-card")).to_have_count(2)
    with pytest.raises(ftplib.error_perm, match="530"):
        ftp_login(hestia, "alice_deploy", "Deploy-ftp-2026")


def test_suspended_domain_cards_offer_delete_only(alice: Page) -> None:
    shop = card(alice, "alice_shop")
    expect(shop.get_by_test_id("status")).to_have_text("Suspended")
    expect(shop).to_contain_text("The web domain is suspended")
    expect(shop.get_by_test_id("edit")).to_have_count(0)
    expect(shop.get_by_role("link", name="Delete alice_shop")).to_be_visible()
    expect(card(alice, "alice_media").get_by_test_id("edit")).to_be_visible()

    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"), "Add an FTP user")
    domains = dialog.get_by_label("Web domain").locator("option").all_inner_texts()
    assert "alice.example" in domains
    assert "shop.alice.example" not in domains
    dialog.get_by_role("link", name="Cancel").click()

    # Deleting stays allowed on a suspended domain, as in Hestia (DESIGN.md §4).
    dialog = open_popup(alice, shop.get_by_role("link", name="Delete alice_shop"), "Delete alice_shop?")
    dialog.get_by_role("button", name="Delete FTP user").click()
    expect(alice.get_by_test_id("flash")).to_have_text("The FTP user alice_shop was deleted.")
    expect(shop).to_have_count(0)


def test_hestia_failing_gives_a_clear_page(alice: Page, hestia: MockHestia) -> None:
    hestia.fault(kind="http_status", status=500, cmd="v-list-web-domains")
    response = alice.goto("/ftp")

    assert response is not None and response.status == 503
    expect(alice.get_by_role("heading", level=1)).to_have_text("Control panel unavailable")
    expect(alice.locator("main")).to_contain_text("Nothing was changed.")
    expect(alice.locator("main")).not_to_contain_text("Traceback")
    hestia.clear_faults()
    alice.reload()
    expect(alice.get_by_test_id("ftp-card")).to_have_count(3)
