"""A real SMTP server (aiosmtpd) on loopback in the test process, and the FTP login the invitee uses."""

from __future__ import annotations

import email
import email.policy
import ftplib
import re
import socket
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


class SmtpSink:
    """aiosmtpd's Controller on 127.0.0.1: every message it accepts, parsed; start and stop at will."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._handler = _Collect()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        """Messages received so far."""
        return self._handler.messages

    def start(self) -> SmtpSink:
        """Listen (again) on the same port."""
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: a send now fails with a refused connection."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


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
