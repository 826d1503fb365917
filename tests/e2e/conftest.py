"""Browser test fixtures: the mock Hestia (API + FTP), the panel on a real threaded server, and Debian's chromium.

Scopes keep the run quick: one mock, one Playwright driver and one browser per session; per test, the mock goes
back to the demo seed, a fresh panel app (fresh store, login limits and listing cache) is served, and the test
gets a new browser context (fresh cookies and storage).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, PanelServer, new_context, panel_settings
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from hestia_mock.testing import MockHestia

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def hestia_server() -> Iterator[MockHestia]:
    """One real mock for the session: API on a free port, FTP with explicit FTPS."""
    with MockHestia(seed="demo") as mock:
        yield mock


@pytest.fixture
def hestia(hestia_server: MockHestia) -> MockHestia:
    """The mock, back on the demo seed with no calls and no faults, so each journey starts the same."""
    hestia_server.reset("demo")
    return hestia_server


@pytest.fixture
def panel(hestia: MockHestia, tmp_path: Path) -> Iterator[PanelServer]:
    """A fresh panel app against the mock, with its own SQLite store."""
    server = PanelServer(panel_settings(hestia, tmp_path / "panel.sqlite3"))
    yield server
    server.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver (sync API)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless; Playwright gives it a fresh temporary profile (user-data dir)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def make_context(browser: Browser, panel: PanelServer) -> Iterator[Callable[..., BrowserContext]]:
    """Open extra contexts (phone size, JavaScript off); each is closed after the test."""
    opened: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        opened.append(new_context(browser, panel.url, **options))
        return opened[-1]

    yield make
    for ctx in opened:
        ctx.close()


@pytest.fixture
def context(browser: Browser, panel: PanelServer) -> Iterator[BrowserContext]:
    """A fresh desktop browser context, allowed to use the clipboard (for the copy buttons)."""
    ctx = new_context(browser, panel.url)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=panel.url)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A tab in the test's context."""
    return context.new_page()


@pytest.fixture
def alice(panel: PanelServer, context: BrowserContext, page: Page) -> Page:
    """Alice's tab on the simple section, signed in (the login form itself is tested in test_login.py)."""
    panel.give_session(context, "alice")
    page.goto("/ftp")
    expect(page.get_by_test_id("signed-in-user")).to_have_text("alice")
    return page
