"""Journey (issue 16): dieter, whose Hestia LANGUAGE is de, signs in from an English browser and the panel speaks
German to him: pages, popups, form errors, the script's words; the footer's switcher takes him to English.

Runs on a branded panel ([panel.brand]), which gives the README its picture of a branded German page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from e2e_support import PanelServer, card, new_context, open_popup, panel_settings, screenshot
from playwright.sync_api import Browser, Page, expect

from hestia_mock.testing import MockHestia
from puq_hestia.branding import brand_from_mapping

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BRAND = {"name": "Beispiel Hosting", "logo": str(ROOT / "panel" / "static" / "favicon.svg"),
         "primary_color": "#0a7d4f", "support_url": "https://hilfe.beispiel.example/",
         "billing_url": "https://kunden.beispiel.example/", "footer": "Beispiel Hosting GmbH · Berlin"}


@pytest.fixture
def branded(hestia: MockHestia, tmp_path: Path) -> Iterator[PanelServer]:
    """The panel with a hosting company's brand, against the mock."""
    settings = panel_settings(hestia, tmp_path / "panel.sqlite3")
    server = PanelServer(replace(settings, brand=brand_from_mapping(BRAND)))
    yield server
    server.close()


@pytest.fixture
def tab(browser: Browser, branded: PanelServer) -> Iterator[Page]:
    """An English browser (Accept-Language en-US) that may use the clipboard."""
    context = new_context(browser, branded.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=branded.url)
    yield context.new_page()
    context.close()


def violations(page: Page) -> list[str]:
    """The WCAG A/AA rules axe-core finds broken on the page as it is now."""
    results = Axe().run(page, options=WCAG)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


def test_a_german_customer_reads_german_pages_and_german_form_errors(tab: Page) -> None:
    tab.goto("/login")
    expect(tab.locator("html")).to_have_attribute("lang", "en")  # the browser asks for English…
    tab.get_by_label("Username").fill("dieter")
    tab.get_by_label("Password").fill("Dieter-demo-2026")
    tab.get_by_role("button", name="Sign in").click()
    # …and dieter's Hestia LANGUAGE, read at sign-in, wins.
    expect(tab.get_by_role("heading", level=1)).to_have_text("FTP-Benutzer")
    expect(tab.locator("html")).to_have_attribute("lang", "de")
    expect(tab).to_have_title("FTP-Benutzer · Beispiel Hosting")
    expect(tab.get_by_test_id("signed-in-user")).to_have_text("dieter")
    expect(tab.get_by_test_id("status-line").first).to_contain_text("1 FTP-Benutzer")
    web = card(tab, "dieter_web")
    expect(web.get_by_test_id("status")).to_have_text("Aktiv")
    assert violations(tab) == []
    screenshot(tab, "branded-german", full_page=True)

    # A popup with a form error from the core, in German, next to its field.
    tab.goto("/ftp/dieter.example")
    dialog = open_popup(tab, tab.get_by_role("link", name="FTP-Benutzer hinzufügen"),
                        "Einen FTP-Benutzer zu dieter.example hinzufügen")
    dialog.get_by_label("Benutzername").fill("Bad Name")
    dialog.get_by_role("button", name="FTP-Benutzer anlegen").click()
    expect(dialog.get_by_test_id("field-error").first).to_contain_text("Der Benutzername enthält")
    expect(dialog.get_by_label("Benutzername")).to_have_attribute("aria-invalid", "true")
    show = dialog.get_by_role("button", name="Anzeigen")
    show.click()
    expect(dialog.get_by_role("button", name="Verbergen")).to_be_visible()
    assert violations(tab) == []
    dialog.press("Escape")

    # The script's words come from the page: Copy / Copied in German.
    dialog = open_popup(tab, card(tab, "dieter_web").get_by_role("link", name="Verbindungsdaten von dieter_web"),
                        "Verbinden als dieter_web")
    copy = dialog.get_by_role("button", name="Host von dieter_web kopieren")
    expect(copy).to_have_text("Kopieren")
    copy.click()
    expect(copy).to_have_text("Kopiert")
    dialog.press("Escape")


def test_the_footer_switcher_changes_the_language_without_a_mouse(tab: Page) -> None:
    tab.goto("/login")
    switcher = tab.get_by_test_id("language-switcher")
    deutsch = switcher.get_by_role("button", name="Deutsch")
    deutsch.focus()
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(tab.locator("html")).to_have_attribute("lang", "de")
    expect(switcher.get_by_role("button", name="Deutsch")).to_have_attribute("aria-current", "true")
    tab.get_by_label("Benutzername").fill("dieter")
    tab.get_by_label("Passwort").fill("falsch-geraten")
    tab.get_by_role("button", name="Anmelden").click()
    expect(tab.get_by_test_id("field-error")).to_have_text("Falscher Benutzername oder falsches Passwort.")
    assert violations(tab) == []
    switcher.get_by_role("button", name="Français").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Se connecter")
    expect(tab.locator("html")).to_have_attribute("lang", "fr")
