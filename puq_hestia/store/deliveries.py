"""Hook deliveries (Idempotency-Key records, SECURITY.md 17) and one-time panel forms (SECURITY.md 40)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from puq_hestia.store.core import StoreCore, match
from puq_hestia.store.records import FormRecord, HookRecord, StoreError, as_utc
from puq_hestia.store.tables import HOOK_DONE, HOOK_PENDING, form_tokens, hook_requests

__all__ = ["DeliveryRows"]


class DeliveryRows(StoreCore):
    """Which hook deliveries and panel forms were already handled, so none is applied twice."""

    # -- hook idempotency --------------------------------------------------------------------------------

    def begin_hook(
        self,
        reseller_id: str,
        key: str,
        action: str,
        request_hash: str,
        *,
        stale_after: timedelta | None = timedelta(minutes=10),
    ) -> HookRecord | None:
        """Claim a hook delivery: None means "yours, go ahead"; a record means an earlier delivery exists.

        A pending record older than ``stale_after`` (its worker died mid-way) is taken over by a redelivery
        of the same request, so a crash does not block the key for ever.
        """
        ids = {"reseller_id": reseller_id, "idempotency_key": key}
        row = {**ids, "action": action, "request_hash": request_hash, "status": HOOK_PENDING}
        # Three rounds cover a record abandoned between our INSERT and our read, which then frees the key.
        for _ in range(3):
            if self._insert_once(hook_requests, **row, created_at=self._now()):
                return None
            mine = match(hook_requests, **ids, status=HOOK_PENDING, request_hash=request_hash)
            if stale_after is not None and self._take_over(hook_requests, "created_at", mine, stale_after):
                return None
            record = self._hook(ids)
            if record is not None:
                return record
        raise StoreError("the hook record kept changing while it was being read; retry the delivery")

    def _hook(self, ids: Mapping[str, str]) -> HookRecord | None:
        """Read the stored record of a hook delivery, or None when there is none."""
        query = sa.select(hook_requests).where(match(hook_requests, **ids))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        result_json, created_at = row["result_json"], as_utc(row["created_at"])
        result = None if result_json is None else json.loads(result_json)
        fields = {name: row[name] for name in ("reseller_id", "idempotency_key", "action", "request_hash")}
        return HookRecord(**fields, status=row["status"], result=result, created_at=created_at)

    def finish_hook(self, reseller_id: str, key: str, result: Mapping[str, Any]) -> None:
        """Store the final answer of a delivery begun with ``begin_hook`` (never put a password in it)."""
        statement = (
            sa.update(hook_requests)
            .where(match(hook_requests, reseller_id=reseller_id, idempotency_key=key))
            .values(status=HOOK_DONE, result_json=json.dumps(dict(result), sort_keys=True))
        )
        if self._write(statement) != 1:
            raise StoreError("no hook delivery was begun with this reseller and Idempotency-Key")

    def hook_record(self, reseller_id: str, key: str) -> HookRecord | None:
        """The stored record of one delivery, or None."""
        return self._hook({"reseller_id": reseller_id, "idempotency_key": key})

    def settle_hook(self, reseller_id: str, key: str, result: Mapping[str, Any], *,
                    older_than: timedelta = timedelta(0)) -> bool:
        """The maintenance run's answer for a delivery its worker never answered: only while still pending.

        A redelivery that took the record over re-stamped it (begin_hook), so a record younger than
        ``older_than`` is left to that redelivery: True only when this answer was stored.
        """
        where = sa.and_(match(hook_requests, reseller_id=reseller_id, idempotency_key=key, status=HOOK_PENDING),
                        hook_requests.c.created_at < self._now() - older_than)
        done = sa.update(hook_requests).where(where).values(status=HOOK_DONE,
                                                             result_json=json.dumps(dict(result), sort_keys=True))
        return self._write(done) == 1

    def abandon_hook(self, reseller_id: str, key: str) -> None:
        """Forget a pending delivery that failed before changing anything, so a redelivery may try again."""
        where = match(hook_requests, reseller_id=reseller_id, idempotency_key=key, status=HOOK_PENDING)
        self._write(sa.delete(hook_requests).where(where))

    # -- one-time form tokens (SECURITY.md 40) ------------------------------------------------------------

    def claim_form(self, token: str, actor: str, action: str, domain: str, ftp_user: str = "") -> FormRecord | None:
        """Claim a form token for one change: None for the one winner, else what the token already did."""
        row = dict(actor=actor, action=action, domain=domain, ftp_user=ftp_user, status=HOOK_PENDING)
        if self._insert_once(form_tokens, token=token, used_at=self._now(), **row):
            return None
        return self.form_record(token) or FormRecord(**row)  # released meanwhile: it was pending

    def form_record(self, token: str) -> FormRecord | None:
        """What a form token did, or None when it was never claimed (or was released)."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(form_tokens).where(form_tokens.c.token == token)).mappings().first()
        return None if found is None else FormRecord(**{f: found[f] for f in FormRecord.__dataclass_fields__})

    def finish_form(self, token: str, ftp_user: str) -> None:
        """Mark a claimed form token done, with the FTP user it changed (never the password)."""
        self._write(sa.update(form_tokens).where(form_tokens.c.token == token).values(status=HOOK_DONE,
                                                                                     ftp_user=ftp_user))

    def release_form(self, token: str, *, older_than: timedelta | None = None) -> int:
        """Forget a claim refused before any change (or, with OLDER_THAN, every older claim); return how many."""
        where = (form_tokens.c.token == token if older_than is None
                 else form_tokens.c.used_at < self._now() - older_than)
        return self._write(sa.delete(form_tokens).where(where))
