"""`MockHestia`: the API on a real threaded server plus the FTP server, for integration and browser tests.

with MockHestia(seed="demo") as hestia:
    requests.post(hestia.url + "/api/", data={...})
    ftplib.FTP().connect("127.0.0.1", hestia.ftp_port)
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from hestia_mock.ftpd import FtpServerHandle, start_ftp_server
from hestia_mock.models import Backend
from hestia_mock.server import MockContext, create_app


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without the per-request access log line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing."""


class MockHestia:
    """A fresh mock (temporary root, seed) served on 127.0.0.1 with ports chosen by the system."""

    def __init__(
        self,
        seed: str | Path | dict[str, Any] = "demo",
        *,
        ftp: bool = True,
        ftp_tls: bool = True,
        root: Path | None = None,
    ) -> None:
        self.backend = Backend(root)  # no root: a fresh temporary folder, deleted by close()
        self.backend.load_seed(seed)
        self.app = create_app(self.backend, seed)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=QuietRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="hestia-mock-api",
            daemon=True,
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._ftp: FtpServerHandle | None = start_ftp_server(self.backend, tls=ftp_tls) if ftp else None
        self.ftp_port = self._ftp.port if self._ftp else 0
        self._closed = False

    @property
    def context(self) -> MockContext:
        """The app's faults, calls log and API logic."""
        ctx: MockContext = self.app.extensions["hestia_mock"]
        return ctx

    def reset(self, seed: str | Path | dict[str, Any] = "demo") -> None:
        """Back to a seed, with no calls and no faults."""
        self.context.faults.clear()
        self.backend.load_seed(seed)
        self.context.calls.clear()

    def calls(self) -> list[dict[str, Any]]:
        """The API calls log (GET /_mock/calls)."""
        return self.context.calls.entries()

    def auth_log(self) -> list[str]:
        """The lines of Hestia's auth.log so far (GET /_mock/auth-log)."""
        with self.backend.lock:
            return list(self.backend.auth_log)

    def fault(self, **spec: Any) -> None:
        """Inject a fault, e.g. `fault(kind="drop_after", cmd="v-add-web-domain-ftp", times=1)`."""
        self.context.faults.add(spec)

    def clear_faults(self) -> None:
        """Remove every fault (stalled requests wake up)."""
        self.context.faults.clear()

    def api(self, cmd: str, *args: str, **extra: str) -> requests.Response:
        """POST a command with the demo bridge key (a convenience for tests)."""
        data = {"hash": "PUQDEMOACCESSKEY0001:puqdemosecret000000000000000000000000001", "cmd": cmd}
        data |= {f"arg{i}": a for i, a in enumerate(args, start=1)} | extra
        return requests.post(f"{self.url}/api/", data=data, timeout=10)

    def close(self) -> None:
        """Stop both servers and delete the temporary root."""
        if self._closed:
            return
        self._closed = True
        self.context.faults.clear()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._ftp is not None:
            self._ftp.stop()
        self.backend.close()

    def __enter__(self) -> MockHestia:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
