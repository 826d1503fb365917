"""Fixtures for the Hestia client tests: a config, a transport with recorded sleeps, and a `responses` API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from hestia_fakes import ACCESS_KEY, ADMIN_PASSWORD, ADMIN_USER, SECRET_KEY, URL

from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.transport import Transport


@pytest.fixture
def config() -> ServerConfig:
    """An access-key configuration with a small retry budget."""
    return ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY, connect_timeout=2, read_timeout=7)


@pytest.fixture
def legacy_config() -> ServerConfig:
    """The deprecated admin user/password login."""
    return ServerConfig(URL, user=ADMIN_USER, password=ADMIN_PASSWORD)


@pytest.fixture
def sleeps() -> list[float]:
    """Every sleep the transport asked for, in order."""
    return []


@pytest.fixture
def transport(config: ServerConfig, sleeps: list[float]) -> Transport:
    """A transport whose sleeps are recorded and whose jitter is always 0.5."""
    return Transport(config, sleep=sleeps.append, random=lambda: 0.5)


@pytest.fixture
def client(config: ServerConfig, transport: Transport) -> HestiaClient:
    """A client on the access-key transport."""
    return HestiaClient(config, transport=transport)


@pytest.fixture
def legacy_client(legacy_config: ServerConfig, sleeps: list[float]) -> HestiaClient:
    """A client on the legacy admin login."""
    transport = Transport(legacy_config, sleep=sleeps.append, random=lambda: 0.5)
    return HestiaClient(legacy_config, transport=transport)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """The fake Hestia endpoint; every registered answer must be used, and no other request is allowed."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
