"""The invitee's token leaves the URL (issue 17): the first GET of the mail's link swaps it for a cookie of that
browser (HttpOnly, path /invite/, one hour after its last use) and redirects to /invite/open/<id>. That browser can
reload and finish; the link is spent for everybody else; the password is still set once."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from invite_support import World, ftp_login, link_in

from puq_hestia.ftp.invitations import InvitationError, InvitationOpenedError, InvitationUsedError
from puq_hestia.store import ftp_invitations

DOMAIN, LOGIN = "alice.example", "alice_media"
CHOSEN = "Dana-chose-8K-x"
PASSWORD_CALL = "v-change-web-domain-ftp-password"


def _password_calls(world: World) -> int:
    return sum(1 for call in world.hestia.calls() if call.get("cmd") == PASSWORD_CALL)


def _link(world: World, client) -> str:  # type: ignore[no-untyped-def]
    """Invite from the panel and return the mail's link as a path."""
    assert client.post(f"/ftp/{DOMAIN}/{LOGIN}/invite", data={"email": "dana@contractor.test"}).status_code == 302
    return link_in(world.smtp.messages[-1]).removeprefix("http://panel.test")


# -- in the panel (Flask's test client; each test client is one browser) ---------------------------------------------
def test_the_first_get_swaps_the_token_for_a_cookie_and_a_clean_url(world: World, client) -> None:  # type: ignore[no-untyped-def]
    link = _link(world, client)
    token = link.removeprefix("/invite/")
    browser = client.application.test_client()
    swapped = browser.get(link)
    assert swapped.status_code == 303 and re.fullmatch(r"/invite/open/\d+", swapped.headers["Location"])
    assert swapped.headers["Cache-Control"].startswith("no-store")
    assert swapped.headers["Referrer-Policy"] == "no-referrer"
    (cookie,) = [c for c in swapped.headers.getlist("Set-Cookie") if c.startswith("puq_invite_")]
    assert "HttpOnly" in cookie and "Path=/invite/" in cookie and "SameSite=Lax" in cookie and "Max-Age=3600" in cookie
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert token not in value and value not in token
    page = browser.get(swapped.headers["Location"])
    html = page.data.decode()
    assert page.status_code == 200 and LOGIN in html and token not in html
    assert f'action="{swapped.headers["Location"]}"' in html  # the form posts to the token-free URL
    assert page.headers["Cache-Control"].startswith("no-store") and page.headers["Referrer-Policy"] == "no-referrer"


def test_the_browser_that_opened_it_can_reload_and_finish_and_nobody_else_can(world: World, client) -> None:  # type: ignore[no-untyped-def]
    link = _link(world, client)
    invitee = client.application.test_client()
    page_url = invitee.get(link).headers["Location"]
    assert invitee.get(page_url).status_code == 200
    assert invitee.get(page_url).status_code == 200  # a reload
    assert invitee.get(link).headers["Location"] == page_url  # the link again, in the same browser

    elsewhere = client.application.test_client()  # e.g. someone who read the link in an access log
    again = elsewhere.get(link)
    assert again.status_code == 410 and "opened already" in again.data.decode()
    assert not [c for c in again.headers.getlist("Set-Cookie") if c.startswith("puq_invite_")]
    no_cookie = elsewhere.get(page_url)
    assert no_cookie.status_code == 410 and "in the browser where that link was first opened" in no_cookie.data.decode()
    before = _password_calls(world)
    posted = elsewhere.post(page_url, data={"password": "Intruder-9Z-x", "confirm": "Intruder-9Z-x"})
    assert posted.status_code == 410 and _password_calls(world) == before
    assert elsewhere.post(link, data={"password": "Intruder-9Z-x", "confirm": "Intruder-9Z-x"}).status_code == 405

    done = invitee.post(page_url, data={"password": CHOSEN, "confirm": CHOSEN})
    assert done.status_code == 200 and "Your password is set" in done.data.decode()
    resent = invitee.post(page_url, data={"password": "Another-one-9Z", "confirm": "Another-one-9Z"})  # reload
    assert resent.status_code == 409 and "already" in resent.data.decode()
    assert _password_calls(world) == before + 1
    ftp_login(world.hestia.ftp_port, LOGIN, CHOSEN)


def test_a_forged_cookie_or_one_for_another_invitation_opens_nothing(world: World, client) -> None:  # type: ignore[no-untyped-def]
    link = _link(world, client)
    invitee = client.application.test_client()
    page_url = invitee.get(link).headers["Location"]
    invitation_id = int(page_url.rsplit("/", 1)[1])
    value = invitee.get_cookie(f"puq_invite_{invitation_id}", path="/invite/").value
    other = client.application.test_client()
    other.set_cookie(f"puq_invite_{invitation_id}", value[:-2] + ("AA" if not value.endswith("AA") else "BB"),
                     path="/invite/")
    assert other.get(page_url).status_code == 410
    other.set_cookie(f"puq_invite_{invitation_id + 1}", value, path="/invite/")  # a real value, wrong invitation
    assert other.get(f"/invite/open/{invitation_id + 1}").status_code == 410


# -- the rule itself (puq_hestia.ftp.invitations, on the store's injected clock) -----------------------------------
def _opened(world: World) -> tuple[str, str]:
    world.service.overview("alice")
    world.invitations.invite("alice", DOMAIN, LOGIN, "dana@contractor.test")
    token = link_in(world.smtp.messages[-1]).rsplit("/invite/", 1)[1]
    return token, world.invitations.swap(token)[1]


def test_the_swap_is_once_and_spends_the_link(world: World) -> None:
    token, held = _opened(world)
    with pytest.raises(InvitationOpenedError):
        world.invitations.swap(token)  # a second browser, or the same link replayed
    before = _password_calls(world)
    with pytest.raises(InvitationOpenedError):
        world.invitations.accept(token, CHOSEN)
    with pytest.raises(InvitationError, match="not valid"):
        world.invitations.accept(held, CHOSEN)  # the browser's token is no link ...
    with pytest.raises(InvitationError, match="not valid"):
        world.invitations.accept(token, CHOSEN, opened=True)  # ... and the link is no browser's token
    assert _password_calls(world) == before
    assert world.invitations.accept(held, CHOSEN, opened=True).state == "accepted"
    with pytest.raises(InvitationUsedError):
        world.invitations.open(held, opened=True)
    with pytest.raises(InvitationUsedError):
        world.invitations.swap(token)  # the link after the end says what is true: used
    with world.store.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.select(ftp_invitations)) for v in row)
    assert held not in stored and held.split(".")[-1] not in stored  # the store keeps no token either


def test_the_browsers_token_lasts_an_hour_after_its_last_use(world: World) -> None:
    _, held = _opened(world)
    world.clock.advance(minutes=59)
    assert world.invitations.open(held, opened=True).state == "waiting"
    kept = world.invitations.refreshed(held)  # the page was shown again: an hour more from now
    world.clock.advance(minutes=59)
    world.invitations.open(kept, opened=True)
    with pytest.raises(InvitationError, match="left unused for more than an hour"):
        world.invitations.open(held, opened=True)  # the token of two reloads ago
    world.clock.advance(minutes=2)
    with pytest.raises(InvitationError, match="left unused for more than an hour"):
        world.invitations.accept(kept, CHOSEN, opened=True)


def test_a_cancelled_invitation_ends_the_opened_page_too(world: World) -> None:
    _, held = _opened(world)
    invitation = world.invitations.latest("alice")[LOGIN]
    assert world.invitations.cancel("alice", invitation.id)
    with pytest.raises(InvitationError, match="cancelled"):
        world.invitations.accept(held, CHOSEN, opened=True)
