"""panel/links.py builds exactly the links url_for builds, for any domain or login, hostile ones included."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from panel.links import card_link, domain_link
from puq_hestia.ftp import FtpCard

NAMES = [
    ("alice.example", "alice_media"),
    ("bücher.example", "alice_ü"),  # not ASCII: percent-encoded UTF-8
    ('"><script>alert(1)</script>', "a/b?c#d"),  # markup, a slash, a query and a fragment
    ("100%25.example", "x%01y\x01"),  # a literal %01 and the placeholder character itself
    ("a b+c&d=e", "!$&'()*+,:;=@"),  # what a path segment keeps unquoted
]


def card(domain: str, username: str) -> FtpCard:
    return FtpCard(username, domain, "", False, False, "", "")


@pytest.mark.parametrize(("domain", "username"), NAMES)
@pytest.mark.parametrize("back", [None, "ftp", "domain"])
def test_card_links_equal_url_for(app: Flask, domain: str, username: str, back: str | None) -> None:
    with app.test_request_context("/ftp"):
        for endpoint in ("ftp.connection", "ftp.edit", "ftp.delete", "ftp.filezilla"):
            expected = url_for(endpoint, domain=domain, username=username, back=back)
            assert card_link(endpoint, card(domain, username), back) == expected


@pytest.mark.parametrize(("domain", "username"), NAMES)
def test_domain_links_equal_url_for(app: Flask, domain: str, username: str) -> None:
    with app.test_request_context("/ftp"):
        assert domain_link("ftp.domain", domain) == url_for("ftp.domain", domain=domain)
        assert domain_link("ftp.add_advanced", domain, "domain") == url_for("ftp.add_advanced", domain=domain,
                                                                            back="domain")


def test_links_follow_the_mount_point(app: Flask) -> None:
    with app.test_request_context("/ftp", base_url="https://panel.example/hosting/"):
        assert domain_link("ftp.domain", "alice.example") == "/hosting/ftp/alice.example"
        assert card_link("ftp.edit", card("alice.example", "alice_media"), "ftp") == \
            "/hosting/ftp/alice.example/alice_media/edit?back=ftp"
