"""Connection details that work as written (issue 19 Must 4): the folder as where you start, client profiles."""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient
from panel_testing import MockCalls, make_app, sign_in, with_server

from puq_hestia.settings import Settings

FRAGMENT = {"X-Fragment": "1"}


def test_the_folder_is_where_you_start_not_a_remote_directory(alice: FlaskClient, calls: MockCalls) -> None:
    html = alice.get("/ftp/alice.example/alice_media/connection", headers=FRAGMENT).get_data(as_text=True)
    # One space between "</code>" and "of": the sentence is one catalog entry now (issue 16), its line break trimmed.
    assert ('You start in <code class="copy-value" id="ftp-alice_media-folder">/public_html/media</code>'
            " of alice.example (shown as <code>/</code> in your FTP client).") in html
    assert 'data-copy-target="ftp-alice_media-folder"' not in html  # nothing invites pasting it as a path
    assert "Folder: you start in /public_html/media of alice.example (shown as / in your FTP client)" in html
    assert 'data-testid="certificate-note"' in html and "certificate for ftp.hestia.test" in html
    assert calls.commands() == []


def test_no_profile_sets_the_folder_as_remote_directory(alice: FlaskClient) -> None:
    site = alice.get("/ftp/alice.example/alice_media/filezilla.xml").data
    server = ET.fromstring(site).find("Servers/Server")  # noqa: S314 - the panel's own output
    assert server is not None and server.find("RemoteDir") is None and b"public_html" not in site
    duck = alice.get("/ftp/alice.example/alice_media/cyberduck.duck")
    assert duck.headers["Content-Disposition"] == 'attachment; filename="alice.example-alice_media.duck"'
    bookmark = plistlib.loads(duck.data)
    assert {k: bookmark[k] for k in ("Protocol", "Hostname", "Port", "Username")} == {
        "Protocol": "ftps", "Hostname": "ftp.hestia.test", "Port": "21", "Username": "alice_media"}
    assert "Path" not in bookmark and b"public_html" not in duck.data and b"Media-ftp-2026" not in duck.data
    html = alice.get("/ftp/alice.example/alice_media/connection", headers=FRAGMENT).get_data(as_text=True)
    assert '<code class="copy-value" id="winscp-alice_media">ftpes://alice_media@ftp.hestia.test:21</code>' in html
    assert 'href="/ftp/alice.example/alice_media/cyberduck.duck"' in html


def test_plain_ftp_profiles_and_no_certificate_note(settings: Settings, mock_app: Flask) -> None:
    client = make_app(with_server(settings, ftp_tls=False, ftp_port=2121)).test_client()
    sign_in(client, "alice")
    html = client.get("/ftp/alice.example/alice_media/connection", headers=FRAGMENT).get_data(as_text=True)
    assert "ftp://alice_media@ftp.hestia.test:2121" in html and "certificate-note" not in html
    assert plistlib.loads(client.get("/ftp/alice.example/alice_media/cyberduck.duck").data)["Protocol"] == "ftp"


def test_another_customers_profile_is_404(alice: FlaskClient, calls: MockCalls) -> None:
    assert alice.get("/ftp/bob.example/bob_web/cyberduck.duck").status_code == 404
    assert calls.commands() == []
