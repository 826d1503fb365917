"""Journey: a customer logs in with the Hestia username and password and sees the FTP cards."""

from __future__ import annotations

import pytest
from e2e_support import ALICE, card, screenshot, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_login_leads_to_the_page_first_asked_for(page: Page) -> None:
    page.goto("/ftp/alice.example")
    expect(page).to_have_url("/login?next=/ftp/alice.example")
    page.get_by_label("Username").fill(ALICE[0])
    page.get_by_label("Password").fill(ALICE[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url("/ftp/alice.example")
    expect(page.get_by_test_id("signed-in-user")).to_have_text("alice")


def test_wrong_password_is_refused_next_to_the_field(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(ALICE[0])
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("field-error")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("signed-in-user")).to_have_count(0)


def test_cards_show_every_ftp_user_of_every_domain(page: Page) -> None:
    sign_in(page)
    expect(page.get_by_test_id("ftp-card")).to_have_count(3)
    media = card(page, "alice_media")
    expect(media.get_by_test_id("status")).to_have_text("Active")
    expect(media.get_by_test_id("site-link")).to_have_text("alice.example")
    expect(media.get_by_test_id("folder")).to_have_text("/public_html/media")
    expect(media).to_contain_text("192.0.2.10")
    expect(media.get_by_role("link", name="Edit alice_media")).to_be_visible()
    expect(media.get_by_role("link", name="Delete alice_media")).to_be_visible()
    expect(media.get_by_test_id("domain-settings")).to_have_attribute("href", "/ftp/alice.example")
    expect(card(page, "alice_deploy").get_by_test_id("folder")).to_have_text("/")
    expect(page.get_by_test_id("status-line").first).to_contain_text("3 FTP users")
    screenshot(page, "simple-section", full_page=True)
