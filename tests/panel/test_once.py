"""Every change applied once (SECURITY.md 40, issue 19 Must 1): a resubmitted form makes no Hestia call."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import MockCalls, make_app, sign_in
from werkzeug.test import TestResponse

from hestia_mock.models import Backend
from panel.extensions import services
from puq_hestia.settings import Settings
from puq_hestia.store import form_tokens


def token_of(html: str, form_id: str) -> str:
    """The one-time token inside the form with FORM_ID."""
    form = html[html.index(f'id="{form_id}"'):]
    form = form[:form.index("</form>")]
    match = re.search(r'name="once" value="([^"]+)"', form)
    assert match, f"no one-time token in {form_id}"
    return match.group(1)


def shown_password(response: TestResponse) -> str:
    match = re.search(r'data-testid="new-password">([^<]+)<', response.get_data(as_text=True))
    assert match, "no password on the page"
    return match.group(1)


def ftp_names(backend: Backend) -> set[str]:
    return {name for name in backend.passwd if "_" in name}


@pytest.mark.parametrize(("url", "form_ids"), [
    ("/ftp/add?domain=alice.example", ["add-form"]),
    ("/ftp/alice.example/add", ["add-advanced-form"]),
    ("/ftp/alice.example/alice_media/edit", ["password-form", "path-form"]),
    ("/ftp/alice.example/alice_media/delete", ["delete-form"]),
])
def test_every_changing_form_carries_a_fresh_token(alice: FlaskClient, url: str, form_ids: list[str]) -> None:
    first, second = alice.get(url).get_data(as_text=True), alice.get(url).get_data(as_text=True)
    for form_id in form_ids:
        assert token_of(first, form_id) != token_of(second, form_id)


def test_reloading_the_created_page_makes_no_second_user(alice: FlaskClient, backend: Backend,
                                                          calls: MockCalls) -> None:
    token = token_of(alice.get("/ftp/add?domain=alice.example").get_data(as_text=True), "add-form")
    before = ftp_names(backend)
    first = alice.post("/ftp/add", data={"domain": "alice.example", "once": token})
    assert first.status_code == 201
    (new,) = ftp_names(backend) - before
    password = shown_password(first)
    calls.clear()
    again = alice.post("/ftp/add", data={"domain": "alice.example", "once": token})  # reload = resubmit
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and again.headers["Cache-Control"] == "no-store"
    assert calls.commands() == []  # not even a listing
    assert ftp_names(backend) - before == {new}
    assert "<h1 id=\"done-title\">This was already done</h1>" in html
    assert f"The FTP user {new} was created on alice.example" in html
    assert password not in html
    assert f'href="/ftp/alice.example/{new}/edit"' in html and f"Set a new password for {new}" in html
    assert backend.ftp_login(new, password) is not None  # the password she copied still works


def test_reloading_password_changed_keeps_the_copied_password(alice: FlaskClient, backend: Backend,
                                                               calls: MockCalls) -> None:
    edit = alice.get("/ftp/alice.example/alice_media/edit").get_data(as_text=True)
    data = {"password": "", "once": token_of(edit, "password-form")}
    password = shown_password(alice.post("/ftp/alice.example/alice_media/password", data=data))
    calls.clear()
    again = alice.post("/ftp/alice.example/alice_media/password", data=data)
    assert calls.commands() == []
    assert "A new password for alice_media was set" in again.get_data(as_text=True)
    assert backend.ftp_login("alice_media", password) is not None  # no 530 for the one just copied


@pytest.mark.parametrize(("path", "data", "text"), [
    ("/ftp/alice.example/alice_deploy/path", {"path": "public_html"}, "The folder of alice_deploy was changed"),
    ("/ftp/alice.example/alice_deploy/delete", {}, "The FTP user alice_deploy was deleted"),
])
def test_resubmitting_a_folder_change_or_delete_changes_nothing(alice: FlaskClient, calls: MockCalls, path: str,
                                                                data: dict[str, str], text: str) -> None:
    data = {**data, "once": "t" * 24}
    assert alice.post(path, data=data).status_code == 302
    calls.clear()
    again = alice.post(path, data=data)
    assert again.status_code == 200 and text in again.get_data(as_text=True)
    assert "Set a new password" not in again.get_data(as_text=True)
    assert calls.commands() == []


def test_a_refused_form_can_be_corrected_and_sent(alice: FlaskClient, backend: Backend) -> None:
    token = token_of(alice.get("/ftp/alice.example/add").get_data(as_text=True), "add-advanced-form")
    refused = alice.post("/ftp/alice.example/add", data={"suffix": "fix", "password": "short", "once": token})
    assert refused.status_code == 422
    assert token_of(refused.get_data(as_text=True), "add-advanced-form") != token  # a fresh one to send
    sent = alice.post("/ftp/alice.example/add", data={"suffix": "fix", "password": "Fixed-pass-2026",
                                                      "once": token})
    assert sent.status_code == 201 and "alice_fix" in backend.passwd


def test_a_double_click_while_the_first_is_running_says_so(alice: FlaskClient, app: Flask,
                                                           calls: MockCalls) -> None:
    with app.app_context():
        assert services().store.claim_form("main:" + "d" * 24, "alice", "create", "alice.example") is None
    response = alice.post("/ftp/add", data={"domain": "alice.example", "once": "d" * 24})
    assert "still being handled, or was interrupted" in response.get_data(as_text=True)
    assert calls.commands() == []


def test_another_customers_token_is_refused(client: FlaskClient, backend: Backend, calls: MockCalls) -> None:
    sign_in(client, "alice")
    client.post("/ftp/alice.example/alice_deploy/path", data={"path": "", "once": "s" * 24})
    sign_in(client, "bob")
    calls.clear()
    assert client.post("/ftp/bob.example/bob_web/delete", data={"once": "s" * 24}).status_code == 400
    assert calls.changes() == []


def test_a_form_without_its_token_is_refused_when_tokens_are_required(settings: Settings, calls: MockCalls,
                                                                      backend: Backend) -> None:
    client = make_app(settings, PUQ_FORM_TOKENS_REQUIRED=True).test_client()
    sign_in(client)
    before = ftp_names(backend)
    for data in ({"domain": "alice.example"}, {"domain": "alice.example", "once": "bad token!"}):
        assert client.post("/ftp/add", data=data).status_code == 400
    assert ftp_names(backend) == before and calls.changes() == []


def test_the_store_never_holds_the_password(alice: FlaskClient, app: Flask,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    data = {"suffix": "kept", "password": "Never-stored-2026", "once": "k" * 24}
    assert alice.post("/ftp/alice.example/add", data=data).status_code == 201
    with app.app_context(), services().store.engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(sa.select(form_tokens)).mappings()]
    assert [(r["action"], r["ftp_user"], r["status"]) for r in rows] == [("create", "alice_kept", "done")]
    assert "Never-stored-2026" not in repr(rows) and "Never-stored-2026" not in caplog.text
