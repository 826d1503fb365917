"""The mock inside `responses`: unit tests reach the same backend through `requests`, without sockets.

    with responses.RequestsMock() as rsps:
        app = bridge.install(rsps, backend)          # POST https://hestia.test:8083/api/ -> the mock
        app.extensions["hestia_mock"].faults.add({"kind": "drop_after", "times": 1})

Transport faults become the exceptions `requests` itself raises: drop_before and refused →
ConnectionError (command not run); connect_timeout → ConnectTimeout (not run); drop_after →
ConnectionError('Connection aborted.', RemoteDisconnected) and read_timeout → ReadTimeout (both after
the command ran). `responses` is a test dependency, so it is imported lazily.
"""

from __future__ import annotations

from http.client import RemoteDisconnected
from typing import TYPE_CHECKING, Any

import requests
from flask import Flask
from urllib3.exceptions import NewConnectionError, ProtocolError

from hestia_mock.models import Backend
from hestia_mock.server import BRIDGE_ENVIRON, DROP_HEADER, create_app

if TYPE_CHECKING:
    import responses

DEFAULT_URL = "https://hestia.test:8083"


def install(
    rsps: responses.RequestsMock,
    app_or_backend: Flask | Backend,
    url: str = DEFAULT_URL,
    client_ip: str = "127.0.0.1",
) -> Flask:
    """Route POST {url}/api/ (and /api/index.php) to the mock app; return the app (its control endpoints)."""
    import responses as responses_lib

    app = app_or_backend if isinstance(app_or_backend, Flask) else create_app(app_or_backend)
    base = url.rstrip("/")

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        path = "/api/index.php" if (request.url or "").endswith("index.php") else "/api/"
        body = request.body.encode() if isinstance(request.body, str) else request.body
        response = app.test_client().open(
            path,
            method=request.method or "POST",
            data=body or b"",
            headers={"Content-Type": request.headers.get("Content-Type", "")},
            environ_overrides={"REMOTE_ADDR": client_ip, BRIDGE_ENVIRON: True},
        )
        dropped = response.headers.get(DROP_HEADER)
        if dropped:
            raise transport_error(dropped, request)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return response.status_code, headers, response.get_data()

    for path in ("/api/", "/api/index.php"):
        rsps.add_callback(responses_lib.POST, base + path, callback=answer)
    return app


def transport_error(kind: str, request: requests.PreparedRequest | None = None) -> requests.RequestException:
    """The exception `requests` raises for a lost connection of this kind."""
    host = "hestia.test"
    errors: dict[str, requests.RequestException] = {
        "drop_before": requests.ConnectionError(
            ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")),
            request=request,
        ),
        "drop_after": requests.ConnectionError(
            ProtocolError("Connection aborted.", RemoteDisconnected("Remote end closed connection without response")),
            request=request,
        ),
        "read_timeout": requests.ReadTimeout(f"HTTPSConnectionPool(host='{host}'): Read timed out.", request=request),
        "connect_timeout": requests.ConnectTimeout(
            f"HTTPSConnectionPool(host='{host}'): Max retries exceeded (connect timeout)", request=request
        ),
        "refused": requests.ConnectionError(_refused(), request=request),
    }
    return errors[kind]


def _refused() -> NewConnectionError:
    # urllib3 wants the connection object; the message is what callers and logs read.
    conn: Any = None
    return NewConnectionError(conn, "Failed to establish a new connection: [Errno 111] Connection refused")
