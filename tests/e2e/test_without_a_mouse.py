"""Journeys that do not use the desktop mouse path: keyboard only, JavaScript off, a phone-sized screen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from e2e_support import PHONE, PanelServer, card, popup, screenshot, sign_in
from playwright.sync_api import BrowserContext, Page, expect

from hestia_mock.testing import MockHestia

pytestmark = pytest.mark.browser

ContextFactory = Callable[..., BrowserContext]


def test_popup_takes_focus_and_escape_gives_it_back(alice: Page) -> None:
    opener = alice.get_by_role("link", name="Add FTP user")
    opener.focus()
    alice.keyboard.press("Enter")
    dialog = popup(alice)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Web domain")).to_be_focused()

    alice.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_delete_popup_focuses_cancel_and_cancel_changes_nothing(alice: Page) -> None:
    opener = card(alice, "alice_media").get_by_role("link", name="Delete alice_media")
    opener.focus()
    alice.keyboard.press("Enter")
    dialog = popup(alice)
    cancel = dialog.get_by_role("link", name="Cancel")
    expect(cancel).to_be_focused()  # the safe choice first: Enter right away does not delete
    alice.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    alice.reload()
    expect(card(alice, "alice_media")).to_have_count(1)


def test_delete_works_without_javascript(make_context: ContextFactory, hestia: MockHestia) -> None:
    page = make_context(java_script_enabled=False).new_page()
    sign_in(page)  # the login form, too, works without JavaScript
    card(page, "alice_deploy").get_by_role("link", name="Delete alice_deploy").click()

    # The popup's link opens the same form as a full page.
    expect(page).to_have_url("/ftp/alice.example/alice_deploy/delete?back=ftp")
    expect(page.get_by_role("heading", name="Delete alice_deploy?")).to_be_visible()
    page.get_by_role("button", name="Delete FTP user").click()

    expect(page).to_have_url("/ftp")
    expect(page.get_by_test_id("flash")).to_have_text("The FTP user alice_deploy was deleted.")
    expect(card(page, "alice_deploy")).to_have_count(0)
    ftp_users = hestia.api("v-list-web-domain", "alice", "alice.example", "json").json()["alice.example"]["FTP_USER"]
    assert ftp_users.split(":") == ["alice_media"]


def test_add_works_without_javascript(make_context: ContextFactory, panel: PanelServer) -> None:
    context = make_context(java_script_enabled=False)
    panel.give_session(context, "alice")
    page = context.new_page()
    page.goto("/ftp")
    page.get_by_role("link", name="Add FTP user").click()

    expect(page).to_have_url("/ftp/add")
    page.get_by_label("Web domain").select_option("blog.alice.example")
    page.get_by_role("button", name="Create FTP user").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("FTP user created")
    expect(page.get_by_test_id("new-password")).not_to_be_empty()
    expect(page.get_by_role("button", name="Copy the password")).to_be_hidden()  # no script, nothing to copy with
    login = page.locator("#result-login").inner_text()
    page.get_by_role("link", name="Done").click()
    expect(card(page, login).get_by_test_id("site-link")).to_have_text("blog.alice.example")


def test_connection_details_and_the_filter_work_without_javascript(make_context: ContextFactory,
                                                                  panel: PanelServer) -> None:
    context = make_context(java_script_enabled=False)
    panel.give_session(context, "alice")
    page = context.new_page()
    page.goto("/ftp?q=nothing-like-this")  # the filter box shows whenever a filter is on, with few cards too
    expect(page.get_by_test_id("no-match")).to_contain_text("No FTP user matches “nothing-like-this”.")
    page.get_by_label("Filter").fill("media")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url("/ftp?q=media")
    expect(page.get_by_test_id("ftp-card")).to_have_count(1)

    card(page, "alice_media").get_by_role("link", name="Connection details of alice_media").click()
    expect(page).to_have_url("/ftp/alice.example/alice_media/connection?back=ftp")
    expect(page.get_by_role("heading", name="Connect as alice_media")).to_be_visible()
    expect(page.locator("#ftp-alice_media-login")).to_have_text("alice_media")
    expect(page.get_by_role("button", name="Copy login")).to_be_hidden()  # no script, nothing to copy with
    page.get_by_role("link", name="Close").click()
    expect(page).to_have_url("/ftp")


@pytest.mark.parametrize("path", ["/ftp", "/ftp/alice.example", "/ftp/alice.example/alice_media/edit",
                                  "/ftp/alice.example/alice_media/connection", "/ftp?q=media"])
def test_phone_width_has_no_horizontal_scroll(make_context: ContextFactory, panel: PanelServer, path: str) -> None:
    context = make_context(viewport=PHONE, is_mobile=True, has_touch=True)
    panel.give_session(context, "alice")
    page = context.new_page()
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0, f"{path} is {overflow}px wider than a 390px phone screen"
    if path == "/ftp":
        screenshot(page, "phone")
