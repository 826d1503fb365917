"""Panel test fixtures: the panel app wired to the in-process Hestia mock (demo seed) through `responses`.

No sockets: HestiaClient's requests go to hestia_mock.bridge, which answers from a real mock backend, so the
mock's call log shows exactly which Hestia commands each page or action cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import ACCESS_KEY, HESTIA_URL, PANEL_SECRET, SECRET_KEY, MockCalls, make_app, sign_in

from hestia_mock import bridge
from hestia_mock.models import Backend
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.settings import ServerSettings, Settings


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    """A fresh mock Hestia server with the demo seed (DESIGN.md §5a)."""
    mock = Backend(root=tmp_path / "hestia")
    mock.load_seed("demo")
    yield mock
    mock.close()


@pytest.fixture
def mock_app(backend: Backend) -> Iterator[Flask]:
    """The mock's Flask app, reached by `requests` through `responses` (no socket)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield bridge.install(rsps, backend, url=HESTIA_URL)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Panel settings for one server; one attempt per call so a failure is immediate (no retry sleeps)."""
    config = ServerConfig(HESTIA_URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY, max_attempts=1,
                          connect_timeout=1, read_timeout=2)
    server = ServerSettings("main", config, ftp_host="ftp.hestia.test", ftp_port=21, ftp_tls=True,
                            panel_url=HESTIA_URL)
    return Settings(secret_key=PANEL_SECRET, servers={"main": server}, default_server="main",
                    database_url=f"sqlite:///{tmp_path / 'panel.sqlite3'}")


@pytest.fixture
def app(settings: Settings, mock_app: Flask) -> Flask:
    """The panel under test, talking to the mock."""
    return make_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without a session."""
    return app.test_client()


@pytest.fixture
def calls(mock_app: Flask) -> MockCalls:
    """The mock's call log."""
    return MockCalls(mock_app)


@pytest.fixture
def alice(client: FlaskClient, calls: MockCalls) -> FlaskClient:
    """Alice's browser, with her listing already seen (as after her first page), and a clean call log."""
    sign_in(client, "alice")
    assert client.get("/ftp").status_code == 200
    calls.clear()
    return client
