"""One-time single-sign-on links into the panel (DESIGN.md §3, SECURITY.md 18).

Hestia has no login link an outside system can use (HESTIA_API.md §8), so the bridge makes its own: a token
signed with the panel's secret key (itsdangerous, salt ``puq-sso``) carrying the server id, the Hestia user
and a random token id. It is valid for 60 seconds and usable once: redeeming records the token id in the
store, whose primary key lets exactly one racing request win. No Flask here; the panel's ``GET /sso/<token>``
calls :meth:`SsoSigner.redeem`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from puq_hestia.store import Store
from puq_hestia.texts import N_

__all__ = [
    "SSO_MAX_AGE",
    "SSO_SALT",
    "SsoError",
    "SsoExpiredError",
    "SsoGrant",
    "SsoInvalidError",
    "SsoSigner",
    "SsoUsedError",
]

SSO_SALT = "puq-sso"
SSO_MAX_AGE = 60
# Token ids share the store's used-token table with hook signatures; a prefix keeps the two apart.
_TOKEN_PREFIX = "sso:"  # noqa: S105 (a namespace, not a password)


class SsoError(Exception):
    """A single-sign-on token that cannot be used; the message is safe to show."""


class SsoInvalidError(SsoError):
    """The token is malformed, tampered with, or signed with another key."""


class SsoExpiredError(SsoError):
    """The token is older than its 60 seconds."""


class SsoUsedError(SsoError):
    """The token was already used once."""


@dataclass(frozen=True)
class SsoGrant:
    """What a valid token allows: a session for exactly this user on exactly this server."""

    server_id: str
    user: str
    token_id: str


def _nonempty_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _clocked_signer(clock: Callable[[], float]) -> type[TimestampSigner]:
    """A TimestampSigner reading the injected clock, so tests never wait for a token to expire."""

    class ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return ClockedSigner


class SsoSigner:
    """Issues and redeems one-time login tokens for the panel at ``public_url``."""

    def __init__(
        self,
        secret_key: str,
        public_url: str,
        *,
        max_age: int = SSO_MAX_AGE,
        clock: Callable[[], float] = time.time,
        token_id: Callable[[], str] = lambda: secrets.token_urlsafe(16),
    ) -> None:
        if not secret_key:
            raise ValueError("single sign-on needs the panel's secret key")
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SSO_SALT, signer=_clocked_signer(clock))
        self._public_url = public_url.rstrip("/")
        self._max_age = max_age
        self._token_id = token_id

    def issue(self, server_id: str, user: str) -> str:
        """A fresh token for USER on SERVER_ID."""
        payload = {"s": server_id, "u": user, "j": self._token_id()}
        return str(self._serializer.dumps(payload))

    def link(self, server_id: str, user: str) -> str:
        """The full login URL: ``<public_url>/sso/<token>``."""
        return f"{self._public_url}/sso/{self.issue(server_id, user)}"

    def verify(self, token: str) -> SsoGrant:
        """Check signature and age without spending the token (raises SsoInvalidError or SsoExpiredError)."""
        try:
            payload: Any = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired:
            raise SsoExpiredError(N_("This login link has expired; ask for a new one.")) from None
        except BadData:
            raise SsoInvalidError(N_("This login link is not valid.")) from None
        if not isinstance(payload, dict) or not all(_nonempty_text(payload.get(k)) for k in ("s", "u", "j")):
            raise SsoInvalidError(N_("This login link is not valid."))
        return SsoGrant(server_id=payload["s"], user=payload["u"], token_id=payload["j"])

    def redeem(self, token: str, store: Store) -> SsoGrant:
        """Verify the token and spend it; a second use of the same token raises SsoUsedError."""
        grant = self.verify(token)
        if not store.consume_token(_TOKEN_PREFIX + grant.token_id):
            raise SsoUsedError(N_("This login link was already used; ask for a new one."))
        return grant
