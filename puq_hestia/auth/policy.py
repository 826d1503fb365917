"""Hestia's own login policy, applied to the panel's login (HESTIA_API.md §12, SECURITY.md 33).

In Hestia's order: ``v-check-user-password USER PASSWORD IP``, then ``v-list-user USER json``, refusing
LOGIN_DISABLED, an address outside LOGIN_ALLOW_IPS when LOGIN_USE_IPLIST is on, and admin accounts (ROLE admin
does not sign in to a customer panel); when TWOFA is set, a second step checks the code with
``v-check-user-2fa``. Every outcome is written to the customer's Hestia login history (``v-log-user-login``).
A refusal looks exactly like a wrong password to the visitor; the reason goes to the panel's log only.
No Flask here: the panel passes the address it trusts (through ``trusted_proxies``) and renders the result.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass, replace
from enum import Enum

from puq_hestia.auth.sessions import SessionBook, session_label
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import HestiaCommandError, HestiaError, NotFoundError

__all__ = ["LoginPolicy", "LoginResult", "Outcome", "normalise_username"]

log = logging.getLogger(__name__)

# Hestia's user name rule (HESTIA_API.md §3); anything else cannot be an account, so Hestia is not asked.
_HESTIA_USER = re.compile(r"[a-z0-9]([-._a-z0-9]{0,28}[a-z0-9])?")
# A TOTP code is 6 digits; Hestia refuses 10 or more characters without a call, the panel anything else too.
_CODE = re.compile(r"[0-9]{6}")


class Outcome(Enum):
    """How a login step ended."""

    SIGNED_IN = "signed in"
    CODE_NEEDED = "code needed"
    REFUSED = "refused"
    CODE_WRONG = "code wrong"  # a 2FA code was wrong and the pending login still has tries left


@dataclass(frozen=True)
class LoginResult:
    """The outcome, the session (or pending-login) id for the cookie, and the reason for the log only."""

    outcome: Outcome
    user: str
    session_id: str | None = None
    reason: str = ""
    package: str = ""  # the account's Hestia package, once the password checked out (the FTP user limit)
    language: str = ""  # the account's Hestia LANGUAGE, from the same v-list-user (the panel's language)


def normalise_username(value: str) -> str:
    """The name Hestia is asked about: trimmed and lowercased (Hestia's user names are lowercase)."""
    return value.strip().lower()


def _plain_ip(address: str) -> str | None:
    """The address as Hestia compares it (IPv4-mapped IPv6 reduced to IPv4), or None when it is no address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip)


class LoginPolicy:
    """Signs customers of one Hestia server in, the way Hestia's own login does."""

    def __init__(self, client: HestiaClient, book: SessionBook, server_id: str) -> None:
        self._client = client
        self._book = book
        self._server_id = server_id

    def sign_in(self, username: str, password: str, address: str, user_agent: str) -> LoginResult:
        """Step one: the password, then the account's login settings; a session, a code step or a refusal."""
        user, ip = normalise_username(username), _plain_ip(address) or ""
        if not _HESTIA_USER.fullmatch(user) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in password):
            return LoginResult(Outcome.REFUSED, user, reason="not a possible login")
        # Hestia's format check for IP is IPv4 only; without one it logs the failure as 127.0.0.1 (§12).
        hestia_ip = ip if "." in ip else None
        if not self._client.users.check_password(user, password, hestia_ip):
            return self._refuse(user, ip, user_agent, "wrong password or unknown user")
        account = self._client.users.get(user)
        reason = self._policy_refusal(account.login_disabled, account.login_use_iplist,
                                      account.login_allow_ips, account.is_admin, ip)
        if reason:
            return self._refuse(user, ip, user_agent, reason)
        if account.two_factor:
            return LoginResult(Outcome.CODE_NEEDED, user, self._book.open_pending(self._server_id, user),
                               package=account.package, language=account.language)
        signed_in = self._signed_in(user, ip, user_agent, self._book.open(self._server_id, user))
        return replace(signed_in, package=account.package, language=account.language)

    def check_code(self, pending_id: str, code: str, address: str, user_agent: str) -> LoginResult:
        """Step two: the 2FA code for a pending login; three wrong codes end it."""
        pending = self._book.pending(pending_id)
        if pending is None or pending.server_id != self._server_id:
            return LoginResult(Outcome.REFUSED, "", reason="no pending login (expired, spent or out of tries)")
        ip, code = _plain_ip(address) or "", code.strip()
        if not (_CODE.fullmatch(code) and self._client.users.check_two_factor(pending.user, code)):
            self._log(pending.user, ip, user_agent, pending_id, success=False)
            if self._book.code_failed(pending_id):
                return LoginResult(Outcome.CODE_WRONG, pending.user, reason="wrong 2FA code")
            return LoginResult(Outcome.REFUSED, pending.user, reason="wrong 2FA code, no tries left")
        session_id = self._book.promote(pending_id)
        if session_id is None:  # another request spent it first
            return LoginResult(Outcome.REFUSED, pending.user, reason="pending login already spent")
        return self._signed_in(pending.user, ip, user_agent, session_id)

    @staticmethod
    def _policy_refusal(disabled: bool, use_iplist: bool, allowed: tuple[str, ...], admin: bool, ip: str) -> str:
        """Why Hestia's settings refuse this login, or "" (LOGIN_ALLOW_IPS: trimmed entries, exact match)."""
        if disabled:
            return "login disabled for this user"
        if use_iplist and ip not in {entry.strip() for entry in allowed}:
            return "IP address not in allowed list"
        if admin:
            return "admin accounts do not sign in to the customer panel"
        return ""

    def _refuse(self, user: str, ip: str, user_agent: str, reason: str) -> LoginResult:
        self._log(user, ip, user_agent, "", success=False)
        return LoginResult(Outcome.REFUSED, user, reason=reason)

    def _signed_in(self, user: str, ip: str, user_agent: str, session_id: str) -> LoginResult:
        self._log(user, ip, user_agent, session_id, success=True)
        return LoginResult(Outcome.SIGNED_IN, user, session_id)

    def _log(self, user: str, ip: str, user_agent: str, session_id: str, *, success: bool) -> None:
        """Write the outcome to the customer's Hestia login history; a failure to write does not change it."""
        if not ip:
            return
        label = session_label(session_id) if session_id else "-"
        try:
            self._client.users.log_login(user, ip, success, label, user_agent)
        except NotFoundError:
            pass  # an unknown user has no login history, as in Hestia
        except (HestiaCommandError, HestiaError) as error:
            log.warning("could not write the login history of %r: %s", user, type(error).__name__)
