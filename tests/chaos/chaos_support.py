"""The chaos rig: the panel and the hooks over one mock Hestia, with faults, state snapshots and verdicts.

A `Rig` is one bridge (panel + hooks, its own store and circuit breakers, retries that never sleep) talking to
one mock backend, either in-process through `responses` (no sockets) or over a real socket (a `MockHestia`,
for the stall that only a read timeout can end). `reset()` gives a fresh demo seed and a fresh store, so many
cases reuse one rig cheaply.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hestia_mock.models import Backend
from hestia_mock.state import verify_password
from panel import create_app
from panel.extensions import EXTENSION_KEY, PanelServices, build_services
from puq_hestia.settings import Settings
from puq_hestia.store import AuditEvent

DEMO_HASH = "PUQDEMOACCESSKEY0001:puqdemosecret000000000000000000000000001"
PANEL_SECRET = "chaos-panel-secret-key-0123456789abcdef"
RESELLER_SECRETS = {"reseller-a": "demo-reseller-a-secret", "reseller-b": "demo-reseller-b-secret"}
SERVER = "main"
# The mock keeps a real directory tree; re-seeding it per case is 10x quicker on tmpfs than on a slow disk.
FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
_PASSWORD_RE = re.compile(r'data-testid="new-password">([^<]*)<')


def chaos_settings(url: str, *, read_timeout: float = 2.0, database_url: str = "sqlite://") -> Settings:
    """Demo-like settings with the production retry policy (3 attempts); tests inject the sleep."""
    return Settings.from_mapping({
        "panel": {"demo": True, "secret_key": PANEL_SECRET, "database_url": database_url,
                  "public_url": "http://panel.test"},
        "servers": {SERVER: {"url": url, "hash": DEMO_HASH, "ftp_host": "ftp.hestia.test",
                             "connect_timeout": 1, "read_timeout": read_timeout}},
        "resellers": {rid: {"secrets": [secret], "server": SERVER} for rid, secret in RESELLER_SECRETS.items()},
    })


class FakeClock:
    """A monotonic clock that only moves when told (circuit-breaker cooldowns without waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@dataclass
class Rig:
    """One bridge over one mock backend; `control` is the mock's Flask app (faults, calls log)."""

    backend: Backend
    control: Flask
    settings: Settings
    app: Flask = field(init=False)
    clock: FakeClock = field(default_factory=FakeClock)
    sleeps: list[float] = field(default_factory=list)
    deliveries: int = 0

    def __post_init__(self) -> None:
        self.app = create_app({"PUQ_SETTINGS": self.settings, "TESTING": True, "WTF_CSRF_ENABLED": False,
                               "RATELIMIT_ENABLED": False, "PUQ_HOOKS_CLOCK": HOOK_CLOCK})
        self._rebuild()

    # -- lifecycle -----------------------------------------------------------------------------------------
    def _rebuild(self) -> None:
        """Fresh services: a new store and new breakers; retries record their waits instead of sleeping."""
        old: PanelServices | None = self.app.extensions.get(EXTENSION_KEY)
        if old is not None:
            old.store.close()
            for server in old.servers.values():
                server.client.close()
        self.app.extensions[EXTENSION_KEY] = build_services(self.settings, sleep=self.sleeps.append,
                                                            clock=self.clock)

    def reset(self) -> None:
        """The demo seed, no faults, no calls, an empty store; bob and carol belong to reseller-a."""
        client = self.control.test_client()
        client.delete("/_mock/faults")
        self.backend.load_seed("demo")
        client.delete("/_mock/calls")
        self._rebuild()
        for user in ("bob", "carol"):
            self.services.store.claim_account(SERVER, user, "reseller-a", None)

    @property
    def services(self) -> PanelServices:
        """The bridge's store, clients and breakers."""
        found: PanelServices = self.app.extensions[EXTENSION_KEY]
        return found

    # -- the mock ------------------------------------------------------------------------------------------
    def fault(self, **spec: Any) -> None:
        """Inject a fault through the documented control endpoint (POST /_mock/faults)."""
        response = self.control.test_client().post("/_mock/faults", json=spec)
        assert response.status_code == 201, response.get_data(as_text=True)

    def clear_faults(self) -> None:
        """DELETE /_mock/faults (also wakes a stalled request)."""
        self.control.test_client().delete("/_mock/faults")

    def calls(self) -> list[dict[str, Any]]:
        """GET /_mock/calls."""
        calls: list[dict[str, Any]] = self.control.test_client().get("/_mock/calls").get_json()
        return calls

    # -- the actors ----------------------------------------------------------------------------------------
    def customer(self, user: str = "alice") -> FlaskClient:
        """A browser with USER's session, after their first page (so ownership answers from the store)."""
        client = self.app.test_client()
        sid = self.app.extensions["puq"].sessions.open(SERVER, user)
        with client.session_transaction() as session:
            session.permanent = True
            session.update(sid=sid, server=SERVER, user=user, login_at=int(time.time()))
        assert client.get("/ftp").status_code == 200
        return client

    def hook(self, action: str, params: dict[str, Any], reseller: str = "reseller-a",
             key: str | None = None) -> TestResponse:
        """A correctly signed hook from RESELLER."""
        # WHMCS sends many fields the bridge ignores; a delivery number keeps every signature unique (a repeated
        # signature is a replay, refused by design).
        self.deliveries += 1
        body = json.dumps({"action": action, **params, "delivery": self.deliveries}).encode()
        return self.app.test_client().post(f"/hooks/{action}", data=body, headers=signed_headers(body, reseller,
                                                                                              key=key))

    def events(self) -> list[AuditEvent]:
        """Every audit event of the server, newest first."""
        return self.services.store.events(SERVER, limit=1000)


class SigningClock:
    """The hooks' clock in this suite: each signature is one second later, so no two ever share a timestamp."""

    def __init__(self, start: int = 1_800_000_000) -> None:
        self.now = start

    def tick(self) -> int:
        """The timestamp of the next signature (the bridge's clock moves with it)."""
        self.now += 1
        return self.now

    def __call__(self) -> float:
        return float(self.now)


HOOK_CLOCK = SigningClock()


def signed_headers(body: bytes, reseller: str = "reseller-a", *, key: str | None = None,
                   secret: str | None = None) -> dict[str, str]:
    """What a billing system sends: reseller id, timestamp and the HMAC of timestamp + "." + body."""
    timestamp = str(HOOK_CLOCK.tick())
    secret = RESELLER_SECRETS.get(reseller, "unknown") if secret is None else secret
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Puq-Reseller": reseller, "X-Puq-Timestamp": timestamp,
               "X-Puq-Signature": f"sha256={digest}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def shown_password(response: TestResponse) -> str | None:
    """The password a result page shows once, if any."""
    match = _PASSWORD_RE.search(response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


# -- state -----------------------------------------------------------------------------------------------------


def state_of(backend: Backend) -> dict[str, Any]:
    """What a customer or reseller could notice: users, packages, suspension, domains, FTP accounts, locks."""
    with backend.lock:
        users = {
            name: {
                "suspended": user.suspended,
                "package": user.conf.get("PACKAGE"),
                "contact": user.conf.get("CONTACT"),
                "domains": {d: {"suspended": w.conf.get("SUSPENDED"), "ftp": _ftp_pairs(w.conf)}
                            for d, w in user.domains.items()},
            }
            for name, user in backend.users.items()
        }
        passwd = {n: {"kind": e.kind, "home": e.home, "locked": e.locked} for n, e in backend.passwd.items()
                  if e.kind != "system"}
    return {"users": users, "passwd": passwd}


def _ftp_pairs(conf: dict[str, str]) -> list[tuple[str, str]]:
    names = [n for n in conf.get("FTP_USER", "").split(":") if n]
    paths = conf.get("FTP_PATH", "").split(":")
    return [(name, paths[i] if i < len(paths) else "") for i, name in enumerate(names)]


def hashes_of(backend: Backend) -> dict[str, str]:
    """Every passwd entry's shadow hash (a changed hash means a password was set)."""
    with backend.lock:
        return {n: e.hash for n, e in backend.passwd.items()}


def password_works(backend: Backend, name: str, password: str) -> bool:
    """Whether NAME's stored hash accepts PASSWORD (the lock mark `!` of a suspension is ignored)."""
    with backend.lock:
        entry = backend.passwd.get(name)
        return entry is not None and verify_password(password, entry.hash.lstrip("!"))


def normalise_new_names(state: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """Name FTP accounts that did not exist before "<new>" (random suffixes), keeping how many there are."""
    new = {n for n, e in state["passwd"].items() if n not in known and e["kind"] == "ftp"}
    users = json.loads(json.dumps(state["users"]))
    for user in users.values():
        for domain in user["domains"].values():
            domain["ftp"] = [["<new>" if n in new else n, p] for n, p in domain["ftp"]]
    passwd = {n: e for n, e in state["passwd"].items() if n not in new}
    homes = sorted(state["passwd"][n]["home"] for n in new)
    return {"users": users, "passwd": passwd, "new_ftp_homes": homes}

