"""Keyboard users: a focus ring of 3:1 contrast everywhere, Space on button-like links, and the demo's Hestia links.

The ring's contrast is computed in the browser from the computed outline colour and the background actually under
the ring (the element at points just outside the focused element, walked up to its first opaque background), for
every element Tab reaches on the pages and in the popups, with the default colours and with a light and a dark
brand colour (issue 19 Must 7). The demo's File-manager and HestiaCP-settings buttons open pages of the mock
(issue 19 Must 8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from e2e_support import PanelServer, card, new_context, open_popup, panel_settings, popup
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hestia_mock.testing import MockHestia
from puq_hestia.branding import Brand

pytestmark = pytest.mark.browser

MIN_CONTRAST = 3.0
MAX_STOPS = 80

# For the focused element: its outline and the background under the ring on each of its four sides.
RING_PROBE = """(el) => {
  const cs = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const reach = (parseFloat(cs.outlineOffset) || 0) + (parseFloat(cs.outlineWidth) || 0) / 2;
  const points = [[rect.left + rect.width / 2, rect.top - reach], [rect.left + rect.width / 2, rect.bottom + reach],
                  [rect.left - reach, rect.top + rect.height / 2], [rect.right + reach, rect.top + rect.height / 2]];
  const opaque = (colour) => { const m = colour.match(/[\\d.]+/g); return m && (m.length < 4 || +m[3] === 1); };
  const under = [];
  for (const [x, y] of points) {
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    let node = document.elementFromPoint(x, y);
    while (node && !opaque(getComputedStyle(node).backgroundColor)) node = node.parentElement;
    under.push(node ? getComputedStyle(node).backgroundColor : "rgb(255, 255, 255)");
  }
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : "");
  return {name: name + " " + (el.textContent || el.value || "").trim().slice(0, 30), style: cs.outlineStyle,
          width: parseFloat(cs.outlineWidth) || 0, colour: cs.outlineColor, under: under};
}"""


def _channels(colour: str) -> tuple[float, float, float]:
    numbers = colour[colour.index("(") + 1:colour.index(")")].replace(",", " ").split()
    red, green, blue = (float(n) for n in numbers[:3])
    return red, green, blue


def _luminance(colour: str) -> float:
    """WCAG relative luminance of an rgb()/rgba() colour."""
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    red, green, blue = (linear(c) for c in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula() -> None:
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert contrast("rgb(255, 191, 71)", "rgb(255, 255, 255)") < MIN_CONTRAST  # the old ring on a white card


def _rings(page: Page, scope: str = "document") -> list[dict[str, Any]]:
    """Tab through SCOPE (the page or the open popup) once; the ring of every element that takes focus."""
    seen: list[dict[str, Any]] = []
    names: set[str] = set()
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        if page.evaluate("(el) => el === document.body || el === null", focused):
            continue
        ring = page.evaluate(RING_PROBE, focused)
        if ring["name"] in names:
            break  # round the page (or the popup) once
        names.add(ring["name"])
        seen.append(ring)
    assert seen, f"nothing took focus in {scope}"
    return seen


def _weak(rings: list[dict[str, Any]]) -> list[str]:
    """Rings missing or under 3:1 against what they are drawn on."""
    weak = []
    for ring in rings:
        if ring["style"] in ("none", "hidden") or ring["width"] < 2:
            weak.append(f"{ring['name']}: no ring ({ring['style']} {ring['width']}px)")
            continue
        worst = min((contrast(ring["colour"], under) for under in ring["under"]), default=21.0)
        if worst < MIN_CONTRAST:
            weak.append(f"{ring['name']}: {ring['colour']} on {ring['under']} = {worst:.2f}:1")
    return weak


@pytest.fixture
def branded(browser: Browser, hestia: MockHestia, tmp_path: Path) -> Iterator[Callable[[str | None], Page]]:
    """Alice's tab on a panel whose brand colour is COLOUR (None: the default colours)."""
    opened: list[tuple[PanelServer, BrowserContext]] = []

    def make(colour: str | None) -> Page:
        settings = panel_settings(hestia, tmp_path / f"panel-{len(opened)}.sqlite3")
        server = PanelServer(replace(settings, brand=Brand(primary_color=colour)))
        context = new_context(browser, server.url)
        opened.append((server, context))
        server.give_session(context, "alice")
        page = context.new_page()
        page.goto("/ftp")
        return page

    yield make
    for server, context in opened:
        context.close()
        server.close()


@pytest.mark.parametrize("colour", [None, "#ffd24d", "#0b1a33"], ids=["default", "light-brand", "dark-brand"])
def test_the_focus_ring_has_3_to_1_contrast_everywhere(branded: Callable[[str | None], Page],
                                                       colour: str | None) -> None:
    page = branded(colour)
    rings = _rings(page)
    page.goto("/ftp/alice.example")
    rings += _rings(page)
    for opener, title in ((page.get_by_role("link", name="Add FTP user"), "Add an FTP user to alice.example"),
                          (card(page, "alice_media").get_by_role("link", name="Edit alice_media"), "Edit alice_media")):
        dialog = open_popup(page, opener, title)
        rings += _rings(page, "the popup")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
    # The password shown once: its copy button sits on the brand's soft colour.
    dialog = open_popup(page, page.get_by_role("link", name="Add FTP user"), "Add an FTP user to alice.example")
    dialog.get_by_label("Username").fill("ring")
    dialog.get_by_role("button", name="Create FTP user").click()
    expect(page.get_by_test_id("new-password")).not_to_be_empty()
    rings += _rings(page, "the result popup")
    assert any("Copy" in ring["name"] for ring in rings)
    kinds = {ring["name"].split(" ")[0].split(".")[0] for ring in rings}
    assert {"a", "button", "input"} <= {kind.split("#")[0] for kind in kinds}  # links, buttons and fields seen
    assert _weak(rings) == []


def test_the_login_page_ring_has_3_to_1_contrast(page: Page) -> None:
    page.goto("/login")
    assert _weak(_rings(page)) == []


def _press_space(page: Page, locator: Any) -> None:
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press("Space")


def test_space_opens_a_popup_link_and_closes_with_a_close_link(alice: Page) -> None:
    _press_space(alice, alice.get_by_role("link", name="Add FTP user"))
    dialog = popup(alice)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=2)).to_have_text("Add an FTP user")
    _press_space(alice, dialog.get_by_role("link", name="Cancel"))
    expect(dialog).to_be_hidden()


def test_space_follows_a_plain_button_link_without_scrolling(alice: Page) -> None:
    link = card(alice, "alice_media").get_by_test_id("domain-settings")
    scrolled = alice.evaluate("window.scrollY")
    _press_space(alice, link)
    expect(alice).to_have_url("/ftp/alice.example")
    assert alice.evaluate("window.scrollY") <= scrolled + 1


def test_space_on_a_role_button_and_a_real_button(alice: Page) -> None:
    alice.evaluate("""() => {
      const link = document.createElement("a");
      link.setAttribute("role", "button"); link.tabIndex = 0; link.id = "made"; link.textContent = "Made";
      link.addEventListener("click", () => { link.dataset.pressed = "yes"; });
      document.querySelector("main").prepend(link);
    }""")
    made = alice.locator("#made")
    _press_space(alice, made)
    expect(made).to_have_attribute("data-pressed", "yes")


def test_space_opens_hestias_pages_in_a_new_tab(alice: Page, context: BrowserContext) -> None:
    alice.goto("/ftp/alice.example")
    expected = {"file-manager": "File manager", "hestia-settings": "Web domain settings"}
    for element_id, heading in expected.items():
        with context.expect_page() as opened:
            _press_space(alice, alice.locator(f"#{element_id}"))
        tab = opened.value
        tab.wait_for_load_state()
        expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
        tab.close()


def test_the_demo_hestia_buttons_lead_to_pages_that_say_what_hestia_shows(alice: Page,
                                                                          context: BrowserContext) -> None:
    alice.goto("/ftp/alice.example")
    with context.expect_page() as opened:
        alice.locator("#hestia-settings").click()
    settings = opened.value
    settings.wait_for_load_state()
    expect(settings.locator("main")).to_contain_text("the settings of the web domain alice.example")
    expect(settings.locator("main")).to_contain_text("has no web interface")
    settings.close()
    with context.expect_page() as opened:
        alice.locator("#file-manager").click()
    manager = opened.value
    manager.wait_for_load_state()
    expect(manager.locator("main")).to_contain_text("HestiaCP's file manager (FileGator)")
    manager.close()
