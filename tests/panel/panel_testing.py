"""Helpers shared by the panel tests (a uniquely named module: `conftest` names clash across test folders)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from panel import create_app
from puq_hestia.settings import Settings

HESTIA_URL = "https://hestia.test:8083"
ACCESS_KEY = "PUQDEMOACCESSKEY0001"
SECRET_KEY = "puqdemosecret000000000000000000000000001"
PANEL_SECRET = "panel-test-secret-key-0123456789abcdef"
ALICE = ("alice", "Alice-demo-2026")
BOB = ("bob", "Bob-demo-2026")
# Read-only commands; anything else in the call log is a change at Hestia.
READ_ONLY = {"v-list-web-domains", "v-list-user", "v-list-fs-directory", "v-check-user-password",
             "v-list-web-domain", "v-list-users"}


def make_app(settings: Settings, **config: Any) -> Flask:
    """A panel app for tests: CSRF off unless asked for (a dedicated test turns it on)."""
    return create_app({"PUQ_SETTINGS": settings, "TESTING": True, "WTF_CSRF_ENABLED": False, **config})


class MockCalls:
    """The mock's call log, read through its documented control endpoint (GET/DELETE /_mock/calls)."""

    def __init__(self, mock_app: Flask) -> None:
        self._control = mock_app.test_client()

    def clear(self) -> None:
        """Forget earlier calls (for example those made while logging in)."""
        self._control.delete("/_mock/calls")

    def commands(self) -> list[str]:
        """The command names, oldest first."""
        return [call["cmd"] for call in self._control.get("/_mock/calls").get_json()]

    def changes(self) -> list[str]:
        """Only the commands that change something at Hestia."""
        return [cmd for cmd in self.commands() if cmd not in READ_ONLY]


def sign_in(client: FlaskClient, user: str = "alice", server: str = "main") -> None:
    """Give the test browser a session as if USER had logged in (no Hestia call; a real session record)."""
    sid = client.application.extensions["puq"].sessions.open(server, user)
    with client.session_transaction() as session:
        session.permanent = True
        session.update(sid=sid, server=server, user=user, login_at=int(time.time()))


def with_server(settings: Settings, **changes: Any) -> Settings:
    """Settings whose single server has some fields changed (FTP host, TLS...)."""
    server = replace(settings.servers["main"], **changes)
    return replace(settings, servers={"main": server})
