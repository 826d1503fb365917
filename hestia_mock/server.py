"""The HTTP face of the mock: Hestia's `POST /api/` plus the `/_mock/*` control endpoints."""

from __future__ import annotations

import json
import socket
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request

from hestia_mock.api import HTML_TYPE, HestiaApi, http_status, masked_args, parse_call
from hestia_mock.faults import BEFORE_KINDS, DELAY_KINDS, CallLog, CallRecord, Fault, FaultRegistry, now_iso
from hestia_mock.models import Backend

# Set by the in-process bridge: a drop is reported with DROP_HEADER instead of closing a socket.
BRIDGE_ENVIRON = "hestia_mock.bridge"
DROP_HEADER = "X-Hestia-Mock-Drop"
_NGINX_PAGE = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_REASONS = {
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


@dataclass
class MockContext:
    """Everything one mock app serves: the backend, the API logic, faults, the calls log, the reset seed."""

    backend: Backend
    seed: str | Path | dict[str, Any] | None = None
    faults: FaultRegistry = field(default_factory=FaultRegistry)
    calls: CallLog = field(default_factory=CallLog)

    def __post_init__(self) -> None:
        self.api = HestiaApi(self.backend)


def create_app(backend: Backend, seed: str | Path | dict[str, Any] | None = None) -> Flask:
    """A Flask app serving `backend`; `seed` is what POST /_mock/reset restores (default: `demo`)."""
    from hestia_mock.control import control
    from hestia_mock.pages import pages

    app = Flask("hestia_mock")
    app.extensions["hestia_mock"] = MockContext(backend, seed if seed is not None else "demo")
    app.add_url_rule("/api/", "api", api_view, methods=["GET", "POST", "PUT", "DELETE"])
    app.add_url_rule("/api/index.php", "api_index", api_view, methods=["GET", "POST", "PUT", "DELETE"])
    app.register_blueprint(control)
    app.register_blueprint(pages)  # /, /fm/, /edit/web/: what the real HestiaCP shows there (the demo's links)
    return app


def mock_context() -> MockContext:
    """The MockContext of the current app."""
    ctx: MockContext = current_app.extensions["hestia_mock"]
    return ctx


def api_view() -> Response:
    """`web/api/index.php`, with the injected faults of this command applied around it."""
    ctx = mock_context()
    started = g.mock_started = time.perf_counter()
    data = _request_data()
    cmd, args = parse_call(data)
    faults = ctx.faults.take(cmd)
    for fault in faults:
        if fault.kind in DELAY_KINDS:
            ctx.faults.pause(fault, cmd, _web_domains(ctx.backend, args) if fault.per_domain_ms else 0)
    ending = next((f for f in faults if f.kind not in DELAY_KINDS), None)
    record = CallRecord(
        cmd,
        masked_args(cmd, args),
        None,
        None,
        0.0,
        now_iso(),
        fault=",".join(f.kind for f in faults) or None,
    )
    if ending is not None and ending.kind in BEFORE_KINDS:
        response = _fault_response(ending, record)
    else:
        reply = ctx.api.handle(data, request.remote_addr or "")
        record.exit_code, record.http_status, record.auth = reply.exit_code, reply.status, reply.auth
        response = Response(reply.body, status=reply.status, headers=reply.headers)
        if ending is not None:  # drop_after / read_timeout: the command ran, the answer is lost
            if ending.kind == "read_timeout" and not request.environ.get(BRIDGE_ENVIRON):
                ctx.faults.wait(ending.seconds)  # hold the socket open until the client gives up
            response = _drop(ending.kind, record)
    if DROP_HEADER not in response.headers:  # a dropped call was logged before its socket closed
        _log_call(record, started)
    return response


def _web_domains(backend: Backend, args: list[str]) -> int:
    """How many web domains the call's user (arg1) has: what a per-domain latency is charged for."""
    with backend.lock:
        user = backend.users.get(args[0]) if args else None
        return len(user.domains) if user is not None else 0


def _log_call(record: CallRecord, started: float) -> None:
    """Append the call to the log with its duration."""
    record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    mock_context().calls.record(record)


def _request_data() -> dict[str, Any] | None:
    """`$_POST` when it holds access_key, user or hash, else the JSON body; None when neither works (§2)."""
    raw = request.get_data(cache=True)
    if request.method == "POST" and any(k in request.form for k in ("access_key", "user", "hash")):
        return request.form.to_dict()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        return None
    # PHP compares json_decode()'s result loosely with null, so `{}` and `[]` count as no data
    return parsed if isinstance(parsed, dict) and parsed else None


def _fault_response(fault: Fault, record: CallRecord) -> Response:
    """The answer of a fault that stops the call before the command runs."""
    if fault.kind == "http_status":
        record.http_status = fault.status
        reason = _REASONS.get(fault.status, f"{fault.status} Error")
        body = _NGINX_PAGE.format(reason) if fault.body == "html" else fault.body
        return Response(body, status=fault.status, headers={"Content-Type": HTML_TYPE})
    if fault.kind == "exit_code":
        record.exit_code, record.http_status = fault.code, http_status(fault.code)
        headers = {"Hestia-Exit-Code": str(fault.code), "Content-Type": HTML_TYPE}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        message = fault.message or f"Error: injected fault (exit code {fault.code})"
        return Response(message, status=record.http_status, headers=headers)
    return _drop(fault.kind, record)


def _drop(kind: str, record: CallRecord) -> Response:
    """Lose the answer: shut the real socket down, or tell the bridge which exception to raise."""
    record.http_status = None
    # Log first: the client sees the drop at once and may read /_mock/calls before this thread goes on.
    _log_call(record, g.mock_started)
    sock = request.environ.get("werkzeug.socket")
    if sock is not None and not request.environ.get(BRIDGE_ENVIRON):
        # Werkzeug then fails to write the reply and treats it as a dropped connection (no log noise).
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return Response(b"", status=502, headers={DROP_HEADER: kind})
