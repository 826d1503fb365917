"""The login-policy scripts (HESTIA_API.md §12): TOTP 2FA, user.conf values and the customer's login history.

`v-check-user-2fa` is RobThree TwoFactorAuth's `verifyCode` in Hestia: RFC 6238 TOTP with SHA-1, 6 digits and a
30 s period, one period of drift allowed either side. pyotp does the same, on the backend's injectable clock, so
tests compute the right code for a fixed moment instead of waiting for one.
"""

from __future__ import annotations

import ipaddress
import re

import pyotp

from hestia_mock.commands.checks import Checks, arg
from hestia_mock.commands.registry import command
from hestia_mock.state import E_EXISTS, E_INVALID, E_NOTEXIST, E_PASSWORD, fail

# Hestia's secrets are 160-bit base32, 32 characters (§12).
SECRET_LENGTH = 32
_CONFIG_KEY = re.compile(r"[A-Z][A-Z0-9_]*")


def otpauth_uri(user: str, secret: str) -> str:
    """What QRCODE stands for: the otpauth:// URI an authenticator app scans (it holds the secret)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user, issuer_name="Hestia Control Panel")


class LoginCommands(Checks):
    """v-add-user-2fa, v-delete-user-2fa, v-check-user-2fa, v-change-user-config-value, v-log-user-login."""

    @command("v-add-user-2fa", "USER")
    def v_add_user_2fa(self, *args: str) -> str:
        """Write a new TOTP secret to TWOFA (and its QR code to QRCODE); 4 when 2FA is already on."""
        self.need_args(args, 1, "v-add-user-2fa")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        if user.conf.get("TWOFA"):
            raise fail(E_EXISTS, "2FA already enabled")
        secret = pyotp.random_base32(SECRET_LENGTH)
        user.conf["TWOFA"], user.conf["QRCODE"] = secret, otpauth_uri(user.name, secret)
        return ""

    @command("v-delete-user-2fa", "USER")
    def v_delete_user_2fa(self, *args: str) -> str:
        """Clear TWOFA and QRCODE."""
        self.need_args(args, 1, "v-delete-user-2fa")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        user.conf["TWOFA"], user.conf["QRCODE"] = "", ""
        return ""

    @command("v-check-user-2fa", "USER TOKEN", secret=(2,))
    def v_check_user_2fa(self, *args: str) -> str:
        """0 for a right code; 3 when 2FA is off, 9 `Authentication token mismatch.` for a wrong code (§12)."""
        self.need_args(args, 2, "v-check-user-2fa")
        self.check_user_format(arg(args, 1))
        user = self.user_of(arg(args, 1))
        secret = user.conf.get("TWOFA", "")
        if not secret:
            raise fail(E_NOTEXIST, "Two-factor authentication is not enabled.")
        if not pyotp.TOTP(secret).verify(arg(args, 2), for_time=self.clock(), valid_window=1):
            raise fail(E_PASSWORD, "Authentication token mismatch.")
        return ""

    @command("v-change-user-config-value", "USER KEY VALUE")
    def v_change_user_config_value(self, *args: str) -> str:
        """Set one user.conf key (LOGIN_DISABLED, LOGIN_USE_IPLIST, LOGIN_ALLOW_IPS...); refused when suspended."""
        self.need_args(args, 3, "v-change-user-config-value")
        self.check_user_format(arg(args, 1))
        key, value = arg(args, 2), arg(args, 3)
        if _CONFIG_KEY.fullmatch(key) is None:
            raise fail(E_INVALID, f"invalid key format :: {key}")
        if "'" in value or '"' in value:
            raise fail(E_INVALID, f"invalid value format :: {value}")
        user = self.user_of(arg(args, 1))
        self.check_user_active(user)
        user.conf[key] = value
        return ""

    @command("v-log-user-login", "USER IP STATUS [SESSION_ID] [USER_AGENT] [AUTHLOG] [REASON]")
    def v_log_user_login(self, *args: str) -> str:
        """Append a line to the user's own login history (Hestia's *Logs → Login history*, §12)."""
        self.need_args(args, 2, "v-log-user-login")
        self.check_user_format(arg(args, 1))
        ip, status, agent, reason = arg(args, 2), arg(args, 3), arg(args, 5), arg(args, 7)
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise fail(E_INVALID, f"invalid ip :: {ip}") from None
        for label, value in (("user_agent", agent), ("reason", reason)):
            if "'" in value or '"' in value:
                raise fail(E_INVALID, f"invalid {label} format :: {value}")
        user = self.user_of(arg(args, 1))
        time, date = self.timestamp()
        user.logins.append({
            "DATE": date, "TIME": time, "IP": ip, "ACTION": "login", "STATUS": status, "USER_AGENT": agent,
            "SESSION": arg(args, 4), "ACTIVE": "yes" if status == "success" else "no",
        })  # fmt: skip
        return ""
