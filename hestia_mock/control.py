"""The `/_mock/*` control endpoints (DESIGN.md §5): reset, seed, state, calls, faults."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from hestia_mock.faults import FaultError
from hestia_mock.seeds import SeedError
from hestia_mock.server import mock_context

control = Blueprint("hestia_mock_control", __name__, url_prefix="/_mock")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _error(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message}), status


@control.post("/reset")
def reset() -> Response | tuple[Response, int]:
    """Back to the startup seed (or `{"seed": ...}`), with no calls and no faults."""
    ctx = mock_context()
    seed = _body().get("seed", ctx.seed)
    ctx.faults.clear()  # first, so that a stalled request wakes up
    try:
        ctx.backend.load_seed(seed) if seed else ctx.backend.reset()
    except SeedError as exc:
        return _error(str(exc))
    ctx.calls.clear()
    return jsonify({"ok": True, "seed": seed if isinstance(seed, str) else "custom"})


@control.post("/seed")
def seed() -> Response | tuple[Response, int]:
    """Replace the state with `{"seed": "demo"}` or with a full seed object."""
    body = _body()
    chosen = body["seed"] if set(body) == {"seed"} else body
    if not chosen:
        return _error('expected {"seed": "<name>"} or a seed object')
    try:
        mock_context().backend.load_seed(chosen)
    except (SeedError, KeyError, TypeError) as exc:
        return _error(f"seed not applied: {exc}")
    return jsonify({"ok": True})


@control.get("/state")
def state() -> Response:
    """Everything the mock holds (secrets masked)."""
    return jsonify(mock_context().backend.snapshot())


@control.get("/calls")
def calls() -> Response:
    """Every API call so far: cmd, masked args, exit code, HTTP status, duration, time, fault."""
    return jsonify(mock_context().calls.entries())


@control.delete("/calls")
def clear_calls() -> Response:
    """Forget the calls log."""
    mock_context().calls.clear()
    return jsonify({"ok": True})


@control.get("/faults")
def list_faults() -> Response:
    """The active faults."""
    return jsonify(mock_context().faults.active())


@control.post("/faults")
def add_fault() -> Response | tuple[Response, int]:
    """Add one fault (or `{"faults": [...]}`); see hestia_mock/README.md for the kinds."""
    body = _body()
    specs = body.get("faults", [body])
    try:
        for spec in specs:
            mock_context().faults.add(spec)
    except (FaultError, TypeError, ValueError) as exc:
        return _error(str(exc))
    return jsonify(mock_context().faults.active()), 201


@control.delete("/faults")
def clear_faults() -> Response:
    """Remove every fault and wake stalled requests."""
    mock_context().faults.clear()
    return jsonify({"ok": True})


@control.get("/auth-log")
def auth_log() -> Response:
    """The lines of Hestia's auth.log so far (`... successfully launched`, `... failed to login`)."""
    backend = mock_context().backend
    with backend.lock:
        return jsonify(list(backend.auth_log))
