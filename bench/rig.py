"""The bench rig: the mock Hestia on a real socket and the panel against it, in this process.

The panel is driven through Flask's test client, so a page's time is the bridge's own work plus its real HTTP
call to the mock; the mock's call log says how many Hestia calls each page or action made.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient

from bench.seeding import ACCESS_KEY, SECRET_KEY
from hestia_mock.testing import MockHestia
from panel import create_app
from panel.hooks import sign
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.settings import ResellerSettings, ServerSettings, Settings

SERVER_ID = "main"
RESELLER = "reseller-a"
RESELLER_SECRET = "bench-reseller-secret"
PANEL_SECRET = "bench-panel-secret-0123456789abcdef0123456789"
_deliveries = itertools.count(1)


def panel_settings(api_url: str, database_url: str) -> Settings:
    """Panel settings for one server at API_URL and one reseller (demo mode: plain HTTP on loopback)."""
    config = ServerConfig(api_url, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    server = ServerSettings(SERVER_ID, config, ftp_host="ftp.bench.example", ftp_port=21, ftp_tls=True,
                            panel_url=api_url)
    reseller = ResellerSettings(RESELLER, (RESELLER_SECRET,), SERVER_ID)
    return Settings(secret_key=PANEL_SECRET, servers={SERVER_ID: server}, default_server=SERVER_ID,
                    resellers={RESELLER: reseller}, database_url=database_url, demo=True)


def list_form(user: str) -> dict[str, str]:
    """The exact request the panel sends for its list page: v-list-web-domains USER json."""
    return {"cmd": "v-list-web-domains", "arg1": user, "arg2": "json",
            "access_key": ACCESS_KEY, "secret_key": SECRET_KEY}


def hook_request(action: str, params: dict[str, Any], key: str | None = None) -> tuple[bytes, dict[str, str]]:
    """A signed hook delivery (body and headers) from RESELLER, as a billing system sends it."""
    # Each delivery is signed anew; a delivery number keeps two identical ones in one second distinct.
    body = json.dumps({"action": action, **params, "delivery": next(_deliveries)}).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Puq-Reseller": RESELLER, "X-Puq-Timestamp": timestamp,
               "X-Puq-Signature": "sha256=" + sign(RESELLER_SECRET, timestamp, body)}
    if key is not None:
        headers["Idempotency-Key"] = key
    return body, headers


class Rig:
    """A mock Hestia (seeded) and a panel app in this process; a context manager."""

    def __init__(self, seed: dict[str, Any]) -> None:
        self.mock = MockHestia(seed=seed, ftp=False)
        self._tmp = tempfile.TemporaryDirectory(prefix="puq-bench-")
        database = Path(self._tmp.name) / "panel.sqlite3"
        settings = panel_settings(self.mock.url, f"sqlite:///{database}")
        # CSRF off: the bench posts forms directly; everything else is the production code path.
        self.app: Flask = create_app({"PUQ_SETTINGS": settings, "WTF_CSRF_ENABLED": False})
        self._http = requests.Session()

    @property
    def store(self) -> Any:
        """The panel's store (to record which accounts the reseller owns)."""
        return self.app.extensions["puq"].store

    def customer(self, user: str) -> FlaskClient:
        """A browser signed in as USER (a session cookie, as after the login form)."""
        client = self.app.test_client()
        sid = self.app.extensions["puq"].sessions.open(SERVER_ID, user)
        with client.session_transaction() as session:
            session.permanent = True
            session.update(sid=sid, server=SERVER_ID, user=user, login_at=int(time.time()))
        return client

    def commands(self) -> list[str]:
        """The Hestia commands the mock answered since the last clear_calls()."""
        return [call["cmd"] for call in self.mock.calls()]

    def clear_calls(self) -> None:
        """Forget the calls made so far."""
        self.mock.context.calls.clear()

    def latency(self, ms: int) -> None:
        """Make every Hestia call take MS milliseconds more (the mock's `latency` fault); 0 removes it."""
        self.mock.clear_faults()
        if ms:
            self.mock.fault(kind="latency", ms=ms)

    def direct_list(self, user: str) -> None:
        """One v-list-web-domains call straight to the mock, as the panel makes it (the ratio's denominator)."""
        response = self._http.post(f"{self.mock.url}/api/", data=list_form(user), timeout=30)
        response.raise_for_status()
        json.loads(response.text, strict=False)

    def direct(self, cmd: str, *args: str) -> None:
        """One command straight to the mock with the bridge's key."""
        data = {"cmd": cmd, "access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
        data |= {f"arg{i}": value for i, value in enumerate(args, start=1)}
        self._http.post(f"{self.mock.url}/api/", data=data, timeout=30).raise_for_status()

    def hook(self, client: FlaskClient, action: str, params: dict[str, Any], key: str | None = None) -> int:
        """Deliver one signed hook through the panel; the HTTP status."""
        body, headers = hook_request(action, params, key)
        return client.post(f"/hooks/{action}", data=body, headers=headers).status_code

    def close(self) -> None:
        """Stop the mock and delete the temporary store."""
        self._http.close()
        self.app.extensions["puq"].store.close()
        self.mock.close()
        self._tmp.cleanup()

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
