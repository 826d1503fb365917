"""The simple and advanced sections, the popups' fragments, sharing, ownership and suspension on GET routes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask import Flask, g, render_template, render_template_string
from flask.testing import FlaskClient
from panel_testing import MockCalls, make_app, sign_in, with_server

from hestia_mock.models import Backend
from puq_hestia.ftp import FtpCard
from puq_hestia.settings import Settings

FRAGMENT = {"X-Fragment": "1"}


def sign_in_g(app: Flask) -> None:
    """Inside a request context, act as alice on the main server (what load_identity does for a session)."""
    g.user, g.server = "alice", app.extensions["puq"].servers["main"]


def cards(html: str) -> list[str]:
    """The usernames of the cards on a page, in order."""
    return re.findall(r'data-testid="ftp-card" data-username="([^"]+)"', html)


# -- simple section ----------------------------------------------------------------------------------------
def test_simple_section_lists_every_ftp_user_in_one_hestia_call(alice: FlaskClient, calls: MockCalls) -> None:
    response = alice.get("/ftp")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert sorted(cards(html)) == ["alice_deploy", "alice_media", "alice_shop"]
    assert calls.commands() == ["v-list-web-domains"]


def test_simple_section_shows_what_design_section_4_lists(alice: FlaskClient) -> None:
    html = alice.get("/ftp").get_data(as_text=True)
    assert 'aria-label="Main"' in html  # navigation bar
    assert 'href="https://alice.example/"' in html  # site link (SSL domain)
    assert 'href="/ftp/alice.example" data-testid="domain-settings"' in html
    assert 'href="https://hestia.test:8083/fm/"' in html  # file manager
    assert 'id="add-ftp" href="/ftp/add" data-dialog' in html
    assert 'href="/ftp/alice.example/alice_media/edit?back=ftp"' in html
    assert 'href="/ftp/alice.example/alice_media/delete?back=ftp"' in html
    assert 'data-testid="status-line"' in html and "1 suspended" in html
    assert 'data-testid="activity"' in html
    assert re.search(r'href="/ftp/alice.example/alice_media/connection\?back=ftp"\s+data-dialog', html)


def test_connection_details_popup_has_copy_buttons_and_the_filezilla_file(alice: FlaskClient,
                                                                         calls: MockCalls) -> None:
    response = alice.get("/ftp/alice.example/alice_media/connection?back=ftp", headers=FRAGMENT)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<code class="copy-value" id="ftp-alice_media-host">ftp.hestia.test</code>' in html
    assert '<code class="copy-value" id="ftp-alice_media-port">21</code>' in html
    assert '<code class="copy-value" id="ftp-alice_media-login">alice_media</code>' in html
    assert '<code class="copy-value" id="ftp-alice_media-folder">/public_html/media</code>' in html
    assert 'data-copy-target="ftp-alice_media-login"' in html
    assert "Explicit FTPS (FTP over TLS)" in html
    assert 'href="/ftp/alice.example/alice_media/filezilla.xml"' in html
    assert 'href="/ftp" data-close' in html
    assert ('<pre class="share-text" id="ftp-alice_media-all">FTP access to alice.example\nHost: ftp.hestia.test\n'
            "Port: 21\nProtocol: Explicit FTPS (FTP over TLS)\nLogin: alice_media\n"
            "Folder: you start in /public_html/media of alice.example (shown as / in your FTP client)\n"
            "Password: sent separately</pre>") in html
    assert 'data-copy-target="ftp-alice_media-all"' in html
    assert calls.commands() == []  # the stored listing and the server's settings are enough


def test_cards_carry_no_connection_details(alice: FlaskClient) -> None:
    html = alice.get("/ftp").get_data(as_text=True)
    assert "copy-value" not in html and "filezilla.xml" not in html and "ftp.hestia.test" not in html


def test_plain_ftp_server_is_labelled_as_such(settings: Settings, mock_app: Flask) -> None:
    client = make_app(with_server(settings, ftp_tls=False, ftp_port=2121)).test_client()
    sign_in(client, "alice")
    html = client.get("/ftp/alice.example/alice_media/connection").get_data(as_text=True)
    assert "FTP (unencrypted)" in html and ">2121</code>" in html


def test_filter_box_only_with_many_cards(alice: FlaskClient, backend: Backend) -> None:
    assert 'id="card-filter"' not in alice.get("/ftp").get_data(as_text=True)
    for n in range(4):
        assert backend.run("v-add-web-domain-ftp", ["alice", "alice.example", f"extra{n}", "Extra-pass-2026"])[0] == 0
    html = alice.get("/ftp").get_data(as_text=True)
    assert len(cards(html)) == 7
    assert 'id="card-filter"' in html and '<label for="card-filter">' in html


def test_suspended_domain_cards_have_a_badge_and_no_edit(alice: FlaskClient) -> None:
    html = alice.get("/ftp").get_data(as_text=True)
    shop = html[html.index('data-username="alice_shop"'):]
    shop = shop[:shop.index("</article>")]
    assert 'data-testid="status">Suspended<' in shop
    assert 'data-testid="edit"' not in shop
    assert 'data-testid="delete"' in shop


def test_suspended_domains_are_not_offered_for_add(alice: FlaskClient) -> None:
    html = alice.get("/ftp/add").get_data(as_text=True)
    assert '<option value="alice.example">' in html
    assert "shop.alice.example" not in html


def test_add_popup_preselects_the_domain(alice: FlaskClient) -> None:
    html = alice.get("/ftp/add?domain=blog.alice.example").get_data(as_text=True)
    assert '<option selected value="blog.alice.example">' in html


class TestSuspendedUser:
    """Carol's account is suspended: a read-only panel with a banner (DESIGN.md §4)."""

    @pytest.fixture
    def carol(self, client: FlaskClient) -> FlaskClient:
        sign_in(client, "carol")
        return client

    def test_banner_and_no_change_buttons(self, carol: FlaskClient) -> None:
        html = carol.get("/ftp").get_data(as_text=True)
        assert 'data-testid="suspended-banner"' in html
        assert cards(html) == ["carol_site"]
        assert "Account suspended" in html
        for marker in ('id="add-ftp"', 'data-testid="edit"', 'data-testid="delete"'):
            assert marker not in html

    def test_advanced_section_is_read_only_too(self, carol: FlaskClient) -> None:
        html = carol.get("/ftp/carol.example").get_data(as_text=True)
        assert 'data-testid="suspended-banner"' in html
        assert 'id="add-ftp-advanced"' not in html

    def test_add_popup_explains_why_nothing_can_be_added(self, carol: FlaskClient) -> None:
        html = carol.get("/ftp/add").get_data(as_text=True)
        assert "Your hosting account is suspended" in html
        # In the sheet (main): the footer's language switcher (issue 16) is a form of its own, after </main>.
        assert "<form" not in html.split('class="sheet"')[1].split("</main>")[0]


# -- advanced section --------------------------------------------------------------------------------------
def test_advanced_section_shows_folders_in_one_hestia_call(alice: FlaskClient, calls: MockCalls) -> None:
    html = alice.get("/ftp/alice.example").get_data(as_text=True)
    assert sorted(cards(html)) == ["alice_deploy", "alice_media"]
    assert '<code data-testid="folder">/public_html/media</code>' in html
    assert 'id="add-ftp-advanced" href="/ftp/alice.example/add?back=domain"' in html
    assert 'href="https://hestia.test:8083/edit/web/?domain=alice.example"' in html
    assert calls.commands() == ["v-list-web-domains"]


def test_advanced_section_of_a_suspended_domain(alice: FlaskClient) -> None:
    html = alice.get("/ftp/shop.alice.example").get_data(as_text=True)
    assert 'data-testid="domain-suspended"' in html
    assert 'id="add-ftp-advanced"' not in html
    assert 'data-testid="delete"' in html and 'data-testid="edit"' not in html


def test_domain_without_ftp_users_says_so(alice: FlaskClient) -> None:
    html = alice.get("/ftp/blog.alice.example").get_data(as_text=True)
    assert 'data-testid="empty"' in html


# -- ownership: 404 without a Hestia call ------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/ftp/bob.example",
    "/ftp/bob.example/add",
    "/ftp/bob.example/bob_web/edit",
    "/ftp/bob.example/bob_web/delete",
    "/ftp/bob.example/bob_web/filezilla.xml",
    "/ftp/bob.example/bob_web/connection",
    "/ftp/alice.example/bob_web/connection",
    "/ftp/alice.example/bob_web/edit",  # her domain, somebody else's account
    "/ftp/alice.example/alice_shop/edit",  # her account, but on another of her domains
    "/ftp/alice.example/alice_nobody/delete",
])
def test_another_users_domain_or_account_is_404_without_a_hestia_call(alice: FlaskClient, calls: MockCalls,
                                                                       path: str) -> None:
    response = alice.get(path)
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)
    assert calls.commands() == []


# -- popups: fragments for the script, full pages without it -----------------------------------------------
@pytest.mark.parametrize(("path", "marker"), [
    ("/ftp/add", 'id="add-form"'),
    ("/ftp/alice.example/add", 'id="add-advanced-form"'),
    ("/ftp/alice.example/alice_media/edit", 'id="path-form"'),
    ("/ftp/alice.example/alice_media/delete", 'id="delete-form"'),
    ("/ftp/alice.example/alice_media/connection", 'data-testid="connection-details"'),
])
def test_popup_routes_serve_a_fragment_or_a_full_page(alice: FlaskClient, path: str, marker: str) -> None:
    fragment = alice.get(path, headers=FRAGMENT)
    page = alice.get(path)
    assert fragment.status_code == page.status_code == 200
    assert marker in fragment.get_data(as_text=True) and marker in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True)
    assert "X-Fragment" in fragment.headers["Vary"]


def test_every_popup_field_has_a_label(alice: FlaskClient) -> None:
    for path in ("/ftp/alice.example/add", "/ftp/alice.example/alice_media/edit", "/ftp/add"):
        html = alice.get(path, headers=FRAGMENT).get_data(as_text=True)
        for field_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
            assert f'for="{field_id}"' in html, (path, field_id)


def test_edit_popup_prefills_the_current_folder(alice: FlaskClient) -> None:
    html = alice.get("/ftp/alice.example/alice_media/edit", headers=FRAGMENT).get_data(as_text=True)
    assert 'name="path"' in html and 'value="public_html/media"' in html


def test_delete_popup_asks_for_confirmation(alice: FlaskClient, calls: MockCalls) -> None:
    html = alice.get("/ftp/alice.example/alice_media/delete", headers=FRAGMENT).get_data(as_text=True)
    assert "Delete alice_media?" in html
    assert 'method="post" action="/ftp/alice.example/alice_media/delete"' in html
    assert calls.changes() == []


# -- sharing -----------------------------------------------------------------------------------------------
def test_filezilla_site_file_has_no_password(alice: FlaskClient, calls: MockCalls) -> None:
    response = alice.get("/ftp/alice.example/alice_media/filezilla.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="alice.example-alice_media.xml"'
    server = ET.fromstring(response.data).find("Servers/Server")  # noqa: S314 - the panel's own output
    assert server is not None
    assert server.findtext("Host") == "ftp.hestia.test"
    assert server.findtext("Port") == "21"
    assert server.findtext("Protocol") == "4"  # FTPES: explicit TLS required
    assert server.findtext("User") == "alice_media"
    assert server.findtext("Logontype") == "2"  # ask for the password
    assert server.find("Pass") is None
    assert b"Media-ftp-2026" not in response.data
    assert calls.commands() == []


def test_markup_in_hestia_data_is_inert(app: Flask) -> None:
    # Hestia's formats and the client's parser keep markup out of names and folders; the templates escape
    # whatever they get anyway (SECURITY.md 15), attributes included.
    hostile = '"><script>alert(1)</script>'
    card = FtpCard(f"alice_{hostile}", f"{hostile}.example", hostile, False, False, hostile,
                   f"https://{hostile}/")
    with app.test_request_context("/ftp"):
        sign_in_g(app)
        card_macro = '{% from "ftp/_card.html" import ftp_card %}{{ ftp_card(card, "ftp", True) }}'
        for html in (render_template_string(card_macro, card=card),
                     render_template("ftp/_modal_connection.html", card=card, cancel_url="/ftp")):
            assert "<script>" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert hostile not in html
