"""The service-test harness: the in-process mock Hestia (hestia_mock.bridge + responses), a client, a store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from hestia_mock.models import Backend
from puq_hestia.ftp import FtpService
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.store import Store

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
