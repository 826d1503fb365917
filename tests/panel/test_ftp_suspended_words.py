"""A suspended web domain: the panel says what Hestia really does (issue 19 Must 2, HESTIA_API.md §4.5)."""

from __future__ import annotations

from flask.testing import FlaskClient

from hestia_mock.models import Backend


def test_cards_and_banner_say_the_ftp_users_keep_working(alice: FlaskClient, backend: Backend) -> None:
    assert backend.ftp_login("alice_shop", "Shop-ftp-2026") is not None  # Hestia keeps them working
    for url in ("/ftp", "/ftp/shop.alice.example"):
        html = alice.get(url).get_data(as_text=True)
        shop = html[html.index('data-username="alice_shop"'):]
        shop = shop[:shop.index("</article>")]
        assert "cannot log in" not in html
        assert "this FTP user still works and can log in" in shop
        assert "It cannot be changed until the domain is active again; it can be deleted." in shop
    banner = alice.get("/ftp/shop.alice.example").get_data(as_text=True)
    assert "its FTP users still work: they can log in and upload as before" in banner
    assert "no FTP user can be added and no password or folder can be changed" in banner
    assert "deleting an FTP user works" in banner
