"""Fixtures for the mock's tests, and the way for other suites to use the mock.

- `backend` / `client`: a fresh demo Backend and its Flask test client (no sockets), per test.
- `call` / `legacy`: post one command with the demo bridge key / the legacy admin login.
- `hestia`: one real MockHestia (threaded API server + FTP/FTPS server) per module, reset before each use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from hestia_mock_helpers import ADMIN_PASSWORD, DEMO_HASH, Call, form
from werkzeug.test import TestResponse

from hestia_mock.models import Backend
from hestia_mock.server import create_app
from hestia_mock.testing import MockHestia


@pytest.fixture
def backend() -> Iterator[Backend]:
    """A fresh backend on the demo seed, in its own temporary root."""
    mock = Backend()
    mock.load_seed("demo")
    yield mock
    mock.close()


@pytest.fixture
def client(backend: Backend) -> FlaskClient:
    """The mock app's test client."""
    return create_app(backend).test_client()


@pytest.fixture
def call(client: FlaskClient) -> Call:
    """Post a command with the demo access key (hash="AK:SK")."""

    def post(cmd: str, *args: str, **extra: Any) -> TestResponse:
        return client.post("/api/", data=form(cmd, *args, hash=DEMO_HASH, **extra))

    return post


@pytest.fixture
def legacy(client: FlaskClient) -> Call:
    """Post a command with the deprecated admin user/password login."""

    def post(cmd: str, *args: str, **extra: Any) -> TestResponse:
        return client.post("/api/", data=form(cmd, *args, user="admin", password=ADMIN_PASSWORD, **extra))

    return post


@pytest.fixture(scope="module")
def hestia_server() -> Iterator[MockHestia]:
    """One real mock per module (API on a free port, FTP with explicit FTPS)."""
    with MockHestia(seed="demo") as mock:
        yield mock


@pytest.fixture
def hestia(hestia_server: MockHestia) -> MockHestia:
    """The module's real mock, back on the demo seed with no calls and no faults."""
    hestia_server.reset("demo")
    return hestia_server
