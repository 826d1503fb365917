"""Journeys in the advanced section (`/ftp/<domain>`): add with a folder, change the folder, a suspended domain."""

from __future__ import annotations

import pytest
from e2e_support import card, ftp_login, open_popup, popup, screenshot
from playwright.sync_api import Page, expect

from hestia_mock.testing import MockHestia

pytestmark = pytest.mark.browser


@pytest.mark.ftp
def test_add_with_a_folder(alice: Page, hestia: MockHestia) -> None:
    alice.goto("/ftp/alice.example")
    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"),
                        "Add an FTP user to alice.example")
    dialog.get_by_label("Username").fill("upload")
    dialog.get_by_label("Password", exact=True).fill("Upload-ftp-2026")
    dialog.get_by_label("Folder", exact=True).fill("public_html/media")
    dialog.get_by_role("button", name="Create FTP user").click()

    expect(alice.get_by_test_id("result")).to_contain_text("The FTP user alice_upload can now log in")
    expect(alice.get_by_test_id("new-password")).to_have_text("Upload-ftp-2026")
    expect(alice.locator("#result-folder")).to_have_text("/public_html/media")
    alice.get_by_role("link", name="Done").click()

    expect(alice).to_have_url("/ftp/alice.example")
    expect(card(alice, "alice_upload").get_by_test_id("folder")).to_have_text("/public_html/media")
    with ftp_login(hestia, "alice_upload", "Upload-ftp-2026") as client:
        assert client.nlst() == ["logo.txt"]  # the media folder of the demo seed
    screenshot(alice, "advanced-section", full_page=True)


def test_add_with_a_missing_folder_leaves_no_account(alice: Page, hestia: MockHestia) -> None:
    alice.goto("/ftp/alice.example")
    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"),
                        "Add an FTP user to alice.example")
    dialog.get_by_label("Username").fill("ghost")
    dialog.get_by_label("Folder", exact=True).fill("public_html/nowhere")
    dialog.get_by_role("button", name="Create FTP user").click()

    # The form comes back as a full page with the error next to the folder field.
    folder = alice.get_by_label("Folder", exact=True)
    expect(folder).to_have_attribute("aria-invalid", "true")
    expect(alice.get_by_test_id("field-error")).to_contain_text("does not exist")
    expect(alice.get_by_test_id("new-password")).to_have_count(0)
    alice.goto("/ftp/alice.example")
    expect(card(alice, "alice_ghost")).to_have_count(0)


@pytest.mark.ftp
def test_changing_to_a_missing_folder_resets_to_the_root(alice: Page, hestia: MockHestia) -> None:
    alice.goto("/ftp/alice.example")
    media = card(alice, "alice_media")
    dialog = open_popup(alice, media.get_by_role("link", name="Edit alice_media"), "Edit alice_media")
    dialog.get_by_label("Folder", exact=True).fill("public_html/does-not-exist")
    dialog.get_by_role("button", name="Change folder").click()

    expect(popup(alice)).to_be_hidden()
    expect(alice).to_have_url("/ftp/alice.example")
    expect(alice.get_by_test_id("flash")).to_have_text(
        "The folder /public_html/does-not-exist does not exist, so the folder of alice_media was reset to the "
        "domain root (/). alice_media can now reach the whole web domain alice.example."
    )
    expect(media.get_by_test_id("folder")).to_have_text("/")
    with ftp_login(hestia, "alice_media", "Media-ftp-2026") as client:
        assert "public_html" in client.nlst()  # the login now lands in the domain's directory


def test_suspended_domain_page_has_no_add_or_edit(alice: Page) -> None:
    alice.goto("/ftp/shop.alice.example")
    expect(alice.get_by_test_id("domain-suspended")).to_contain_text("This web domain is suspended.")
    expect(alice.get_by_role("heading", level=1).get_by_test_id("status")).to_have_text("Suspended")
    expect(alice.get_by_role("link", name="Add FTP user")).to_have_count(0)
    shop = card(alice, "alice_shop")
    expect(shop.get_by_test_id("status")).to_have_text("Suspended")
    expect(shop.get_by_test_id("edit")).to_have_count(0)
    expect(shop.get_by_role("link", name="Delete alice_shop")).to_be_visible()
