"""Helpers shared by the browser tests (a uniquely named module: `conftest` names clash across test folders).

`PanelServer` serves the real panel app on a real threaded werkzeug server; the page helpers below speak in the
customer's words (sign in, open a card's popup) so each journey reads like the issue's bullet it covers.
"""

from __future__ import annotations

import ftplib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from hestia_mock.testing import MockHestia, QuietRequestHandler
from panel import create_app
from panel.extensions import EXTENSION_KEY, PanelServices
from puq_hestia.settings import Settings

ALICE = ("alice", "Alice-demo-2026")
ACCESS_KEY = "PUQDEMOACCESSKEY0001"
SECRET_KEY = "puqdemosecret000000000000000000000000001"
PANEL_SECRET = "e2e-panel-secret-key-0123456789abcdef"
# The README's pictures are rewritten only on purpose (`make screenshots`); a normal run keeps them in a temp folder,
# so every journey still takes its screenshot and the work tree stays clean.
SCREENSHOTS = Path(os.environ.get("PUQ_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "puq-hestia-screenshots")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Debian's chromium, never a downloaded browser; flags keep it from calling home or updating itself.
CHROMIUM = os.environ.get("PUQ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# Everything is local: a step slower than this is a failure (generous for a loaded 2-core CI machine).
TIMEOUT_MS = 10_000


def panel_settings(hestia: MockHestia, database: Path) -> Settings:
    """The demo's settings (panel/demo.py) pointed at this mock, with one attempt per Hestia call."""
    return Settings.from_mapping({
        "panel": {"demo": True, "secret_key": PANEL_SECRET, "database_url": f"sqlite:///{database}"},
        "servers": {"main": {
            "url": hestia.url, "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "max_attempts": 1,
            "ftp_host": "127.0.0.1", "ftp_port": hestia.ftp_port, "ftp_tls": True, "panel_url": hestia.url,
        }},
    })


class PanelServer:
    """The panel app served on 127.0.0.1 (a free port) by a threaded werkzeug server in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.app: Flask = create_app({"PUQ_SETTINGS": settings})
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=QuietRequestHandler
        )
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="e2e-panel", daemon=True)
        self._thread.start()

    def give_session(self, context: BrowserContext, user: str, server: str = "main") -> None:
        """Put USER's signed session cookie in CONTEXT, as the login form would (saves a login per test)."""
        interface = self.app.session_interface
        assert isinstance(interface, SecureCookieSessionInterface)
        serializer = interface.get_signing_serializer(self.app)
        assert serializer is not None
        sid = self.app.extensions[EXTENSION_KEY].sessions.open(server, user)
        value = serializer.dumps({"_permanent": True, "sid": sid, "server": server, "user": user,
                                  "login_at": int(time.time())})
        context.add_cookies([{"name": self.app.config["SESSION_COOKIE_NAME"], "value": str(value), "url": self.url,
                              "httpOnly": True, "sameSite": "Lax"}])

    def close(self) -> None:
        """Stop serving, then release the store's and the Hestia clients' connections."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        panel: PanelServices = self.app.extensions[EXTENSION_KEY]
        for server in panel.servers.values():
            server.client.close()
        panel.store.close()


def new_context(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    """A context on the panel's URL with short timeouts (defaults: desktop size, English, UTC, JavaScript on)."""
    settings: dict[str, Any] = {"viewport": DESKTOP, "locale": "en-US", "timezone_id": "UTC",
                                "reduced_motion": "reduce"} | options
    context = browser.new_context(base_url=base_url, **settings)
    context.set_default_timeout(TIMEOUT_MS)
    return context


# -- page helpers ----------------------------------------------------------------------------------------------
def sign_in(page: Page, user: str = ALICE[0], password: str = ALICE[1]) -> None:
    """Log in through the form, as a customer does, and land on the simple section."""
    page.goto("/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-user")).to_have_text(user)


def card(page: Page, username: str) -> Locator:
    """The card of one FTP user."""
    return page.locator(f'[data-testid="ftp-card"][data-username="{username}"]')


def popup(page: Page) -> Locator:
    """The panel's one <dialog>; `to_be_visible()` on it means the popup is open."""
    return page.locator("dialog#modal")


def open_popup(page: Page, opener: Locator, title: str) -> Locator:
    """Click a popup link and wait until the dialog shows the fragment titled TITLE."""
    opener.click()
    dialog = popup(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=2)).to_have_text(title)
    return dialog


def screenshot(page: Page, name: str, **options: Any) -> Path:
    """Save NAME.png in SCREENSHOTS (deterministic names: the README links docs/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled", caret="hide", **options)
    return path


def ftp_login(hestia: MockHestia, login: str, password: str) -> ftplib.FTP_TLS:
    """Log in to the mock's FTP server over explicit FTPS, as the card's connection details say."""
    # The mock's certificate is self-signed; ftplib's default context does not verify (loopback only).
    client = ftplib.FTP_TLS(timeout=5)
    try:
        client.connect("127.0.0.1", hestia.ftp_port)
        client.auth()
        client.login(login, password)
        client.prot_p()
    except BaseException:
        client.close()  # a refused login must not leave its socket open
        raise
    return client
