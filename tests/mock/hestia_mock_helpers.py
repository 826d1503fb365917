"""Shared constants and helpers of the mock's tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.test import TestResponse

ACCESS_KEY = "PUQDEMOACCESSKEY0001"
SECRET_KEY = "puqdemosecret000000000000000000000000001"
DEMO_HASH = f"{ACCESS_KEY}:{SECRET_KEY}"
ADMIN_PASSWORD = "Admin-demo-2026"

Call = Callable[..., TestResponse]


def form(cmd: str, *args: str, **extra: Any) -> dict[str, Any]:
    """A request body: cmd, arg1..argN and any extra fields."""
    return {"cmd": cmd, **{f"arg{i}": a for i, a in enumerate(args, start=1)}, **extra}


def assert_reply(response: TestResponse, status: int, code: str | None, body: str) -> None:
    """Exact status, Hestia-Exit-Code header (None: absent) and body."""
    assert response.status_code == status
    assert response.headers.get("Hestia-Exit-Code") == code
    assert response.get_data(as_text=True) == body
