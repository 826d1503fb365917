"""Issue 16: the e-mails are in their reader's language: the invitation in the inviting customer's, the notice
before an end of access in the customer's Hestia LANGUAGE (dieter has LANGUAGE de in the demo seed)."""

from __future__ import annotations

from datetime import timedelta

from invite_support import PANEL_SECRET, World, bodies, link_in

from puq_hestia.maintenance import run_maintenance

LOGIN, DOMAIN = "dieter_web", "dieter.example"
SERVERS = {"main": {"url": "http://127.0.0.1:9", "hash": "PUQDEMOACCESSKEY0001:" + "s" * 40}}


def test_an_invitation_from_a_german_customer_is_written_in_german(world: World) -> None:
    world.service.overview("dieter")
    world.invitations.invite("dieter", DOMAIN, LOGIN, "jana@example.de", "Hallo Jana", language="de")
    (message,) = world.smtp.messages
    text, html = bodies(message)
    assert message["Subject"] == "Example Hosting: FTP-Zugang zu dieter.example"
    for part in (text, html):
        assert "dieter lädt Sie ein, ein FTP-Konto der Website" in part
        assert "Es wird kein Passwort per E-Mail gesendet." in part
        assert "04.12.2026, 12:00 UTC" in part  # 72 hours after the clock's start, as a German writes it
        assert "Explizites FTPS (FTP über TLS)" in part and "Hallo Jana" in part
    assert 'lang="de"' in html and "Hello" not in text
    assert link_in(message).startswith("http://panel.test/invite/")


def test_the_same_invitation_in_english_keeps_the_products_english(world: World) -> None:
    world.service.overview("dieter")
    world.invitations.invite("dieter", DOMAIN, LOGIN, "jana@example.de")
    (message,) = world.smtp.messages
    text, _ = bodies(message)
    assert message["Subject"] == "Example Hosting: FTP access to dieter.example"
    assert "dieter invites you to use an FTP account of the website dieter.example." in text
    assert "until 2026-12-04 12:00 UTC" in text


def test_the_end_of_access_notice_follows_the_customers_hestia_language(world: World) -> None:
    world.service.overview("dieter")
    world.ends.set("dieter", DOMAIN, LOGIN, world.clock.now + timedelta(days=1), "delete")
    run_maintenance(world.store, {"main": world.client}, mailer=world.mailer, panel_url="http://panel.test")
    (notice,) = world.smtp.messages
    text, html = bodies(notice)
    assert notice["To"] == "dieter@example.de"
    # A long subject is folded onto a second header line; unfolded it reads:
    subject = " ".join(notice["Subject"].split())
    assert subject == "Example Hosting: FTP-Zugang von dieter_web endet am 02.12.2026, 12:00 UTC"
    assert "Hallo dieter," in text and "Dann wird er gelöscht." in text
    assert "hat Zugang bis 02.12.2026, 12:00 UTC.\nDann wird er gelöscht." in text.replace("\r\n", "\n")
    assert "FTP-Bereich Ihres Panels" in html


def test_the_mails_carry_the_panels_brand(world: World) -> None:
    from dataclasses import replace

    from puq_hestia.ftp.invitations import Invitations
    from puq_hestia.mail import Mailer
    from puq_hestia.settings import Settings

    settings = Settings.from_mapping({
        "panel": {"secret_key": "x" * 40, "demo": True,
                  "brand": {"name": "Nordhost", "support_url": "https://help.nordhost.example/",
                            "footer": "Nordhost GmbH, Hamburg"}},
        "mail": {"host": "127.0.0.1", "port": world.smtp.port, "security": "none"}, "servers": SERVERS,
    })
    assert settings.mail is not None
    assert (settings.mail.brand, settings.mail.support_url, settings.mail.footer) == (
        "Nordhost", "https://help.nordhost.example/", "Nordhost GmbH, Hamburg")
    mailer = Mailer(replace(settings.mail, from_address="panel@host.test"), world.store)
    invitations = Invitations(world.service, mailer, secret_key=PANEL_SECRET, public_url="http://panel.test",
                              endpoint=world.invitations.endpoint)
    world.service.overview("dieter")
    invitations.invite("dieter", DOMAIN, LOGIN, "jana@example.de")
    (message,) = world.smtp.messages
    text, html = bodies(message)
    assert message["Subject"] == "Nordhost: FTP access to dieter.example"
    assert text.replace("\r\n", "\n").rstrip().endswith("Nordhost\nNordhost GmbH, Hamburg\nhttps://help.nordhost.example/")
    assert '<a href="https://help.nordhost.example/">' in html and "Nordhost GmbH, Hamburg" in html


def test_a_mail_brand_of_its_own_wins_over_the_panels() -> None:
    from puq_hestia.settings import Settings

    settings = Settings.from_mapping({"panel": {"secret_key": "x" * 40, "demo": True, "brand": {"name": "Nordhost"}},
                                      "mail": {"brand": "Nordhost Support"}, "servers": SERVERS})
    assert settings.mail is not None and settings.mail.brand == "Nordhost Support"
