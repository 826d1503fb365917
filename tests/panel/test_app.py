"""The app factory, security headers, cookie flags, session lifetimes, /healthz and the error pages."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from panel_testing import ALICE, make_app, sign_in

from panel import TEMPLATE_FOLDER
from panel.activity import describe
from panel.extensions import PanelServices
from puq_hestia.hestia.errors import ConfigError
from puq_hestia.settings import Settings
from puq_hestia.store import AuditEvent

HTML_ROUTES = [
    "/login",
    "/ftp",
    "/ftp/alice.example",
    "/ftp/add",
    "/ftp/alice.example/add",
    "/ftp/alice.example/alice_media/edit",
    "/ftp/alice.example/alice_media/delete",
    "/ftp/no-such.example",
]


def test_factory_builds_services_once_per_server(app: Flask) -> None:
    services = app.extensions["puq"]
    assert isinstance(services, PanelServices)
    assert list(services.servers) == ["main"]
    assert services.servers["main"].ftp.client is services.servers["main"].client


def test_templates_come_from_the_panel_templates_package() -> None:
    assert (Path(TEMPLATE_FOLDER) / "base.html").is_file()


def test_outside_the_demo_a_weak_secret_refuses_to_start(settings: Settings) -> None:
    with pytest.raises(ConfigError):
        make_app(replace(settings, secret_key="change-me"))


def test_healthz_answers_without_hestia(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_root_leads_to_the_simple_section(client: FlaskClient) -> None:
    assert client.get("/").headers["Location"] == "/ftp"


@pytest.mark.parametrize("path", HTML_ROUTES)
def test_security_headers_on_every_html_route(client: FlaskClient, path: str) -> None:
    sign_in(client, "alice")
    response = client.get(path)
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                      "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_hsts_in_the_demo(settings: Settings, mock_app: Flask) -> None:
    client = make_app(replace(settings, demo=True)).test_client()
    response = client.get("/login")
    assert "Strict-Transport-Security" not in response.headers
    assert "Content-Security-Policy" in response.headers


def test_pages_have_no_inline_script_or_style(alice: FlaskClient) -> None:
    html = alice.get("/ftp").get_data(as_text=True)
    assert "<script>" not in html and "<style" not in html and " style=" not in html and "onclick" not in html
    assert '<script src="/static/app.js" defer></script>' in html


def test_session_cookie_flags_after_login(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": ALICE[0], "password": ALICE[1]})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("puq_session="))
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags
    assert "secure" in flags
    assert "samesite=lax" in flags
    assert any(flag.startswith("expires=") for flag in flags)


def test_demo_cookie_is_not_secure_so_plain_http_works(settings: Settings, mock_app: Flask) -> None:
    client = make_app(replace(settings, demo=True)).test_client()
    response = client.post("/login", data={"username": ALICE[0], "password": ALICE[1]})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("puq_session="))
    assert "secure" not in cookie.lower()


def test_idle_lifetime_comes_from_the_settings(app: Flask, settings: Settings) -> None:
    assert app.permanent_session_lifetime == timedelta(minutes=settings.session_idle_minutes)
    assert app.config["SESSION_REFRESH_EACH_REQUEST"] is True


def test_absolute_lifetime_ends_the_session(client: FlaskClient, settings: Settings) -> None:
    sign_in(client, "alice")
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - settings.session_absolute_hours * 3600 - 1
    response = client.get("/ftp")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "user" not in session


def test_a_session_for_an_unknown_server_is_dropped(client: FlaskClient) -> None:
    sign_in(client, "alice", server="gone")
    assert client.get("/ftp").status_code == 302


def test_unknown_page_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_wrong_method_is_a_405_page(client: FlaskClient) -> None:
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Traceback" not in response.get_data(as_text=True)


def test_unexpected_error_is_a_500_page_without_a_trace(settings: Settings, mock_app: Flask) -> None:
    app = make_app(settings, TESTING=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret detail" not in body and "Traceback" not in body
    assert "Nothing was changed" in body


def test_idle_timeout_is_enforced_on_the_signed_cookie(client: FlaskClient, settings: Settings,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    client.post("/login", data={"username": ALICE[0], "password": ALICE[1]})
    assert client.get("/healthz").status_code == 200
    later = int(time.time()) + settings.session_idle_minutes * 60 + 5
    # Flask checks the cookie's signing time against max_age = PERMANENT_SESSION_LIFETIME (the idle timeout).
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get("/ftp")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_activity_sentences() -> None:
    def event(action: str, outcome: str = "success", detail: str = "") -> AuditEvent:
        return AuditEvent(id=1, time=datetime.now(UTC), server_id="main", actor="alice", action=action,
                          domain="alice.example", ftp_user="alice_web", outcome=outcome, detail=detail)

    assert describe(event("ftp.create", detail="folder=/public_html")) == \
        "Created the FTP user alice_web on alice.example, folder /public_html"
    assert describe(event("ftp.change_path", "reset_to_root", "folder=/")) == \
        "Changed the folder of alice_web on alice.example (the folder did not exist, so it was reset to the " \
        "domain root)"
    assert describe(event("ftp.delete", "already")) == \
        "Deleted the FTP user alice_web on alice.example (it was already gone)"


def test_a_change_maintain_settled_reads_in_the_customers_language(app: Flask) -> None:
    from flask_babel import force_locale

    from puq_hestia import maintenance

    event = AuditEvent(id=1, time=datetime.now(UTC), server_id="main", actor="alice",
                       action="maintenance.v-add-web-domain-ftp", domain="alice.example", ftp_user="alice_web",
                       outcome="success", detail=str(maintenance._FTP_USER_MADE))
    with app.test_request_context("/"):
        assert describe(event) == ("The interrupted create of the FTP user alice_web on alice.example: checked after "
                                   "an interruption: the FTP user was created, but its password was never shown to "
                                   "anyone; set a new password before using it")
        with force_locale("de"):
            assert describe(event) == (
                "Unterbrochenes Anlegen des FTP-Benutzers alice_web auf alice.example: nach einer Unterbrechung "
                "geprüft: der FTP-Benutzer wurde angelegt, aber sein Passwort wurde niemandem angezeigt; legen Sie "
                "vor der Nutzung ein neues Passwort fest")
