"""Errors stay in the popup (issue 19 Must 5): fragment answers for the script, proper pages without it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from panel_testing import MockCalls

FRAGMENT = {"X-Fragment": "1"}


def test_an_invalid_form_posted_by_the_script_comes_back_as_a_fragment(alice: FlaskClient) -> None:
    response = alice.post("/ftp/alice.example/add", data={"suffix": "Bad Name", "password": "Good-pass-2026"},
                          headers=FRAGMENT)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html and '<h2 class="modal-title" id="dialog-title">' in html
    assert 'aria-invalid="true"' in html


def test_without_the_script_the_form_page_has_an_h1_and_its_title(alice: FlaskClient) -> None:
    response = alice.post("/ftp/alice.example/add", data={"suffix": "Bad Name", "password": "Good-pass-2026"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<h1 class="modal-title" id="dialog-title">Add an FTP user to alice.example</h1>' in html
    assert "<title>Add an FTP user to alice.example · Hosting panel</title>" in html
    for url, title in [("/ftp/alice.example/alice_media/edit", "Edit alice_media"),
                       ("/ftp/alice.example/alice_media/delete", "Delete alice_media?"),
                       ("/ftp/alice.example/alice_media/connection", "Connect as alice_media"),
                       ("/ftp/add", "Add an FTP user")]:
        page = alice.get(url).get_data(as_text=True)
        assert f"<title>{title} · Hosting panel</title>" in page
        assert re.search(rf"<h1 class=\"modal-title\" id=\"dialog-title\">{re.escape(title)}</h1>", page)


def test_a_finished_change_tells_the_script_where_to_go(alice: FlaskClient) -> None:
    response = alice.post("/ftp/alice.example/alice_deploy/path", data={"path": "public_html", "back": "domain"},
                          headers=FRAGMENT)
    assert response.status_code == 204 and response.headers["X-Redirect"] == "/ftp/alice.example"
    assert "The folder of alice_deploy is now /public_html." in alice.get("/ftp/alice.example").get_data(
        as_text=True)  # the flash waited for that page


def test_the_password_result_is_a_fragment_for_the_script(alice: FlaskClient) -> None:
    response = alice.post("/ftp/add", data={"domain": "alice.example"}, headers=FRAGMENT)
    html = response.get_data(as_text=True)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    assert "<html" not in html and '<h2 class="modal-title" id="result-title">FTP user created</h2>' in html


def test_typing_the_full_login_does_not_double_the_prefix(alice: FlaskClient, calls: object) -> None:
    response = alice.post("/ftp/alice.example/add", data={"suffix": "alice_designer", "password": "Design-ftp-2026"})
    assert response.status_code == 201
    assert "<strong>alice_designer</strong>" in response.get_data(as_text=True)
    assert "alice_alice_designer" not in response.get_data(as_text=True)


def test_generate_fills_the_field_and_changes_nothing(alice: FlaskClient, backend: object) -> None:
    response = alice.get("/ftp/alice.example/alice_media/edit?generate=1", headers=FRAGMENT)
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(r'<input[^>]*id="password"[^>]*>', html)
    assert match and 'type="text"' in match.group(0) and "required" in match.group(0)
    value = re.search(r'value="([^"]+)"', match.group(0))
    assert value and len(value.group(1)) >= 20
    assert "not saved yet" in html
    assert backend.ftp_login("alice_media", "Media-ftp-2026") is not None  # type: ignore[attr-defined]


def test_the_add_and_edit_popups_cost_no_hestia_call(alice: FlaskClient, calls: MockCalls) -> None:
    for url in ("/ftp/add", "/ftp/add?domain=alice.example", "/ftp/alice.example/add",
                "/ftp/alice.example/alice_media/edit", "/ftp/alice.example/alice_media/delete"):
        assert alice.get(url, headers=FRAGMENT).status_code == 200
    assert calls.commands() == []
