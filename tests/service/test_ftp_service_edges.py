"""FtpService behaviours that no other test proved (issue 15): each fails on a mutant of the line it guards."""

from __future__ import annotations

import logging
import random

import pytest
from service_harness import Harness

from puq_hestia.ftp import (
    DomainSuspendedError,
    FolderMissingError,
    FtpService,
    InvalidInputError,
    NameTakenError,
    NotOwnedError,
    UserSuspendedError,
    credentials,
)
from puq_hestia.hestia.errors import HestiaConnectionError, HestiaError

CHOSEN = "Chosen-pass-2026"


def _events(harness: Harness) -> list[tuple[str, str | None, str | None, str, str]]:
    """The audit trail of alice, oldest first, as (action, domain, ftp_user, outcome, detail)."""
    events = reversed(harness.store.recent_events("main", "alice"))
    return [(e.action, e.domain, e.ftp_user, e.outcome, e.detail) for e in events]


# -- chosen values are the ones applied -----------------------------------------------------------------------


def test_a_chosen_password_on_change_is_the_one_hestia_stores(harness: Harness) -> None:
    harness.service.overview("alice")
    changed = harness.service.change_password("alice", "alice.example", "alice_media", CHOSEN)
    assert (changed.password, changed.generated) == (CHOSEN, False)
    assert harness.backend.ftp_login("alice_media", CHOSEN) is not None
    assert changed.card.path == "public_html/media"


# -- the FTP-name claim ---------------------------------------------------------------------------------------


def test_a_name_claimed_by_a_running_create_is_refused_without_a_call(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    assert harness.store.claim_name("main", "alice_twin")
    with pytest.raises(NameTakenError, match="alice_twin is being created right now") as info:
        harness.service.create("alice", "alice.example", suffix="twin", password=CHOSEN)
    assert info.value.field == "suffix"
    assert harness.mutations() == []
    assert "alice_twin" not in harness.ftp_accounts("alice", "alice.example")


def test_the_claim_is_released_after_a_create_and_after_a_failure(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.service.create("alice", "alice.example", suffix="done", password=CHOSEN)
    assert harness.store.claim_name("main", "alice_done")  # free again
    harness.fault(kind="exit_code", code=6, cmd="v-add-web-domain-ftp", times=1)
    with pytest.raises(Exception):  # any refusal: the point is the claim after it
        harness.service.create("alice", "alice.example", suffix="fail", password=CHOSEN)
    assert harness.store.claim_name("main", "alice_fail")


def test_the_claim_is_keyed_by_this_server(harness: Harness) -> None:
    harness.service.overview("alice")
    assert harness.store.claim_name("other-server", "alice_twin")
    created = harness.service.create("alice", "alice.example", suffix="twin", password=CHOSEN)
    assert created.card.username == "alice_twin"


# -- resend once on an unknown outcome ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["drop_after", "drop_before"])
def test_change_password_is_sent_once_more_when_the_answer_is_lost(harness: Harness, kind: str) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    harness.fault(kind=kind, cmd="v-change-web-domain-ftp-password", times=1)
    harness.service.change_password("alice", "alice.example", "alice_media", CHOSEN)
    assert harness.mutations() == ["v-change-web-domain-ftp-password"] * 2
    assert harness.backend.ftp_login("alice_media", CHOSEN) is not None
    assert _events(harness)[-1][3] == "success"


def test_change_path_is_sent_once_more_when_the_answer_is_lost(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    harness.fault(kind="drop_before", cmd="v-change-web-domain-ftp-path", times=1)
    harness.service.change_path("alice", "alice.example", "alice_deploy", "public_html")
    assert harness.mutations() == ["v-change-web-domain-ftp-path"] * 2
    assert harness.ftp_accounts("alice", "alice.example")["alice_deploy"] == "public_html"


def test_delete_is_sent_once_more_and_a_second_loss_is_unknown(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    harness.fault(kind="drop_before", cmd="v-delete-web-domain-ftp", times=1)
    harness.service.delete("alice", "alice.example", "alice_deploy")
    assert harness.mutations() == ["v-delete-web-domain-ftp"] * 2
    assert "alice_deploy" not in harness.ftp_accounts("alice", "alice.example")
    harness.fault(kind="drop_before", cmd="v-delete-web-domain-ftp", times=2)
    with pytest.raises(HestiaConnectionError) as info:
        harness.service.delete("alice", "alice.example", "alice_media")
    assert info.value.outcome_unknown
    assert _events(harness)[-1][2:4] == ("alice_media", "unknown")


def test_a_refused_change_is_not_resent_and_is_audited_as_failure(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    harness.fault(kind="exit_code", code=2, cmd="v-change-web-domain-ftp-password", times=1)
    with pytest.raises(HestiaError) as info:
        harness.service.change_password("alice", "alice.example", "alice_media", CHOSEN)
    assert not info.value.outcome_unknown
    assert harness.mutations() == ["v-change-web-domain-ftp-password"]
    assert harness.backend.ftp_login("alice_media", CHOSEN) is None
    assert _events(harness)[-1] == ("ftp.change_password", "alice.example", "alice_media", "failure",
                                    type(info.value).__name__)


# -- create: reconcile ------------------------------------------------------------------------------------------


def test_a_failure_while_reconciling_leaves_the_outcome_unknown(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.fault(kind="drop_after", cmd="v-add-web-domain-ftp", times=1)
    harness.fault(kind="refused", cmd="v-list-web-domains")
    with pytest.raises(HestiaConnectionError) as info:
        harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN)
    assert info.value.outcome_unknown
    assert "creating alice_web: outcome unknown (HestiaConnectionError while checking)" in info.value.message
    assert _events(harness)[-1][0::3] == ("ftp.create", "unknown")


def test_reconcile_fixes_the_password_and_folder_of_an_account_that_exists(harness: Harness) -> None:
    harness.service.overview("alice")
    code, _ = harness.backend.run("v-add-web-domain-ftp", ["alice", "alice.example", "web", "Other-pass-2026"])
    assert code == 0
    harness.clear_calls()
    harness.service._reconcile_create("alice", "alice.example", "web", "alice_web", CHOSEN, "public_html")
    assert harness.mutations() == ["v-change-web-domain-ftp-password", "v-change-web-domain-ftp-path"]
    assert harness.backend.ftp_login("alice_web", CHOSEN) is not None
    assert harness.ftp_accounts("alice", "alice.example")["alice_web"] == "public_html"


def test_reconcile_leaves_a_right_folder_alone(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-add-web-domain-ftp", ["alice", "alice.example", "web", "Other-pass-2026", "public_html"])
    harness.clear_calls()
    harness.service._reconcile_create("alice", "alice.example", "web", "alice_web", CHOSEN, "public_html")
    assert harness.mutations() == ["v-change-web-domain-ftp-password"]


def test_a_re_create_meeting_e_exists_is_name_taken(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.fault(kind="drop_before", cmd="v-add-web-domain-ftp", times=1)
    harness.fault(kind="exit_code", code=4, cmd="v-add-web-domain-ftp", times=1)
    with pytest.raises(NameTakenError, match=r"^The FTP user alice_web already exists\.$") as info:
        harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN)
    assert info.value.field == "suffix"


# -- suspension met at Hestia (the stored listing was stale) ---------------------------------------------------


def test_a_user_suspended_since_the_listing_is_told_as_the_user(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-suspend-user", ["alice"])
    with pytest.raises(UserSuspendedError, match="Your hosting account is suspended"):
        harness.service.change_password("alice", "alice.example", "alice_media", CHOSEN)


def test_a_domain_suspended_since_the_listing_names_the_domain(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-suspend-web-domain", ["alice", "alice.example"])
    with pytest.raises(DomainSuspendedError) as info:
        harness.service.change_path("alice", "alice.example", "alice_media", "")
    assert info.value.message == ("The web domain alice.example is suspended; its FTP users cannot be added or "
                                  "changed.")


def test_create_meeting_e_suspended_creates_nothing(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-suspend-web-domain", ["alice", "alice.example"])
    with pytest.raises(DomainSuspendedError, match=r"alice\.example is suspended"):
        harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN)
    assert "alice_web" not in harness.ftp_accounts("alice", "alice.example")
    assert harness.store.claim_name("main", "alice_web")


def test_the_stored_listing_refuses_a_suspended_user_on_change_and_delete(harness: Harness) -> None:
    card = harness.service.overview("carol").cards[0]
    with pytest.raises(UserSuspendedError, match=r"^Your hosting account is suspended; FTP users cannot be "
                                                 r"changed\.$"):
        harness.service.change_password("carol", card.domain, card.username, CHOSEN)
    with pytest.raises(UserSuspendedError, match=r"^Your hosting account is suspended"):
        harness.service.delete("carol", card.domain, card.username)


# -- folders ----------------------------------------------------------------------------------------------------


def test_a_file_where_the_folder_should_be_is_missing(harness: Harness) -> None:
    target = harness.backend.root / "home/alice/web/alice.example/public_html/notes.txt"
    if not target.parent.exists():
        pytest.skip("the mock keeps its files elsewhere")  # pragma: no cover - layout guard
    target.write_text("not a folder")
    harness.service.overview("alice")
    with pytest.raises(FolderMissingError, match=r"The folder /public_html/notes\.txt does not exist"):
        harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN, path="public_html/notes.txt")
    assert harness.mutations() == []
    result = harness.service.change_path("alice", "alice.example", "alice_media", "public_html/notes.txt")
    assert result.reset_to_root


def test_two_missing_levels_are_missing_not_an_error(harness: Harness) -> None:
    harness.service.overview("alice")
    result = harness.service.change_path("alice", "alice.example", "alice_media", "gone/deeper/still")
    assert result.reset_to_root and harness.ftp_accounts("alice", "alice.example")["alice_media"] == ""


# -- the ownership index and the audit trail --------------------------------------------------------------------


def test_the_index_follows_change_path_and_delete_without_a_call(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.service.change_path("alice", "alice.example", "alice_deploy", "public_html")
    harness.service.delete("alice", "alice.example", "alice_media")
    harness.clear_calls()
    known = harness.service.known("alice")
    assert known is not None and known.path_of("alice.example", "alice_deploy") == "public_html"
    assert not harness.service.owns("alice", "alice.example", "alice_media")
    assert harness.service.owns("alice", "alice.example", "alice_deploy")
    assert harness.calls() == []


def test_the_audit_trail_names_action_domain_account_outcome_and_folder(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN, path="public_html")
    harness.service.change_password("alice", "alice.example", "alice_web", "Second-pass-2026")
    harness.service.change_path("alice", "alice.example", "alice_web", "public_html/media")
    harness.service.change_path("alice", "alice.example", "alice_web", "public_html/gone")
    harness.service.delete("alice", "alice.example", "alice_web")
    assert _events(harness) == [
        ("ftp.create", "alice.example", "alice_web", "success", "folder=/public_html"),
        ("ftp.change_password", "alice.example", "alice_web", "success", ""),
        ("ftp.change_path", "alice.example", "alice_web", "success", "folder=/public_html/media"),
        ("ftp.change_path", "alice.example", "alice_web", "reset_to_root", "folder=/"),
        ("ftp.delete", "alice.example", "alice_web", "success", ""),
    ]
    assert all(e.server_id == "main" for e in harness.store.events())


# -- what the customer is shown after a change, and refusals of accounts that are not theirs -------------------


def test_the_cards_after_a_change_show_the_account_and_its_domain(harness: Harness) -> None:
    harness.service.overview("alice")
    changed = harness.service.change_password("alice", "alice.example", "alice_media", CHOSEN)
    moved = harness.service.change_path("alice", "alice.example", "alice_deploy", "public_html")
    for card, username, path in ((changed.card, "alice_media", "public_html/media"),
                                 (moved.card, "alice_deploy", "public_html")):
        assert (card.username, card.domain, card.path) == (username, "alice.example", path)
        assert (card.ip, card.site_url) == ("192.0.2.10", "https://alice.example/")


@pytest.mark.parametrize("action", ["change_password", "change_path", "delete"])
def test_an_account_of_another_domain_is_not_owned_and_costs_no_call(harness: Harness, action: str) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    args = {"change_password": (CHOSEN,), "change_path": ("public_html",), "delete": ()}[action]
    with pytest.raises(NotOwnedError, match=r"^No such web domain or FTP user in your account\.$"):
        getattr(harness.service, action)("alice", "blog.alice.example", "alice_media", *args)
    assert harness.calls() == []


def test_a_bad_folder_on_change_path_is_a_path_error(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.clear_calls()
    with pytest.raises(InvalidInputError) as info:
        harness.service.change_path("alice", "alice.example", "alice_media", "../alice.example2")
    assert info.value.field == "path"
    assert harness.calls() == []


@pytest.mark.parametrize(("action", "cmd", "args"), [
    ("change_path", "v-change-web-domain-ftp-path", ("",)),
    ("delete", "v-delete-web-domain-ftp", ()),
])
def test_a_refused_change_path_or_delete_is_audited_as_failure(
    harness: Harness, action: str, cmd: str, args: tuple[str, ...]
) -> None:
    harness.service.overview("alice")
    harness.fault(kind="exit_code", code=2, cmd=cmd, times=1)
    with pytest.raises(HestiaError) as info:
        getattr(harness.service, action)("alice", "alice.example", "alice_media", *args)
    assert _events(harness)[-1] == (f"ftp.{action}", "alice.example", "alice_media", "failure",
                                    type(info.value).__name__)
    assert "alice_media" in harness.ftp_accounts("alice", "alice.example")


def test_a_user_suspended_since_the_listing_is_told_exactly_on_change_path(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-suspend-user", ["alice"])
    with pytest.raises(UserSuspendedError) as info:
        harness.service.change_path("alice", "alice.example", "alice_media", "")
    assert info.value.message == "Your hosting account is suspended; FTP users cannot be changed."


def test_a_domain_suspended_since_the_listing_names_the_domain_on_change_password(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-suspend-web-domain", ["alice", "alice.example"])
    with pytest.raises(DomainSuspendedError) as info:
        harness.service.change_password("alice", "alice.example", "alice_media", CHOSEN)
    assert "alice.example" in info.value.message


def test_an_account_deleted_since_the_listing_is_told_gone_and_the_listing_is_renewed(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-delete-web-domain-ftp", ["alice", "alice.example", "alice_media"])
    with pytest.raises(NotOwnedError, match=r"^That web domain or FTP user no longer exists\.$"):
        harness.service.change_path("alice", "alice.example", "alice_media", "")
    assert not harness.service.owns("alice", "alice.example", "alice_media")


# -- create: what is generated, shown, remembered and logged --------------------------------------------------


def test_generated_values_come_from_the_injected_generator(harness: Harness) -> None:
    rng = random.Random(1234)  # the harness gives the service random.Random(1234)
    suffix = credentials.generate_suffix("alice", rng=rng)
    password = credentials.generate_password(rng=rng)
    harness.service.overview("alice")
    created = harness.service.create("alice", "blog.alice.example")
    assert (created.card.username, created.password) == (f"alice_{suffix}", password)
    card = created.card
    assert (card.domain, card.path, card.site_url) == ("blog.alice.example", "", "http://blog.alice.example/")


def test_a_created_account_is_remembered_with_its_folder(harness: Harness) -> None:
    overview = harness.service.listing("alice")
    assert overview.user == "alice" and overview.cards
    harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN, path="public_html")
    harness.clear_calls()
    known = harness.service.known("alice")
    assert known is not None and known.user == "alice"
    assert known.path_of("alice.example", "alice_web") == "public_html"
    assert harness.calls() == []


def test_a_known_name_is_refused_with_its_message_and_field(harness: Harness) -> None:
    harness.service.overview("alice")
    with pytest.raises(NameTakenError) as info:
        harness.service.create("alice", "alice.example", suffix="media", password=CHOSEN)
    assert (info.value.message, info.value.field) == ("The FTP user alice_media already exists.", "suffix")
    harness.backend.run("v-add-web-domain-ftp", ["alice", "alice.example", "late", "Late-pass-2026"])
    with pytest.raises(NameTakenError) as info:
        harness.service.create("alice", "alice.example", suffix="late", password=CHOSEN)
    assert (info.value.message, info.value.field) == ("The FTP user alice_late already exists.", "suffix")


def test_a_suffix_that_makes_the_login_31_characters_is_refused(harness: Harness) -> None:
    harness.service.overview("alice")
    with pytest.raises(InvalidInputError) as info:
        harness.service.create("alice", "alice.example", suffix="a" * 25, password=CHOSEN)
    assert info.value.field == "suffix"
    assert info.value.message == ("The full FTP login 'alice_" + "a" * 25 + "' has 31 characters; at most 30 are "
                                  "allowed.")


def test_a_form_error_carries_the_validators_words(harness: Harness) -> None:
    harness.service.overview("alice")
    with pytest.raises(InvalidInputError) as info:
        harness.service.create("alice", "alice.example", suffix="web", password="short")
    assert (info.value.field, info.value.message) == ("password", "The password must have 8 to 128 characters.")
    assert info.value.errors == {"password": "The password must have 8 to 128 characters."}


def test_a_refused_create_is_audited_with_domain_and_account(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.fault(kind="exit_code", code=2, cmd="v-add-web-domain-ftp", times=1)
    with pytest.raises(HestiaError) as info:
        harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN)
    assert _events(harness)[-1] == ("ftp.create", "alice.example", "alice_web", "failure", type(info.value).__name__)


def test_a_user_suspended_since_the_listing_is_told_as_the_user_on_create(harness: Harness) -> None:
    harness.service.overview("alice")
    harness.backend.run("v-suspend-user", ["alice"])
    with pytest.raises(UserSuspendedError):
        harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN)


def test_a_suspended_domain_in_the_listing_is_told_with_its_words(harness: Harness) -> None:
    harness.service.overview("alice")
    with pytest.raises(DomainSuspendedError) as info:
        harness.service.create("alice", "shop.alice.example")
    assert info.value.message == ("The web domain shop.alice.example is suspended; its FTP users cannot be added "
                                  "or changed (deleting is still possible).")


def test_resends_and_reconciles_are_logged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    harness.service.overview("alice")
    harness.fault(kind="drop_before", cmd="v-change-web-domain-ftp-password", times=1)
    harness.fault(kind="drop_before", cmd="v-add-web-domain-ftp", times=1)
    with caplog.at_level(logging.WARNING, logger="puq_hestia.ftp.service"):
        harness.service.change_password("alice", "alice.example", "alice_media", CHOSEN)
        harness.service.create("alice", "alice.example", suffix="web", password=CHOSEN)
    assert [r.getMessage() for r in caplog.records if r.name == "puq_hestia.ftp.service"] == [
        "change outcome unknown (HestiaConnectionError); sending it once more",
        "create of an FTP user has an unknown outcome (HestiaConnectionError); reconciling",
    ]


def test_a_service_without_a_server_id_records_under_default(harness: Harness) -> None:
    service = FtpService(harness.client, store=harness.store)
    service.overview("alice")
    service.change_password("alice", "alice.example", "alice_media", CHOSEN)
    assert [e.server_id for e in harness.store.events()] == ["default"]


def test_an_active_user_is_reported_as_not_suspended(harness: Harness) -> None:
    assert harness.service.overview("alice").user_suspended is False
