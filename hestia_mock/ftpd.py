"""A real FTP/FTPS server (pyftpdlib) over the backend's live state (HESTIA_API.md §4, §4.5).

Logins are checked against the account's current hash on every attempt, so a changed password or folder
takes effect at the next login; a suspended Hestia user's accounts are locked; a deleted account is refused
at once, even inside an open session.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

# pyftpdlib still imports asyncore/asynchat, deprecated since Python 3.10; not our warning to fix.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import AuthenticationFailed
    from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
    from pyftpdlib.ioloop import IOLoop
    from pyftpdlib.servers import FTPServer

from hestia_mock.models import Backend
from hestia_mock.tls import write_self_signed

_PERMISSIONS = "elradfmwMT"


class HestiaAuthorizer:
    """pyftpdlib's authorizer interface, answered from the backend at each call."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def validate_authentication(self, username: str, password: str, handler: Any) -> None:
        """Refuse unknown, locked (suspended user) or wrong-password logins."""
        if self.backend.ftp_login(username, password) is None:
            raise AuthenticationFailed("Authentication failed.")

    def get_home_dir(self, username: str) -> str:
        """The account's folder at login time (its FTP root)."""
        home = self.backend.ftp_home(username)
        if home is None:
            raise AuthenticationFailed("Authentication failed.")
        return str(home)

    def has_user(self, username: str) -> bool:
        """Whether the account exists now."""
        return self.backend.ftp_account_active(username)

    def has_perm(self, username: str, perm: str, path: str | None = None) -> bool:
        """Full rights inside the folder while the account exists and is not locked."""
        return perm in _PERMISSIONS and self.backend.ftp_account_active(username)

    def get_perms(self, username: str) -> str:
        """All read and write permissions."""
        return _PERMISSIONS

    def get_msg_login(self, username: str) -> str:
        """The 230 text."""
        return "Login successful."

    def get_msg_quit(self, username: str) -> str:
        """The 221 text."""
        return "Goodbye."

    def impersonate_user(self, username: str, password: str) -> None:
        """No uid switch: the mock runs as one system user."""

    def terminate_impersonation(self, username: str) -> None:
        """No uid switch to undo."""


class FtpServerHandle:
    """A running FTP server thread: `.host`, `.port`, `.tls`, `.stop()`."""

    def __init__(self, server: FTPServer, cert_dir: Path | None, tls: bool) -> None:
        self._server = server
        self._cert_dir = cert_dir
        self._stopping = threading.Event()
        self.host, self.port = server.address[0], server.address[1]
        self.tls = tls
        self._thread = threading.Thread(target=self._serve, name=f"hestia-mock-ftp-{self.port}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # One non-blocking pass at a time, so stop() is noticed within the poll interval.
        while not self._stopping.is_set():
            self._server.ioloop.loop(timeout=0.05, blocking=False)

    def stop(self) -> None:
        """Stop serving, close every socket and remove the certificate."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._thread.join(timeout=5)
        self._server.close_all()
        if self._cert_dir is not None:
            shutil.rmtree(self._cert_dir, ignore_errors=True)


def start_ftp_server(backend: Backend, host: str = "127.0.0.1", port: int = 0, tls: bool = True) -> FtpServerHandle:
    """Serve the backend's FTP accounts on host:port (0: any free port); with `tls`, AUTH TLS is offered."""
    cert_dir: Path | None = None
    attributes: dict[str, Any] = {
        "authorizer": HestiaAuthorizer(backend),
        "banner": "hestia-mock FTP ready.",
        "auth_failed_timeout": 0,  # pyftpdlib waits 3 s after a failed login by default; tests must not
    }
    base: type[FTPHandler] = FTPHandler
    if tls:
        cert_dir = Path(tempfile.mkdtemp(prefix="hestia-mock-tls-"))
        cert, key = write_self_signed(cert_dir, host)
        # Explicit FTPS: plain FTP stays allowed, clients upgrade with AUTH TLS.
        attributes |= {"certfile": str(cert), "keyfile": str(key), "tls_control_required": False}
        base = TLS_FTPHandler
    handler = type("HestiaFtpHandler", (base,), attributes)
    # Its own event loop: pyftpdlib's default is one global IOLoop, so two mocks in one process (tests) would share
    # it, and stopping one (close_all) would close the other's sockets too.
    server = FTPServer((host, port), handler, ioloop=IOLoop.factory())
    return FtpServerHandle(server, cert_dir, tls)
