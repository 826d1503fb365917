"""A hosting company's brand everywhere a customer looks, with the CSP unchanged (issue 16, part 1)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import make_app, sign_in

from puq_hestia.branding import Brand, brand_from_mapping
from puq_hestia.hestia.errors import ConfigError
from puq_hestia.settings import Settings

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def brand(tmp_path: Path) -> Brand:
    logo = tmp_path / "acme.png"
    logo.write_bytes(PNG)
    return brand_from_mapping({"name": "Acme Hosting", "logo": "acme.png", "primary_color": "#0a7d4f",
                               "support_url": "https://help.acme.example/", "billing_url": "https://my.acme.example/",
                               "footer": "Acme Hosting GmbH · Berlin"}, base=tmp_path)


@pytest.fixture
def branded(settings: Settings, brand: Brand, mock_app: Flask) -> Flask:
    return make_app(replace(settings, brand=brand))


def page(client: FlaskClient, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def assert_branded(html: str) -> None:
    assert "· Acme Hosting</title>" in html
    assert 'class="brand-logo" src="/brand/logo"' in html
    assert "Acme Hosting GmbH · Berlin" in html
    assert 'href="https://help.acme.example/"' in html
    assert 'href="/brand.css"' in html
    assert "Hosting panel" not in html


def test_the_brand_is_on_the_sign_in_page_the_ftp_pages_and_the_error_pages(branded: Flask) -> None:
    client = branded.test_client()
    assert_branded(page(client, "/login"))
    assert_branded(page(client, "/no-such-page"))
    sign_in(client, "alice")
    assert_branded(page(client, "/ftp"))
    assert_branded(page(client, "/ftp/alice.example"))


def test_the_control_panel_unreachable_page_carries_the_brand(branded: Flask, mock_app: Flask) -> None:
    mock_app.test_client().post("/_mock/faults", json={"kind": "refused"})
    client = branded.test_client()
    sign_in(client, "alice")
    reply = client.get("/ftp")
    assert reply.status_code == 503
    html = reply.get_data(as_text=True)
    assert_branded(html)
    assert 'id="error-support-link"' in html


def test_an_expired_login_link_points_to_billing_not_to_the_sign_in_form(branded: Flask) -> None:
    html = page(branded.test_client(), "/sso/not-a-valid-token")
    assert 'id="error-billing-link" href="https://my.acme.example/"' in html.replace("\n", " ") or \
        'href="https://my.acme.example/" id="error-billing-link"' in html
    assert "Get a new login link from" in html
    assert "Go to the sign-in page" not in html


def test_the_colour_is_a_stylesheet_and_the_csp_is_unchanged(branded: Flask, app: Flask) -> None:
    css = branded.test_client().get("/brand.css")
    assert css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "--primary: #0a7d4f;" in text and "--primary-dark: #08623e;" in text
    plain = app.test_client().get("/login")
    assert branded.test_client().get("/login").headers["Content-Security-Policy"] == \
        plain.headers["Content-Security-Policy"]
    assert "style=" not in page(branded.test_client(), "/login")


def test_the_logo_is_served_and_only_the_logo(branded: Flask, app: Flask) -> None:
    logo = branded.test_client().get("/brand/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == PNG
    assert app.test_client().get("/brand/logo").status_code == 404


def test_without_a_brand_the_panel_is_neutral(app: Flask) -> None:
    html = page(app.test_client(), "/login")
    assert "· Hosting panel</title>" in html
    assert "/brand.css" not in html and "brand-logo" not in html


@pytest.mark.parametrize("raw, message", [
    ({"primary_color": "green"}, "hex colour"),
    ({"primary_color": "#12345"}, "hex colour"),
    ({"support_url": "javascript:alert(1)"}, r"http\(s\) URL"),
    ({"billing_url": "ftp://billing.example"}, r"http\(s\) URL"),
    ({"logo": "missing.png"}, "does not exist"),
    ({"logo": "logo.gif"}, "must be one of"),
    ({"name": ""}, "1 to 80"),
    ({"colour": "#fff"}, "unknown keys"),
])
def test_a_wrong_brand_setting_stops_the_start_with_a_message(tmp_path: Path, raw: dict[str, str],
                                                              message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        brand_from_mapping(raw, base=tmp_path)


def test_the_brand_is_read_from_the_toml_file_with_the_logo_beside_it(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    config = tmp_path / "puq-hestia.toml"
    config.write_text('[panel]\nsecret_key = "x"\n[panel.brand]\nname = "Acme"\nlogo = "logo.svg"\n'
                      '[servers.main]\nurl = "https://hestia.example:8083"\nhash = "A:B"\n', encoding="utf-8")
    brand = Settings.load(config, env={}).brand
    assert brand.name == "Acme" and brand.logo == tmp_path / "logo.svg" and brand.logo_type == "image/svg+xml"
