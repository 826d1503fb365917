"""The POST-only actions: add (simple and advanced), password, folder, delete; CSRF, ownership, Hestia down."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import MockCalls, make_app, sign_in
from werkzeug.test import TestResponse

from hestia_mock.models import Backend
from puq_hestia.settings import Settings


def ftp_names(backend: Backend) -> set[str]:
    """Every FTP account at the mock (system-wide, like /etc/passwd)."""
    return {name for name in backend.passwd if "_" in name}


def shown_password(response: TestResponse) -> str:
    match = re.search(r'data-testid="new-password">([^<]+)<', response.get_data(as_text=True))
    assert match, "no password on the result page"
    return match.group(1)


def field_error(response: TestResponse, field: str) -> str:
    """The error text shown right under FIELD."""
    match = re.search(rf'<p class="field-error" id="{field}-error"[^>]*>([^<]+)</p>', response.get_data(as_text=True))
    assert match, f"no error next to {field}"
    return match.group(1)


# -- simple add --------------------------------------------------------------------------------------------
def test_simple_add_creates_an_account_and_shows_its_password_once(alice: FlaskClient, backend: Backend,
                                                                   calls: MockCalls) -> None:
    before = ftp_names(backend)
    response = alice.post("/ftp/add", data={"domain": "alice.example"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    (new,) = ftp_names(backend) - before
    password = shown_password(response)
    assert len(password) >= 20
    assert backend.ftp_login(new, password) is not None
    assert f"<strong>{new}</strong>" in response.get_data(as_text=True)
    assert calls.changes() == ["v-add-web-domain-ftp"]


def test_the_password_is_nowhere_else(alice: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    response = alice.post("/ftp/add", data={"domain": "alice.example"})
    password = shown_password(response)
    assert all(password not in header for header in response.headers.getlist("Set-Cookie"))
    assert "Location" not in response.headers
    with alice.session_transaction() as session:
        assert password not in repr(dict(session))
    assert password not in caplog.text
    page = alice.get("/ftp").get_data(as_text=True)
    assert password not in page  # not in the activity list nor in a flash


def test_the_result_page_offers_the_details_as_one_message_without_the_password(alice: FlaskClient) -> None:
    response = alice.post("/ftp/add", data={"domain": "alice.example"})
    html = response.get_data(as_text=True)
    password = shown_password(response)
    share = html[html.index('<pre class="share-text" id="result-all">'):]
    share = share[:share.index("</pre>")]
    assert "FTP access to alice.example" in share and "Host: ftp.hestia.test" in share
    assert "Protocol: Explicit FTPS (FTP over TLS)" in share and "Password: sent separately" in share
    assert password not in share
    assert 'data-copy-target="result-all"' in html


def test_simple_add_on_a_suspended_domain_is_refused_next_to_the_field(alice: FlaskClient, backend: Backend,
                                                                       calls: MockCalls) -> None:
    before = ftp_names(backend)
    response = alice.post("/ftp/add", data={"domain": "shop.alice.example"})
    assert response.status_code == 422
    assert "suspended" in response.get_data(as_text=True)
    assert ftp_names(backend) == before
    assert calls.changes() == []


def test_simple_add_for_another_users_domain_is_404_without_a_hestia_call(alice: FlaskClient,
                                                                          calls: MockCalls) -> None:
    assert alice.post("/ftp/add", data={"domain": "bob.example"}).status_code == 404
    assert calls.commands() == []


def test_simple_add_without_a_domain_shows_the_form_again(alice: FlaskClient) -> None:
    response = alice.post("/ftp/add", data={})
    assert response.status_code == 422
    assert field_error(response, "domain")


# -- advanced add ------------------------------------------------------------------------------------------
def test_advanced_add_with_name_password_and_folder(alice: FlaskClient, backend: Backend) -> None:
    response = alice.post("/ftp/alice.example/add", data={
        "suffix": "upload", "password": "Upload-ftp-2026", "path": "public_html/media", "back": "domain"})
    assert response.status_code == 201
    assert shown_password(response) == "Upload-ftp-2026"
    home = backend.ftp_login("alice_upload", "Upload-ftp-2026")
    assert home is not None and home.as_posix().endswith("alice.example/public_html/media")
    assert 'href="/ftp/alice.example" id="result-done"' in response.get_data(as_text=True)


def test_advanced_add_with_an_empty_password_generates_one(alice: FlaskClient, backend: Backend) -> None:
    response = alice.post("/ftp/alice.example/add", data={"suffix": "gen", "password": "", "path": ""})
    assert response.status_code == 201
    assert "Generated password" in response.get_data(as_text=True)
    assert backend.ftp_login("alice_gen", shown_password(response)) is not None


@pytest.mark.parametrize("folder", ["public_html/missing", "missing/deeper"])
def test_advanced_add_with_a_missing_folder_leaves_no_account(alice: FlaskClient, backend: Backend,
                                                              calls: MockCalls, folder: str) -> None:
    before = ftp_names(backend)
    response = alice.post("/ftp/alice.example/add", data={"suffix": "nofolder", "password": "Nofolder-2026",
                                                          "path": folder})
    assert response.status_code == 422
    assert "does not exist" in field_error(response, "path")
    assert ftp_names(backend) == before
    assert calls.changes() == []


@pytest.mark.parametrize(("data", "field"), [
    ({"suffix": "Bad Name", "password": "Good-pass-2026"}, "suffix"),
    ({"suffix": "ok", "password": "has:colon-2026"}, "password"),
    ({"suffix": "ok", "password": "short"}, "password"),
    ({"suffix": "ok", "password": "Good-pass-2026", "path": "../bob.example"}, "path"),
    ({"suffix": "ok", "password": "Good-pass-2026", "path": "public_html/../../x"}, "path"),
    ({"suffix": "media", "password": "Good-pass-2026"}, "suffix"),  # alice_media exists
])
def test_advanced_add_errors_appear_next_to_their_field(alice: FlaskClient, calls: MockCalls,
                                                        data: dict[str, str], field: str) -> None:
    response = alice.post("/ftp/alice.example/add", data=data)
    assert response.status_code == 422
    assert field_error(response, field)
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field}"', response.get_data(as_text=True))
    assert calls.changes() == []


def test_advanced_add_shows_every_bad_field_at_once(alice: FlaskClient, calls: MockCalls) -> None:
    response = alice.post("/ftp/alice.example/add", data={"suffix": "Bad Name", "password": "short",
                                                          "path": "../etc"})
    assert response.status_code == 422
    assert all(field_error(response, name) for name in ("suffix", "password", "path"))
    assert calls.changes() == []


def test_advanced_add_on_a_suspended_domain_is_refused(alice: FlaskClient, calls: MockCalls) -> None:
    response = alice.post("/ftp/shop.alice.example/add", data={"suffix": "x1", "password": "Good-pass-2026"})
    assert response.status_code == 422
    assert 'data-testid="form-error"' in response.get_data(as_text=True)
    assert calls.changes() == []


# -- password and folder -----------------------------------------------------------------------------------
def test_change_password_shows_the_new_one_once(alice: FlaskClient, backend: Backend) -> None:
    response = alice.post("/ftp/alice.example/alice_media/password", data={"password": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = shown_password(response)
    assert backend.ftp_login("alice_media", password) is not None
    assert backend.ftp_login("alice_media", "Media-ftp-2026") is None


def test_change_password_with_an_invalid_one_shows_the_edit_form(alice: FlaskClient, calls: MockCalls) -> None:
    response = alice.post("/ftp/alice.example/alice_media/password", data={"password": "/tmp/evil-file"})
    assert response.status_code == 422
    assert field_error(response, "password")
    assert 'id="path-form"' in response.get_data(as_text=True)
    assert calls.changes() == []


def test_change_folder(alice: FlaskClient, backend: Backend) -> None:
    response = alice.post("/ftp/alice.example/alice_deploy/path", data={"path": "public_html", "back": "domain"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ftp/alice.example"
    page = alice.get("/ftp/alice.example").get_data(as_text=True)
    assert "The folder of alice_deploy is now /public_html." in page
    home = backend.ftp_login("alice_deploy", "Deploy-ftp-2026")
    assert home is not None and home.name == "public_html"


@pytest.mark.parametrize("folder", ["nowhere", "public_html/nowhere", "nowhere/at-all"])
def test_change_to_a_missing_folder_resets_to_the_root_and_says_so(alice: FlaskClient, backend: Backend,
                                                                    folder: str) -> None:
    # "nowhere/at-all": Hestia's readlink -f fails when a parent is missing too (exit 2, HESTIA_API.md §7).
    response = alice.post("/ftp/alice.example/alice_media/path", data={"path": folder})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ftp"
    page = alice.get("/ftp").get_data(as_text=True)
    assert f"The folder /{folder} does not exist, so the folder of alice_media was reset to the domain " \
           "root (/)." in page
    media = page[page.index('data-username="alice_media"'):]
    assert '<code data-testid="folder">/</code>' in media[:media.index("</article>")]
    details = alice.get("/ftp/alice.example/alice_media/connection").get_data(as_text=True)  # the stored listing
    assert '<code class="copy-value" id="ftp-alice_media-folder">/</code>' in details
    home = backend.ftp_login("alice_media", "Media-ftp-2026")
    assert home is not None and home.name == "alice.example"


def test_change_folder_rejects_an_escape_before_any_call(alice: FlaskClient, calls: MockCalls) -> None:
    response = alice.post("/ftp/alice.example/alice_media/path", data={"path": "../../bob/web"})
    assert response.status_code == 422
    assert field_error(response, "path")
    assert calls.changes() == []


def test_edit_on_a_suspended_domain_is_refused(alice: FlaskClient, calls: MockCalls) -> None:
    response = alice.post("/ftp/shop.alice.example/alice_shop/password", data={"password": ""})
    assert response.status_code == 422
    assert "suspended" in response.get_data(as_text=True)
    assert calls.changes() == []


# -- delete ------------------------------------------------------------------------------------------------
def test_delete_after_confirmation(alice: FlaskClient, backend: Backend) -> None:
    response = alice.post("/ftp/alice.example/alice_media/delete", data={"back": "ftp"})
    assert response.status_code == 302 and response.headers["Location"] == "/ftp"
    assert "alice_media" not in ftp_names(backend)
    page = alice.get("/ftp").get_data(as_text=True)
    assert "The FTP user alice_media was deleted." in page
    assert "Deleted the FTP user alice_media on alice.example" in page  # recent activity


def test_delete_is_allowed_on_a_suspended_domain(alice: FlaskClient, backend: Backend) -> None:
    response = alice.post("/ftp/shop.alice.example/alice_shop/delete", data={"back": "domain"})
    assert response.headers["Location"] == "/ftp/shop.alice.example"
    assert "alice_shop" not in ftp_names(backend)


def test_delete_with_a_tampered_back_value_is_refused(alice: FlaskClient, backend: Backend) -> None:
    response = alice.post("/ftp/alice.example/alice_media/delete", data={"back": "https://evil.example"})
    assert response.status_code == 422
    assert "alice_media" in ftp_names(backend)


# -- authority, suspension, CSRF, Hestia down --------------------------------------------------------------
@pytest.mark.parametrize(("path", "data"), [
    ("/ftp/bob.example/add", {"suffix": "x1", "password": "Good-pass-2026"}),
    ("/ftp/bob.example/bob_web/password", {"password": ""}),
    ("/ftp/bob.example/bob_web/path", {"path": ""}),
    ("/ftp/bob.example/bob_web/delete", {}),
    ("/ftp/alice.example/bob_web/delete", {}),
])
def test_changes_to_another_users_account_are_404_without_a_hestia_call(alice: FlaskClient, backend: Backend,
                                                                        calls: MockCalls, path: str,
                                                                        data: dict[str, str]) -> None:
    assert alice.post(path, data=data).status_code == 404
    assert calls.commands() == []
    assert "bob_web" in ftp_names(backend)


class TestSuspendedUser:
    """Carol is suspended: every change is refused with a clear message and nothing reaches Hestia."""

    @pytest.fixture
    def carol(self, client: FlaskClient, calls: MockCalls) -> FlaskClient:
        sign_in(client, "carol")
        client.get("/ftp")
        calls.clear()
        return client

    @pytest.mark.parametrize(("path", "data"), [
        ("/ftp/add", {"domain": "carol.example"}),
        ("/ftp/carol.example/add", {"suffix": "x1", "password": "Good-pass-2026"}),
        ("/ftp/carol.example/carol_site/password", {"password": ""}),
        ("/ftp/carol.example/carol_site/path", {"path": ""}),
        ("/ftp/carol.example/carol_site/delete", {}),
    ])
    def test_changes_are_refused(self, carol: FlaskClient, calls: MockCalls, path: str,
                                 data: dict[str, str]) -> None:
        response = carol.post(path, data=data)
        assert response.status_code == 422
        assert "Your hosting account is suspended" in response.get_data(as_text=True)
        assert calls.changes() == []


@pytest.mark.parametrize(("path", "data"), [
    ("/ftp/add", {"domain": "alice.example"}),
    ("/ftp/alice.example/add", {"suffix": "csrf", "password": "Good-pass-2026"}),
    ("/ftp/alice.example/alice_media/password", {"password": ""}),
    ("/ftp/alice.example/alice_media/path", {"path": ""}),
    ("/ftp/alice.example/alice_media/delete", {}),
    ("/logout", {}),
])
def test_csrf_token_is_required_for_every_change(settings: Settings, mock_app: Flask, backend: Backend,
                                                 calls: MockCalls, path: str, data: dict[str, str]) -> None:
    client = make_app(settings, WTF_CSRF_ENABLED=True).test_client()
    sign_in(client, "alice")
    client.get("/ftp")
    calls.clear()
    before = ftp_names(backend)
    for token in (None, "forged-token"):
        sent = dict(data, csrf_token=token) if token else data
        response = client.post(path, data=sent)
        assert response.status_code == 400
        assert "Nothing was changed" in response.get_data(as_text=True)
    assert calls.commands() == []
    assert ftp_names(backend) == before
    with client.session_transaction() as session:
        assert session["user"] == "alice"


def test_with_a_valid_csrf_token_the_change_goes_through(settings: Settings, mock_app: Flask,
                                                         backend: Backend) -> None:
    client = make_app(settings, WTF_CSRF_ENABLED=True).test_client()
    sign_in(client, "alice")
    html = client.get("/ftp/alice.example/alice_media/delete").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    once = re.search(r'name="once" value="([^"]+)"', html)  # the form's one-time token (SECURITY.md 40)
    assert token and once
    response = client.post("/ftp/alice.example/alice_media/delete",
                           data={"csrf_token": token.group(1), "once": once.group(1)})
    assert response.status_code == 302
    assert "alice_media" not in ftp_names(backend)


def add_fault(mock_app: Flask, **fault: object) -> None:
    assert mock_app.test_client().post("/_mock/faults", json=fault).status_code == 201


@pytest.mark.parametrize("kind", ["refused", "connect_timeout"])
def test_hestia_unreachable_on_a_list_page_is_a_503_page(alice: FlaskClient, mock_app: Flask, kind: str) -> None:
    add_fault(mock_app, kind=kind)
    response = alice.get("/ftp")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "unreachable" in body and "Nothing was changed" in body
    assert "Traceback" not in body and "Errno" not in body and "Error:" not in body


def test_hestia_unreachable_on_a_change_is_a_503_and_nothing_changed(alice: FlaskClient, mock_app: Flask,
                                                                     backend: Backend) -> None:
    add_fault(mock_app, kind="refused", cmd="v-add-web-domain-ftp")
    before = ftp_names(backend)
    response = alice.post("/ftp/alice.example/add", data={"suffix": "down", "password": "Good-pass-2026"})
    assert response.status_code == 503
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert "Good-pass-2026" not in response.get_data(as_text=True)
    assert ftp_names(backend) == before


def test_hestia_failing_in_a_popup_answers_with_a_fragment(alice: FlaskClient, mock_app: Flask) -> None:
    add_fault(mock_app, kind="http_status", status=502)
    # The popup itself now comes from the stored listing (issue 19 Must 9) and opens; the change is what fails.
    assert alice.get("/ftp/add", headers={"X-Fragment": "1"}).status_code == 200
    response = alice.post("/ftp/add", data={"domain": "alice.example"}, headers={"X-Fragment": "1"})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Control panel unavailable" in body  # a 502 after sending: outcome unknown
