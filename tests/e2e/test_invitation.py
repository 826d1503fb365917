"""Issue 17, in the browser: invite someone from a card, open the mail's link in a fresh browser context, choose
the password there, log in over real FTP with it; a reload of the link sets nothing twice."""

from __future__ import annotations

import ftplib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_support import (
    ACCESS_KEY,
    PANEL_SECRET,
    SECRET_KEY,
    PanelServer,
    card,
    ftp_login,
    new_context,
    open_popup,
    screenshot,
)
from playwright.sync_api import Browser, expect

from hestia_mock.mailsink import SmtpSink
from hestia_mock.testing import MockHestia
from panel.extensions import EXTENSION_KEY
from puq_hestia.maintenance import run_maintenance
from puq_hestia.settings import Settings
from puq_hestia.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.ftp]

LOGIN, CHOSEN = "alice_media", "Dana-chose-this-8K"
PUBLIC = "http://panel.invalid"  # the link's origin; the panel's real port is only known once it listens


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback, in the test process."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_panel(hestia: MockHestia, smtp: SmtpSink, tmp_path: Path) -> Iterator[PanelServer]:
    """The demo panel with a [mail] table pointing at the sink."""
    settings = Settings.from_mapping({
        "panel": {"demo": True, "secret_key": PANEL_SECRET, "database_url": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                  "public_url": PUBLIC},
        "servers": {"main": {
            "url": hestia.url, "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "max_attempts": 1,
            "ftp_host": "127.0.0.1", "ftp_port": hestia.ftp_port, "ftp_tls": True, "panel_url": hestia.url}},
        "mail": {"host": "127.0.0.1", "port": smtp.port, "security": "none", "from_address": "panel@host.test",
                 "brand": "Example Hosting"},
    })
    server = PanelServer(settings)
    yield server
    server.close()


def test_invite_open_the_link_elsewhere_set_the_password_and_log_in(
        browser: Browser, hestia: MockHestia, smtp: SmtpSink, mail_panel: PanelServer) -> None:
    customer = new_context(browser, mail_panel.url)
    invitee = new_context(browser, mail_panel.url)  # a fresh context: no cookie of the customer
    try:
        mail_panel.give_session(customer, "alice")
        page = customer.new_page()
        page.goto("/ftp")
        dialog = open_popup(page, card(page, LOGIN).get_by_test_id("invite"), f"Invite someone to use {LOGIN}")
        dialog.get_by_label("E-mail address").fill("dana@contractor.test")
        dialog.get_by_label("Message (optional)").fill("Hi Dana, the photos go in here.")
        dialog.get_by_role("button", name="Send invitation").click()
        expect(page.get_by_text("An invitation to use alice_media was sent to dana@contractor.test.")).to_be_visible()
        expect(card(page, LOGIN).get_by_test_id("invitation-state")).to_contain_text(
            "Invited dana@contractor.test, waiting")

        (message,) = smtp.messages
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Password:" not in text and "Media-ftp-2026" not in text
        found = re.search(r"http://panel\.invalid(/invite/\S+)", text)
        assert found is not None
        link = mail_panel.url + found.group(1)

        tab = invitee.new_page()
        tab.goto(link)
        expect(tab).to_have_url(re.compile(r"/invite/open/\d+$"))  # the token left the address bar at once
        tab.reload()  # the page still opens here: the browser holds the swapped token in a cookie
        expect(tab.get_by_test_id("invite-login")).to_have_text(LOGIN)
        screenshot(tab, "invitation-page")
        stranger = new_context(browser, mail_panel.url)  # the link, read somewhere else afterwards
        try:
            elsewhere = stranger.new_page()
            elsewhere.goto(link)
            expect(elsewhere.get_by_test_id("invitation-message")).to_contain_text("opened already")
        finally:
            stranger.close()
        tab.get_by_label("New password").fill(CHOSEN)
        tab.get_by_label("Repeat the password").fill(CHOSEN)
        tab.get_by_role("button", name="Set my password").click()
        expect(tab.get_by_test_id("invitation-done")).to_contain_text("Your password is set")
        assert CHOSEN not in tab.content()

        ftp_login(hestia, LOGIN, CHOSEN).quit()
        with pytest.raises(ftplib.error_perm):
            ftp_login(hestia, LOGIN, "Media-ftp-2026")

        calls = len(hestia.calls())
        tab.goto(link)  # the link again: already used, no Hestia call
        expect(tab.get_by_test_id("invitation-ended")).to_contain_text("already")
        assert len(hestia.calls()) == calls

        page.goto("/ftp")
        expect(card(page, LOGIN).get_by_test_id("invitation-state")).to_contain_text(
            "Password set by dana@contractor.test on")
        activity = page.get_by_test_id("activity")
        expect(activity).to_contain_text("Sent an invitation to use alice_media")
        expect(activity).to_contain_text("password set by dana@contractor.test")
    finally:
        customer.close()
        invitee.close()


def test_access_until_in_the_add_popup_shows_on_the_card(
        browser: Browser, hestia: MockHestia, mail_panel: PanelServer) -> None:
    customer = new_context(browser, mail_panel.url)
    try:
        mail_panel.give_session(customer, "alice")
        page = customer.new_page()
        page.goto("/ftp/blog.alice.example")
        dialog = open_popup(page, page.get_by_role("link", name=re.compile("Add")).first,
                            "Add an FTP user to blog.alice.example")
        dialog.get_by_label("Username").fill("temp")
        end = (datetime.now(UTC) + timedelta(days=30)).replace(second=0, microsecond=0)
        dialog.get_by_label("Access until (UTC, optional)").fill(end.strftime("%Y-%m-%dT%H:%M"))
        dialog.get_by_role("button", name="Create FTP user").click()
        expect(page.get_by_test_id("add-note")).to_contain_text(f"Access ends {end:%Y-%m-%d %H:%M} UTC")
        page.goto("/ftp/blog.alice.example")
        ending = card(page, "alice_temp").get_by_test_id("access-end")
        expect(ending).to_contain_text(re.compile(r"Access ends in (29|30) days"))
    finally:
        customer.close()





def test_reloading_the_renewed_page_sets_no_second_password(
        browser: Browser, hestia: MockHestia, mail_panel: PanelServer, tmp_path: Path) -> None:
    panel = mail_panel.app.extensions[EXTENSION_KEY]
    main = panel.servers["main"]
    main.ends.set("alice", "alice.example", LOGIN, panel.store.now() + timedelta(hours=1))
    later = Store(f"sqlite:///{tmp_path / 'p.sqlite3'}", clock=lambda: panel.store.now() + timedelta(hours=2))
    try:
        run_maintenance(later, {"main": main.client})  # the end passes: maintain locks the FTP user
    finally:
        later.close()
    customer = new_context(browser, mail_panel.url, java_script_enabled=False)  # the result is a POST's page
    try:
        mail_panel.give_session(customer, "alice")
        page = customer.new_page()
        page.goto(f"/ftp/alice.example/{LOGIN}/access")
        page.get_by_role("button", name="Renew").click()
        password = page.get_by_test_id("new-password").inner_text()
        changes = [c for c in hestia.calls() if c.get("cmd") == "v-change-web-domain-ftp-password"]
        page.reload()  # the browser sends the same form again
        expect(page.get_by_role("heading", level=1)).to_have_text("This was already done")
        expect(page.get_by_test_id("already-done")).not_to_contain_text(password)
        assert [c for c in hestia.calls() if c.get("cmd") == "v-change-web-domain-ftp-password"] == changes
        ftp_login(hestia, LOGIN, password).quit()  # the password on screen is the one that works
        page.get_by_role("link", name=f"Set a new password for {LOGIN}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {LOGIN}")
    finally:
        customer.close()
