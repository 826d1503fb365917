"""A real SMTP server (aiosmtpd) on loopback in the test process, and the FTP login the invitee uses."""

from __future__ import annotations

import ftplib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from hestia_mock.mailsink import SmtpSink
from hestia_mock.testing import MockHestia
from puq_hestia.ftp import FtpService
from puq_hestia.ftp.expiry import AccessEnds
from puq_hestia.ftp.invitations import Invitations
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.mail import Mailer
from puq_hestia.store import Store

__all__ = ["ACCESS_KEY", "PANEL_SECRET", "SECRET_KEY", "START", "Clock", "SmtpSink", "World", "bodies", "ftp_login",
           "link_in", "panel_toml"]

ACCESS_KEY = "PUQDEMOACCESSKEY0001"
SECRET_KEY = "puqdemosecret000000000000000000000000001"
PANEL_SECRET = "invites-panel-secret-0123456789abcdef"
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Clock:
    """The store's injected clock: tests move it, nothing sleeps."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)


@dataclass
class World:
    """Everything a test of this folder uses."""

    hestia: MockHestia
    smtp: SmtpSink
    clock: Clock
    store: Store
    client: HestiaClient
    service: FtpService
    mailer: Mailer
    invitations: Invitations
    ends: AccessEnds




def bodies(message: EmailMessage) -> tuple[str, str]:
    """The text and the HTML part of a message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def link_in(message: EmailMessage) -> str:
    """The invitation link of a mail (the text part)."""
    found = re.search(r"http://\S+/invite/\S+", bodies(message)[0])
    assert found is not None, bodies(message)[0]
    return found.group(0)


def ftp_login(port: int, login: str, password: str) -> None:
    """Log in over explicit FTPS to the mock's FTP server and leave (raises ftplib.error_perm when refused)."""
    client = ftplib.FTP_TLS(timeout=5)
    try:
        client.connect("127.0.0.1", port)
        client.auth()
        client.login(login, password)
        client.prot_p()
        client.pwd()
    finally:
        client.close()


def panel_toml(world: World, tmp_path: Path) -> Path:
    """A TOML for the panel and the CLI on the same store, mock and SMTP sink as WORLD."""
    path = tmp_path / "puq.toml"
    path.write_text(f"""
[panel]
demo = true
secret_key = "{PANEL_SECRET}"
database_url = "sqlite:///{tmp_path / 'store.sqlite3'}"
public_url = "http://panel.test"

[servers.main]
url = "{world.hestia.url}"
access_key = "{ACCESS_KEY}"
secret_key = "{SECRET_KEY}"
max_attempts = 1
ftp_host = "127.0.0.1"
ftp_port = {world.hestia.ftp_port}

[mail]
host = "127.0.0.1"
port = {world.smtp.port}
security = "none"
from_address = "panel@host.test"
""", encoding="utf-8")
    return path
