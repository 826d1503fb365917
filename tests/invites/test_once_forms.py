"""SECURITY.md 40 for the customer's invitation forms: a reload, Back or double click of "Send invitation",
"Access until", "Renew" or "Cancel invitation" re-posts the same one-time token, and that changes nothing.

The panel's test client posts the forms as the browser would (the token from the rendered form, twice); the
mail goes to the real SMTP server on loopback, the changes to the real mock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from invite_support import World, ftp_login

from puq_hestia.maintenance import run_maintenance

DOMAIN, LOGIN = "alice.example", "alice_media"
PASSWORD_CALL = "v-change-web-domain-ftp-password"


def _token(html: bytes) -> str:
    """The one-time token of the (first) changing form on a page."""
    found = re.search(rb'name="once" value="([^"]+)"', html)
    assert found is not None, html[:400]
    return found.group(1).decode()


def _password_calls(world: World) -> int:
    return sum(1 for call in world.hestia.calls() if call.get("cmd") == PASSWORD_CALL)


def test_a_resent_invitation_form_sends_one_invitation(world: World, client) -> None:  # type: ignore[no-untyped-def]
    once = _token(client.get(f"/ftp/{DOMAIN}/{LOGIN}/invite").data)
    form = {"email": "dana@contractor.test", "message": "hi", "once": once}
    first = client.post(f"/ftp/{DOMAIN}/{LOGIN}/invite", data=form)
    assert first.status_code == 302
    again = client.post(f"/ftp/{DOMAIN}/{LOGIN}/invite", data=form)  # reload / Back / second click
    page = again.data.decode()
    assert again.status_code == 200 and "This was already done" in page
    assert "An invitation to use alice_media was sent when this form was first sent." in page
    assert 'href="/ftp"' in page  # the way forward
    assert len(world.smtp.messages) == 1
    invites = [e for e in world.store.events("main") if e.action == "ftp.invite"]
    assert len(invites) == 1


def test_a_refused_invitation_keeps_its_token_for_the_corrected_form(world: World, client) -> None:  # type: ignore[no-untyped-def]
    once = _token(client.get(f"/ftp/{DOMAIN}/{LOGIN}/invite").data)
    bad = client.post(f"/ftp/{DOMAIN}/{LOGIN}/invite", data={"email": "dana@", "once": once})
    assert bad.status_code == 422 and world.smtp.messages == []
    good = client.post(f"/ftp/{DOMAIN}/{LOGIN}/invite", data={"email": "dana@contractor.test", "once": once})
    assert good.status_code == 302 and len(world.smtp.messages) == 1


def test_a_resent_cancel_says_already_done(world: World, client) -> None:  # type: ignore[no-untyped-def]
    client.post(f"/ftp/{DOMAIN}/{LOGIN}/invite", data={"email": "dana@contractor.test"})
    cards = client.get("/ftp").data.decode()
    action = re.search(r'action="(/ftp/alice\.example/alice_media/invite/\d+/cancel)"', cards)
    assert action is not None
    once = _token(cards.split(action.group(1), 1)[1].encode())  # the token of the cancel form itself
    first = client.post(action.group(1), data={"back": "ftp", "once": once})
    assert first.status_code == 302
    again = client.post(action.group(1), data={"back": "ftp", "once": once})
    assert again.status_code == 200
    assert "The invitation to use alice_media was cancelled when this form was first sent." in again.data.decode()
    cancelled = [e for e in world.store.events("main") if e.action == "ftp.invite_cancelled"]
    assert len(cancelled) == 1


def test_a_resent_access_form_changes_nothing_the_second_time(world: World, client) -> None:  # type: ignore[no-untyped-def]
    once = _token(client.get(f"/ftp/{DOMAIN}/{LOGIN}/access").data)
    until = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form = {"access_until": until, "access_action": "lock", "once": once}
    assert client.post(f"/ftp/{DOMAIN}/{LOGIN}/access", data=form).status_code == 302
    world.ends.set("alice", DOMAIN, LOGIN, None)  # changed meanwhile, e.g. in another tab
    again = client.post(f"/ftp/{DOMAIN}/{LOGIN}/access", data=form)
    assert again.status_code == 200 and "The access of alice_media was changed when this form was first sent." \
        in again.data.decode()
    assert LOGIN not in world.ends.of_user("alice")  # the old form did not put its end back


def test_a_resent_renew_sets_one_password_and_offers_a_new_one(world: World, client) -> None:  # type: ignore[no-untyped-def]
    world.clock.now = datetime.now(UTC)  # the panel's store reads the real clock; this one starts there
    world.service.overview("alice")
    world.ends.set("alice", DOMAIN, LOGIN, world.clock.now + timedelta(hours=1))
    world.clock.advance(hours=2)
    run_maintenance(world.store, {"main": world.client})
    once = _token(client.get(f"/ftp/{DOMAIN}/{LOGIN}/access").data)
    before = _password_calls(world)
    form = {"access_until": "", "access_action": "lock", "once": once}
    renewed = client.post(f"/ftp/{DOMAIN}/{LOGIN}/access", data=form)
    shown = re.search(r'data-testid="new-password">([^<]+)<', renewed.data.decode())
    assert renewed.status_code == 200 and shown is not None
    again = client.post(f"/ftp/{DOMAIN}/{LOGIN}/access", data=form)
    page = again.data.decode()
    assert again.status_code == 200 and "This was already done" in page and shown.group(1) not in page
    assert f'href="/ftp/{DOMAIN}/{LOGIN}/edit"' in page  # "Set a new password for alice_media"
    assert _password_calls(world) == before + 1
    ftp_login(world.hestia.ftp_port, LOGIN, shown.group(1))  # the password on screen is the one that works
