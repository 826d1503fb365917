"""FtpService against the in-process mock Hestia (hestia_mock.bridge + responses): no sockets, real rules."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import responses
from flask import Flask

from hestia_mock import bridge
from hestia_mock.models import Backend
from puq_hestia.client import HestiaClient
from puq_hestia.config import ServerConfig
from puq_hestia.ftp import FtpService
from puq_hestia.store import Store
from puq_hestia.transport import Transport

URL = "https://hestia.test:8083"
ACCESS_KEY = "PUQDEMOACCESSKEY0001"
SECRET_KEY = "puqdemosecret000000000000000000000000001"
MUTATING = {"v-add-web-domain-ftp", "v-change-web-domain-ftp-password", "v-change-web-domain-ftp-path",
            "v-delete-web-domain-ftp"}


@dataclass
class Harness:
    """The mock, a client with recorded sleeps, a store and the service under test."""

    backend: Backend
    app: Flask
    client: HestiaClient
    store: Store
    service: FtpService
    sleeps: list[float] = field(default_factory=list)

    def calls(self) -> list[dict[str, Any]]:
        """The mock's log of API calls."""
        reply = self.app.test_client().get("/_mock/calls")
        assert reply.status_code == 200
        calls: list[dict[str, Any]] = reply.get_json()
        return calls

    def commands(self) -> list[str]:
        """The commands the mock received, in order."""
        return [c["cmd"] for c in self.calls()]

    def mutations(self) -> list[str]:
        """The mutating FTP commands the mock received."""
        return [c for c in self.commands() if c in MUTATING]

    def clear_calls(self) -> None:
        """Forget the calls made so far."""
        assert self.app.test_client().delete("/_mock/calls").status_code in (200, 204)

    def fault(self, **spec: Any) -> None:
        """Inject a fault into the mock."""
        assert self.app.test_client().post("/_mock/faults", json=spec).status_code in (200, 201)

    def ftp_accounts(self, user: str, domain: str) -> dict[str, str]:
        """FTP user -> normalised folder, straight from the mock's state."""
        return {a.username: a.path for a in self.client.web_domain(user, domain).ftp_accounts}


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
