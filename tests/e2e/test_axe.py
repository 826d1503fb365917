"""axe-core over every page and open popup (issue 19 "Done when"): no WCAG A/AA violation.

axe-core comes with PyPI's axe-playwright-python (it ships axe.min.js) and is injected with Playwright.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from e2e_support import card, open_popup
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page: Page) -> list[str]:
    """The rule ids and targets axe-core reports on the page as it is now."""
    results = Axe().run(page, options=WCAG)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


def test_pages_have_no_violations(alice: Page) -> None:
    for url in ("/ftp", "/ftp/alice.example", "/ftp/shop.alice.example", "/ftp/no-such.example"):
        alice.goto(url)
        assert violations(alice) == [], url


def test_open_popups_have_no_violations(alice: Page) -> None:
    media = card(alice, "alice_media")
    for opener, title in [(alice.get_by_role("link", name="Add FTP user"), "Add an FTP user"),
                          (media.get_by_role("link", name="Connection details of alice_media"),
                           "Connect as alice_media"),
                          (media.get_by_role("link", name="Edit alice_media"), "Edit alice_media"),
                          (media.get_by_role("link", name="Delete alice_media"), "Delete alice_media?")]:
        dialog = open_popup(alice, opener, title)
        assert violations(alice) == [], title
        dialog.press("Escape")
        expect(dialog).to_be_hidden()
    dialog = open_popup(alice, alice.get_by_role("link", name="Add FTP user"), "Add an FTP user")
    dialog.get_by_role("button", name="Create FTP user").click()
    expect(dialog.get_by_test_id("new-password")).to_be_visible()
    assert violations(alice) == [], "result"


def test_full_page_forms_have_no_violations(alice: Page) -> None:
    # The pages a browser without JavaScript gets (axe itself needs the script, so it runs on the same HTML).
    for url in ("/ftp/add", "/ftp/alice.example/add", "/ftp/alice.example/alice_media/edit",
                "/ftp/alice.example/alice_media/edit?generate=1", "/ftp/alice.example/alice_media/connection"):
        alice.goto(url)
        assert violations(alice) == [], url
    alice.goto("/ftp/alice.example/add")
    alice.get_by_label("Username").fill("Bad Name")
    alice.get_by_role("button", name="Create FTP user").click()  # outside a dialog: a normal post
    expect(alice.get_by_test_id("field-error")).to_be_visible()
    assert violations(alice) == [], "form with errors"
