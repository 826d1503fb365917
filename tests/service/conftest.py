"""FtpService against the in-process mock Hestia (hestia_mock.bridge + responses): no sockets, real rules."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from service_harness import ACCESS_KEY, SECRET_KEY, URL, Harness

from hestia_mock import bridge
from hestia_mock.models import Backend
from puq_hestia.ftp import FtpService
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.transport import Transport
from puq_hestia.store import Store


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    """A fresh demo mock, a client that never really sleeps, and a SQLite store."""
    backend = Backend(root=tmp_path / "hestia")
    backend.load_seed("demo")
    sleeps: list[float] = []
    config = ServerConfig(URL, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    client = HestiaClient(config, transport=Transport(config, sleep=sleeps.append, random=lambda: 0.5))
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    service = FtpService(client, store=store, server_id="main", rng=random.Random(1234))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        app = bridge.install(rsps, backend, url=URL)
        yield Harness(backend, app, client, store, service, sleeps)
    store.close()
    backend.close()
