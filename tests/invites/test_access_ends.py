"""Issue 17: access that ends. `maintain` locks or deletes at the end (clock injected, no sleeping), notifies the
customer before, and a failed SMTP send is kept and retried by `maintain`."""

from __future__ import annotations

import ftplib
from datetime import timedelta

import pytest
from invite_support import World, bodies, ftp_login, link_in

from puq_hestia.ftp.expiry import parse_until, remaining_text
from puq_hestia.ftp.models import InvalidInputError
from puq_hestia.maintenance import run_maintenance

LOGIN, DOMAIN, PASSWORD = "alice_media", "alice.example", "Media-ftp-2026"


def _maintain(world: World) -> list[str]:
    report = run_maintenance(world.store, {"main": world.client}, mailer=world.mailer, panel_url="http://panel.test")
    return report.lines()


def _end_in(world: World, action: str = "lock", **delta: float) -> None:
    world.service.overview("alice")
    world.ends.set("alice", DOMAIN, LOGIN, world.clock.now + timedelta(**delta), action)


def test_a_locked_account_refuses_ftp_login_at_its_end_and_renew_works(world: World) -> None:
    _end_in(world, days=3)
    end = world.ends.of_user("alice")[LOGIN]
    assert remaining_text(end, world.clock.now) == "ends in 3 days"
    world.clock.advance(days=2, hours=23)
    _maintain(world)
    ftp_login(world.hestia.ftp_port, LOGIN, PASSWORD)  # not yet
    world.clock.advance(hours=1)
    lines = _maintain(world)
    assert any("alice_media: access ended, locked" in line for line in lines)
    with pytest.raises(ftplib.error_perm):
        ftp_login(world.hestia.ftp_port, LOGIN, PASSWORD)
    end = world.ends.of_user("alice")[LOGIN]
    assert end.ended and remaining_text(end, world.clock.now) == "ended"
    assert world.service.overview("alice").card(DOMAIN, LOGIN) is not None  # locked, files and account kept
    assert not any("access ended" in line for line in _maintain(world))  # a second run does nothing
    with pytest.raises(InvalidInputError):
        world.ends.set("alice", DOMAIN, LOGIN, world.clock.now + timedelta(days=1))  # ended: only Renew
    renewed = world.ends.renew("alice", DOMAIN, LOGIN, world.clock.now + timedelta(days=7))
    ftp_login(world.hestia.ftp_port, LOGIN, renewed.password)
    assert remaining_text(world.ends.of_user("alice")[LOGIN], world.clock.now) == "ends in 7 days"
    actions = [e.action for e in world.store.recent_events("main", "alice")]
    assert {"ftp.access_until", "ftp.access_ended", "ftp.access_renewed"} <= set(actions)


def test_a_deleted_ending_removes_the_ftp_user(world: World) -> None:
    _end_in(world, "delete", hours=5)
    world.clock.advance(hours=5)
    assert any("deleted" in line for line in _maintain(world))
    assert world.service.overview("alice").card(DOMAIN, LOGIN) is None
    with pytest.raises(ftplib.error_perm):
        ftp_login(world.hestia.ftp_port, LOGIN, PASSWORD)
    assert LOGIN not in world.ends.of_user("alice")


def test_the_customer_is_told_before_the_end_at_their_contact_address(world: World) -> None:
    _end_in(world, days=5)
    _maintain(world)
    assert world.smtp.messages == []  # more than 48 hours ahead
    world.clock.advance(days=3, hours=1)
    _maintain(world)
    _maintain(world)
    (notice,) = world.smtp.messages  # once
    assert notice["To"] == "alice@example.com"
    text, _ = bodies(notice)
    assert LOGIN in text and "2026-12-06 12:00 UTC" in text and "locked" in text


def test_removing_the_end_keeps_access(world: World) -> None:
    _end_in(world, hours=1)
    world.ends.set("alice", DOMAIN, LOGIN, None)
    world.clock.advance(hours=2)
    _maintain(world)
    ftp_login(world.hestia.ftp_port, LOGIN, PASSWORD)


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01T10:00", "2026-11-30T10:00", "2036-01-01T00:00"])
def test_a_bad_or_past_end_is_refused(world: World, text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_until(text, world.clock.now)


def test_an_end_without_an_offset_is_utc(world: World) -> None:
    assert parse_until("2026-12-24T18:00", world.clock.now) == world.clock.now.replace(day=24, hour=18)
    assert parse_until("", world.clock.now) is None


def test_a_failed_smtp_send_is_kept_shown_audited_and_retried_by_maintain(world: World) -> None:
    world.smtp.stop()
    world.service.overview("alice")
    invitation = world.invitations.invite("alice", DOMAIN, LOGIN, "dana@contractor.test")
    assert invitation.mail_state == "failed"
    assert world.invitations.latest("alice")[LOGIN].mail_state == "failed"  # what the card shows
    events = world.store.recent_events("main", "alice")
    assert any(e.action == "mail.failed" and "dana@contractor.test" in e.detail for e in events)
    assert any(e.action == "ftp.invite" and e.outcome == "mail_failed" for e in events)
    (entry,) = world.mailer.entries()
    assert (entry.state, entry.attempts, entry.recipient) == ("failed", 1, "dana@contractor.test")
    world.smtp.start()
    lines = _maintain(world)
    assert any(line.startswith("mail #") and line.endswith(": sent") for line in lines)
    (message,) = world.smtp.messages
    token = link_in(message).rsplit("/invite/", 1)[1]
    world.invitations.accept(token, "Contractor-chose-7Q")  # the retried mail's link works
    assert world.mailer.entries()[0].state == "sent"
    assert not any(line.startswith("mail #") for line in _maintain(world))  # sent once


def test_a_cancelled_invitation_is_not_sent_by_the_retry(world: World) -> None:
    world.smtp.stop()
    world.service.overview("alice")
    invitation = world.invitations.invite("alice", DOMAIN, LOGIN, "dana@contractor.test")
    world.invitations.cancel("alice", invitation.id)
    world.smtp.start()
    _maintain(world)
    assert world.smtp.messages == [] and world.mailer.entries()[0].state == "dropped"
