"""FtpService code of round 2 (issues 15, 16, 17, 19): the folder made on request, the folder datalist, the stored
listing with its version, FTP user limits, the typed full login, and what a delete takes with it.

Each test fails on a mutant of the line it guards (tests/mutation.py, module "service").
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from service_harness import Harness

from puq_hestia import intents
from puq_hestia.ftp import FolderMissingError, FtpService, LimitReachedError, NameTakenError, NotOwnedError
from puq_hestia.ftp.limits import FtpLimits, Quota
from puq_hestia.intents import AccountBusyError
from puq_hestia.store import ftp_access_ends, ftp_invitations

CHOSEN = "Chosen-pass-2026"
DOMAIN_DIR = "/home/alice/web/alice.example"
TWO_LEVELS = ("The folder /new/deeper could not be created (only one missing level can be created at a time). "
              "Nothing was changed.")


def _events(harness: Harness) -> list[tuple[str, str | None, str | None, str, str]]:
    """The audit trail of alice, oldest first, as (action, domain, ftp_user, outcome, detail)."""
    events = reversed(harness.store.recent_events("main", "alice"))
    return [(e.action, e.domain, e.ftp_user, e.outcome, e.detail) for e in events]


def _calls(harness: Harness) -> list[tuple[str, list[Any]]]:
    """The commands the mock received with their arguments (passwords are masked by the mock's log)."""
    return [(c["cmd"], c["args"]) for c in harness.calls()]


# -- change_path with "create it and use it instead" (issue 19) ---------------------------------------------------


def test_create_missing_makes_the_one_missing_folder_and_uses_it(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    result = harness.service.change_path("alice", "alice.example", "alice_deploy", "uploads", create_missing=True)
    assert _calls(harness) == [
        ("v-list-fs-directory", ["alice", f"{DOMAIN_DIR}/uploads"]),
        ("v-add-fs-directory", ["alice", f"{DOMAIN_DIR}/uploads"]),
        ("v-change-web-domain-ftp-path", ["alice", "alice.example", "alice_deploy", "uploads"]),
    ]
    assert (result.reset_to_root, result.requested) == (False, "uploads")
    card = result.card
    assert (card.username, card.domain, card.path, card.ip) == ("alice_deploy", "alice.example", "uploads",
                                                                 "192.0.2.10")
    assert (harness.backend.root / "home/alice/web/alice.example/uploads").is_dir()
    assert harness.ftp_accounts("alice", "alice.example")["alice_deploy"] == "uploads"
    assert _events(harness) == [
        ("ftp.add_folder", "alice.example", "", "success", "folder=/uploads"),
        ("ftp.change_path", "alice.example", "alice_deploy", "success", "folder=/uploads"),
    ]
    harness.clear_calls()
    known = harness.service.known("alice")
    assert known is not None and known.path_of("alice.example", "alice_deploy") == "uploads"
    assert harness.calls() == []


def test_create_missing_under_a_folder_that_exists(harness: Harness) -> None:
    harness.service.overview("alice")
    result = harness.service.change_path("alice", "alice.example", "alice_deploy", "public_html/new",
                                         create_missing=True)
    assert (result.reset_to_root, result.card.path) == (False, "public_html/new")
    assert (harness.backend.root / "home/alice/web/alice.example/public_html/new").is_dir()


def test_create_missing_leaves_a_folder_that_exists_alone(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    result = harness.service.change_path("alice", "alice.example", "alice_deploy", "public_html",
                                         create_missing=True)
    assert harness.commands() == ["v-list-fs-directory", "v-change-web-domain-ftp-path"]
    assert (result.reset_to_root, result.card.path) == (False, "public_html")
    harness.clear_calls()
    result = harness.service.change_path("alice", "alice.example", "alice_deploy", "", create_missing=True)
    assert harness.commands() == ["v-change-web-domain-ftp-path"]
    assert (result.reset_to_root, result.card.path, result.requested) == (False, "", "")


def test_without_create_missing_a_missing_folder_resets_to_the_root_and_makes_nothing(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    result = harness.service.change_path("alice", "alice.example", "alice_media", "uploads")
    assert _calls(harness) == [
        ("v-list-fs-directory", ["alice", f"{DOMAIN_DIR}/uploads"]),
        ("v-change-web-domain-ftp-path", ["alice", "alice.example", "alice_media", ""]),
    ]
    assert (result.reset_to_root, result.requested, result.card.path) == (True, "uploads", "")
    assert not (harness.backend.root / "home/alice/web/alice.example/uploads").exists()
    assert _events(harness)[-1] == ("ftp.change_path", "alice.example", "alice_media", "reset_to_root", "folder=/")


def test_two_missing_levels_cannot_be_created_and_nothing_changes(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    with pytest.raises(FolderMissingError) as info:
        harness.service.change_path("alice", "alice.example", "alice_media", "new/deeper", create_missing=True)
    assert (info.value.message, info.value.field) == (TWO_LEVELS, "path")
    assert info.value.errors == {"path": TWO_LEVELS}
    assert harness.commands() == ["v-list-fs-directory", "v-add-fs-directory"]
    assert harness.ftp_accounts("alice", "alice.example")["alice_media"] == "public_html/media"
    assert not (harness.backend.root / "home/alice/web/alice.example/new").exists()
    assert _events(harness) == []
    known = harness.service.known("alice")
    assert known is not None and known.path_of("alice.example", "alice_media") == "public_html/media"


def test_a_folder_hestia_cannot_make_is_a_folder_error(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.fault(kind="exit_code", code=3, cmd="v-add-fs-directory", times=1)
    with pytest.raises(FolderMissingError) as info:
        harness.service.change_path("alice", "alice.example", "alice_media", "uploads", create_missing=True)
    assert info.value.message == ("The folder /uploads could not be created (only one missing level can be created "
                                  "at a time). Nothing was changed.")
    assert info.value.field == "path"
    assert harness.ftp_accounts("alice", "alice.example")["alice_media"] == "public_html/media"


# -- the folder datalist (issue 19): one v-list-fs-directory of the domain folder and the known folders ----------


def test_folders_lists_the_domain_folders_own_folders_and_the_known_ones(harness: Harness) -> None:
    base = harness.backend.root / "home/alice/web/alice.example"
    (base / "notes.txt").write_text("a file, not a folder")
    (base / "my folder").mkdir()  # a name the folder field would refuse
    harness.service.overview("alice")
    harness.clear_calls()
    folders = harness.service.folders("alice", "alice.example")
    assert folders == ["cgi-bin", "document_errors", "logs", "private", "public_html", "public_html/media", "stats"]
    assert _calls(harness) == [("v-list-fs-directory", ["alice", DOMAIN_DIR])]


def test_folders_of_a_domain_whose_folder_is_gone_are_the_known_ones(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.fs.remove_tree("/home/alice/web/shop.alice.example")
    assert harness.service.folders("alice", "shop.alice.example") == ["public_html"]
    assert harness.service.folders("alice", "blog.alice.example") == [
        "cgi-bin", "document_errors", "logs", "private", "public_html", "stats"]


def test_folders_of_a_domain_that_is_not_the_customers_cost_no_call(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    with pytest.raises(NotOwnedError, match=r"^No such web domain or FTP user in your account\.$"):
        harness.service.folders("alice", "bob.example")
    assert harness.calls() == []


# -- the stored listing with its version (issue 19b: the list after one's own change) ----------------------------


def test_stored_is_the_kept_listing_and_a_digest_of_its_text(harness: Harness) -> None:
    assert harness.service.stored("alice") is None
    overview = harness.service.overview("alice")
    harness.clear_calls()
    stored = harness.service.stored("alice")
    assert stored is not None
    listing, version = stored
    text = harness.store.load_listing("main", "alice")
    assert text is not None
    assert version == hashlib.sha256(text.encode()).hexdigest()[:32] and len(version) == 32
    assert listing == overview and listing.user == "alice"
    assert harness.calls() == []
    assert harness.service.stored("bob") is None
    harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN)
    after = harness.service.stored("alice")
    assert after is not None and after[1] != version
    assert after[0].card("alice.example", "alice_web") is not None


def test_stored_is_none_without_a_store_or_for_another_server(harness: Harness) -> None:
    harness.service.overview("alice")
    assert FtpService(harness.client).stored("alice") is None
    assert FtpService(harness.client, store=harness.store, server_id="other").stored("alice") is None


# -- FTP user limits (issue 16): billing's number, then the package's, then the default -------------------------


def _limited(harness: Harness, limits: dict[str, int], **kwargs: Any) -> FtpService:
    return FtpService(harness.client, store=harness.store, server_id="main", limits=FtpLimits(limits), **kwargs)


def test_quota_counts_the_listing_and_takes_billings_number_then_the_package(harness: Harness) -> None:
    service = _limited(harness, {"default": 5, "gold": 50})
    service.overview("alice")  # alice has 3 FTP users
    assert service.quota("alice") == Quota(3, 5)
    harness.store.set_account_limits("main", "alice", package="gold")
    assert service.quota("alice") == Quota(3, 50)
    harness.store.set_account_limits("main", "alice", ftp_accounts=4)
    assert service.quota("alice") == Quota(3, 4)
    harness.store.set_account_limits("other", "alice", ftp_accounts=1)  # another server's account
    assert service.quota("alice") == Quota(3, 4)
    harness.store.set_account_limits("main", "alice", ftp_accounts=None)
    assert service.quota("alice") == Quota(3, 50)


def test_quota_counts_a_listing_given_to_it(harness: Harness) -> None:
    service = _limited(harness, {"default": 5})
    service.overview("alice")
    bob = service.overview("bob")  # one FTP user
    harness.clear_calls()
    assert service.quota("alice", bob) == Quota(1, 5)
    assert harness.calls() == []


def test_quota_without_a_store_uses_the_default(harness: Harness) -> None:
    service = FtpService(harness.client, limits=FtpLimits({"default": 2}))
    assert service.quota("alice") == Quota(3, 2)
    assert FtpService(harness.client).quota("alice") == Quota(3, None)


def test_a_create_at_the_limit_is_refused_without_a_call(harness: Harness) -> None:
    service = _limited(harness, {"default": 4})
    service.overview("alice")
    service.create("alice", "alice.example", suffix="four", password=CHOSEN)
    harness.clear_calls()
    with pytest.raises(LimitReachedError) as info:
        service.create("alice", "alice.example", suffix="five", password=CHOSEN)
    assert info.value.message == ("You have 4 of 4 FTP users, the most your hosting plan allows; delete one before "
                                  "adding another. Nothing was changed.")
    assert harness.calls() == []


def test_a_create_waits_five_seconds_for_another_create_of_the_account(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    real = intents.wait_for_lease
    monkeypatch.setattr(intents, "wait_for_lease",
                        functools.partial(real, sleep=sleep, monotonic=lambda: now[0]))
    service = _limited(harness, {"default": 10})
    service.overview("alice")
    assert intents.take_lease(harness.store, "ftp-quota:main:alice", "another", timedelta(minutes=2))
    harness.clear_calls()
    with pytest.raises(AccountBusyError):
        service.create("alice", "alice.example", suffix="web", password=CHOSEN)
    assert harness.calls() == []
    assert 4.9 < sum(waited) < 5.1  # the default wait: 5 s of polling, then refused


# -- the typed full login, what a delete takes with it --------------------------------------------------------


def test_a_typed_full_login_is_taken_as_its_suffix(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    created = harness.service.create("alice", "alice.example", suffix="alice_designer", password=CHOSEN)
    assert created.card.username == "alice_designer"
    assert harness.calls()[0]["args"][:3] == ["alice", "alice.example", "designer"]
    assert "alice_designer" in harness.ftp_accounts("alice", "alice.example")


def _invite_and_end(harness: Harness, server_id: str, ftp_user: str) -> None:
    now = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    with harness.store.engine.begin() as conn:
        conn.execute(sa.insert(ftp_invitations).values(
            server_id=server_id, hestia_user="alice", domain="alice.example", ftp_user=ftp_user,
            email="guest@example.com", nonce=f"nonce-{server_id}-{ftp_user}", state="waiting", created_at=now,
            expires_at=now + timedelta(days=7)))
        conn.execute(sa.insert(ftp_access_ends).values(
            server_id=server_id, ftp_user=ftp_user, hestia_user="alice", domain="alice.example",
            ends_at=now + timedelta(days=30), action="lock", state="active"))


def _open(harness: Harness) -> set[tuple[str, str, str]]:
    """(table, server, FTP user) of every waiting invitation and every access end."""
    with harness.store.engine.connect() as conn:
        invitations = conn.execute(sa.select(ftp_invitations.c.server_id, ftp_invitations.c.ftp_user)
                                   .where(ftp_invitations.c.state == "waiting")).all()
        ends = conn.execute(sa.select(ftp_access_ends.c.server_id, ftp_access_ends.c.ftp_user)).all()
    return {("invitation", s, u) for s, u in invitations} | {("end", s, u) for s, u in ends}


def test_a_delete_revokes_the_accounts_invitations_and_forgets_its_end(harness: Harness) -> None:
    harness.service.overview("alice")
    _invite_and_end(harness, "main", "alice_media")
    _invite_and_end(harness, "main", "alice_deploy")
    _invite_and_end(harness, "other", "alice_media")
    harness.service.delete("alice", "alice.example", "alice_media")
    assert _open(harness) == {("invitation", "main", "alice_deploy"), ("end", "main", "alice_deploy"),
                              ("invitation", "other", "alice_media"), ("end", "other", "alice_media")}
    assert _events(harness)[-1] == ("ftp.delete", "alice.example", "alice_media", "success", "")


def test_a_delete_of_an_account_already_gone_is_audited_as_already(harness: Harness) -> None:
    harness.service.overview("alice")
    _invite_and_end(harness, "main", "alice_media")
    harness.backend.run("v-delete-web-domain-ftp", ["alice", "alice.example", "alice_media"])
    harness.service.delete("alice", "alice.example", "alice_media")
    assert _events(harness)[-1] == ("ftp.delete", "alice.example", "alice_media", "already", "")
    assert _open(harness) == set()
    assert not harness.service.owns("alice", "alice.example", "alice_media")


# -- refusals told in their exact words ---------------------------------------------------------------------------


def test_a_create_into_a_missing_folder_is_told_in_its_exact_words(harness: Harness) -> None:
    harness.service.overview("alice")
    with pytest.raises(FolderMissingError) as info:
        harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN, path="uploads")
    assert (info.value.message, info.value.field) == (
        "The folder /uploads does not exist, so no FTP user was created.", "path")
    assert "alice_web" not in harness.ftp_accounts("alice", "alice.example")


def test_a_name_being_created_is_told_in_its_exact_words(harness: Harness) -> None:
    harness.service.overview("alice")
    assert harness.store.claim_name("main", "alice_twin")
    with pytest.raises(NameTakenError) as info:
        harness.service.create("alice", "alice.example", suffix="twin", password=CHOSEN)
    assert info.value.message == "The FTP user alice_twin is being created right now."
