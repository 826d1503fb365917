"""Issue 17 from the command line (options of `ftp add` / `ftp access`, `mail list`, `maintain` retrying mail)
and from the panel's test client (the invitee page's headers, a double submit, Renew, the card's words)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from invite_support import World, ftp_login, link_in, panel_toml

from puq_hestia import cli

DOMAIN, LOGIN = "alice.example", "alice_media"


def _run(config: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["--config", str(config), *argv], out=out)
    return code, out.getvalue()


def test_cli_sets_the_end_on_add_and_edit_and_refuses_a_past_one(world: World, tmp_path: Path) -> None:
    config = panel_toml(world, tmp_path)
    # The CLI's store runs on the real clock, so the end is a week from the real now (a value, not a wait).
    end = (datetime.now(UTC) + timedelta(days=7)).replace(second=0, microsecond=0)
    code, out = _run(config, "ftp", "add", "alice", DOMAIN, "--suffix", "temp", "--access-until",
                     end.strftime("%Y-%m-%dT%H:%M"), "--when-ended", "delete")
    assert code == 0 and f"access until: {end:%Y-%m-%d %H:%M} UTC, then delete" in out
    stored = world.ends.of_user("alice")["alice_temp"]
    assert (stored.ends_at, stored.action, stored.state) == (end, "delete", "active")
    code, out = _run(config, "ftp", "access", "alice", DOMAIN, LOGIN, "--access-until", "2000-01-01T00:00")
    assert code == 1 and LOGIN not in world.ends.of_user("alice")  # in the past: refused, nothing changed
    code, out = _run(config, "ftp", "access", "alice", DOMAIN, "alice_temp", "--access-until", "")
    assert code == 0 and "access does not end" in out and "alice_temp" not in world.ends.of_user("alice")


def test_cli_add_with_an_end_prints_it(world: World, tmp_path: Path) -> None:
    config = panel_toml(world, tmp_path)
    end = (world.store.now() + timedelta(days=3650)).year  # beyond five years: refused before any create
    code, _ = _run(config, "ftp", "add", "alice", DOMAIN, "--suffix", "late", "--access-until", f"{end}-01-01T00:00")
    assert code == 1 and world.service.overview("alice").card(DOMAIN, "alice_late") is None


def test_mail_list_shows_a_failed_send_and_maintain_sends_it(world: World, tmp_path: Path) -> None:
    config = panel_toml(world, tmp_path)
    world.smtp.stop()
    world.service.overview("alice")
    world.invitations.invite("alice", DOMAIN, LOGIN, "dana@contractor.test")
    code, out = _run(config, "mail", "list")
    assert code == 0 and "failed\tdana@contractor.test\tExample Hosting: FTP access to alice.example" in out
    world.smtp.start()
    code, out = _run(config, "maintain", "--grace", "0")
    assert code == 0 and re.search(r"mail #1 to dana@contractor.test: sent", out), out
    token = link_in(world.smtp.messages[-1]).rsplit("/invite/", 1)[1]
    world.invitations.accept(token, "Contractor-chose-7Q")
    ftp_login(world.hestia.ftp_port, LOGIN, "Contractor-chose-7Q")
    assert "sent\tdana@contractor.test" in _run(config, "mail", "list")[1]


def test_the_invitee_page_is_no_store_sends_no_referer_and_sets_once(world: World, client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(f"/ftp/{DOMAIN}/{LOGIN}/invite", data={"email": "dana@contractor.test", "message": "hi"})
    assert response.status_code == 302
    path = link_in(world.smtp.messages[-1]).removeprefix("http://panel.test")
    anonymous = client.application.test_client()
    swapped = anonymous.get(path)  # the link's token becomes a cookie; the page's URL has none
    assert swapped.status_code == 303 and swapped.headers["Location"].startswith("/invite/open/")
    path = swapped.headers["Location"]
    page = anonymous.get(path)
    assert page.status_code == 200 and b"alice_media" in page.data
    assert page.headers["Cache-Control"].startswith("no-store") and page.headers["Referrer-Policy"] == "no-referrer"
    mismatch = anonymous.post(path, data={"password": "Dana-chose-8K-x", "confirm": "other-one-8K-x"})
    assert mismatch.status_code == 422
    done = anonymous.post(path, data={"password": "Dana-chose-8K-x", "confirm": "Dana-chose-8K-x"})
    assert done.status_code == 200 and b"Your password is set" in done.data and b"Dana-chose-8K-x" not in done.data
    calls = len(world.hestia.calls())
    again = anonymous.post(path, data={"password": "Another-one-9Z", "confirm": "Another-one-9Z"})
    assert again.status_code == 409 and b"already" in again.data and len(world.hestia.calls()) == calls
    ftp_login(world.hestia.ftp_port, LOGIN, "Dana-chose-8K-x")
    assert anonymous.get("/invite/forged.token").status_code == 410
    cards = client.get("/ftp").data.decode()
    assert "Password set by dana@contractor.test on" in cards


def test_an_ended_card_says_ended_and_renew_shows_a_new_password_once(world: World, client) -> None:  # type: ignore[no-untyped-def]
    # The panel's own store reads the real clock: start the injected one there (a value, nothing waits).
    world.clock.now = datetime.now(UTC)
    world.service.overview("alice")
    world.ends.set("alice", DOMAIN, LOGIN, world.clock.now + timedelta(hours=25))
    assert "Access ends in 1 day" in client.get("/ftp").data.decode()
    from puq_hestia.maintenance import run_maintenance

    world.clock.advance(hours=25)
    run_maintenance(world.store, {"main": world.client})
    page = client.get("/ftp").data.decode()
    assert "Access <strong>ended</strong>" in page and "Renew" in page
    renewed = client.post(f"/ftp/{DOMAIN}/{LOGIN}/access", data={"access_until": "", "access_action": "lock"})
    assert renewed.status_code == 200 and renewed.headers["Cache-Control"].startswith("no-store")
    password = re.search(r'data-testid="new-password">([^<]+)<', renewed.data.decode())
    assert password is not None
    ftp_login(world.hestia.ftp_port, LOGIN, password.group(1))
    assert "ended" not in client.get("/ftp").data.decode().split(LOGIN, 1)[1].split("</article>", 1)[0]


def test_the_add_popup_invites_and_a_bad_address_creates_nothing(world: World, client) -> None:  # type: ignore[no-untyped-def]
    bad = client.post(f"/ftp/{DOMAIN}/add", data={"suffix": "helper", "invite_email": "not an address"})
    assert bad.status_code == 422 and b"Enter one e-mail address" in bad.data
    assert world.service.overview("alice").card(DOMAIN, "alice_helper") is None and world.smtp.messages == []
    made = client.post(f"/ftp/{DOMAIN}/add", data={"suffix": "helper", "invite_email": "dana@contractor.test",
                                                  "invite_message": "welcome"})
    assert made.status_code == 201 and b"An invitation was sent to dana@contractor.test." in made.data
    (message,) = world.smtp.messages
    assert "alice_helper" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    before = len(world.service.overview("alice").cards)
    simple = client.post("/ftp/add", data={"domain": DOMAIN, "access_until": "2000-01-01T00:00"})
    assert simple.status_code == 422 and b"must be in the future" in simple.data
    assert len(world.service.overview("alice").cards) == before  # refused before any create
