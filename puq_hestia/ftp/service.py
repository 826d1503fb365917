"""FtpService: the product's FTP rules (DESIGN.md §4), independent of Flask.

Listing costs one Hestia call; a change costs the mutation plus at most one folder check. Ownership of domains and
accounts is answered from the last listing (kept in the store), so a request for somebody else's domain is refused
without any Hestia call (SECURITY.md 5).
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from puq_hestia.ftp import credentials, paths
from puq_hestia.ftp.expiry import forget_end
from puq_hestia.ftp.invitations import revoke_for
from puq_hestia.ftp.limits import FtpLimits, Quota
from puq_hestia.ftp.models import (
    Created,
    DomainSuspendedError,
    FolderMissingError,
    FtpCard,
    FtpRuleError,
    InvalidInputError,
    LimitReachedError,
    NameTakenError,
    NotOwnedError,
    Overview,
    PasswordChanged,
    PathChanged,
    UserSuspendedError,
    build_overview,
)
from puq_hestia.ftp.ownership import OwnershipIndex, load_overview
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import (
    AlreadyExistsError,
    HestiaConnectionError,
    HestiaError,
    NotFoundError,
    SuspendedError,
)
from puq_hestia.hestia.errors import InvalidInputError as HestiaInvalidInputError
from puq_hestia.intents import held_lease
from puq_hestia.store import Store
from puq_hestia.texts import N_, message_of

__all__ = [
    "Created", "DomainSuspendedError", "FolderMissingError", "FtpCard", "FtpRuleError", "FtpService",
    "InvalidInputError", "LimitReachedError", "NameTakenError", "NotOwnedError", "Overview", "PasswordChanged",
    "PathChanged", "Quota", "UserSuspendedError",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


class FtpService:
    """The product's FTP rules for one Hestia server."""

    def __init__(self, client: HestiaClient, *, store: Store | None = None, server_id: str = "default",
                 rng: random.Random | None = None, limits: FtpLimits | None = None, lock_wait: float = 5.0) -> None:
        self.client = client
        self.store = store
        self.server_id = server_id
        self._rng = rng
        self._index = OwnershipIndex(store, server_id)
        self.limits = limits or FtpLimits()
        self._lock_wait = lock_wait

    # -- reading ---------------------------------------------------------------------------------------------
    def overview(self, user: str) -> Overview:
        """Every FTP user of USER over all web domains: one v-list-web-domains call.

        v-list-user is asked too only when every domain is suspended (or there are none), because a suspended
        Hestia user has all its domains suspended (HESTIA_API.md §4.5) and nothing else tells them apart.
        """
        domains = self.client.web_domains(user)
        user_suspended = False
        if not domains or all(d.suspended for d in domains):
            user_suspended = self.client.users.get(user).suspended
        overview = build_overview(user, domains, user_suspended)
        self._index.remember(user, overview)
        return overview

    def owns(self, user: str, domain: str, username: str | None = None) -> bool:
        """True when DOMAIN (and USERNAME) belong to USER, answered from the last listing without a call."""
        return self.listing(user).has(domain, username)

    def known(self, user: str) -> Overview | None:
        """The last listing of USER kept in the store (no Hestia call), or None when there is none yet."""
        return self._index.lookup(user)

    def stored(self, user: str) -> tuple[Overview, str] | None:
        """The stored listing of USER with its version (a digest of the stored text); no Hestia call."""
        text = self.store.load_listing(self.server_id, user) if self.store is not None else None
        if text is None:
            return None
        return load_overview(user, text), hashlib.sha256(text.encode()).hexdigest()[:32]

    def listing(self, user: str) -> Overview:
        """The stored listing of USER, or a fresh one (one Hestia call) when nothing is stored yet."""
        return self._index.lookup(user) or self.overview(user)

    def quota(self, user: str, listing: Overview | None = None) -> Quota:
        """FTP users in use and the most USER may have (no Hestia call beyond the listing)."""
        package, override = self.store.account_limits(self.server_id, user) if self.store else (None, None)
        return Quota(len((listing or self.listing(user)).cards), self.limits.limit(package, override))

    @contextmanager
    def _within_limit(self, user: str) -> Iterator[None]:
        """Refuse a create at the limit; creates of one account take turns, so two at once cannot both pass."""
        if self.store is None or self.quota(user).limit is None:
            yield
            return
        with held_lease(self.store, f"ftp-quota:{self.server_id}:{user}", wait=self._lock_wait):
            quota = self.quota(user)
            if quota.full:
                raise LimitReachedError(N_("You have {quota}, the most your hosting plan allows; delete one "
                                        "before adding another. Nothing was changed.", quota=quota.text))
            yield

    # -- changes ---------------------------------------------------------------------------------------------
    def create(self, user: str, domain: str, *, suffix: str | None = None, password: str | None = None,
               path: str = "") -> Created:
        """Add an FTP user: v-add-web-domain-ftp USER DOMAIN SUFFIX PASSWORD [PATH]; generated values when None."""
        known = self._require_editable(user, domain)
        generated = not password
        suffix, password, folder = _all_valid(
            lambda: self._suffix(user, suffix),
            lambda: self._password(password),
            lambda: self._folder(user, domain, path),
        )
        username = f"{user}_{suffix}"
        if known.has_account(username):
            raise NameTakenError(N_("The FTP user {username} already exists.", username=username), field="suffix")
        with self._within_limit(user):
            with self._failure_audited(user, "ftp.create", domain, username):
                if folder and not self._folder_exists(user, domain, folder):
                    raise FolderMissingError(N_("The folder /{folder} does not exist, so no FTP user was created.",
                                                folder=folder),
                                             field="path")
                with self._claim(username):
                    self._create_once_or_reconcile(user, domain, suffix, username, password, folder)
            self._index.add_account(user, domain, username, folder)
        self._audit(user, "ftp.create", domain, username, "success", f"folder=/{folder}")
        card = FtpCard.for_new(known.domain(domain), user, username, folder)
        return Created(card=card, password=password, generated=generated)

    def change_password(self, user: str, domain: str, username: str,
                        password: str | None = None) -> PasswordChanged:
        """v-change-web-domain-ftp-password USER DOMAIN FTP_USER PASSWORD; a generated password when None."""
        known = self._require_editable(user, domain, username)
        generated = not password
        password = self._password(password)
        with self._failure_audited(user, "ftp.change_password", domain, username):
            self._mutate(user, domain, lambda: self.client.ftp.change_password(user, domain, username, password))
        self._audit(user, "ftp.change_password", domain, username, "success")
        card = FtpCard.for_new(known.domain(domain), user, username, known.path_of(domain, username))
        return PasswordChanged(card=card, password=password, generated=generated)

    def change_path(self, user: str, domain: str, username: str, path: str, *,
                    create_missing: bool = False) -> PathChanged:
        """v-change-web-domain-ftp-path USER DOMAIN FTP_USER PATH; a missing folder resets to the domain root.

        With CREATE_MISSING (the customer's explicit "create it and use it instead"), a missing folder is made
        first with v-add-fs-directory, one level at most (Hestia's readlink -f refuses deeper ones).
        """
        known = self._require_editable(user, domain, username)
        folder = requested = self._folder(user, domain, path)
        with self._failure_audited(user, "ftp.change_path", domain, username):
            reset = bool(folder) and not self._folder_exists(user, domain, folder)
            if reset and create_missing:
                self._make_folder(user, domain, folder)
                reset = False
            elif reset:
                folder = ""
            self._mutate(user, domain, lambda: self.client.ftp.change_path(user, domain, username, folder))
        self._index.set_path(user, domain, username, folder)
        outcome = "reset_to_root" if reset else "success"
        self._audit(user, "ftp.change_path", domain, username, outcome, f"folder=/{folder}")
        card = FtpCard.for_new(known.domain(domain), user, username, folder)
        return PathChanged(card=card, reset_to_root=reset, requested=requested)

    def delete(self, user: str, domain: str, username: str) -> None:
        """v-delete-web-domain-ftp USER DOMAIN FTP_USER; allowed on a suspended domain, like Hestia."""
        known = self._require_owned(user, domain, username)
        if known.user_suspended:
            raise UserSuspendedError(N_("Your hosting account is suspended; FTP users cannot be changed."))
        try:
            with self._failure_audited(user, "ftp.delete", domain, username):
                self._mutate(user, domain, lambda: self.client.ftp.delete(user, domain, username))
            outcome = "success"
        except NotOwnedError:
            outcome = "already"  # SECURITY.md 23: already gone is the goal reached
        self._index.remove_account(user, domain, username)
        revoke_for(self.store, self.server_id, username)  # its invitation links die with it (issue 17)
        forget_end(self.store, self.server_id, username)
        self._audit(user, "ftp.delete", domain, username, outcome)

    # -- helpers ---------------------------------------------------------------------------------------------
    def _require_owned(self, user: str, domain: str, username: str | None = None) -> Overview:
        """The known listing, or NotOwnedError (-> 404) without any Hestia call."""
        known = self.listing(user)
        if not known.has(domain, username):
            raise NotOwnedError(N_("No such web domain or FTP user in your account."))
        return known

    def _require_editable(self, user: str, domain: str, username: str | None = None) -> Overview:
        """Owned, and neither the user nor the domain is suspended (Hestia would refuse with E_SUSPENDED)."""
        known = self._require_owned(user, domain, username)
        if known.user_suspended:
            raise UserSuspendedError(N_("Your hosting account is suspended; FTP users cannot be changed."))
        summary = known.domain(domain)
        if summary is not None and summary.suspended:
            raise DomainSuspendedError(N_("The web domain {domain} is suspended; its FTP users cannot be added "
                                       "or changed (deleting is still possible).", domain=domain))
        return known

    def _suffix(self, user: str, suffix: str | None) -> str:
        """The customer's suffix after validation, or a random one."""
        if not suffix:
            return credentials.generate_suffix(user, rng=self._rng)
        if suffix.startswith(f"{user}_"):
            suffix = suffix[len(user) + 1:]  # the full login typed (alice_designer): Hestia adds the prefix itself
        return self._checked(lambda: credentials.validate_suffix(user, suffix), "suffix")

    def _password(self, password: str | None) -> str:
        """The customer's password after validation, or a random one."""
        if not password:
            return credentials.generate_password(rng=self._rng)
        return self._checked(lambda: credentials.validate_password(password), "password")

    @staticmethod
    def _checked(check: Callable[[], T], field: str) -> T:
        """Run a validator and turn its ValueError into a form error for FIELD."""
        try:
            return check()
        except ValueError as e:
            raise InvalidInputError(message_of(e), field=field) from e

    def folders(self, user: str, domain: str) -> list[str]:
        """Folders to offer in a folder field: the domain folder's own (one v-list-fs-directory) and known ones."""
        self._require_owned(user, domain)
        entries = self.client.list_directory(user, paths.domain_dir(user, domain)) or []
        found = {entry.name for entry in entries[1:] if entry.is_dir and paths.is_plain_segment(entry.name)}
        found.update(card.path for card in self.listing(user).cards_for(domain) if card.path)
        return sorted(found)

    def _folder(self, user: str, domain: str, path: str) -> str:
        """The typed or pasted folder, relative to the domain folder, or a form error on the path field."""
        return self._checked(lambda: paths.normalize_ftp_path(paths.strip_domain_dir(path, user, domain)), "path")

    def _make_folder(self, user: str, domain: str, folder: str) -> None:
        """v-add-fs-directory of one folder under the domain; Hestia's refusal becomes a folder error."""
        try:
            self.client.add_directory(user, paths.absolute_ftp_path(user, domain, folder))
        except (HestiaInvalidInputError, NotFoundError) as error:
            raise FolderMissingError(N_("The folder /{folder} could not be created (only one missing level can be "
                                     "created at a time). Nothing was changed.", folder=folder),
                                     field="path") from error
        self._audit(user, "ftp.add_folder", domain, "", "success", f"folder=/{folder}")

    def _folder_exists(self, user: str, domain: str, folder: str) -> bool:
        """v-list-fs-directory USER ABSOLUTE_PATH: the folder exists and is a directory."""
        try:
            entries = self.client.list_directory(user, paths.absolute_ftp_path(user, domain, folder))
        except HestiaInvalidInputError:
            # Two or more missing levels: readlink -f prints nothing and Hestia answers exit 2 "invalid path"
            # (HESTIA_API.md §7). The path already passed our strict containment rule, so it is simply missing.
            return False
        return entries is not None and bool(entries) and entries[0].is_dir

    def _mutate(self, user: str, domain: str, call: Callable[[], None]) -> None:
        """Run an idempotent change; resend once when Hestia may not have applied it, map suspension errors."""
        try:
            try:
                call()
            except HestiaError as e:
                if not e.outcome_unknown:
                    raise
                log.warning("change outcome unknown (%s); sending it once more", type(e).__name__)
                call()
        except SuspendedError as e:
            raise _suspension_error(user, domain, e) from e
        except NotFoundError as e:
            # The stored listing was stale: the domain or account is gone at Hestia.
            self.overview(user)
            raise NotOwnedError(N_("That web domain or FTP user no longer exists.")) from e

    def _create_once_or_reconcile(self, user: str, domain: str, suffix: str, username: str, password: str,
                                  folder: str) -> None:
        """Create; when the outcome is unknown, look before sending again (SECURITY.md 22)."""
        try:
            self.client.ftp.create(user, domain, suffix, password, folder)
            return
        except AlreadyExistsError as e:
            raise NameTakenError(N_("The FTP user {username} already exists.", username=username),
                                 field="suffix") from e
        except SuspendedError as e:
            raise _suspension_error(user, domain, e) from e
        except HestiaError as e:
            if not e.outcome_unknown:
                raise
            log.warning("create of an FTP user has an unknown outcome (%s); reconciling", type(e).__name__)
        try:
            self._reconcile_create(user, domain, suffix, username, password, folder)
        except HestiaError as e:
            # The first create may have run, so a failure while reconciling leaves the outcome unknown, even
            # when the failed call itself was a read (found by the fault matrix, tests/chaos).
            raise HestiaConnectionError(f"creating {username}: outcome unknown ({type(e).__name__} while "
                                        "checking)", outcome_unknown=True) from e

    def _reconcile_create(self, user: str, domain: str, suffix: str, username: str, password: str,
                          folder: str) -> None:
        """List; if the account exists set the intended password (and folder), else create it once more."""
        listing = self.overview(user)
        if listing.has(domain, username):
            # Hestia applied it: make the password (and folder) the ones we are about to show.
            self.client.ftp.change_password(user, domain, username, password)
            if listing.path_of(domain, username) != folder:
                self.client.ftp.change_path(user, domain, username, folder)
            return
        try:
            self.client.ftp.create(user, domain, suffix, password, folder)
        except AlreadyExistsError as e:
            raise NameTakenError(N_("The FTP user {username} already exists.", username=username),
                                 field="suffix") from e

    def _claim(self, username: str) -> _NameClaim:
        """Hold the FTP name for the duration of a create, so two concurrent creates end in one account."""
        return _NameClaim(self.store, self.server_id, username)

    @contextmanager
    def _failure_audited(self, user: str, action: str, domain: str, username: str) -> Iterator[None]:
        """Audit a change that Hestia failed, as the customer is told: "failure" (nothing changed) or "unknown".

        Without it the activity list would be silent about a change that may have been made (issue 6 matrix).
        """
        try:
            yield
        except HestiaError as e:
            self._audit(user, action, domain, username, "unknown" if e.outcome_unknown else "failure",
                        type(e).__name__)
            raise

    def _audit(self, user: str, action: str, domain: str, username: str, outcome: str, detail: str = "") -> None:
        """Record what happened (never a password)."""
        if self.store is not None:
            self.store.record_event(self.server_id, user, action, domain=domain, ftp_user=username,
                                    outcome=outcome, detail=detail)


class _NameClaim:
    """Context manager around store.claim_name / release_name (a no-op without a store)."""

    def __init__(self, store: Store | None, server_id: str, username: str) -> None:
        self.store, self.server_id, self.username = store, server_id, username

    def __enter__(self) -> None:
        if self.store is not None and not self.store.claim_name(self.server_id, self.username):
            raise NameTakenError(N_("The FTP user {username} is being created right now.", username=self.username),
                                 field="suffix")

    def __exit__(self, *exc: object) -> None:
        if self.store is not None:
            self.store.release_name(self.server_id, self.username)


def _all_valid(*checks: Callable[[], str]) -> list[str]:
    """Run every check; raise one InvalidInputError that carries each failing field's message."""
    values: list[str] = []
    failures: list[InvalidInputError] = []
    for check in checks:
        try:
            values.append(check())
        except InvalidInputError as e:
            failures.append(e)
    if failures:
        errors = {e.field: e.message for e in failures if e.field}
        raise InvalidInputError(failures[0].message, field=failures[0].field, errors=errors)
    return values


def _suspension_error(user: str, domain: str, error: SuspendedError) -> FtpRuleError:
    """Hestia says E_SUSPENDED for both a suspended user and a suspended domain; tell which."""
    if f"user {user} " in error.text:
        return UserSuspendedError(N_("Your hosting account is suspended; FTP users cannot be changed."))
    return DomainSuspendedError(N_("The web domain {domain} is suspended; its FTP users cannot be added or changed.",
                                   domain=domain))
