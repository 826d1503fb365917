"""Journey: a customer logs in with the Hestia username and password and sees the FTP cards."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pyotp
import pytest
from e2e_support import ALICE, card, screenshot, sign_in
from playwright.sync_api import Page, expect

from hestia_mock.testing import MockHestia

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


# -- issue 13: Hestia's 2FA step and sessions that end, in the real browser -------------------------------

TESSA = ("tessa", "Tessa-demo-2026")
TESSA_SECRET = "PUQDEMOTWOFACTORSECRETFORTESSA23"  # documented in the README for any authenticator app
NOW = datetime(2026, 3, 1, 12, 0, 10)


@pytest.fixture
def fixed_clock(hestia: MockHestia, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mock checks TOTP codes at NOW, so the test types the code for NOW (no waiting on a 30 s window)."""
    monkeypatch.setattr(hestia.backend, "clock", lambda: NOW)


@pytest.mark.usefixtures("fixed_clock")
def test_2fa_asks_for_the_code_after_the_password(page: Page, hestia: MockHestia) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(TESSA[0])
    page.get_by_label("Password").fill(TESSA[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login/code"))
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    code = page.get_by_role("textbox", name="Code")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_be_focused()
    wrong = "000000" if pyotp.TOTP(TESSA_SECRET).at(NOW) != "000000" else "111111"
    code.fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("Wrong code")
    screenshot(page, "login-2fa")
    page.get_by_role("textbox", name="Code").fill(pyotp.TOTP(TESSA_SECRET).at(NOW))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url("/ftp")
    expect(page.get_by_test_id("signed-in-user")).to_have_text("tessa")
    lines = hestia.backend.snapshot()["users"]["tessa"]["login_history"]
    assert [line["STATUS"] for line in lines] == ["failed", "success"]


def test_sign_out_everywhere_ends_the_other_browser_too(page: Page, make_context: Any) -> None:
    sign_in(page)
    laptop = make_context().new_page()
    sign_in(laptop)
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_test_id("flash")).to_contain_text("signed out on every device")
    laptop.reload()
    expect(laptop).to_have_url(re.compile(r"/login"))
    expect(laptop.get_by_test_id("signed-in-user")).to_have_count(0)
