"""Helpers for the client tests: constants, recorded outputs and exact-match `responses` answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import responses
from responses import matchers

URL = "https://hestia.test:8083"
API_URL = f"{URL}/api/"
ACCESS_KEY = "PUQTESTACCESSKEY0001"
SECRET_KEY = "TopSecretKey-0000000000000000000000000X1"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "Legacy-Admin-Pass-77"
DATA = Path(__file__).resolve().parent.parent / "data"


def data_text(name: str) -> str:
    """Return a recorded Hestia output from tests/data."""
    return (DATA / name).read_text(encoding="utf-8")


def form(cmd: str, *args: str, legacy: bool = False, returncode: bool = False) -> dict[str, str]:
    """The exact form fields the client must POST for ``cmd`` with ``args``."""
    fields = {"cmd": cmd} | {f"arg{i}": value for i, value in enumerate(args, start=1)}
    if legacy:
        fields |= {"user": ADMIN_USER, "password": ADMIN_PASSWORD}
        if returncode:
            fields["returncode"] = "yes"
    else:
        fields |= {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
    return fields


def expect(
    api: responses.RequestsMock,
    cmd: str,
    *args: str,
    exit_code: int | None = 0,
    status: int | None = None,
    body: str | Exception = "",
    headers: dict[str, str] | None = None,
    legacy: bool = False,
    returncode: bool = False,
) -> None:
    """Register one answer to exactly this command and these arguments (Hestia's access-key defaults)."""
    reply_headers = dict(headers or {})
    if exit_code is not None:
        reply_headers["Hestia-Exit-Code"] = str(exit_code)
    if status is None:
        status = 204 if exit_code == 0 and body == "" else 200
    kwargs: dict[str, Any] = {"body": body}
    if not isinstance(body, Exception):
        kwargs |= {"status": status, "headers": reply_headers}
    api.add(
        responses.POST,
        API_URL,
        match=[
            matchers.urlencoded_params_matcher(
                form(cmd, *args, legacy=legacy, returncode=returncode), allow_blank=True
            )
        ],
        **kwargs,
    )
