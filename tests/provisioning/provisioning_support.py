"""Shared helpers and fixtures of the provisioning tests: the mock Hestia, the panel, a live bridge, signing."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from hestia_mock import bridge
from hestia_mock.models import Backend
from hestia_mock.testing import MockHestia, QuietRequestHandler
from panel import create_app
from panel import hooks as panel_hooks
from panel import sso as panel_sso
from panel.extensions import EXTENSION_KEY, csrf
from puq_hestia.billing.provisioning import ProvisioningContext
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.transport import Transport
from puq_hestia.settings import Settings
from puq_hestia.store import Store

DEMO_HASH = "PUQDEMOACCESSKEY0001:puqdemosecret000000000000000000000000001"
URL = bridge.DEFAULT_URL
READ_ONLY_PREFIXES = ("v-list-", "v-check-")


@dataclass
class Mock:
    """The in-process mock: its backend (state) and app (faults, calls log)."""

    backend: Backend
    app: Flask

    def calls(self) -> list[dict[str, Any]]:
        """Every API call the mock answered (GET /_mock/calls)."""
        calls: list[dict[str, Any]] = self.app.test_client().get("/_mock/calls").get_json()
        return calls

    def commands(self) -> list[str]:
        """The command names of every call, in order."""
        return [c["cmd"] for c in self.calls()]

    def mutations(self) -> list[str]:
        """The commands that could have changed something."""
        return [cmd for cmd in self.commands() if not cmd.startswith(READ_ONLY_PREFIXES)]

    def fault(self, **spec: Any) -> None:
        """Inject a fault (POST /_mock/faults)."""
        response = self.app.test_client().post("/_mock/faults", json=spec)
        assert response.status_code == 201, response.get_data(as_text=True)

    def user(self, name: str) -> Any:
        """The mock's user record, or None."""
        return self.backend.users.get(name)


# The mock keeps a real directory tree; seeding it on tmpfs is many times quicker than on a slow disk.
FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@pytest.fixture
def mock() -> Iterator[Mock]:
    """A fresh demo-seeded mock reached through `requests` without sockets."""
    root = Path(tempfile.mkdtemp(prefix="hestia-mock-", dir=FAST_TMP))
    backend = Backend(root)
    try:
        backend.load_seed("demo")
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            app = bridge.install(rsps, backend)
            yield Mock(backend, app)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def quick_client(config: ServerConfig) -> HestiaClient:
    """A client whose retries never sleep (SECURITY.md 20: tests inject the sleep)."""
    return HestiaClient(config, transport=Transport(config, sleep=lambda _s: None, random=lambda: 0.0))


@pytest.fixture
def client(mock: Mock) -> HestiaClient:
    """A client for the mock with the demo admin key."""
    return quick_client(ServerConfig(URL, hash=DEMO_HASH))


@pytest.fixture
def store() -> Iterator[Store]:
    """An in-memory store."""
    with Store("sqlite://") as s:
        yield s


@pytest.fixture
def ctx(client: HestiaClient, store: Store) -> ProvisioningContext:
    """An operator context on the configured server "main" (no reseller restriction)."""
    return ProvisioningContext(client=client, server_id="main", store=store)


def whmcs_params(**overrides: Any) -> dict[str, Any]:
    """WHMCS-shaped params for a new account "dave" with the web domain dave.example."""
    params: dict[str, Any] = {
        "serverhostname": "hestia.test",
        "serverport": "8083",
        "serversecure": "on",
        "serveraccesshash": DEMO_HASH,
        "serviceid": 42,
        "username": "dave",
        "password": "Dave-pass-2026",
        "domain": "dave.example",
        "clientsdetails": {"email": "dave@example.com", "firstname": "Dave", "lastname": "Example"},
        "configoption1": "default",
        "configoption2": "on",
    }
    params.update(overrides)
    return params


# -- the panel with the hooks and sso blueprints ---------------------------------------------------------------

PANEL_SECRET = "test-panel-secret-key-0123456789abcdef"
PUBLIC_URL = "http://panel.test"
RESELLER_SECRETS = {"reseller-a": ["demo-reseller-a-secret", "old-reseller-a-secret"],
                    "reseller-b": ["demo-reseller-b-secret"]}


def panel_settings(api_url: str = URL, *, database_url: str = "sqlite://", public_url: str = PUBLIC_URL,
                   ftp_port: int = 21) -> Settings:
    """Demo-like settings: one server "main" (no retry waits), two resellers, a fixed panel secret."""
    return Settings.from_mapping({
        "panel": {"demo": True, "secret_key": PANEL_SECRET, "database_url": database_url, "public_url": public_url},
        "servers": {"main": {"url": api_url, "hash": DEMO_HASH, "max_attempts": 1, "ftp_host": "127.0.0.1",
                             "ftp_port": ftp_port}},
        "resellers": {rid: {"secrets": secrets, "server": "main"} for rid, secrets in RESELLER_SECRETS.items()},
    })


def build_panel(settings: Settings) -> Flask:
    """panel.create_app plus this issue's blueprints, registered here until create_app registers them."""
    app = create_app({"PUQ_SETTINGS": settings, "TESTING": True, "RATELIMIT_ENABLED": False})
    if "hooks" not in app.blueprints:
        app.register_blueprint(panel_hooks.bp)
        csrf.exempt(panel_hooks.bp)
    if "sso" not in app.blueprints:
        app.register_blueprint(panel_sso.bp)
    return app


@pytest.fixture
def panel_app(mock: Mock) -> Flask:
    """The panel on the in-process mock."""
    return build_panel(panel_settings())


def panel_store(app: Flask) -> Store:
    """The store the panel app uses."""
    store: Store = services_of(app).store
    return store


def services_of(app: Flask) -> Any:
    """The app's PanelServices."""
    return app.extensions[EXTENSION_KEY]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Puq-Signature value a billing system sends (computed here independently of panel.hooks)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def hook_headers(body: bytes, reseller: str = "reseller-a", *, secret: str | None = None,
                 timestamp: int | None = None, key: str | None = None) -> dict[str, str]:
    """Signed headers for BODY (now, the reseller's first secret), with an optional Idempotency-Key."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    secret = secret if secret is not None else RESELLER_SECRETS.get(reseller, ["unknown"])[0]
    headers = {"Content-Type": "application/json", "X-Puq-Reseller": reseller, "X-Puq-Timestamp": ts,
               "X-Puq-Signature": sign(secret, ts, body)}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


# A fixed bridge clock far from today's (2030-03-17): a timestamp signed against it never equals one signed now.
PINNED_NOW = 1_900_000_000


def pin_hooks_clock(client: FlaskClient) -> int:
    """Set the hooks' injected clock of CLIENT's app to PINNED_NOW and return it."""
    client.application.config["PUQ_HOOKS_CLOCK"] = lambda: PINNED_NOW
    return PINNED_NOW


def post_hook(client: FlaskClient, action: str, params: Any, reseller: str = "reseller-a", **options: Any) -> Any:
    """POST a signed hook and return the test response (the action named in the signed body, SECURITY.md 30)."""
    if isinstance(params, dict) and "action" not in params:
        params = {"action": action, **params}
    body = json.dumps(params).encode()
    return client.post(f"/hooks/{action}", data=body, headers=hook_headers(body, reseller, **options))


# -- a real bridge over HTTP, on a real mock Hestia (PHP harness, end-to-end) ---------------------------------


@dataclass
class LiveBridge:
    """The panel served by Werkzeug in a thread, talking to a MockHestia over real sockets."""

    url: str
    hestia: MockHestia
    app: Flask


@pytest.fixture
def live_bridge(tmp_path: Path) -> Iterator[LiveBridge]:
    """Start MockHestia (API + FTP) and the panel; stop both afterwards."""
    with MockHestia(seed="demo", ftp_tls=False) as hestia:
        # The panel's public URL needs the port, so bind first and hand the app to the server afterwards.
        server = make_server("127.0.0.1", 0, Flask("placeholder"), threaded=True,
                             request_handler=QuietRequestHandler)
        url = f"http://127.0.0.1:{server.port}"
        settings = panel_settings(hestia.url, database_url=f"sqlite:///{tmp_path / 'bridge.sqlite3'}",
                                  public_url=url, ftp_port=hestia.ftp_port)
        app = build_panel(settings)
        server.app = app
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield LiveBridge(url, hestia, app)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
