"""Mail over STARTTLS and implicit TLS against a real SMTP server on loopback (aiosmtpd, a throw-away self-signed
certificate trusted through mail.ca_file), with AUTH PLAIN and LOGIN: the certificate is checked, an untrusted one
is refused with a clear reason, and the password never crosses the wire in clear."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest
from invite_support import PANEL_SECRET, World, link_in
from tls_smtp import ClearRelay, TlsSmtp, certificate

from puq_hestia.ftp.invitations import FtpEndpoint, Invitations
from puq_hestia.mail import Mailer, MailSettings
from puq_hestia.settings import ConfigError, Settings

DOMAIN, LOGIN = "alice.example", "alice_media"
USER, PASSWORD = "panel@host.test", "Smtp-Secret-5vQ9"


def _settings(port: int, security: str, ca_file: Path | None, host: str = "127.0.0.1", **extra: object) -> MailSettings:
    base = MailSettings(host=host, port=port, security=security, user=USER, password=PASSWORD,
                        from_address="panel@host.test", brand="Example Hosting", timeout=5,
                        ca_file=str(ca_file) if ca_file else "")
    return dataclasses.replace(base, **extra)  # type: ignore[arg-type]


def _mailer(world: World, settings: MailSettings) -> tuple[Mailer, Invitations]:
    """A mailer with SETTINGS on WORLD's store, and the invitations that send through it (as the panel wires them)."""
    mailer = Mailer(settings, world.store)
    return mailer, Invitations(world.service, mailer, secret_key=PANEL_SECRET, public_url="http://panel.test",
                               endpoint=FtpEndpoint("127.0.0.1", world.hestia.ftp_port, True))


def _invite(world: World, settings: MailSettings) -> tuple[bool, Mailer]:
    """Send a real invitation through a mailer with SETTINGS: whether it went, and the mailer (its outbox)."""
    mailer, invitations = _mailer(world, settings)
    sent = invitations.invite("alice", DOMAIN, LOGIN, "dana@contractor.test")
    return sent.mail_state == "sent", mailer


def _last_error(world: World, mailer: Mailer) -> str:
    (entry,) = mailer.entries()
    assert entry.state == "failed"
    failed = [e for e in world.store.events("main") if e.action == "mail.failed"]
    assert failed and failed[0].detail and (entry.last_error or "") in failed[0].detail  # audited, same reason
    return entry.last_error or ""


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_over_tls_checked_against_the_ca_file_and_logs_in(
        world: World, tmp_path: Path, security: str, mechanism: str) -> None:
    cert, key = certificate(tmp_path / "server")
    other = "LOGIN" if mechanism == "PLAIN" else "PLAIN"
    with TlsSmtp(security, cert, key, user=USER, password=PASSWORD, exclude=(other,)) as smtp:
        sent, _ = _invite(world, _settings(smtp.port, security, cert))
    assert sent
    assert smtp.logins == [(USER, PASSWORD, True)]  # one login, and only once TLS was up
    (message,) = smtp.messages
    assert "/invite/" in link_in(message) and message["To"] == "dana@contractor.test"


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_is_refused_before_any_login(world: World, tmp_path: Path, security: str) -> None:
    cert, key = certificate(tmp_path / "server")
    stranger, _ = certificate(tmp_path / "stranger")  # a CA file that did not sign the server's certificate
    with TlsSmtp(security, cert, key, user=USER, password=PASSWORD) as smtp:
        sent, mailer = _invite(world, _settings(smtp.port, security, stranger))
        assert not sent
        reason = _last_error(world, mailer)
        assert f"the certificate of the mail server 127.0.0.1:{smtp.port} is not trusted" in reason
        assert "set mail.ca_file" in reason and PASSWORD not in reason
        world.smtp.stop()  # nothing else listens for the other cases' mail
        assert not _invite(world, _settings(smtp.port, security, None))[0]  # the system's CAs do not know it either
    assert smtp.logins == [] and smtp.messages == []


def test_a_certificate_for_another_host_is_refused(world: World, tmp_path: Path) -> None:
    cert, key = certificate(tmp_path / "server", host="127.0.0.9")  # names 127.0.0.9 and localhost, not 127.0.0.1
    with TlsSmtp("starttls", cert, key, user=USER, password=PASSWORD) as smtp:
        sent, mailer = _invite(world, _settings(smtp.port, "starttls", cert))
        assert not sent and "not trusted" in _last_error(world, mailer)
        assert _invite(world, _settings(smtp.port, "starttls", cert, host="localhost"))[0]  # its own name works
    assert len(smtp.messages) == 1 and smtp.logins == [(USER, PASSWORD, True)]


def test_required_starttls_never_falls_back_to_sending_the_password_in_clear(world: World, tmp_path: Path) -> None:
    cert, key = certificate(tmp_path / "server")
    with TlsSmtp("plain", cert, key, user=USER, password=PASSWORD) as smtp, ClearRelay(smtp.port) as wire:
        sent, mailer = _invite(world, _settings(wire.port, "starttls", cert))
    assert not sent
    assert "does not offer STARTTLS, so nothing was sent" in _last_error(world, mailer)
    assert smtp.logins == [] and smtp.messages == []
    clear = bytes(wire.sent)
    assert clear.lower().startswith(b"ehlo")  # the relay saw the conversation ...
    plain = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode())
    for secret in (PASSWORD.encode(), base64.b64encode(PASSWORD.encode()), plain):
        assert secret not in clear  # ... and no form of the password in it
    assert b"auth" not in clear.lower() and b"mail from" not in clear.lower()


def test_a_wrong_smtp_password_is_a_clear_failure_kept_for_the_retry(world: World, tmp_path: Path) -> None:
    cert, key = certificate(tmp_path / "server")
    with TlsSmtp("starttls", cert, key, user=USER, password="the-right-one") as smtp:
        sent, mailer = _invite(world, _settings(smtp.port, "starttls", cert))
        reason = _last_error(world, mailer)
        assert not sent and f"refused the login of {USER!r} (535)" in reason and PASSWORD not in reason
        fixed, _ = _mailer(world, _settings(smtp.port, "starttls", cert, password="the-right-one"))
        assert fixed.retry() == [f"mail #{mailer.entries()[0].id} to dana@contractor.test: sent"]
    assert len(smtp.messages) == 1 and "/invite/" in link_in(smtp.messages[0])


def test_mail_settings_refuse_a_clear_login_and_a_missing_ca_file(tmp_path: Path) -> None:
    base = {"panel": {"demo": True, "secret_key": PANEL_SECRET, "database_url": "sqlite://"},
            "servers": {"main": {"url": "https://h.test:8083", "access_key": "A" * 20, "secret_key": "s" * 40}}}
    with pytest.raises(ConfigError, match="the password would cross the network in clear"):
        Settings.from_mapping({**base, "mail": {"security": "none", "user": USER}})
    with pytest.raises(ConfigError, match=r"mail\.ca_file .* is not a readable file"):
        Settings.from_mapping({**base, "mail": {"ca_file": str(tmp_path / "missing.pem")}})
    (tmp_path / "junk.pem").write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="holds no PEM certificate"):
        Settings.from_mapping({**base, "mail": {"ca_file": str(tmp_path / "junk.pem")}})
    cert, _ = certificate(tmp_path / "ca")
    settings = Settings.from_mapping({**base, "mail": {"ca_file": str(cert), "user": USER}})
    assert settings.mail is not None and settings.mail.ca_file == str(cert)
    assert Settings.from_mapping({**base, "mail": {"security": "none"}}).mail is not None  # a local relay, no login
