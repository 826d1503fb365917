"""The shapes every provisioning action shares: failure kinds, outcomes, the context, the action record.

Kept apart from :mod:`.actions` so the create (:mod:`.create`) and the other actions can both use them without
importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from puq_hestia.auth.sso import SsoSigner
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.config import ServerConfig
from puq_hestia.hestia.errors import HestiaConnectionError, HestiaError, LoadTooHighError
from puq_hestia.store import Store

__all__ = ["UNREACHABLE", "Action", "Connect", "Failure", "Kind", "Outcome", "ProvisioningContext", "Runner",
           "detail", "read_only", "taken"]

UNREACHABLE = "The control panel could not be reached or is too busy; nothing was changed. Try again later."
_T = TypeVar("_T")


class Kind(StrEnum):
    """Why a provisioning call failed."""

    INVALID = "invalid"  # a params value is wrong; nothing was sent to Hestia
    FOREIGN = "foreign"  # the account belongs to another reseller (or none); nothing was sent
    NOT_FOUND = "not_found"  # Hestia has no such account
    CONFLICT = "conflict"  # the name is taken
    LIMIT = "limit"  # a package limit (E_LIMIT)
    SUSPENDED = "suspended"  # Hestia refuses this on a suspended account
    REFUSED = "refused"  # Hestia refused for another reason
    UNAVAILABLE = "unavailable"  # Hestia unreachable or busy
    INTERNAL = "internal"  # a bug in the bridge


class Failure(Exception):
    """A provisioning call that did not reach its goal; ``message`` is safe to show to the reseller."""

    def __init__(self, kind: Kind, message: str, *, user: str = "", domain: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.user = user
        self.domain = domain


@dataclass(frozen=True)
class Outcome:
    """A successful call: its account, a note such as "already suspended", and extra result fields.

    ``ends_account`` marks a confirmed terminate: the caller then buries the name (tombstone, no owner, listing
    and activity forgotten; SECURITY.md 29) after auditing it.
    """

    user: str = ""
    domain: str = ""
    note: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    ends_account: bool = False


@dataclass(frozen=True)
class ProvisioningContext:
    """Where and for whom a provisioning function acts.

    ``client`` is the configured server's client (hooks endpoint, CLI); without it, one is built from the
    params' server fields with ``client_factory``. ``reseller_id`` limits the call to accounts that reseller
    created (the store records owners); None means an operator acting on any account. ``idempotency_key`` is
    the delivery's key: only the same reseller's same key may finish a create whose outcome stayed unknown.
    """

    client: HestiaClient | None = None
    server_id: str = "default"
    store: Store | None = None
    reseller_id: str | None = None
    sso: SsoSigner | None = None
    client_factory: Callable[[ServerConfig], HestiaClient] = field(default=HestiaClient, repr=False)
    idempotency_key: str | None = None


#: Returns the Hestia client, connecting on first use (so actions validate everything before it).
Connect = Callable[[], HestiaClient]
Runner = Callable[[Mapping[str, Any], ProvisioningContext, Connect], Outcome]


@dataclass(frozen=True)
class Action:
    """One provisioning action: its runner, and whether it acts on an existing account (ownership checked).

    ``gone_ok``: after this reseller's confirmed terminate of the name, the action answers "already gone" from
    the tombstone, without a Hestia call (a redelivered terminate).
    """

    run: Runner
    account: bool = True
    gone_ok: bool = False


def detail(error: HestiaError) -> str:
    """Hestia's own words for a failure (already masked by the transport), or the error class."""
    text = getattr(error, "text", "") or error.message
    return str(text).removeprefix("Error: ")


def taken(user: str) -> str:
    """The text for a name that exists at Hestia and is not this caller's to finish."""
    return f"The username '{user}' is already taken on the server; choose another username."


def read_only(call: Callable[[], _T], *, user: str = "") -> _T:
    """Run a read-only call made before anything changed: an unreachable server means "nothing changed".

    ``user`` is the caller's own account the failure is audited on ("" for a name that is not yet its own).
    """
    try:
        return call()
    except (HestiaConnectionError, LoadTooHighError):
        # A lost answer to a read is still a read: nothing that changes anything was sent.
        raise Failure(Kind.UNAVAILABLE, UNREACHABLE, user=user) from None
