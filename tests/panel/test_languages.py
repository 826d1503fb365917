"""Issue 16, languages: the choice (switcher > Hestia LANGUAGE > Accept-Language > [panel] language), German
pages, form errors, flash messages and the core's refusals, and no extra Hestia call for any of it."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import MockCalls, make_app, sign_in

from hestia_mock.models import Backend
from puq_hestia.auth.sso import SsoSigner
from puq_hestia.hestia.errors import ConfigError
from puq_hestia.settings import Settings

DIETER = ("dieter", "Dieter-demo-2026")
TWOFA_NOW = datetime(2026, 3, 1, 12, 0, 10)  # the mock checks TOTP codes at this moment


def lang_of(html: str) -> str:
    """The page's <html lang>."""
    found = re.search(r'<html lang="([a-z]+)">', html)
    assert found is not None
    return found.group(1)


def page(client: FlaskClient, path: str = "/login", accept: str | None = None) -> str:
    """A page's HTML, with an Accept-Language header when given."""
    headers = {"Accept-Language": accept} if accept else {}
    return client.get(path, headers=headers).get_data(as_text=True)


def log_in(client: FlaskClient, user: str, password: str, accept: str | None = None) -> str:
    """The login form as a browser sends it; the page after the redirect."""
    headers = {"Accept-Language": accept} if accept else {}
    response = client.post("/login", data={"username": user, "password": password}, headers=headers,
                           follow_redirects=True)
    return response.get_data(as_text=True)


def choose(client: FlaskClient, language: str, next_page: str = "/login") -> int:
    """The footer's switcher."""
    return client.post("/language", data={"language": language, "next": next_page}).status_code


# -- the order of the choice ---------------------------------------------------------------------------------
def test_without_any_hint_the_page_is_english(client: FlaskClient) -> None:
    html = page(client)
    assert lang_of(html) == "en" and "<h1 id=\"login-title\">Sign in</h1>" in html


@pytest.mark.parametrize("accept, expected, heading", [
    ("de-DE,de;q=0.9,en;q=0.5", "de", "Anmelden"),
    ("fr-CH, fr;q=0.9", "fr", "Se connecter"),
    ("it, es;q=0.8", "es", "Iniciar sesión"),  # Italian is not shipped: the next shipped one
    ("nl", "nl", "Aanmelden"),
    ("ja, it", "en", "Sign in"),  # none shipped: the configured default
])
def test_the_browsers_accept_language_picks_among_the_five(client: FlaskClient, accept: str, expected: str,
                                                            heading: str) -> None:
    html = page(client, accept=accept)
    assert lang_of(html) == expected and f'<h1 id="login-title">{heading}</h1>' in html


def test_the_configured_default_is_used_when_the_browser_names_none_of_them(settings: Settings,
                                                                             mock_app: Flask) -> None:
    client = make_app(replace(settings, language="nl")).test_client()
    assert lang_of(page(client, accept="ja")) == "nl"
    assert lang_of(page(client)) == "nl"
    assert lang_of(page(client, accept="de")) == "de"  # the browser still comes first


def test_a_default_that_is_not_shipped_is_refused() -> None:
    raw = {"panel": {"language": "it"}, "servers": {"main": {"url": "https://h.test:8083", "access_key": "A" * 20,
                                                            "secret_key": "s" * 40}}}
    with pytest.raises(ConfigError, match=r"panel\.language must be one of en, de, fr, es, nl"):
        Settings.from_mapping(raw)
    assert Settings.from_mapping({**raw, "panel": {"language": "fr"}}).language == "fr"
    assert Settings.from_mapping({**raw, "panel": {}}).language == "en"


def test_the_hestia_language_read_at_sign_in_wins_over_the_browser(client: FlaskClient, calls: MockCalls) -> None:
    html = log_in(client, *DIETER, accept="fr")
    assert lang_of(html) == "de" and "<h1>FTP-Benutzer</h1>" in html and "Angemeldet als" in html
    # The same v-list-user as the login policy: no call of its own for the language.
    assert calls.commands().count("v-list-user") == 1
    assert lang_of(page(client, "/ftp", accept="fr")) == "de"


def test_an_account_without_a_language_follows_the_browser(client: FlaskClient) -> None:
    html = log_in(client, "alice", "Alice-demo-2026", accept="es")
    assert lang_of(html) == "es" and "<h1>Usuarios FTP</h1>" in html


def test_a_hestia_language_the_panel_does_not_ship_follows_the_browser(client: FlaskClient,
                                                                      backend: Backend) -> None:
    backend.users["dieter"].conf["LANGUAGE"] = "it"
    assert lang_of(log_in(client, *DIETER, accept="nl")) == "nl"


def test_the_switcher_overrides_hestia_and_the_browser_and_survives_sign_in_and_out(client: FlaskClient) -> None:
    assert choose(client, "es") == 302
    assert lang_of(page(client, accept="fr")) == "es"
    html = log_in(client, *DIETER, accept="fr")
    assert lang_of(html) == "es"  # the explicit choice of this browser beats dieter's LANGUAGE de
    assert choose(client, "fr", "/ftp") == 302
    assert lang_of(page(client, "/ftp")) == "fr"
    after = client.post("/logout", follow_redirects=True).get_data(as_text=True)
    assert lang_of(after) == "fr" and "Vous vous êtes déconnecté." in after


def test_the_switcher_is_in_the_footer_with_the_current_language_marked(client: FlaskClient) -> None:
    html = page(client, accept="de")
    footer = html.split('<footer class="footer">')[1]
    assert 'action="/language"' in footer and 'name="next" value="/login"' in footer
    assert re.search(r'value="de" lang="de"[^>]*aria-current="true">Deutsch</button>', footer)
    for code, name in (("en", "English"), ("fr", "Français"), ("es", "Español"), ("nl", "Nederlands")):
        assert f'value="{code}" lang="{code}"' in footer and f">{name}</button>" in footer


def test_the_switcher_refuses_an_unknown_language_and_a_foreign_next(client: FlaskClient) -> None:
    assert choose(client, "it") == 400
    assert choose(client, "DE") == 400
    response = client.post("/language", data={"language": "de", "next": "https://evil.test/"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


# -- German everywhere the customer reads --------------------------------------------------------------------
@pytest.fixture
def dieter(client: FlaskClient, calls: MockCalls) -> FlaskClient:
    """Dieter signed in through the form (his Hestia LANGUAGE de is read there), with a clean call log."""
    log_in(client, *DIETER)
    calls.clear()
    return client


def test_german_form_errors_of_the_login_form(client: FlaskClient) -> None:
    html = client.post("/login", data={"username": "", "password": ""}, headers={"Accept-Language": "de"},
                       ).get_data(as_text=True)
    assert "Dieses Feld wird benötigt." in html  # wtforms' own German catalog
    html = client.post("/login", data={"username": "dieter", "password": "falsch"},
                       headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Falscher Benutzername oder falsches Passwort." in html


def test_german_refusals_of_the_core_next_to_their_field(dieter: FlaskClient, calls: MockCalls) -> None:
    html = dieter.post("/ftp/dieter.example/add", data={"suffix": "web", "password": "kurz", "path": "a b"},
                       ).get_data(as_text=True)
    assert "Das Passwort muss 8 bis 128 Zeichen haben." in html
    assert "Der Ordner darf keine Leerzeichen oder anderen Leerraum enthalten." in html
    html = dieter.post("/ftp/dieter.example/add", data={"suffix": "web"}).get_data(as_text=True)
    assert "Der FTP-Benutzer dieter_web existiert bereits." in html
    assert calls.changes() == []


def test_german_flash_messages_and_dates(dieter: FlaskClient) -> None:
    html = dieter.post("/ftp/dieter.example/dieter_web/delete", follow_redirects=True).get_data(as_text=True)
    assert "Der FTP-Benutzer dieter_web wurde gelöscht." in html
    assert "FTP-Benutzer gelöscht: dieter_web auf dieter.example" in html  # the activity list
    assert re.search(r'<time datetime="[^"]+">\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} UTC</time>', html)
    assert "Noch keine FTP-Benutzer." in html and "1 Web-Domain" in html


def test_the_scripts_words_come_in_the_pages_language(dieter: FlaskClient) -> None:
    html = page(dieter, "/ftp/dieter.example/dieter_web/connection")
    body = re.search(r"<body [^>]*>", html)
    assert body is not None
    assert all(word in body.group(0) for word in ('data-text-copied="Kopiert"', 'data-text-show="Anzeigen"',
                                                  'data-text-hide="Verbergen"'))
    assert ">Kopieren</button>" in html and "Protokoll: Explizites FTPS (FTP über TLS)" in html


def test_german_error_pages(dieter: FlaskClient) -> None:
    response = dieter.get("/ftp/nobody.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "Nicht gefunden" in html and "Fehler 404" in html


def test_an_english_customer_still_reads_the_english_texts(client: FlaskClient) -> None:
    sign_in(client, "alice")
    html = page(client, "/ftp")
    assert lang_of(html) == "en" and "Everyone who can upload files to your websites" in html


def test_a_single_sign_on_link_takes_the_language_from_its_one_lookup(client: FlaskClient, settings: Settings,
                                                                      calls: MockCalls) -> None:
    token = SsoSigner(settings.secret_key, settings.public_url).issue("main", "dieter")
    response = client.get(f"/sso/{token}", headers={"Accept-Language": "nl"})
    assert response.status_code == 302 and calls.commands() == ["v-list-user"]
    assert lang_of(page(client, "/ftp", accept="nl")) == "de"


def test_a_refused_single_sign_on_link_is_explained_in_the_browsers_language(client: FlaskClient) -> None:
    html = page(client, "/sso/not-a-token", accept="fr")
    assert "Ce lien de connexion n\u2019est pas valable." in html and lang_of(html) == "fr"


def test_the_language_read_before_a_two_factor_step_carries_through_it(client: FlaskClient,
                                                                       backend: Backend) -> None:
    backend.users["tessa"].conf["LANGUAGE"] = "nl"
    backend.clock = lambda: TWOFA_NOW
    first = client.post("/login", data={"username": "tessa", "password": "Tessa-demo-2026"},
                        headers={"Accept-Language": "fr"})
    assert first.headers["Location"].startswith("/login/code")
    code_page = page(client, "/login/code", accept="fr")
    assert lang_of(code_page) == "nl" and "Tweestapsverificatiecode" in code_page
    wrong = client.post("/login/code", data={"code": "000000"}, headers={"Accept-Language": "fr"})
    assert "Verkeerde code." in wrong.get_data(as_text=True)
    code = pyotp.TOTP("PUQDEMOTWOFACTORSECRETFORTESSA23").at(TWOFA_NOW)
    done = client.post("/login/code", data={"code": code}, headers={"Accept-Language": "fr"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert lang_of(html) == "nl" and "<h1>FTP-gebruikers</h1>" in html
