"""Billing creates whose worker died between their steps: finished or rolled back by `puq-hestia maintain`.

A create writes its plan (``CREATE_PLAN``: name, web domain, package, service id, FTP user limit; never the
password) before v-add-user, marks it "made" once the account is proven this call's (v-add-user answered success,
or the password it sent checked out), and "done" / "failed" / "rolled back" when it ends. A plan left open or
made is settled here, once every Hestia call of its delivery is settled, as the create itself would have ended
(SECURITY.md 27):

- not made: nothing to undo ("failed"); an account of the name that exists was not proven this call's, so it is
  left exactly as it is ("unproven") for the same delivery's redelivery (its password is the evidence) or an
  operator;
- made, and every step is at Hestia (the web domain exists, or none was asked for): the create succeeded and only
  its answer was lost, so it is recorded, owned, audited, and the delivery's answer is "success";
- made, and the web domain is missing: billing was never told "success", so the account it made is removed again
  (all or nothing), but only while it is exactly as the create left it (no web domain, the contact and package it
  was made with, no other change since, no other reseller's). Otherwise it is "kept" for an operator.

The delivery's stored answer becomes what happened, so a redelivery with the same Idempotency-Key gets it without
a Hestia call (never a second v-add-user, never "already taken" for its own account).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import HestiaError, NotFoundError
from puq_hestia.hestia.models import HestiaUser
from puq_hestia.intents import CREATE_PLAN, OPEN_STATES, Intent, IntentLog, intent_origin
from puq_hestia.store import HOOK_DONE, Store

__all__ = ["ROLLED_BACK", "settle_creates"]

log = logging.getLogger(__name__)

_HOW = "settled by the maintenance run after an interruption"
#: What billing is told (and a redelivery gets again) when the half-made account was removed again.
ROLLED_BACK = ("The create was interrupted after the account was made and before its web domain was added; "
               "the account was removed again, so nothing was left behind. Send the create again as a new "
               "request.")
# Stored for the delivery with the status the hooks endpoint gives a conflict (maintenance does not import billing/).
_ROLLBACK_ANSWER = {"status": 409, "body": {"result": "error", "message": ROLLED_BACK}}


@dataclass(frozen=True)
class _Create:
    """One plan and the delivery it belongs to."""

    plan: Intent
    reseller: str  # "" for the operator (CLI), who claims nothing
    key: str  # the delivery's Idempotency-Key, "" when not a hook
    grace: timedelta  # a hook record re-stamped more recently was taken over by a redelivery

    @property
    def user(self) -> str:
        return self.plan.account

    @property
    def domain(self) -> str:
        return self.plan.args[1] if len(self.plan.args) > 1 else ""


def settle_creates(store: Store, log_: IntentLog, client: HestiaClient, grace: timedelta) -> list[str]:
    """Settle each unfinished create plan older than ``grace`` (younger ones may still run); one line each."""
    return [_settle(store, log_, client, _of(plan, grace)) for plan in log_.plans(grace)]


def _of(plan: Intent, grace: timedelta) -> _Create:
    """Tie a plan to its delivery: the origin is "hook:<reseller>:<key>" (the key may hold ':')."""
    kind, _, rest = plan.origin.partition(":")
    if kind != "hook":
        return _Create(plan, "", "", grace)
    reseller, _, key = rest.partition(":")
    return _Create(plan, reseller, key, grace)


def _settle(store: Store, log_: IntentLog, client: HestiaClient, create: _Create) -> str:
    plan, head = create.plan, f"#{create.plan.id} create_account {create.user}"
    record = store.hook_record(create.reseller, create.key) if create.key else None
    if record is not None and record.status == HOOK_DONE and record.result != _ROLLBACK_ANSWER:
        # Its delivery (or a redelivery with the same key) answered billing: nothing is left to decide here.
        log_.finish(plan.id, "done", f"{_HOW}: its delivery was answered")
        return f"{head}: done (its delivery was answered)"
    steps = _steps(log_, plan)
    if any(i.state in OPEN_STATES for i in steps):
        return f"{head}: left open (a step of it is not settled yet)"
    adds = [i for i in steps if i.command == "v-add-user"]
    if not (plan.state == "made" or any(i.state == "done" for i in adds)):
        return _not_made(store, log_, create, adds)
    try:
        account = _user(client, create.user)
        domains = {d.name for d in client.web_domains(create.user)} if account is not None else set()
    except HestiaError as error:
        return f"{head}: left open (Hestia: {type(error).__name__})"
    if account is None:
        _forget(store, create)
        log_.finish(plan.id, "failed", f"{_HOW}: the account it made no longer exists")
        return f"{head}: failed (the account it made no longer exists)"
    if not create.domain or create.domain in domains:
        return _finished(store, log_, create)
    why = _changed(store, log_, create, account, adds, domains)
    if why:
        log_.finish(plan.id, "kept", f"{_HOW}: half made but {why}; left for an operator")
        return f"{head}: kept (half made, but {why}: left for an operator)"
    return _roll_back(store, log_, client, create)


def _steps(log_: IntentLog, plan: Intent) -> list[Intent]:
    """The calls this create made: its delivery's intents on the account, up to a later plan of the same key."""
    later = [i for i in log_.of_origin(plan.origin) if i.id > plan.id and i.account == plan.account]
    end = next((i.id for i in later if i.command == CREATE_PLAN), None)
    return [i for i in later if end is None or i.id < end]


def _not_made(store: Store, log_: IntentLog, create: _Create, adds: list[Intent]) -> str:
    """No proof this call made the account: never adopted, never deleted."""
    head = f"#{create.plan.id} create_account {create.user}"
    if any(i.state == "exists" for i in adds):
        # The create intent stays, so the same delivery's redelivery may still prove it with its password.
        log_.finish(create.plan.id, "unproven", f"{_HOW}: an account of this name exists, but nothing proves "
                                                "this create made it; left as it is for its redelivery")
        return f"{head}: unproven (an account of the name exists; not adopted, not removed)"
    _end_create(store, create)
    log_.finish(create.plan.id, "failed", f"{_HOW}: no account was made")
    return f"{head}: failed (no account was made)"


def _finished(store: Store, log_: IntentLog, create: _Create) -> str:
    """Every step is at Hestia: record the create as the worker would have (owner, limits, audit, answer)."""
    server, user, plan = log_.server_id, create.user, create.plan
    if create.reseller:
        store.claim_account(server, user, create.reseller, (plan.args[3] if len(plan.args) > 3 else "") or None)
    _end_create(store, create)
    if len(plan.args) > 4:  # the FTP user limit the create would have recorded (puq_hestia.ftp.limits)
        store.set_account_limits(server, user, package=plan.args[2], ftp_accounts=_number(plan.args[4]))
    store.record_event(server, user, "maintenance.create_account", domain=create.domain or None, outcome="done",
                       detail=f"{_HOW}: the account was created; the answer to billing was lost")
    if create.key:
        store.settle_hook(create.reseller, create.key, {"status": 200, "body": {"result": "success"}},
                          older_than=create.grace)
    log_.finish(plan.id, "done", f"{_HOW}: every step was made")
    return f"#{plan.id} create_account {user}: done (every step was made; recorded and owned)"


def _changed(store: Store, log_: IntentLog, create: _Create, account: HestiaUser, adds: list[Intent],
             domains: set[str]) -> str:
    """Why the account is no longer exactly as this create left it ("" when it is)."""
    owner = store.account_owner(log_.server_id, create.user)
    if owner not in (None, create.reseller):
        return "another reseller owns it"
    if domains:
        return "it has a web domain now"
    made_with = next((i.args for i in adds if i.state == "done"), None) or (adds[-1].args if adds else ())
    # v-add-user USER PASSWORD EMAIL PACKAGE NAME (the password masked in the intent).
    if len(made_with) > 3 and (account.contact, account.package) != (made_with[2], made_with[3]):
        return "its contact or package changed since"
    ours = (create.plan.origin, f"maintain:{create.plan.origin}")  # its own calls, and an earlier try to undo it
    if any(i.origin not in ours for i in log_.of_account(create.user, create.plan.id)):
        return "another change was made to it since"
    return ""


def _roll_back(store: Store, log_: IntentLog, client: HestiaClient, create: _Create) -> str:
    """Remove the account this create provably made and nothing else changed: all or nothing."""
    head = f"#{create.plan.id} create_account {create.user}"
    # The answer first, and only while no redelivery has taken the delivery over (which might finish the account
    # meanwhile); once stored, a redelivery gets it. A failed delete below is tried again by the next run.
    record = store.hook_record(create.reseller, create.key) if create.key else None
    if record is not None and record.result != _ROLLBACK_ANSWER and not store.settle_hook(
            create.reseller, create.key, _ROLLBACK_ANSWER, older_than=create.grace):
        return f"{head}: left open (a redelivery of it is running)"
    try:
        with intent_origin(f"maintain:{create.plan.origin}"):
            client.users.delete(create.user)
    except NotFoundError:
        pass  # gone meanwhile: the goal is reached
    except HestiaError as error:
        log.warning("rollback of %s not done: %s", create.user, type(error).__name__)
        return f"{head}: left open (removing the half-made account failed: {type(error).__name__})"
    store.record_event(log_.server_id, create.user, "maintenance.create_account", domain=create.domain or None,
                       outcome="rolled back", detail=f"{_HOW}: the web domain was never added, so the account "
                                                     "this create made was removed again")
    _forget(store, create)
    log_.finish(create.plan.id, "rolled back", f"{_HOW}: the account it made was removed again")
    return f"{head}: rolled back (the web domain was never added; the account it made was removed again)"


def _forget(store: Store, create: _Create) -> None:
    """The account is gone: nobody owns it, its intent is over, a later account of the name starts clean."""
    server = create.plan.server_id
    if create.reseller and store.account_owner(server, create.user) == create.reseller:
        store.release_account(server, create.user)
    _end_create(store, create)
    store.forget_account(server, create.user)


def _end_create(store: Store, create: _Create) -> None:
    """Forget the create intent of the name, if it is still this delivery's (not a later create's)."""
    intent = store.create_intent(create.plan.server_id, create.user)
    if intent is not None and (intent.reseller_id, intent.idempotency_key) == (create.reseller, create.key):
        store.end_create(create.plan.server_id, create.user, create.reseller)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _user(client: HestiaClient, name: str) -> HestiaUser | None:
    """v-list-user NAME json, or None when Hestia has no such user."""
    try:
        return client.users.get(name)
    except NotFoundError:
        return None
