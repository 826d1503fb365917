"""Issue 19 in the browser: one click does one thing (Must 1) and the panel says what is true (Must 2)."""

from __future__ import annotations

import ftplib
from collections.abc import Callable

import pytest
from e2e_support import PanelServer, card, ftp_login, open_popup
from playwright.sync_api import BrowserContext, Page, expect

from hestia_mock.testing import MockHestia

pytestmark = pytest.mark.browser


def ftp_users(hestia: MockHestia) -> set[str]:
    return {name for name in hestia.backend.passwd if name.startswith("alice_")}


@pytest.mark.ftp
def test_reloading_the_created_page_makes_no_second_user(panel: PanelServer, hestia: MockHestia,
                                                         make_context: Callable[..., BrowserContext]) -> None:
    context = make_context(java_script_enabled=False)  # without the script the result is a POST's page
    panel.give_session(context, "alice")
    page = context.new_page()
    page.goto("/ftp/add?domain=alice.example")
    before = ftp_users(hestia)
    page.get_by_role("button", name="Create FTP user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FTP user created")
    password = page.get_by_test_id("new-password").inner_text()
    (login,) = ftp_users(hestia) - before

    page.reload()  # the browser sends the same form again
    expect(page.get_by_role("heading", level=1)).to_have_text("This was already done")
    expect(page).to_have_title("This was already done · Hosting panel")
    expect(page.get_by_test_id("already-done")).not_to_contain_text(password)
    assert ftp_users(hestia) - before == {login}
    with ftp_login(hestia, login, password):
        pass  # the password she copied still works
    page.get_by_role("link", name=f"Set a new password for {login}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {login}")


@pytest.mark.ftp
def test_with_the_script_the_result_stays_in_the_popup_and_reload_repeats_nothing(alice: Page,
                                                                                  hestia: MockHestia) -> None:
    before = ftp_users(hestia)
    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"), "Add an FTP user")
    dialog.get_by_role("button", name="Create FTP user").click()
    expect(dialog.get_by_test_id("new-password")).to_be_visible()
    expect(alice).to_have_url("/ftp")  # fetched: no POST in the history to resend
    alice.reload()
    alice.go_back()
    assert len(ftp_users(hestia) - before) == 1


@pytest.mark.ftp
def test_a_double_click_on_change_password_sets_one_password(alice: Page, hestia: MockHestia) -> None:
    media = card(alice, "alice_media")
    dialog = open_popup(alice, media.get_by_role("link", name="Edit alice_media"), "Edit alice_media")
    dialog.get_by_label("New password").press("Enter")  # a stray Enter on the empty field changes nothing
    expect(dialog.get_by_label("New password")).to_be_focused()
    dialog.get_by_role("button", name="Generate a password").click()
    field = dialog.get_by_label("New password")
    expect(field).to_have_attribute("type", "text")  # shown before it is saved
    generated = field.input_value()
    with pytest.raises(ftplib.error_perm):
        ftp_login(hestia, "alice_media", generated)  # not saved yet
    dialog.get_by_role("button", name="Change password").dblclick()
    shown = alice.get_by_test_id("new-password")
    expect(shown).to_have_text(generated)
    with ftp_login(hestia, "alice_media", shown.inner_text()):
        pass  # the password on screen is the one that works: no second change behind it


@pytest.mark.ftp
def test_a_suspended_domain_says_its_ftp_users_keep_working(alice: Page, hestia: MockHestia) -> None:
    shop = card(alice, "alice_shop")
    expect(shop.get_by_test_id("suspended-note")).to_contain_text("this FTP user still works and can log in")
    with ftp_login(hestia, "alice_shop", "Shop-ftp-2026") as client:  # a real FTPS login, as the card says
        assert "index.html" in client.nlst()
    alice.goto("/ftp/shop.alice.example")
    expect(alice.get_by_test_id("domain-suspended")).to_contain_text("its FTP users still work")
    expect(alice.locator("main")).not_to_contain_text("cannot log in")


@pytest.mark.ftp
def test_connection_details_work_as_written(alice: Page, hestia: MockHestia) -> None:
    media = card(alice, "alice_media")
    dialog = open_popup(alice, media.get_by_role("link", name="Connection details of alice_media"),
                        "Connect as alice_media")
    expect(dialog.get_by_test_id("start-folder")).to_contain_text(
        "You start in /public_html/media of alice.example (shown as / in your FTP client)")
    expect(dialog.get_by_test_id("certificate-note")).to_be_visible()
    expect(dialog.get_by_test_id("cyberduck")).to_have_attribute("href",
                                                                 "/ftp/alice.example/alice_media/cyberduck.duck")
    with ftp_login(hestia, "alice_media", "Media-ftp-2026") as client:
        assert client.pwd() == "/"  # what the FTP client shows, as the popup says
        assert "logo.txt" in client.nlst()


def test_password_fields_have_show_and_hide(alice: Page) -> None:
    alice.goto("/ftp/alice.example")
    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"), "Add an FTP user to alice.example")
    password = dialog.get_by_label("Password", exact=True)
    password.fill("Visible-2026")
    toggle = dialog.locator("[data-toggle-password=password]")
    toggle.click()
    expect(password).to_have_attribute("type", "text")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text("Hide")
    toggle.click()
    expect(password).to_have_attribute("type", "password")
