"""The demo's links into HestiaCP's web interface answer with a page saying what the real one shows (no 404)."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_file_manager_says_what_hestia_would_show(client: FlaskClient) -> None:
    for path in ("/fm/", "/fm"):
        response = client.get(path)
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "<h1>File manager</h1>" in text and "file manager (FileGator)" in text
        assert "has no web interface" in text


def test_the_web_domain_settings_name_the_domain_and_its_owner(client: FlaskClient) -> None:
    response = client.get("/edit/web/?domain=alice.example")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "settings of the web domain <code>alice.example</code>" in text
    assert "a web domain of the Hestia user <code>alice</code>" in text
    assert "additional FTP accounts" in text


def test_an_unknown_or_hostile_domain_is_said_plainly_and_escaped(client: FlaskClient) -> None:
    text = client.get("/edit/web/?domain=<script>x</script>").get_data(as_text=True)
    assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text
    assert "This mock has no web domain" in text
    assert client.get("/edit/web/").status_code == 200


def test_the_panel_address_itself_is_not_a_404(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200 and "HestiaCP login page" in response.get_data(as_text=True)


def test_the_api_is_unchanged(client: FlaskClient) -> None:
    assert client.get("/api/").status_code == 405
