"""Invitations, mail and access that ends against the real mock (API + FTP server) and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from invite_support import ACCESS_KEY, PANEL_SECRET, SECRET_KEY, Clock, SmtpSink, World, panel_toml

from hestia_mock.testing import MockHestia
from panel import create_app
from puq_hestia.ftp import FtpService
from puq_hestia.ftp.expiry import AccessEnds
from puq_hestia.ftp.invitations import FtpEndpoint, Invitations
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.transport import Transport
from puq_hestia.intents import IntentLog
from puq_hestia.mail import Mailer, MailSettings
from puq_hestia.settings import Settings
from puq_hestia.store import Store


@pytest.fixture(scope="session")
def hestia_server() -> Iterator[MockHestia]:
    """One real mock for the session (API on a free port, FTP with explicit FTPS)."""
    with MockHestia(seed="demo") as mock:
        yield mock


@pytest.fixture
def world(hestia_server: MockHestia, tmp_path: Path) -> Iterator[World]:
    """A fresh demo seed, an SMTP sink, a store on an injected clock, and the services wired as the panel does."""
    hestia_server.reset("demo")
    smtp = SmtpSink().start()
    clock = Clock()
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}", clock=clock)
    config = ServerConfig(hestia_server.url, access_key=ACCESS_KEY, secret_key=SECRET_KEY, max_attempts=1)
    client = HestiaClient(config, transport=Transport(config, journal=IntentLog(store, "main")))
    service = FtpService(client, store=store, server_id="main")
    mailer = Mailer(MailSettings(host="127.0.0.1", port=smtp.port, security="none", from_address="panel@host.test",
                                 reply_to="help@host.test", brand="Example Hosting", timeout=5), store)
    invitations = Invitations(service, mailer, secret_key=PANEL_SECRET, public_url="http://panel.test",
                              endpoint=FtpEndpoint("127.0.0.1", hestia_server.ftp_port, True))
    try:
        yield World(hestia_server, smtp, clock, store, client, service, mailer, invitations, AccessEnds(service))
    finally:
        smtp.stop()
        client.close()
        store.close()


@pytest.fixture
def client(world: World, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The panel's test client on the same store and mock as WORLD, signed in as alice."""
    settings = Settings.load(panel_toml(world, tmp_path))
    app = create_app({"PUQ_SETTINGS": settings, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    test_client = app.test_client()
    sid = app.extensions["puq"].sessions.open("main", "alice")  # a real session record (issue 13)
    with test_client.session_transaction() as session:
        import time

        session.update({"sid": sid, "server": "main", "user": "alice", "login_at": int(time.time()),
                        "_permanent": True})
    return test_client
