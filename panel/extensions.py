"""The panel's long-lived objects: Flask extensions, the store, and a client and service per server."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from puq_hestia.auth.policy import LoginPolicy
from puq_hestia.auth.sessions import SessionBook
from puq_hestia.ftp import FtpService
from puq_hestia.ftp.expiry import AccessEnds
from puq_hestia.ftp.invitations import FtpEndpoint, Invitations
from puq_hestia.ftp.limits import FtpLimits
from puq_hestia.hestia.breaker import CircuitBreaker
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.transport import Transport
from puq_hestia.intents import IntentLog
from puq_hestia.mail import Mailer
from puq_hestia.settings import ServerSettings, Settings
from puq_hestia.store import Store

# Module-level extension objects bound to each app in create_app (the Flask extension pattern).
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)

EXTENSION_KEY = "puq"


@dataclass(frozen=True)
class ServerServices:
    """Everything the panel uses to act on one Hestia server."""

    settings: ServerSettings
    client: HestiaClient
    ftp: FtpService
    breaker: CircuitBreaker
    invitations: Invitations | None = None  # issue 17: invitations and access that ends (panel/invite.py)
    ends: AccessEnds | None = None


@dataclass(frozen=True)
class PanelServices:
    """The settings, the store and the per-server services, built once per app."""

    settings: Settings
    store: Store
    servers: Mapping[str, ServerServices]
    sessions: SessionBook
    mailer: Mailer | None = None  # None without a [mail] table

    def server(self, server_id: str) -> ServerServices | None:
        """The services of a configured server, or None for an unknown id (for example a stale session)."""
        return self.servers.get(server_id)

    def login_policy(self, server: ServerServices) -> LoginPolicy:
        """Hestia's login policy for one server (puq_hestia.auth.policy)."""
        return LoginPolicy(server.client, self.sessions, server.settings.id)


def build_services(settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic, migrate: bool = True) -> PanelServices:
    """Create the store and one HestiaClient + FtpService per configured server.

    Each server gets a circuit breaker, so customers of a failing server are answered at once instead of
    waiting out timeouts (issue 6). ``sleep`` and ``clock`` exist so tests never wait on retries or cooldowns.
    Every mutating call is written down first (IntentLog, DESIGN.md §7). ``migrate`` is False under
    ``puq-hestia serve``, which migrated the schema once before starting its workers.
    """
    store = Store(settings.database_url, options=settings.store, migrate=migrate)
    mailer = Mailer(settings.mail, store) if settings.mail is not None else None
    servers = {}
    for server_id, server in settings.servers.items():
        breaker = CircuitBreaker(server_id, threshold=server.breaker_threshold, cooldown=server.breaker_cooldown,
                                 clock=clock)
        journal = IntentLog(store, server_id, wait=settings.store.lock_timeout_s)
        transport = Transport(server.config, sleep=sleep, breaker=breaker, journal=journal)
        client = HestiaClient(server.config, transport=transport)
        ftp = FtpService(client, store=store, server_id=server_id, limits=FtpLimits(server.ftp_limits),
                         lock_wait=settings.store.lock_timeout_s)
        servers[server_id] = ServerServices(server, client, ftp, breaker, *_issue17(settings, server, ftp, mailer))
    sessions = SessionBook(store, absolute=timedelta(hours=settings.session_absolute_hours))
    return PanelServices(settings, store, servers, sessions, mailer)


def _issue17(settings: Settings, server: ServerSettings, ftp: FtpService,
             mailer: Mailer | None) -> tuple[Invitations, AccessEnds]:
    """Invitations (they send mail through the outbox) and access ends of one server."""
    endpoint = FtpEndpoint(server.ftp_host, server.ftp_port, server.ftp_tls)
    invitations = Invitations(ftp, mailer, secret_key=settings.secret_key, public_url=settings.public_url,
                              endpoint=endpoint)
    return invitations, AccessEnds(ftp)


def services() -> PanelServices:
    """The current app's services."""
    found: PanelServices = current_app.extensions[EXTENSION_KEY]
    return found
