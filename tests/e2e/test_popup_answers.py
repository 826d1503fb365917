"""Issue 19 in the browser: errors stay in the popup (Must 5), folders offered and pasted (Must 3)."""

from __future__ import annotations

import pytest
from e2e_support import card, open_popup, popup
from playwright.sync_api import Page, expect

from hestia_mock.testing import MockHestia

pytestmark = pytest.mark.browser


def test_an_error_stays_in_the_popup_with_focus_and_the_typed_password(alice: Page) -> None:
    alice.goto("/ftp/alice.example")
    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"), "Add an FTP user to alice.example")
    dialog.get_by_label("Username").fill("Bad Name")
    dialog.get_by_label("Password", exact=True).fill("Kept-pass-2026")
    dialog.get_by_role("button", name="Create FTP user").click()

    expect(popup(alice)).to_be_visible()
    username = dialog.get_by_label("Username")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_be_focused()
    expect(dialog.get_by_label("Password", exact=True)).to_have_value("Kept-pass-2026")
    expect(alice).to_have_url("/ftp/alice.example")


@pytest.mark.ftp
def test_folders_are_offered_and_a_pasted_full_path_works(alice: Page, hestia: MockHestia) -> None:
    alice.goto("/ftp/alice.example")
    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"), "Add an FTP user to alice.example")
    expect(dialog.locator("#folders-add option[value='public_html']")).to_have_count(1)
    expect(dialog.locator(".input-prefix").last).to_have_text("/home/alice/web/alice.example/")
    dialog.get_by_label("Username").fill("paste")
    dialog.get_by_label("Password", exact=True).fill("Paste-ftp-2026")
    dialog.get_by_label("Folder", exact=True).fill("/home/alice/web/alice.example/public_html/media/")
    dialog.get_by_role("button", name="Create FTP user").click()
    expect(dialog.locator("#result-folder")).to_have_text("/public_html/media")


@pytest.mark.ftp
def test_after_a_reset_the_folder_can_be_created_on_the_same_page(alice: Page, hestia: MockHestia) -> None:
    alice.goto("/ftp/alice.example")
    media = card(alice, "alice_media")
    dialog = open_popup(alice, media.get_by_role("link", name="Edit alice_media"), "Edit alice_media")
    dialog.get_by_label("Folder", exact=True).fill("uploads")
    dialog.get_by_role("button", name="Change folder").click()
    expect(alice.get_by_test_id("flash")).to_contain_text("alice_media can now reach the whole web domain")
    alice.get_by_role("button", name="Create /uploads and use it instead").click()
    expect(alice.get_by_test_id("flash")).to_have_text(
        "The folder /uploads was created, and alice_media now starts there.")
    expect(card(alice, "alice_media").get_by_test_id("folder")).to_have_text("/uploads")
