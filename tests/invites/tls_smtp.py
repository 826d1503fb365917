"""A real SMTP server with TLS for the mail tests: aiosmtpd on loopback with a throw-away self-signed certificate
(STARTTLS or implicit TLS, AUTH PLAIN/LOGIN through its authenticator), and a recording TCP relay that shows
what crossed the wire in clear."""

from __future__ import annotations

import email
import email.policy
import select
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from hestia_mock.mailsink import free_port
from hestia_mock.tls import write_self_signed

__all__ = ["ClearRelay", "TlsSmtp", "certificate"]


def certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A fresh self-signed certificate (for HOST, localhost) and its key in DIRECTORY."""
    directory.mkdir(parents=True, exist_ok=True)
    return write_self_signed(directory, host)


@dataclass
class _Handler:
    logins: list[tuple[str, str, bool]] = field(default_factory=list)  # (user, password, over TLS)
    messages: list[EmailMessage] = field(default_factory=list)
    user: str = ""
    password: str = ""

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        """aiosmtpd's authenticator: records every attempt and accepts only the configured login."""
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        encrypted = server.transport.get_extra_info("ssl_object") is not None  # STARTTLS or implicit TLS
        self.logins.append((login, password, encrypted))
        return AuthResult(success=(login, password) == (self.user, self.password), handled=False)  # aiosmtpd answers

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message."""
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


class TlsSmtp:
    """aiosmtpd on 127.0.0.1 in MODE "starttls", "tls" (implicit) or "plain" (offers no STARTTLS at all)."""

    def __init__(self, mode: str, cert: Path, key: Path, *, user: str = "", password: str = "",
                 exclude: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.handler = _Handler(user=user, password=password)
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(cert, key)
        options: dict[str, Any] = {"authenticator": self.handler.authenticate, "auth_exclude_mechanism": exclude}
        if mode == "starttls":
            options.update(tls_context=server_tls, require_starttls=True)
        elif mode == "tls":
            # The whole connection is TLS; aiosmtpd's auth_require_tls only knows STARTTLS, so it is off here.
            options.update(ssl_context=server_tls, auth_require_tls=False)
        else:  # a server (or a man in the middle) that strips STARTTLS and would take a login in clear
            options.update(auth_require_tls=False)
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    @property
    def messages(self) -> list[EmailMessage]:
        """Messages received so far."""
        return self.handler.messages

    @property
    def logins(self) -> list[tuple[str, str, bool]]:
        """Every AUTH attempt: user, password, whether the connection was encrypted."""
        return self.handler.logins

    def __enter__(self) -> TlsSmtp:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class ClearRelay:
    """A TCP relay on loopback in front of a server: keeps every byte the client sent, as it crossed the wire."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.sent = bytearray()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="clear-relay")

    def _serve(self) -> None:
        self._listener.settimeout(10)
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        with client, socket.create_connection(("127.0.0.1", self._target), timeout=10) as upstream:
            ends = {client: upstream, upstream: client}
            while True:
                ready, _, _ = select.select(list(ends), [], [], 10)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        self.sent += data
                    ends[sock].sendall(data)

    def __enter__(self) -> ClearRelay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        self._thread.join(timeout=5)
