"""Issue 17: an invitation mail holds the details and a one-time link and never a password; the link works once,
expires, dies with the FTP user; the invitee's password logs in over real FTP and nobody else's does."""

from __future__ import annotations

import ftplib
import logging

import pytest
import sqlalchemy as sa
from invite_support import World, bodies, ftp_login, link_in

from puq_hestia.ftp.invitations import InvitationError, InvitationUsedError
from puq_hestia.ftp.models import InvalidInputError, NotOwnedError
from puq_hestia.store import ftp_invitations, mail_outbox

LOGIN, DOMAIN = "alice_media", "alice.example"
OLD_PASSWORD = "Media-ftp-2026"
CHOSEN = "Contractor-chose-7Q"


def _token(link: str) -> str:
    return link.rsplit("/invite/", 1)[1]


def _invite(world: World, message: str = "Hi Dana, the photos go in here.") -> str:
    world.service.overview("alice")
    world.invitations.invite("alice", DOMAIN, LOGIN, "dana@contractor.test", message)
    return link_in(world.smtp.messages[-1])


def test_the_mail_holds_the_details_and_the_link_and_no_password(world: World) -> None:
    link = _invite(world)
    (message,) = world.smtp.messages
    text, html = bodies(message)
    assert message["To"] == "dana@contractor.test" and message["Reply-To"] == "help@host.test"
    assert message["Subject"] == "Example Hosting: FTP access to alice.example"
    for part in (text, html):
        for detail in ("127.0.0.1", str(world.hestia.ftp_port), "Explicit FTPS", LOGIN, "/public_html/media",
                       "certificate", "Hi Dana, the photos go in here.", link.replace("&", "&amp;")):
            assert detail in part
    assert link.startswith("http://panel.test/invite/")
    # No password at all: neither the account's current one nor the word followed by a value.
    raw = message.as_string()
    assert OLD_PASSWORD not in raw and "Password:" not in raw


def test_the_store_keeps_no_link_and_no_token(world: World) -> None:
    link = _invite(world)
    token = _token(link)
    with world.store.engine.connect() as conn:
        dump = " ".join(str(v) for table in (ftp_invitations, mail_outbox)
                        for row in conn.execute(sa.select(table)) for v in row)
    assert token not in dump and "/invite/" not in dump and token.split(".")[-1] not in dump


def test_the_link_sets_the_password_once_and_it_logs_in_over_ftp(world: World,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = _token(_invite(world))
    opened = world.invitations.open(token)
    assert (opened.ftp_user, opened.email, opened.state) == (LOGIN, "dana@contractor.test", "waiting")
    accepted = world.invitations.accept(token, CHOSEN)
    assert accepted.state == "accepted" and accepted.accepted_at == world.clock.now
    ftp_login(world.hestia.ftp_port, LOGIN, CHOSEN)
    with pytest.raises(ftplib.error_perm):
        ftp_login(world.hestia.ftp_port, LOGIN, OLD_PASSWORD)  # the old password no longer works
    with pytest.raises(ftplib.error_perm):
        ftp_login(world.hestia.ftp_port, "alice_deploy", CHOSEN)  # and the chosen one opens nothing else
    calls = [c for c in world.hestia.calls() if c.get("cmd") == "v-change-web-domain-ftp-password"]
    assert len(calls) == 1
    # A double submit and a reload: "already used", no second Hestia call.
    with pytest.raises(InvitationUsedError):
        world.invitations.accept(token, "Another-password-9Z")
    with pytest.raises(InvitationUsedError):
        world.invitations.open(token)
    assert [c for c in world.hestia.calls() if c.get("cmd") == "v-change-web-domain-ftp-password"] == calls
    ftp_login(world.hestia.ftp_port, LOGIN, CHOSEN)
    assert CHOSEN not in caplog.text
    events = [(e.action, e.detail) for e in world.store.recent_events("main", "alice")]
    assert ("ftp.invite_accepted", "password set by dana@contractor.test") in events
    assert ("ftp.invite", "to dana@contractor.test") in events
    assert world.invitations.latest("alice")[LOGIN].state == "accepted"


def test_the_password_rules_apply_and_a_refused_password_spends_nothing(world: World) -> None:
    token = _token(_invite(world))
    with pytest.raises(InvalidInputError):
        world.invitations.accept(token, "short")
    world.invitations.accept(token, CHOSEN)
    ftp_login(world.hestia.ftp_port, LOGIN, CHOSEN)


def test_the_link_expires_after_72_hours(world: World) -> None:
    token = _token(_invite(world))
    world.clock.advance(hours=71, minutes=59)
    assert world.invitations.open(token).state == "waiting"
    world.clock.advance(minutes=1)
    with pytest.raises(InvitationError, match="expired"):
        world.invitations.accept(token, CHOSEN)
    assert world.invitations.expire_due() == 1
    with pytest.raises(InvitationError):
        world.invitations.open(token)
    ftp_login(world.hestia.ftp_port, LOGIN, OLD_PASSWORD)  # nothing changed


def test_the_link_dies_with_the_ftp_user_and_with_a_cancel(world: World) -> None:
    token = _token(_invite(world))
    world.service.delete("alice", DOMAIN, LOGIN)
    with pytest.raises(InvitationError):
        world.invitations.open(token)
    with pytest.raises(InvitationError):
        world.invitations.accept(token, CHOSEN)
    deploy = world.invitations.invite("alice", DOMAIN, "alice_deploy", "erin@contractor.test")
    token2 = _token(link_in(world.smtp.messages[-1]))
    with pytest.raises(NotOwnedError):
        world.invitations.cancel("bob", deploy.id)  # somebody else's invitation
    assert world.invitations.cancel("alice", deploy.id)
    with pytest.raises(InvitationError, match="cancelled"):
        world.invitations.accept(token2, CHOSEN)


def test_an_ftp_user_deleted_at_hestia_behind_our_back_ends_the_link(world: World) -> None:
    token = _token(_invite(world))
    world.client.ftp.delete("alice", DOMAIN, LOGIN)  # not through the panel: the stored listing still has it
    with pytest.raises(InvitationError, match="no longer exists"):
        world.invitations.open(token)


@pytest.mark.parametrize("token_of", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # tampered signature
    lambda t: "not-a-token",
])
def test_a_forged_link_is_refused(world: World, token_of: object) -> None:
    token = _token(_invite(world))
    assert callable(token_of)
    with pytest.raises(InvitationError, match="not valid"):
        world.invitations.accept(token_of(token), CHOSEN)


def test_a_link_for_another_server_is_refused(world: World) -> None:
    from puq_hestia.ftp import FtpService
    from puq_hestia.ftp.invitations import FtpEndpoint, Invitations

    token = _token(_invite(world))
    other = Invitations(FtpService(world.client, store=world.store, server_id="second"), None,
                        secret_key="invites-panel-secret-0123456789abcdef", public_url="http://panel.test",
                        endpoint=FtpEndpoint("127.0.0.1"))
    with pytest.raises(InvitationError, match="not valid"):
        other.open(token)


@pytest.mark.parametrize("address", ["", "dana", "dana@", "a@b", "x@y.test\r\nBcc: z@z.test", "Dana <d@x.test>",
                                     "a@b.test, c@d.test"])
def test_a_bad_address_is_refused_and_sends_nothing(world: World, address: str) -> None:
    world.service.overview("alice")
    with pytest.raises(InvalidInputError):
        world.invitations.invite("alice", DOMAIN, LOGIN, address)
    assert world.smtp.messages == []


def test_nobody_can_invite_to_somebody_elses_ftp_user(world: World) -> None:
    world.service.overview("bob")
    with pytest.raises(NotOwnedError):
        world.invitations.invite("bob", DOMAIN, LOGIN, "dana@contractor.test")
    assert world.smtp.messages == []
