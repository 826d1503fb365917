"""The bridge's own small state on SQLAlchemy Core: audit events, one-time tokens, hook records, owners.

Hestia stays the source of truth (DESIGN.md §6); this store only holds what Hestia cannot: who did what,
which single-sign-on tokens are spent, which hook deliveries were already handled (Hestia has no idempotency
keys, SECURITY.md item 17) and which reseller created which account (item 6). One table per concept
(:mod:`.tables`), the records it hands back (:mod:`.records`), and the rows of each concept in their own part:
:mod:`.core` (engine, clock, audit, tokens), :mod:`.deliveries`, :mod:`.accounts`, :mod:`.sessions`.
"""

from __future__ import annotations

from puq_hestia.database import STORE_OUTAGES, StoreOptions, StoreUnavailableError
from puq_hestia.store.accounts import AccountRows
from puq_hestia.store.deliveries import DeliveryRows
from puq_hestia.store.records import AuditEvent, CreateIntent, FormRecord, HookRecord, SessionRecord, StoreError
from puq_hestia.store.sessions import SessionRows
from puq_hestia.store.tables import (
    DEFAULT_URL,
    DETAIL_MAX,
    HOOK_DONE,
    HOOK_PENDING,
    account_limits,
    account_tombstones,
    accounts,
    audit_events,
    create_intents,
    form_tokens,
    ftp_access_ends,
    ftp_invitations,
    ftp_name_claims,
    hook_requests,
    intents,
    leases,
    listings,
    mail_outbox,
    metadata,
    panel_sessions,
    used_tokens,
)

__all__ = [
    "DEFAULT_URL", "DETAIL_MAX", "HOOK_DONE", "HOOK_PENDING", "STORE_OUTAGES", "AuditEvent", "CreateIntent",
    "FormRecord", "HookRecord", "SessionRecord", "Store", "StoreError", "StoreOptions", "StoreUnavailableError",
    "account_limits", "account_tombstones", "accounts", "audit_events", "create_intents", "form_tokens",
    "ftp_access_ends", "ftp_invitations", "ftp_name_claims", "hook_requests", "intents", "leases", "listings",
    "mail_outbox", "metadata", "panel_sessions", "used_tokens",
]


class Store(AccountRows, DeliveryRows, SessionRows):
    """The bridge's database: one engine per Store, safe to share between threads and gunicorn workers."""
