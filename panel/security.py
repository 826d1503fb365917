"""HTTP hardening shared by every route: security headers, session cookie settings and safe redirects."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

from puq_hestia.settings import Settings

# SECURITY.md 9: no inline script or style anywhere, so the policy needs no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"
BASE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
NO_STORE = "no-store"


def session_config(settings: Settings) -> dict[str, Any]:
    """Flask config for the session cookie (SECURITY.md 8).

    The session is permanent and re-signed on every request, so PERMANENT_SESSION_LIFETIME is an idle timeout
    that Flask checks on the signed timestamp server-side; the absolute lifetime is checked by auth.py.
    """
    return {
        "SESSION_COOKIE_NAME": "puq_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not settings.demo,
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=settings.session_idle_minutes),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "PUQ_SESSION_ABSOLUTE": timedelta(hours=settings.session_absolute_hours),
    }


def install_security_headers(app: Flask, *, hsts: bool) -> None:
    """Add the security headers to every response (HSTS only outside the demo, which runs on plain HTTP)."""
    headers = dict(BASE_HEADERS, **({"Strict-Transport-Security": HSTS} if hsts else {}))

    @app.after_request
    def _set_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def bound_request_bodies(app: Flask, limit: int) -> None:
    """Refuse bodies over LIMIT bytes before anything reads them, on every route (SECURITY.md 37).

    A Content-Length over the limit is a 413 at once, whether or not the route reads its body. A chunked body
    has no length, and werkzeug would silently cut it at the limit (a truncated form is worse than a refusal),
    so at most LIMIT + 1 bytes of it are read here: more is a 413, less is handed on as read. Register this
    before CSRFProtect, which reads the form.
    """

    @app.before_request
    def _bound_body() -> None:
        length = request.content_length
        if length is not None and length > limit:
            abort(413)
        environ = request.environ
        if length is None and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                abort(413)
            environ["wsgi.input"] = io.BytesIO(body)


def no_store(response: Response) -> Response:
    """Mark a response (one that shows a password) as never to be cached or kept in history."""
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Pragma"] = "no-cache"
    return response


def safe_next(target: str | None) -> str | None:
    """Return TARGET when it is a same-site absolute path, else None (SECURITY.md 10).

    Browsers read a backslash as a slash and drop tabs and newlines, so `/\\host`, `/\t/host` and `//host` all
    lead off-site; anything with a scheme, a host, a backslash or a control character is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
