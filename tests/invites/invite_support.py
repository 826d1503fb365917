"""A real SMTP server (aiosmtpd) on loopback in the test process, and the FTP login the invitee uses."""

from __future__ import annotations

import ftplib
import re
from email.message import EmailMessage

from hestia_mock.mailsink import SmtpSink

__all__ = ["SmtpSink", "bodies", "ftp_login", "link_in"]


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
