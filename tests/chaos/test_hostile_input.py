"""Issue 6 item 4: generated strings in every form field, URL part and hook parameter.

Each example asserts: no 5xx; nothing unsafe reaches Hestia (judged on the raw arguments the mock received,
against an independent reading of SECURITY.md 1-4); a refusal says why. Then: markup stored in Hestia by
another tool renders inert everywhere, and every HTML route carries the headers of SECURITY.md 9.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from chaos_matrix import FIGURES
from chaos_support import Rig, signed_headers
from flask.testing import FlaskClient
from hostile_support import RawCalls, hostile, safe_next_ok, unsafe_calls
from hypothesis import HealthCheck, given, settings
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from panel.security import CONTENT_SECURITY_POLICY

EXAMPLES = 120
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def raw(rig: Rig) -> RawCalls:
    """The unmasked arguments of every call the module's mock receives."""
    return RawCalls().install(rig.control)


@pytest.fixture
def alice(rig: Rig, raw: RawCalls) -> Iterator[FlaskClient]:
    """Alice's browser on a fresh mock; afterwards, nothing unsafe may have reached Hestia."""
    rig.reset()
    raw.calls.clear()
    yield rig.customer()
    assert unsafe_calls(raw.calls) == []


@pytest.fixture
def demo(rig: Rig) -> Rig:
    """The rig on a fresh demo seed (once per test function, not per example)."""
    rig.reset()
    return rig


def _judge(response: TestResponse, field: str) -> None:
    """No 5xx; a refusal carries a message (a field error, a form error or an error page)."""
    FIGURES[f"hostile input: requests ({field})"] += 1
    assert response.status_code < 500, (field, response.status_code)
    if response.status_code in (400, 401, 404, 409, 422):
        text = response.get_data(as_text=True)
        assert any(marker in text for marker in ('data-testid="field-error"', 'data-testid="form-error"',
                                                 "Nothing was changed", "no such", "No such", "error")), text


@SETTINGS
@given(suffix=hostile, password=hostile, path=hostile)
def test_advanced_add(alice: FlaskClient, suffix: str, password: str, path: str) -> None:
    data = {"suffix": suffix, "password": password, "path": path}
    _judge(alice.post("/ftp/alice.example/add", data=data), "advanced add")


@SETTINGS
@given(password=hostile)
def test_password_change(alice: FlaskClient, password: str) -> None:
    _judge(alice.post("/ftp/alice.example/alice_deploy/password", data={"password": password}), "password")


@SETTINGS
@given(path=hostile)
def test_folder_change(alice: FlaskClient, path: str) -> None:
    _judge(alice.post("/ftp/alice.example/alice_deploy/path", data={"path": path}), "folder")


@SETTINGS
@given(domain=hostile, username=hostile)
def test_url_parts_and_tampered_domains(alice: FlaskClient, raw: RawCalls, domain: str, username: str) -> None:
    """Somebody else's or a made-up domain or account: 404 (or the page), never a Hestia change."""
    before = len(raw.mutations())
    for response in (alice.get(f"/ftp/{quote(domain, safe='')}"),
                     alice.get(f"/ftp/{quote(domain, safe='')}/{quote(username, safe='')}/edit"),
                     alice.post(f"/ftp/{quote(domain, safe='')}/{quote(username, safe='')}/delete"),
                     alice.post("/ftp/add", data={"domain": domain})):
        _judge(response, "url/domain")
    assert len(raw.mutations()) - before <= 1  # only the simple add may create, on alice's own domain


@SETTINGS
@given(username=hostile, password=hostile, target=hostile)
def test_login_and_next(rig: Rig, raw: RawCalls, username: str, password: str, target: str) -> None:
    browser = rig.app.test_client()
    response = browser.post(f"/login?next={quote(target, safe='')}", data={"username": username,
                                                                          "password": password})
    _judge(response, "login")
    if response.status_code == 302:
        assert safe_next_ok(response.headers["Location"])
    assert unsafe_calls(raw.calls) == []


@SETTINGS
@given(code=hostile, agent=hostile.map(lambda value: value.replace("\r", " ").replace("\n", " ")))
def test_two_factor_code_form(demo: Rig, raw: RawCalls, code: str, agent: str) -> None:
    """The 2FA step (issue 13): hostile codes and user agents; Hestia only ever sees 6 digits and no quote."""
    rig = demo
    raw.calls.clear()
    browser = rig.app.test_client()
    started = browser.post("/login", data={"username": "tessa", "password": "Tessa-demo-2026"},
                           headers={"User-Agent": agent})
    assert started.status_code == 302 and started.headers["Location"].startswith("/login/code"), rig.calls()
    _judge(browser.post("/login/code", data={"code": code}, headers={"User-Agent": agent}), "2fa code")
    for call in raw.calls:
        if call["cmd"] == "v-check-user-2fa":
            assert re.fullmatch(r"[0-9]{6}", call["args"][1]), call["args"]
        if call["cmd"] == "v-log-user-login":
            assert not any(q in call["args"][4] for q in "'\"") and len(call["args"][4]) <= 200
    assert unsafe_calls(raw.calls) == []


# SECURITY.md 39: what no panel form sends. Each is a 400 on every form route, never a 500.
WRONG_TYPES: dict[str, Callable[[], dict[str, Any]]] = {
    "a file part": lambda: {"data": {"username": (io.BytesIO(b"alice"), "u.txt"), "password": "x", "code": "1",
                             "suffix": "x", "path": "x", "domain": "alice.example"}},
    "a JSON number": lambda: {"json": {"username": 12, "password": 3.5, "code": 123456, "suffix": 1, "path": 2,
                               "domain": 3}},
    "a JSON list": lambda: {"json": {"username": ["alice", "bob"], "password": ["x"], "code": ["1"], "suffix": [],
                             "path": [], "domain": []}},
    "a JSON array body": lambda: {"json": ["alice", "password"]},
    "a repeated field": lambda: {"data": MultiDict([("username", "alice"), ("username", "bob"), ("password", "x"),
                                            ("code", "1"), ("code", "2"), ("suffix", "a"), ("suffix", "b"),
                                            ("path", "a"), ("path", "b"), ("domain", "alice.example"),
                                            ("domain", "bob.example")])},
}
FORM_ROUTES = ("/login", "/login/code", "/ftp/add", "/ftp/alice.example/add",
               "/ftp/alice.example/alice_deploy/password", "/ftp/alice.example/alice_deploy/path")


@pytest.mark.parametrize("kind", sorted(WRONG_TYPES))
def test_a_field_of_the_wrong_type_is_a_400(rig: Rig, raw: RawCalls, kind: str) -> None:
    rig.reset()
    raw.calls.clear()
    browser = rig.customer()
    pending = rig.app.test_client()
    pending.post("/login", data={"username": "tessa", "password": "Tessa-demo-2026"})
    before = len(raw.mutations())
    for route in FORM_ROUTES:
        client = pending if route == "/login/code" else rig.app.test_client() if route == "/login" else browser
        response = client.post(route, **WRONG_TYPES[kind]())
        assert response.status_code == 400, (kind, route, response.status_code)
    assert len(raw.mutations()) == before


@SETTINGS
@given(username=hostile, password=hostile, domain=hostile, package=hostile, email=hostile)
def test_hook_params(rig: Rig, raw: RawCalls, username: str, password: str, domain: str, package: str,
                     email: str) -> None:
    raw.calls.clear()
    params = {"username": username, "password": password, "domain": domain, "configoption1": package,
              "configoption2": "on", "clientsdetails": {"email": email}}
    for action in ("create_account", "change_password", "change_package", "suspend_account"):
        body = json.dumps({"action": action, **params}).encode()
        response = rig.app.test_client().post(f"/hooks/{action}", data=body, headers=signed_headers(body))
        _judge(response, "hooks")
        assert response.is_json and response.get_json()["result"] in ("success", "error")
    assert unsafe_calls(raw.calls) == []


# Header values cannot carry a line break through any HTTP client (werkzeug refuses to build them).
header_value = hostile.map(lambda value: value.replace("\r", " ").replace("\n", " "))


@SETTINGS
@given(body=hostile, signature=header_value, timestamp=header_value)
def test_hook_envelope(rig: Rig, raw: RawCalls, body: str, signature: str, timestamp: str) -> None:
    """Malformed bodies, signatures and timestamps: a 4xx JSON answer, never a 500, never a call."""
    raw.calls.clear()
    headers = {"X-Puq-Reseller": "reseller-a", "X-Puq-Timestamp": timestamp, "X-Puq-Signature": signature}
    response = rig.app.test_client().post("/hooks/suspend_account", data=body.encode(), headers=headers)
    _judge(response, "hook envelope")
    assert response.status_code in (400, 401) and response.is_json
    assert raw.calls == []


MARKUP = "<x-evil onload=alert('1')>"  # no double quote: Hestia does not escape JSON values (§5.2)
MARKUP_PATH = f'public_html/{MARKUP}'


def _plant_markup(rig: Rig) -> None:
    """Another tool stored markup in Hestia: a folder and an FTP user name (HESTIA_API.md §4 has no check)."""
    backend = rig.backend
    with backend.lock:
        conf = backend.users["alice"].domains["alice.example"].conf
        conf["FTP_PATH"] = f"{MARKUP_PATH}:" + conf["FTP_PATH"].split(":", 1)[1]
        conf["FTP_USER"] = conf["FTP_USER"].replace("alice_media", "alice_m<b>x")


def test_markup_from_hestia_renders_inert_everywhere(rig: Rig) -> None:
    rig.reset()
    _plant_markup(rig)
    browser = rig.customer()
    pages = ["/ftp", "/ftp/alice.example", "/ftp/alice.example/alice_deploy/edit",
             "/ftp/alice.example/alice_deploy/delete", "/ftp/add", "/ftp/alice.example/add",
             f"/ftp/alice.example/{quote('alice_m<b>x', safe='')}/edit",
             f"/ftp/alice.example/{quote('alice_m<b>x', safe='')}/delete"]
    for url in pages:
        for fragment in ("0", "1"):
            response = browser.get(url, headers={"X-Fragment": fragment})
            text = response.get_data(as_text=True)
            assert response.status_code == 200, url
            assert "<x-evil" not in text and "<b>x" not in text, url
    shown = browser.get("/ftp/alice.example").get_data(as_text=True)
    assert "&lt;x-evil" in shown and "alice_m&lt;b&gt;x" in shown  # shown, as text


# A value for every URL parameter of the panel: alice's own objects, so the pages render rather than 404.
_URL_VALUES = {"domain": "alice.example", "username": "alice_deploy", "token": "not-a-token", "filename": "app.css",
               "invitation_id": "1"}


def _every_get_url(rig: Rig) -> set[str]:
    """One URL per GET route of the app (new routes are covered without touching this test)."""
    urls = {"/no-such-page", "/ftp/bob.example"}
    for rule in rig.app.url_map.iter_rules():
        if "GET" in (rule.methods or set()):
            urls.add(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: _URL_VALUES[m.group(1)], rule.rule))
    return urls


def test_every_html_route_carries_the_security_headers(rig: Rig) -> None:
    rig.reset()
    browser = rig.customer()
    anonymous = rig.app.test_client()
    html_pages = 0
    for client in (browser, anonymous):
        for url in sorted(_every_get_url(rig)):
            response = client.get(url)
            if response.mimetype != "text/html":
                continue
            html_pages += 1
            policy = response.headers["Content-Security-Policy"]
            assert policy == CONTENT_SECURITY_POLICY, url
            for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                              "frame-ancestors 'none'"):
                assert directive in policy
            assert "unsafe-inline" not in policy
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            assert response.headers["Referrer-Policy"], url
            assert "<script>" not in response.get_data(as_text=True), url  # no inline script
    assert html_pages >= 15


def test_the_judge_of_what_reaches_hestia_flags_each_rule() -> None:
    """The independent reading of SECURITY.md 1-4 used above does refuse what it must."""
    good = {"cmd": "v-add-web-domain-ftp", "args": ["alice", "alice.example", "web1", "Good-pass-2026", "public_html"]}
    assert unsafe_calls([good]) == []
    for index, bad in ((4, "../alice.example2"), (4, "public_html/.x"), (3, "Pass:word-2026"), (3, "/tmp/pw-file1"),
                       (2, "web_"), (2, "Web1"), (2, "a" * 25), (1, "alice.example\n")):
        args = list(good["args"])
        args[index] = bad
        assert unsafe_calls([{"cmd": good["cmd"], "args": args}]), bad
