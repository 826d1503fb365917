"""Accounts: which reseller owns which account, its create intents and tombstones, limits, FTP names and listings."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from puq_hestia.store.core import StoreCore, match
from puq_hestia.store.records import CreateIntent
from puq_hestia.store.tables import (
    account_limits,
    account_tombstones,
    accounts,
    audit_events,
    create_intents,
    ftp_name_claims,
    listings,
)

__all__ = ["AccountRows"]


class AccountRows(StoreCore):
    """Ownership and the per-account rows the FTP rules and billing read without asking Hestia."""

    # -- account ownership -------------------------------------------------------------------------------

    def claim_account(
        self, server_id: str, user: str, reseller_id: str, service_id: str | None = None
    ) -> bool:
        """Record that ``reseller_id`` owns a Hestia user: True if it now does, False if another one does."""
        row = {"server_id": server_id, "hestia_user": user, "reseller_id": reseller_id}
        # Claiming again for the same reseller is fine (a redelivered "create"); the first claim stays.
        inserted = self._insert_once(accounts, **row, service_id=service_id, created_at=self._now())
        if inserted:  # a new account of the name: this reseller's old terminate no longer speaks for it
            self._write(sa.delete(account_tombstones).where(match(account_tombstones, **row)))
        return inserted or self.account_owner(server_id, user) == reseller_id

    def account_owner(self, server_id: str, user: str) -> str | None:
        """Return the reseller that owns a Hestia user, or None when no reseller claimed it."""
        return self._scalar(accounts.c.reseller_id, match(accounts, server_id=server_id, hestia_user=user))

    def accounts_of(self, server_id: str, reseller_id: str) -> set[str]:
        """Every Hestia user a reseller owns on a server, in one query (usage_update)."""
        query = sa.select(accounts.c.hestia_user).where(match(accounts, server_id=server_id, reseller_id=reseller_id))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def set_account_limits(self, server_id: str, user: str, **values: str | int | None) -> None:
        """Record ``package`` and/or ``ftp_accounts`` (None clears billing's number) of an account."""
        ids = {"server_id": server_id, "hestia_user": user}
        update = sa.update(account_limits).where(match(account_limits, **ids)).values(**values)
        if not self._write(update) and not self._insert_once(account_limits, **ids, **values):
            self._write(update)  # another worker inserted it in between

    def account_limits(self, server_id: str, user: str) -> tuple[str | None, int | None]:
        """The recorded (package, ftp_accounts) of an account; (None, None) when nothing is known."""
        query = sa.select(account_limits.c.package, account_limits.c.ftp_accounts).where(
            match(account_limits, server_id=server_id, hestia_user=user))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return (None, None) if row is None else (row[0], row[1])

    def release_account(self, server_id: str, user: str) -> None:
        """Forget who owns a Hestia user (after it was terminated); a no-op when nobody did."""
        self._write(sa.delete(accounts).where(match(accounts, server_id=server_id, hestia_user=user)))

    # -- account lifecycle: create intents, tombstones, forgetting a name (SECURITY.md 27, 29) ---------------

    def begin_create(
        self, server_id: str, user: str, reseller_id: str, key: str, *, stale_after: timedelta = timedelta(minutes=10)
    ) -> bool:
        """Write the intent before v-add-user of a name Hestia has just said is absent; False while another runs.

        An earlier intent of the same reseller, or one older than any request, is moot (the name is absent).
        """
        ids = {"server_id": server_id, "hestia_user": user}
        values = {"reseller_id": reseller_id, "idempotency_key": key, "created_at": self._now()}
        if self._insert_once(create_intents, **ids, **values):
            return True
        moot = sa.or_(create_intents.c.reseller_id == reseller_id,
                      create_intents.c.created_at < self._now() - stale_after)
        return self._write(sa.update(create_intents).where(match(create_intents, **ids), moot).values(values)) == 1

    def create_intent(self, server_id: str, user: str) -> CreateIntent | None:
        """The unproven create of a name, or None."""
        query = sa.select(create_intents.c.reseller_id, create_intents.c.idempotency_key).where(
            match(create_intents, server_id=server_id, hestia_user=user))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else CreateIntent(row[0], row[1])

    def end_create(self, server_id: str, user: str, reseller_id: str) -> None:
        """Forget a reseller's create intent (it was proven made, or proven not made)."""
        where = match(create_intents, server_id=server_id, hestia_user=user, reseller_id=reseller_id)
        self._write(sa.delete(create_intents).where(where))

    def bury_account(self, server_id: str, user: str, reseller_id: str) -> None:
        """After a confirmed terminate: a tombstone for the reseller, no owner, and the name forgotten."""
        ids = {"server_id": server_id, "hestia_user": user, "reseller_id": reseller_id}
        stamp = sa.update(account_tombstones).where(match(account_tombstones, **ids)).values(ended_at=self._now())
        if not self._write(stamp):
            self._insert_once(account_tombstones, **ids, ended_at=self._now())
        self.release_account(server_id, user)
        self.forget_account(server_id, user)

    def buried_by(self, server_id: str, user: str, reseller_id: str) -> bool:
        """True when this reseller terminated the name and no account of the name was claimed since."""
        where = match(account_tombstones, server_id=server_id, hestia_user=user, reseller_id=reseller_id)
        return self._scalar(account_tombstones.c.reseller_id, where) is not None

    def forget_account(self, server_id: str, user: str) -> None:
        """A later account of this name starts clean: no stored listing, and the activity list is archived.

        The audit events stay for operators under ``user#ended-<time>`` (a name Hestia cannot create), so the
        panel's activity list of a new account of the name is empty. Sign-in sessions are ended here too.
        """
        ids = {"server_id": server_id, "hestia_user": user}
        archived = f"{user}#ended-{self._now():%Y%m%dT%H%M%S.%f}"
        self._write(sa.update(audit_events).where(match(audit_events, server_id=server_id, actor=user))
                    .values(actor=archived))
        self._write(sa.delete(listings).where(match(listings, **ids)))

    # -- FTP name claims and listings (puq_hestia.ftp, puq_hestia.ftp.ownership) ------------------------------

    def claim_name(
        self, server_id: str, ftp_user: str, *, stale_after: timedelta = timedelta(minutes=5)
    ) -> bool:
        """Hold an FTP name while it is being created: True for exactly one of several racing callers.

        A claim older than ``stale_after`` (its worker died before ``release_name``) is taken over.
        """
        ids = {"server_id": server_id, "ftp_user": ftp_user}
        if self._insert_once(ftp_name_claims, **ids, claimed_at=self._now()):
            return True
        return self._take_over(ftp_name_claims, "claimed_at", match(ftp_name_claims, **ids), stale_after)

    def release_name(self, server_id: str, ftp_user: str) -> None:
        """Let go of an FTP name claimed with ``claim_name``."""
        where = match(ftp_name_claims, server_id=server_id, ftp_user=ftp_user)
        self._write(sa.delete(ftp_name_claims).where(where))

    def save_listing(self, server_id: str, user: str, listing_json: str) -> None:
        """Keep the latest listing of a customer, replacing the previous one (the newest write wins)."""
        ids = {"server_id": server_id, "hestia_user": user}
        values = {"listing_json": listing_json, "updated_at": self._now()}
        overwrite = sa.update(listings).where(match(listings, **ids)).values(**values)
        # UPDATE, else INSERT, else (another worker inserted it in between) UPDATE: portable, no locks.
        if self._write(overwrite) or self._insert_once(listings, **ids, **values):
            return
        self._write(overwrite)

    def replace_listing(self, server_id: str, user: str, expected: str, listing_json: str) -> bool:
        """Compare-and-set: replace the listing only if it still is ``expected``; False when another won."""
        where = match(listings, server_id=server_id, hestia_user=user, listing_json=expected)
        values = {"listing_json": listing_json, "updated_at": self._now()}
        return self._write(sa.update(listings).where(where).values(**values)) == 1

    def load_listing(self, server_id: str, user: str) -> str | None:
        """Return the latest listing saved for a customer, or None."""
        return self._scalar(listings.c.listing_json, match(listings, server_id=server_id, hestia_user=user))
