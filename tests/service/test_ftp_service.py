"""The product's FTP rules (DESIGN.md §4, SECURITY.md 1-2, 4-5, 22-23, 26) against the in-process mock."""

from __future__ import annotations

import threading

import pytest
from service_harness import Harness

from puq_hestia.ftp import (
    DomainSuspendedError,
    FolderMissingError,
    InvalidInputError,
    NameTakenError,
    NotOwnedError,
    UserSuspendedError,
)
from puq_hestia.hestia.errors import HestiaConnectionError


def test_overview_is_one_call_with_every_ftp_user(harness: Harness) -> None:
    overview = harness.service.overview("alice")
    assert harness.commands() == ["v-list-web-domains"]
    assert {c.username for c in overview.cards} == {"alice_media", "alice_deploy", "alice_shop"}
    media = overview.card("alice.example", "alice_media")
    assert media is not None and media.path == "public_html/media" and not media.suspended
    assert media.site_url == "https://alice.example/" and media.ip == "192.0.2.10"
    shop = overview.card("shop.alice.example", "alice_shop")
    assert shop is not None and shop.domain_suspended and shop.suspended
    assert not overview.user_suspended
    assert "shop.alice.example" not in {d.name for d in overview.addable_domains}
    assert "blog.alice.example" in {d.name for d in overview.addable_domains}


def test_suspended_user_is_told_apart_with_one_more_call(harness: Harness) -> None:
    overview = harness.service.overview("carol")
    assert harness.commands() == ["v-list-web-domains", "v-list-user"]
    assert overview.user_suspended and overview.addable_domains == ()
    assert all(card.suspended for card in overview.cards)


def test_ownership_is_answered_without_a_call_after_a_listing(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    assert harness.service.owns("alice", "alice.example", "alice_media")
    assert not harness.service.owns("alice", "bob.example")
    assert not harness.service.owns("alice", "alice.example", "bob_site")
    assert harness.calls() == []


def test_simple_create_generates_credentials_that_log_in(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    created = harness.service.create("alice", "blog.alice.example")
    assert created.generated and len(created.password) >= 20
    assert created.card.username.startswith("alice_") and len(created.card.username) <= 30
    assert harness.commands() == ["v-add-web-domain-ftp"]
    assert harness.backend.ftp_login(created.card.username, created.password) is not None
    assert harness.service.owns("alice", "blog.alice.example", created.card.username)


def test_advanced_create_with_an_existing_folder(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    created = harness.service.create("alice", "alice.example", suffix="web", password="Good-pass-2026",
                                     path="/public_html/media/")
    assert not created.generated and created.card.path == "public_html/media"
    assert harness.commands() == ["v-list-fs-directory", "v-add-web-domain-ftp"]
    assert harness.ftp_accounts("alice", "alice.example")["alice_web"] == "public_html/media"


def test_create_with_a_missing_folder_leaves_no_account(harness: Harness) -> None:
    harness.service.overview("alice")
    with pytest.raises(FolderMissingError) as info:
        harness.service.create("alice", "alice.example", suffix="web", password="Good-pass-2026", path="nope")
    assert info.value.field == "path" and "no FTP user was created" in info.value.message
    assert harness.mutations() == []
    assert "alice_web" not in harness.ftp_accounts("alice", "alice.example")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"path": "../alice.example2"}, "path"),
    ({"path": "public_html/../../bob"}, "path"),
    ({"path": "a:b"}, "path"),
    ({"suffix": "Bad Name"}, "suffix"),
    ({"suffix": "x" * 40}, "suffix"),
    ({"password": "short"}, "password"),
    ({"password": "/tmp/passwd-file"}, "password"),
    ({"password": "has:colon-2026"}, "password"),
])
def test_bad_input_is_refused_before_any_call(harness: Harness, kwargs: dict[str, str], field: str) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    values = {"suffix": "web", "password": "Good-pass-2026", **kwargs}
    with pytest.raises(InvalidInputError) as info:
        harness.service.create("alice", "alice.example", **values)
    assert info.value.field == field
    assert harness.calls() == []


def test_suspended_domain_refuses_add_and_edit_but_allows_delete(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    with pytest.raises(DomainSuspendedError):
        harness.service.create("alice", "shop.alice.example")
    with pytest.raises(DomainSuspendedError):
        harness.service.change_password("alice", "shop.alice.example", "alice_shop")
    with pytest.raises(DomainSuspendedError):
        harness.service.change_path("alice", "shop.alice.example", "alice_shop", "")
    assert harness.calls() == []
    harness.service.delete("alice", "shop.alice.example", "alice_shop")
    assert harness.ftp_accounts("alice", "shop.alice.example") == {}


def test_suspended_user_is_read_only(harness: Harness) -> None:
    overview = harness.service.overview("carol")
    card = overview.cards[0]
    harness.clear_calls()
    with pytest.raises(UserSuspendedError):
        harness.service.create("carol", card.domain)
    with pytest.raises(UserSuspendedError):
        harness.service.delete("carol", card.domain, card.username)
    assert harness.calls() == []


def test_stale_listing_meets_hestia_suspension(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-suspend-web-domain", ["alice", "alice.example"])
    with pytest.raises(DomainSuspendedError):
        harness.service.change_password("alice", "alice.example", "alice_media", "Other-pass-2026")


def test_another_users_domain_is_not_owned_and_costs_no_call(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    with pytest.raises(NotOwnedError):
        harness.service.create("alice", "bob.example")
    with pytest.raises(NotOwnedError):
        harness.service.delete("alice", "bob.example", "bob_site")
    with pytest.raises(NotOwnedError):
        harness.service.change_password("alice", "alice.example", "bob_site")
    assert harness.calls() == []


def test_existing_name_is_taken(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    with pytest.raises(NameTakenError):
        harness.service.create("alice", "alice.example", suffix="media", password="Good-pass-2026")
    assert harness.mutations() == []
    # A name Hestia knows but the stored listing does not: Hestia's E_EXISTS becomes the same answer.
    code, _ = harness.backend.run("v-add-web-domain-ftp", ["alice", "blog.alice.example", "late", "Late-pass-2026"])
    assert code == 0
    with pytest.raises(NameTakenError):
        harness.service.create("alice", "alice.example", suffix="late", password="Good-pass-2026")


def test_change_password_takes_effect(harness: Harness) -> None:
    harness.service.overview("alice")
    changed = harness.service.change_password("alice", "alice.example", "alice_media")
    assert changed.generated
    assert harness.backend.ftp_login("alice_media", changed.password) is not None
    assert harness.backend.ftp_login("alice_media", "Media-ftp-2026") is None


def test_change_path_to_an_existing_folder(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    result = harness.service.change_path("alice", "alice.example", "alice_deploy", "public_html")
    assert not result.reset_to_root and result.card.path == "public_html"
    assert harness.commands() == ["v-list-fs-directory", "v-change-web-domain-ftp-path"]
    assert harness.ftp_accounts("alice", "alice.example")["alice_deploy"] == "public_html"


def test_change_path_to_a_missing_folder_resets_to_the_root(harness: Harness) -> None:
    harness.service.overview("alice")
    result = harness.service.change_path("alice", "alice.example", "alice_media", "public_html/gone")
    assert result.reset_to_root and result.card.path == ""
    assert harness.ftp_accounts("alice", "alice.example")["alice_media"] == ""
    assert not (harness.backend.root / "home/alice/web/alice.example/public_html/gone").exists()
    assert harness.store.recent_events("main", "alice")[0].outcome == "reset_to_root"


def test_delete_and_already_deleted(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.service.delete("alice", "alice.example", "alice_deploy")
    assert "alice_deploy" not in harness.ftp_accounts("alice", "alice.example")
    assert harness.backend.ftp_login("alice_deploy", "Deploy-ftp-2026") is None
    # Deleted elsewhere since the listing: the goal is reached, no error (SECURITY.md 23).
    harness.backend.run("v-delete-web-domain-ftp", ["alice", "alice.example", "alice_media"])
    harness.service.delete("alice", "alice.example", "alice_media")
    assert [e.outcome for e in harness.store.recent_events("main", "alice")][:2] == ["already", "success"]


@pytest.mark.parametrize("kind", ["drop_after", "read_timeout", "drop_before"])
def test_create_with_unknown_outcome_is_reconciled(harness: Harness, kind: str) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    harness.fault(kind=kind, cmd="v-add-web-domain-ftp", times=1, seconds=0)
    created = harness.service.create("alice", "alice.example", suffix="web", password="Good-pass-2026",
                                      path="public_html")
    assert list(harness.ftp_accounts("alice", "alice.example")).count("alice_web") == 1
    assert harness.backend.ftp_login("alice_web", created.password) is not None
    assert harness.ftp_accounts("alice", "alice.example")["alice_web"] == "public_html"
    adds = harness.commands().count("v-add-web-domain-ftp")
    assert adds == (2 if kind == "drop_before" else 1)
    assert "v-list-web-domains" in harness.commands()


def test_two_concurrent_creates_of_one_name_end_in_one_account(harness: Harness) -> None:
    harness.service.overview("alice")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        barrier.wait()
        try:
            harness.service.create("alice", "alice.example", suffix="twin", password="Twin-pass-2026")
            outcomes.append("created")
        except NameTakenError:
            outcomes.append("taken")

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "taken"]
    assert list(harness.ftp_accounts("alice", "alice.example")).count("alice_twin") == 1


def test_unreachable_hestia_changes_nothing(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.fault(kind="refused")
    with pytest.raises(HestiaConnectionError) as info:
        harness.service.create("alice", "alice.example", suffix="web", password="Good-pass-2026")
    assert not info.value.outcome_unknown
    assert harness.backend.ftp_login("alice_web", "Good-pass-2026") is None


def test_audit_events_never_hold_a_password(harness: Harness) -> None:
    harness.service.overview("alice")
    created = harness.service.create("alice", "blog.alice.example")
    changed = harness.service.change_password("alice", "alice.example", "alice_media")
    events = harness.store.events()
    assert [e.action for e in events][:2] == ["ftp.change_password", "ftp.create"]
    text = repr(events)
    assert created.password not in text and changed.password not in text


def test_every_bad_field_is_reported_at_once(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    with pytest.raises(InvalidInputError) as info:
        harness.service.create("alice", "alice.example", suffix="Bad Name", password="short", path="../etc")
    assert set(info.value.errors) == {"suffix", "password", "path"}
    assert harness.calls() == []
