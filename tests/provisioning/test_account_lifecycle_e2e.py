"""The whole life of an account over real HTTP: billing hooks, single sign-on, the panel and real FTP logins.

create (with domain) -> SSO link -> panel shows the domain -> add an FTP user -> FTP login works -> suspend ->
panel read-only and FTP login refused -> unsuspend -> works again -> terminate -> FTP login refused, SSO dead.
"""

from __future__ import annotations

import ftplib
import html
import json
import re
import time
from typing import Any

import pytest
import requests
from provisioning_support import LiveBridge, hook_headers

pytestmark = pytest.mark.ftp

ACCOUNT = {
    "serviceid": 7001, "username": "erin", "password": "Erin-pass-2026", "domain": "erin.example",
    "clientsdetails": {"email": "erin@example.com", "firstname": "Erin", "lastname": "Example"},
    "configoption1": "default", "configoption2": "on",
}


def hook(bridge: LiveBridge, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """POST a signed hook over HTTP (a nonce keeps two calls in one second apart, as the PHP module does)."""
    body = json.dumps({"action": action, "nonce": str(time.monotonic_ns()), **params}).encode()
    response = requests.post(f"{bridge.url}/hooks/{action}", data=body, headers=hook_headers(body), timeout=10)
    result: dict[str, Any] = response.json()
    assert response.status_code == 200, result
    return result


def ftp_login_works(bridge: LiveBridge, login: str, password: str) -> bool:
    """Log in to the mock's real FTP server; False when the login is refused."""
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", bridge.hestia.ftp_port, timeout=5)
    try:
        ftp.login(login, password)
    except ftplib.error_perm:
        return False
    finally:
        ftp.close()
    return True


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "no CSRF token on the page"
    return html.unescape(match.group(1))


def add_ftp_user(browser: requests.Session, bridge: LiveBridge, domain: str) -> tuple[str, str]:
    """Use the panel's simple Add form; return the generated login and password shown once."""
    form = browser.get(f"{bridge.url}/ftp/add", params={"domain": domain}, timeout=10)
    assert form.status_code == 200
    once = re.search(r'name="once" value="([^"]+)"', form.text)  # the form's one-time token (SECURITY.md 40)
    assert once, "no one-time token in the form"
    result = browser.post(f"{bridge.url}/ftp/add", timeout=10,
                          data={"csrf_token": csrf_token(form.text), "domain": domain, "once": once.group(1)})
    assert result.status_code == 201, result.text
    password = html.unescape(re.search(r'data-testid="new-password">([^<]+)<', result.text).group(1))  # type: ignore[union-attr]
    login = re.search(r"<strong>(erin_[a-z0-9]+)</strong>", result.text).group(1)  # type: ignore[union-attr]
    return login, password


def test_the_whole_life_of_an_account(live_bridge: LiveBridge) -> None:
    bridge = live_bridge
    assert hook(bridge, "create_account", ACCOUNT) == {"result": "success"}

    link = hook(bridge, "single_sign_on", {"username": "erin"})["redirectTo"]
    assert link.startswith(f"{bridge.url}/sso/")
    browser = requests.Session()
    landing = browser.get(link, timeout=10)
    assert landing.status_code == 200
    assert landing.url == f"{bridge.url}/ftp"  # a clean URL, no token left in it
    assert "erin.example" in landing.text

    login, password = add_ftp_user(browser, bridge, "erin.example")
    assert ftp_login_works(bridge, login, password)

    assert hook(bridge, "suspend_account", {"username": "erin"}) == {"result": "success"}
    # Suspending ends every panel session (SECURITY.md 34, issue 13); billing's link opens the read-only panel.
    ended = browser.get(f"{bridge.url}/ftp", timeout=10, allow_redirects=False)
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    page = browser.get(hook(bridge, "single_sign_on", {"username": "erin"})["redirectTo"], timeout=10)
    assert 'data-testid="suspended-banner"' in page.text
    assert not ftp_login_works(bridge, login, password)

    assert hook(bridge, "unsuspend_account", {"username": "erin"}) == {"result": "success"}
    assert 'data-testid="suspended-banner"' not in browser.get(f"{bridge.url}/ftp", timeout=10).text
    assert ftp_login_works(bridge, login, password)

    assert hook(bridge, "terminate_account", {"username": "erin"}) == {"result": "success"}
    assert not ftp_login_works(bridge, login, password)
    assert requests.get(link, timeout=10, allow_redirects=False).status_code == 410
    # The terminate ended the reseller's ownership (SECURITY.md 29): no new link for the name.
    body = json.dumps({"action": "single_sign_on", "nonce": str(time.monotonic_ns()), "username": "erin"}).encode()
    refused = requests.post(f"{bridge.url}/hooks/single_sign_on", data=body, headers=hook_headers(body), timeout=10)
    assert refused.status_code == 404 and refused.json()["result"] == "error"
