"""Hostile strings, and an independent reading of SECURITY.md 1-4 to judge what reached Hestia."""

from __future__ import annotations

import re
from typing import Any

import hypothesis.strategies as st
from flask import Flask, request

# Known-bad shapes next to random text: traversal, the unanchored Hestia checks, shell and list injection,
# /tmp file reads, Unicode look-alikes, open redirects (HESTIA_API.md §3, §4.1; SECURITY.md 1-4, 10).
NASTY = (
    "", " ", ".", "..", "../", "../example.com2", "../alice.example2", "../exampleXcom", "public_html/../../x",
    "/", "//", "public_html//x", "./public_html", ".hidden", "a:b", "a'b", 'a"b', "$(id)", "`id`", "a;b",
    "a b", "a\tb", "a\nb", "a\rb", "a\x00b", "a\x7fb", "%2e%2e/x", "%00", "publiç_html",
    "\uff50\uff55\uff42\uff4c\uff49\uff43", "\u0131",
    "/tmp/passwd", "/tmp/../etc/passwd", "-rf", "--help", "a" * 64, "a" * 65, "/".join(["d"] * 9),
    "x" * 201, "<script>alert(1)</script>", "\u202egnp.exe", "alice_x", "ALICE", "a-", "-a", "a__b",
    "//evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "https://evil.example/",
    "/\t/evil.example", "/%0d%0aSet-Cookie:x=1", "/ftp?x=1", "/ftp", "Pass:word-2026", "/tmp-Password-1",
    " Leading-space-1", "Trailing-space-1 ", "Pässword-2026", "short", "A" * 129,
)
hostile = st.one_of(st.sampled_from(NASTY), st.text(max_size=80),
                    st.text(alphabet=st.characters(codec="ascii"), max_size=80))

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SUFFIX = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")
_USER = re.compile(r"[A-Za-z][-_A-Za-z0-9]{0,28}[A-Za-z0-9]")
_DOMAIN_BAD = re.compile(r"[\[\]!@#$^&*()+={},<>?_/\\\"|';%\s`:]")
# Where each mutating command carries its folder, suffix and password (1-based, HESTIA_API.md §4-6).
_SHAPES: dict[str, dict[str, int]] = {
    "v-add-web-domain-ftp": {"suffix": 3, "password": 4, "path": 5},
    "v-change-web-domain-ftp-password": {"password": 4},
    "v-change-web-domain-ftp-path": {"path": 4},
    "v-add-user": {"user": 1, "password": 2},
    "v-change-user-password": {"user": 1, "password": 2},
    "v-add-web-domain": {"user": 1, "domain": 2},
}


def safe_path(value: str) -> bool:
    """SECURITY.md 1: empty (the domain root) or ≤ 8 strict segments, ≤ 200 characters."""
    parts = value.strip("/").split("/") if value.strip("/") else []
    return len(value) <= 200 and len(parts) <= 8 and all(_SEGMENT.fullmatch(p) for p in parts)


def safe_password(value: str) -> bool:
    """SECURITY.md 4: 8-128 printable ASCII, no surrounding whitespace, no ':', not starting with '/'."""
    printable = all(0x20 <= ord(ch) < 0x7F for ch in value)
    return (8 <= len(value) <= 128 and printable and value == value.strip() and ":" not in value
            and not value.startswith("/"))


def unsafe_calls(calls: list[dict[str, Any]], masked: bool = False) -> list[str]:
    """Every call whose arguments break SECURITY.md 1-4 (MASKED: passwords show as *** and are not judged)."""
    problems = []
    for call in calls:
        args: list[str] = call["args"]
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for arg in args for ch in arg):
            problems.append(f"{call['cmd']}: control character")
        shape = _SHAPES.get(call["cmd"], {})
        value = {name: args[pos - 1] if pos <= len(args) else "" for name, pos in shape.items()}
        if "path" in value and not safe_path(value["path"]):
            problems.append(f"{call['cmd']}: unsafe folder {value['path']!r}")
        if "suffix" in value and not (_SUFFIX.fullmatch(value["suffix"]) and len(args[0]) + 1 + len(value["suffix"])
                                      <= 30):
            problems.append(f"{call['cmd']}: unsafe suffix {value['suffix']!r}")
        if "password" in value and not (masked and value["password"] == "***") and not safe_password(
                value["password"]):
            problems.append(f"{call['cmd']}: unsafe password")
        if "user" in value and not _USER.fullmatch(value["user"]):
            problems.append(f"{call['cmd']}: unsafe user {value['user']!r}")
        if "domain" in value and (_DOMAIN_BAD.search(value["domain"]) or ".." in value["domain"]):
            problems.append(f"{call['cmd']}: unsafe domain {value['domain']!r}")
    return problems


class RawCalls:
    """Every command and its unmasked arguments as the mock received them (the calls log masks secrets)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def install(self, mock_app: Flask) -> RawCalls:
        """Listen on the mock's app, before its API runs."""
        mock_app.before_request(self._capture)
        return self

    def _capture(self) -> None:
        if request.path.startswith("/api") and "cmd" in request.form:
            args = [request.form[f"arg{i}"] for i in range(1, 14) if f"arg{i}" in request.form]
            self.calls.append({"cmd": request.form["cmd"], "args": args})

    def mutations(self) -> list[dict[str, Any]]:
        """The calls that could change something."""
        return [c for c in self.calls if not c["cmd"].startswith(("v-list-", "v-check-"))]


def safe_next_ok(location: str) -> bool:
    """SECURITY.md 10: a redirect after login stays on this site (a path, no host, no scheme)."""
    path = location.removeprefix("http://localhost")
    return path.startswith("/") and not path.startswith(("//", "/\\")) and "\\" not in path
