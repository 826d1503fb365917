"""Issue 6 item 5 (SECURITY.md 12-14): the main flows with every logger at DEBUG, then a scan for secrets.

Scanned: every log record (message, arguments, traceback), every response body, cookie (the session cookie
decoded too) and redirect, every row of every table of the store, and the mock's call log. A new password may
appear in exactly one place: the no-store response that created it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

import pytest
import sqlalchemy as sa
from chaos_support import DEMO_HASH, PANEL_SECRET, RESELLER_SECRETS, Rig, shown_password
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

ALICE_PASSWORD = "Alice-demo-2026"
TYPED = {"advanced": "Typed-secret-2026x", "change": "Changed-secret-2026y"}
HOOK_PASSWORDS = {"create": "Dave-secret-2026z", "change": "Dave-newsecret-2026w"}


@dataclass
class Evidence:
    """Everything the flows produced that someone could read later."""

    responses: list[tuple[str, TestResponse]] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)

    def keep(self, label: str, response: TestResponse) -> TestResponse:
        """Remember a response."""
        self.responses.append((label, response))
        return response


class _Everything(logging.Handler):
    """Keeps every record of every logger, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + repr(record.args))


@pytest.fixture
def all_logs() -> Iterator[_Everything]:
    """Every logger at DEBUG, captured at the root."""
    handler = _Everything()
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)] + [logging.root]
    levels = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    logging.root.addHandler(handler)
    yield handler
    logging.root.removeHandler(handler)
    for lg, level, disabled in levels:
        lg.setLevel(level)
        lg.disabled = disabled


def _panel_flows(rig: Rig, seen: Evidence) -> FlaskClient:
    browser = rig.app.test_client()
    seen.keep("login page", browser.get("/login?next=/ftp/alice.example"))
    seen.keep("login", browser.post("/login?next=/ftp/alice.example",
                                    data={"username": "alice", "password": ALICE_PASSWORD}))
    seen.keep("failed login", rig.app.test_client().post("/login", data={"username": "alice",
                                                                         "password": ALICE_PASSWORD + "x"}))
    seen.keep("ftp", browser.get("/ftp"))
    created = seen.keep("create simple", browser.post("/ftp/add", data={"domain": "alice.example"}))
    seen.generated.append(shown_password(created) or "")
    seen.keep("create advanced", browser.post("/ftp/alice.example/add", data={
        "suffix": "typed", "password": TYPED["advanced"], "path": "public_html"}))
    rig.fault(kind="drop_after", cmd="v-add-web-domain-ftp", times=1)  # the reconcile path logs warnings
    reconciled = seen.keep("create reconciled", browser.post("/ftp/add", data={"domain": "alice.example"}))
    seen.generated.append(shown_password(reconciled) or "")
    seen.keep("change typed", browser.post("/ftp/alice.example/alice_deploy/password",
                                           data={"password": TYPED["change"]}))
    rig.fault(kind="http_status", status=502, cmd="v-change-web-domain-ftp-password", times=1)
    changed = seen.keep("change generated", browser.post("/ftp/alice.example/alice_typed/password",
                                                         data={"password": ""}))
    seen.generated.append(shown_password(changed) or "")
    seen.keep("folder", browser.post("/ftp/alice.example/alice_deploy/path", data={"path": "public_html"}))
    seen.keep("delete", browser.post("/ftp/alice.example/alice_media/delete"))
    seen.keep("after", browser.get("/ftp/alice.example"))
    rig.fault(kind="refused")
    seen.keep("unreachable", browser.post("/ftp/alice.example/alice_deploy/password",
                                          data={"password": TYPED["change"]}))
    rig.clear_faults()
    return browser


def _hook_flows(rig: Rig, seen: Evidence) -> None:
    account = {"username": "dave", "password": HOOK_PASSWORDS["create"], "domain": "dave.example",
               "configoption2": "on", "clientsdetails": {"email": "dave@example.com"}}
    rig.fault(kind="read_timeout", cmd="v-add-user", times=1)  # reconcile path: sets the password again
    seen.keep("hook create", rig.hook("create_account", account))
    seen.keep("hook suspend", rig.hook("suspend_account", {"username": "dave"}))
    seen.keep("hook password while suspended", rig.hook("change_password", {
        "username": "dave", "password": HOOK_PASSWORDS["change"]}))
    seen.keep("hook unsuspend", rig.hook("unsuspend_account", {"username": "dave"}))
    seen.keep("hook password", rig.hook("change_password", {"username": "dave",
                                                            "password": HOOK_PASSWORDS["change"]}))
    seen.keep("hook bad signature", rig.app.test_client().post(
        "/hooks/suspend_account", data=b"{}", headers={"X-Puq-Reseller": "reseller-a", "X-Puq-Timestamp": "1",
                                                       "X-Puq-Signature": "sha256=" + "0" * 64}))
    sso = seen.keep("hook sso", rig.hook("single_sign_on", {"username": "dave"}))
    link = sso.get_json()["redirectTo"]
    seen.keep("sso", rig.app.test_client().get(link.removeprefix("http://panel.test")))


def _variants(secret: str) -> set[str]:
    return {secret, quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]}


def _cookie_texts(rig: Rig, response: TestResponse) -> list[str]:
    """Raw Set-Cookie values, and the decoded session of each."""
    texts = []
    serializer = rig.app.session_interface.get_signing_serializer(rig.app)  # type: ignore[attr-defined]
    for header in response.headers.getlist("Set-Cookie"):
        texts.append(header)
        value = header.split(";", 1)[0].split("=", 1)[1]
        if value:
            texts.append(json.dumps(serializer.loads(value)))
    return texts


def _store_text(rig: Rig) -> str:
    engine = rig.services.store.engine
    tables = sa.MetaData()
    tables.reflect(engine)
    rows = []
    with engine.connect() as connection:
        for table in tables.sorted_tables:
            rows += [repr(tuple(row)) for row in connection.execute(sa.select(table))]
    assert rows  # the flows left audit events, claims and listings to scan
    return "\n".join(rows)


def test_no_password_or_key_leaks_anywhere(fresh: Rig, all_logs: _Everything) -> None:
    seen = Evidence()
    _panel_flows(fresh, seen)
    _hook_flows(fresh, seen)
    assert all(seen.generated) and len(set(seen.generated)) == 3
    statuses = {label: response.status_code for label, response in seen.responses}
    assert statuses == {
        "login page": 200, "login": 302, "failed login": 401, "ftp": 200, "create simple": 201,
        "create advanced": 201, "create reconciled": 201, "change typed": 200, "change generated": 200,
        "folder": 302, "delete": 302, "after": 200, "unreachable": 503, "hook create": 200, "hook suspend": 200,
        "hook password while suspended": 409, "hook unsuspend": 200, "hook password": 200,
        "hook bad signature": 401, "hook sso": 200, "sso": 302}

    once = {**{p: label for p, label in zip(seen.generated, ("create simple", "create reconciled",
                                                                "change generated"), strict=True)},
            TYPED["advanced"]: "create advanced", TYPED["change"]: "change typed"}
    never = [ALICE_PASSWORD, *HOOK_PASSWORDS.values(), DEMO_HASH.split(":")[1], PANEL_SECRET,
             *RESELLER_SECRETS.values()]
    places: dict[str, str] = {"logs": "\n".join(all_logs.lines), "store": _store_text(fresh),
                              "mock calls": json.dumps(fresh.calls())}
    for label, response in seen.responses:
        places[f"body of {label}"] = response.get_data(as_text=True)
        places[f"cookies of {label}"] = "\n".join(_cookie_texts(fresh, response))
        places[f"redirect of {label}"] = response.headers.get("Location", "")
    assert len(all_logs.lines) > 20  # DEBUG logging really ran

    for secret in [*never, *once]:
        found = [where for where, text in places.items() if any(v in text for v in _variants(secret))]
        allowed = [f"body of {once[secret]}"] if secret in once else []
        assert found == allowed, f"a secret appears in {found}"
    for label in set(once.values()):
        response = dict(seen.responses)[label]
        assert response.headers["Cache-Control"] == "no-store" and response.status_code in (200, 201)
