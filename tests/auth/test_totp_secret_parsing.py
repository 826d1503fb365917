"""The TOTP secret in v-list-user output (TWOFA, QRCODE) is dropped at parse time (HESTIA_API.md §12)."""

from __future__ import annotations

import json
from pathlib import Path

from puq_hestia.hestia.models import HestiaUser, records

DATA = Path(__file__).resolve().parents[1] / "data" / "user.json"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def listed(**fields: str) -> dict[str, dict[str, str]]:
    """The recorded v-list-user answer of tests/data with some fields changed."""
    payload = json.loads(DATA.read_text())
    name = next(iter(payload))
    payload[name].update(fields)
    return payload


def test_twofa_and_qrcode_never_survive_parsing() -> None:
    payload = listed(TWOFA=SECRET, QRCODE=f"otpauth://totp/x?secret={SECRET}")
    entries = records(payload, "v-list-user")
    name, record = next(iter(entries.items()))
    assert "TWOFA" not in record and "QRCODE" not in record
    assert SECRET not in repr(entries)
    user = HestiaUser.from_hestia(name, record)
    assert user.two_factor and SECRET not in repr(user)


def test_login_settings_are_parsed() -> None:
    payload = listed(TWOFA="", LOGIN_DISABLED="yes", LOGIN_USE_IPLIST="yes", LOGIN_ALLOW_IPS="203.0.113.7, 10.0.0.1")
    name, record = next(iter(records(payload, "v-list-user").items()))
    user = HestiaUser.from_hestia(name, record)
    assert (user.two_factor, user.login_disabled, user.login_use_iplist) == (False, True, True)
    assert user.login_allow_ips == ("203.0.113.7", "10.0.0.1")


def test_a_listing_without_the_fields_means_the_defaults() -> None:
    user = HestiaUser.from_hestia("bob", {"NAME": "Bob"})
    assert (user.two_factor, user.login_disabled, user.login_use_iplist, user.login_allow_ips) == (
        False, False, False, ())
