"""SECURITY.md 37 and 38: bodies are bounded before they are read (a chunked body too), and every signed-in
page is Cache-Control: no-store."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from panel import MAX_BODY_BYTES

BIG = b"username=alice&password=" + b"x" * (MAX_BODY_BYTES + 10)


@pytest.mark.parametrize("route", ["/login", "/login/code", "/logout", "/ftp/add", "/hooks/suspend_account",
                                   "/ftp/alice.example/alice_deploy/password"])
def test_a_body_over_the_bound_is_413(alice: FlaskClient, route: str) -> None:
    response = alice.post(route, data=BIG, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


@pytest.mark.parametrize("route", ["/login", "/hooks/suspend_account"])
def test_a_chunked_body_is_cut_at_the_same_bound(client: FlaskClient, route: str) -> None:
    """No Content-Length: the server marks the stream as terminated (gunicorn does) and reading stops at 1 MiB."""
    response = client.post(route, input_stream=io.BytesIO(BIG), content_type="application/x-www-form-urlencoded",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413


def test_a_body_under_the_bound_is_read(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "alice", "password": "x" * 200})
    assert response.status_code == 401


def _signed_in_get_urls(app: Flask) -> set[str]:
    values = {"domain": "alice.example", "username": "alice_deploy", "token": "not-a-token", "filename": "app.css",
              "invitation_id": "1"}
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or set()) and not rule.rule.startswith(("/static", "/_")):
            urls.add(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule.rule))
    return urls


def test_every_signed_in_page_is_no_store(app: Flask, alice: FlaskClient) -> None:
    urls = _signed_in_get_urls(app) | {"/ftp?page=2", "/ftp/alice.example?back=domain", "/no-such-page"}
    seen = 0
    for url in sorted(urls):
        response = alice.get(url)
        if url == "/sso/not-a-token" or url == "/healthz":
            continue
        seen += 1
        assert response.headers.get("Cache-Control") == "no-store", (url, response.status_code)
    assert seen >= 8


def test_the_sign_in_pages_are_no_store(client: FlaskClient) -> None:
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.post("/login", data={"username": "alice", "password": "nope"}).headers[
        "Cache-Control"] == "no-store"


def test_a_small_chunked_body_is_read_whole(client: FlaskClient) -> None:
    response = client.post("/login", input_stream=io.BytesIO(b"username=alice&password=wrong-password-1"),
                           content_type="application/x-www-form-urlencoded",
                           headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 401  # parsed: a failed login, not an empty form
