"""Login rate limits that mean what they say (SECURITY.md 11 and 35).

Only failures count: a wrong password, a refused login and a wrong 2FA code each hit the limits; a successful
login never does, so a customer who signs in often is never locked out. The per-account key is the name the
form validated (lowercased, as Hestia is asked), whatever the body's encoding, and it is the same for existing
and unknown users. Counters live in flask-limiter's storage (``ratelimit_storage_uri``): Redis holds them for
every worker and machine; ``memory://`` is per process, so a panel served by several worker processes refuses
it: ``puq-hestia serve`` before it starts, and an app created inside gunicorn started by hand when its
configuration has more than one worker (:func:`gunicorn_workers`). When the storage is down, sign-in answers
503 and stays closed: nobody gets unlimited tries.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from flask import current_app, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError

from panel.extensions import limiter

log = logging.getLogger(__name__)

DEFAULT_ACCOUNT_LIMIT = "5 per minute; 30 per hour"
DEFAULT_ADDRESS_LIMIT = "20 per minute; 200 per hour"


class LimitStorageDown(Exception):
    """The rate-limit storage cannot be reached, so sign-in is closed (answered with a 503)."""


def gunicorn_workers() -> int | None:
    """The number of worker processes of the gunicorn that is creating this app; None outside gunicorn.

    gunicorn builds the app from inside its worker (or, with --preload, its arbiter), so one of the calling
    frames belongs to a gunicorn object whose ``cfg`` holds the final configuration (command line,
    GUNICORN_CMD_ARGS, config file). Read from there, not guessed from the environment.
    """
    if "gunicorn" not in sys.modules:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        owner = frame.f_locals.get("self")
        workers = getattr(getattr(owner, "cfg", None), "workers", None)
        if type(owner).__module__.startswith("gunicorn.") and isinstance(workers, int):
            return workers
        frame = frame.f_back  # type: ignore[assignment]
    return None


def storage_options(storage_uri: str) -> dict[str, object]:
    """Options for flask-limiter's storage: errors wrapped (so they are told apart), short Redis timeouts."""
    options: dict[str, object] = {"wrap_exceptions": True}
    if storage_uri.startswith(("redis://", "rediss://", "redis+")):
        options |= {"socket_connect_timeout": 2, "socket_timeout": 2}
    return options


def _keys(server_id: str, user: str) -> list[tuple[str, str]]:
    """(limit, key) pairs: one per client address, one per account tried on this server."""
    config = current_app.config
    address = request.remote_addr or "-"
    return [
        (str(config.get("PUQ_LOGIN_LIMIT_ADDRESS", DEFAULT_ADDRESS_LIMIT)), f"login-address:{address}"),
        (str(config.get("PUQ_LOGIN_LIMIT_ACCOUNT", DEFAULT_ACCOUNT_LIMIT)),
         f"login-account:{server_id}:{user[:64]}"),
    ]


def _items(server_id: str, user: str) -> Iterable[tuple[RateLimitItem, str]]:
    for limit, key in _keys(server_id, user):
        for item in parse_many(limit):
            yield item, key


def is_blocked(server_id: str, user: str) -> bool:
    """True when the address or the account has used up its failures (checked before Hestia is asked)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return False
    try:
        return any(not limiter.limiter.test(item, key) for item, key in _items(server_id, user))
    except StorageError as error:
        log.error("login rate-limit storage unreachable: %s", type(error.storage_error).__name__)
        raise LimitStorageDown from None


def count_failure(server_id: str, user: str) -> None:
    """Count one failed login or 2FA code against the address and the account."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    try:
        for item, key in _items(server_id, user):
            limiter.limiter.hit(item, key)
    except StorageError as error:
        log.error("login rate-limit storage unreachable: %s", type(error.storage_error).__name__)
        raise LimitStorageDown from None
