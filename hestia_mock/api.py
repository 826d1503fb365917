"""`web/api/index.php` without HTTP: request fields in, status/headers/body out (HESTIA_API.md §2)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hestia_mock.commands.registry import COMMANDS
from hestia_mock.models import Backend
from hestia_mock.state import E_API_DISABLED, E_DISABLED, E_FORBIDDEN, E_INVALID, E_PASSWORD, HestiaExit

INVALID_DATA = (
    "Error: data received is null or invalid, check https://hestiacp.com/docs/server-administration/rest-api.html"
)
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=UTF-8"  # PHP's default content type
_CMD_RE = re.compile(r"[a-zA-Z0-9_-]+")
_HTTP_BY_EXIT = {0: 200, 1: 400, 2: 422, 5: 401, 6: 401, 9: 401, 10: 401, 11: 400, 21: 401}


def http_status(exit_code: int) -> int:
    """`exit_code_to_http_code` (§2.3): codes of 100 and above are used as the status itself."""
    return exit_code if exit_code >= 100 else _HTTP_BY_EXIT.get(exit_code, 400)


@dataclass
class ApiReply:
    """What the API answers, plus what the calls log records about it."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    cmd: str = ""
    args: list[str] = field(default_factory=list)
    exit_code: int | None = None
    auth: str = ""


def php_str(value: Any) -> str | None:
    """A request value as PHP sees it after `trim()`: None when unset (isset is false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, list | dict):
        return "Array"
    return str(value).strip(" \t\n\r\0\x0b")


def _empty(value: str | None) -> bool:
    # PHP empty(): unset, "" and "0" are all empty
    return value in (None, "", "0")


def _error(exit_code: int, message: str) -> HestiaExit:
    """`api_error`: prefix `Error: ` when missing; the status follows the exit code."""
    message = message.strip()
    return HestiaExit(exit_code, message if message.startswith("Error:") else f"Error: {message}")


class HestiaApi:
    """Runs one API request against a Backend, in the order and with the texts of index.php."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def handle(self, data: Mapping[str, Any] | None, client_ip: str) -> ApiReply:
        """Answer a request whose fields are `data` (None: no usable POST or JSON body)."""
        fields = {k: v for k, v in ((str(k), php_str(v)) for k, v in (data or {}).items()) if v is not None}
        hash_value = fields.get("hash")
        if "access_key" not in fields and hash_value is not None and hash_value.count(":") == 1:
            key_id, secret = hash_value.split(":")
            if len(key_id) == 20 and len(secret) == 40:  # the `hash="AK:SK"` form (§2)
                fields.update(access_key=key_id, secret_key=secret)
                del fields["hash"]
        code_mode = fields.get("returncode") == "yes"
        reply = ApiReply(405, INVALID_DATA, cmd=fields.get("cmd", ""), args=_args(fields))
        try:
            if data and "access_key" in fields and "secret_key" in fields:
                self._access_key_path(fields, client_ip, code_mode, reply)
            elif data and ("user" in fields or "hash" in fields):
                self._legacy_path(fields, client_ip, code_mode, reply)
            else:
                raise HestiaExit(405, INVALID_DATA)
        except HestiaExit as exc:
            # A failure before the command ran: header, status from the code, and the text or the code (§2.1).
            legacy_off = exc.message.startswith("Error: API has been disabledError:")
            reply.exit_code = exc.code
            reply.status = http_status(exc.code)
            reply.headers = {"Hestia-Exit-Code": str(exc.code), "Content-Type": HTML_TYPE}
            as_code = code_mode and exc.code != 405
            prefix = "Error: API has been disabled" if legacy_off else ""
            reply.body = f"{prefix}{exc.code}" if as_code else exc.message
        return reply

    def _access_key_path(self, fields: dict[str, str], ip: str, code_mode: bool, reply: ApiReply) -> None:
        settings = self.backend.settings
        api_status = int(settings.api_system) if settings.api_system.isdigit() else 0
        if api_status == 0:
            raise _error(E_DISABLED, "API has been disabled")
        allowed = [*settings.api_allowed_ip.split(","), ""]
        if settings.api_allowed_ip != "allow-all" and ip not in allowed and "0.0.0.0" not in allowed:  # noqa: S104 - the wildcard entry (§2.1)
            raise _error(E_FORBIDDEN, "IP is not allowed to connect with API")
        cmd = self._checked_cmd(fields)
        key_id, secret = fields.get("access_key", ""), fields.get("secret_key", "")
        reply.auth = f"access_key:{key_id}"
        if _empty(key_id) or _empty(secret):
            raise _error(E_PASSWORD, "Authentication failed")
        owner, position = self.backend.v_check_access_key(key_id, secret, cmd, ip)
        if owner != settings.root_user and api_status < 2:
            raise _error(E_API_DISABLED, "API has been disabled")
        if owner != settings.root_user and position > 0 and fields.get(f"arg{position}") != owner:
            # The backslashes are literal: PHP's double-quoted string keeps `\'` (§2.1 step 8).
            raise _error(E_FORBIDDEN, f"Key {key_id} - the \"user\" argument doesn\\'t match the key\\'s user")
        code, output = self._run(cmd, reply.args)
        output = output.strip()
        reply.exit_code = code
        reply.headers = {"Hestia-Exit-Code": str(code)}
        if code_mode:
            reply.status, reply.body = 200, str(code)
        elif code > 0:
            reply.status, reply.body = http_status(code), output
        else:
            reply.status, reply.body = (200 if output else 204), output
            if output and _json_truthy(output):
                reply.headers["Content-Type"] = JSON_TYPE
        if reply.status != 204:
            reply.headers.setdefault("Content-Type", HTML_TYPE)

    def _legacy_path(self, fields: dict[str, str], ip: str, code_mode: bool, reply: ApiReply) -> None:
        settings = self.backend.settings
        if settings.api != "yes":
            # Printed before api_error's own text; output buffering glues them together (§2.2 step 1).
            raise HestiaExit(E_DISABLED, "Error: API has been disabledError: API Disabled")
        if settings.api_allowed_ip != "allow-all" and ip not in [*settings.api_allowed_ip.split(","), ""]:
            raise _error(E_FORBIDDEN, "Error: IP is not allowed to connect with API")
        if _empty(fields.get("hash")):
            reply.auth = f"user:{fields.get('user', '')}"
            if fields.get("user") != settings.root_user:
                raise _error(E_FORBIDDEN, "Error: authentication failed")
            password = fields.get("password")
            if password is None or not self.backend.check_root_password(password):
                raise _error(E_PASSWORD, "Error: authentication failed")
        else:
            reply.auth = "legacy_key"
            if not self.backend.check_legacy_key(fields.get("hash", ""), ip):
                raise _error(E_PASSWORD, "Error: authentication failed")
        cmd = self._checked_cmd(fields)
        code, output = self._run(cmd, reply.args)
        reply.exit_code, reply.status, reply.headers = code, 200, {"Content-Type": HTML_TYPE}
        lines = [line.rstrip() for line in output.split("\n")] if output else []
        if code_mode:
            reply.body = str(code)
        else:
            # "OK" tests the authentication step's status, not the command's (§2.2 step 6).
            reply.body = "\n".join(lines) + "\n" if lines else "OK"

    def _checked_cmd(self, fields: dict[str, str]) -> str:
        cmd = fields.get("cmd", "")
        if _empty(cmd):
            raise _error(E_INVALID, "Command not provided")
        if not _CMD_RE.fullmatch(cmd):
            raise _error(E_INVALID, f"{cmd} command invalid")
        return cmd

    def _run(self, cmd: str, args: list[str]) -> tuple[int, str]:
        if cmd == "v-make-tmp-file":  # handled by the PHP code itself, no script runs (§2)
            self.backend.make_tmp_file(args[0] if args else "", args[1] if len(args) > 1 else "")
            return 0, ""
        return self.backend.run(cmd, args)


def _args(fields: Mapping[str, str | None]) -> list[str]:
    """arg1..arg13 in index order; absent ones are skipped, so gaps close up (§2)."""
    return [v for v in (fields.get(f"arg{i}") for i in range(1, 14)) if v is not None]


def parse_call(data: Mapping[str, Any] | None) -> tuple[str, list[str]]:
    """The command name and arguments a request carries, for fault matching and the calls log."""
    fields = {str(k): php_str(v) for k, v in (data or {}).items()}
    return fields.get("cmd") or "", _args(fields)


def _json_truthy(output: str) -> bool:
    """`json_decode($out, true)` is truthy: `{\\n}` decodes to an empty array, which is not (§2.1)."""
    try:
        return bool(json.loads(output))
    except ValueError:
        return False


def masked_args(cmd: str, args: list[str]) -> list[str]:
    """The arguments for the calls log, with passwords replaced by `***` (unknown commands: all)."""
    spec = COMMANDS.get(cmd)
    if spec is None:
        return ["***" for _ in args]
    return ["***" if i in spec.secret_args else a for i, a in enumerate(args, start=1)]
