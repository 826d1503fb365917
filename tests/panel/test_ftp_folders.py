"""Folders (issue 19 Must 3): pasted forms, the real prefix, the folders that exist, and the way out of a reset."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from panel_testing import MockCalls

from hestia_mock.models import Backend

BASE = "/home/alice/web/alice.example"


@pytest.mark.parametrize("pasted", [f"{BASE}/public_html/media", f"{BASE}/public_html/media/",
                                    "/public_html/media", "public_html/media/", f"  {BASE}/public_html/media  "])
def test_pasted_folders_are_accepted(alice: FlaskClient, backend: Backend, pasted: str) -> None:
    response = alice.post("/ftp/alice.example/add", data={"suffix": "pasted", "password": "Pasted-ftp-2026",
                                                          "path": pasted})
    assert response.status_code == 201
    home = backend.ftp_login("alice_pasted", "Pasted-ftp-2026")
    assert home is not None and home.as_posix().endswith("alice.example/public_html/media")


@pytest.mark.parametrize("outside", ["/home/bob/web/bob.example/public_html", "/home/alice/web/shop.alice.example",
                                     f"{BASE}2/public_html", f"{BASE}/../bob.example"])
def test_paths_outside_the_domain_are_refused_without_a_change(alice: FlaskClient, calls: MockCalls,
                                                               outside: str) -> None:
    response = alice.post("/ftp/alice.example/alice_media/path", data={"path": outside})
    assert response.status_code == 422
    assert calls.changes() == []


def test_the_field_shows_the_real_prefix(alice: FlaskClient, calls: MockCalls) -> None:
    for url in ("/ftp/alice.example/add", "/ftp/alice.example/alice_media/edit"):
        html = alice.get(url, headers={"X-Fragment": "1"}).get_data(as_text=True)
        assert f'<span class="input-prefix" aria-hidden="true">{BASE}/</span>' in html
        assert 'data-folders-url="/ftp/alice.example/folders"' in html and "<datalist" in html
    assert calls.commands() == []  # the popups themselves cost no Hestia call (Must 9)


def test_the_folders_that_exist_come_from_one_call(alice: FlaskClient, calls: MockCalls) -> None:
    answer = alice.get("/ftp/alice.example/folders").get_json()
    assert calls.commands() == ["v-list-fs-directory"]
    assert "public_html" in answer["folders"] and "public_html/media" in answer["folders"]  # and the known one
    assert all("/" not in name or name == "public_html/media" for name in answer["folders"])


def test_another_customers_folders_are_404_without_a_call(alice: FlaskClient, calls: MockCalls) -> None:
    assert alice.get("/ftp/bob.example/folders").status_code == 404
    assert calls.commands() == []


def test_a_reset_names_the_consequence_and_offers_to_create_the_folder(alice: FlaskClient, backend: Backend,
                                                                        calls: MockCalls) -> None:
    alice.post("/ftp/alice.example/alice_media/path", data={"path": "uploads", "back": "domain"})
    page = alice.get("/ftp/alice.example").get_data(as_text=True)
    assert "alice_media can now reach the whole web domain alice.example." in page
    offer = page[page.index('data-testid="folder-offer"'):]
    offer = offer[:offer.index("</form>")]
    assert 'action="/ftp/alice.example/alice_media/path"' in offer
    assert 'name="path" value="uploads"' in offer and 'name="create" value="1"' in offer
    assert "Create /uploads and use it instead" in offer
    assert 'data-testid="folder-offer"' not in alice.get("/ftp/alice.example").get_data(as_text=True)  # once

    calls.clear()
    response = alice.post("/ftp/alice.example/alice_media/path", data={"path": "uploads", "create": "1",
                                                                       "back": "domain"})
    assert response.status_code == 302
    assert calls.changes() == ["v-add-fs-directory", "v-change-web-domain-ftp-path"]
    home = backend.ftp_login("alice_media", "Media-ftp-2026")
    assert home is not None and home.as_posix().endswith("alice.example/uploads")
    assert "The folder /uploads was created, and alice_media now starts there." in alice.get(
        "/ftp/alice.example").get_data(as_text=True)


def test_a_folder_hestia_cannot_create_is_a_clear_error(alice: FlaskClient, calls: MockCalls) -> None:
    response = alice.post("/ftp/alice.example/alice_media/path", data={"path": "a/b/c", "create": "1"})
    assert response.status_code == 422
    assert "could not be created" in response.get_data(as_text=True)
    assert calls.changes() == ["v-add-fs-directory"]  # refused by Hestia (exit 2): nothing changed
