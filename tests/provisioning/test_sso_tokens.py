"""One-time single-sign-on tokens: signed, bound to server and user, valid 60 s, usable once (SECURITY.md 18)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from puq_hestia.auth.sso import SsoExpiredError, SsoInvalidError, SsoSigner, SsoUsedError
from puq_hestia.store import Store

SECRET = "test-panel-secret-key-0123456789abcdef"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> Iterator[Store]:
    with Store("sqlite://") as s:
        yield s


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signer(clock: Clock) -> SsoSigner:
    return SsoSigner(SECRET, "https://panel.example/", clock=clock)


def test_link_is_public_url_plus_token(signer: SsoSigner) -> None:
    link = signer.link("main", "alice")
    assert link.startswith("https://panel.example/sso/")
    grant = signer.verify(link.rsplit("/", 1)[1])
    assert (grant.server_id, grant.user) == ("main", "alice")


def test_token_works_once(signer: SsoSigner, store: Store) -> None:
    token = signer.issue("main", "alice")
    assert signer.redeem(token, store).user == "alice"
    with pytest.raises(SsoUsedError):
        signer.redeem(token, store)


def test_two_tokens_for_the_same_user_are_independent(signer: SsoSigner, store: Store) -> None:
    first, second = signer.issue("main", "alice"), signer.issue("main", "alice")
    assert first != second
    signer.redeem(first, store)
    assert signer.redeem(second, store).user == "alice"


def test_token_expires_after_60_seconds(signer: SsoSigner, store: Store, clock: Clock) -> None:
    token = signer.issue("main", "alice")
    clock.now += 60
    assert signer.verify(token).user == "alice"
    clock.now += 1
    with pytest.raises(SsoExpiredError):
        signer.redeem(token, store)


def test_tampered_token_is_invalid(signer: SsoSigner, store: Store) -> None:
    token = signer.issue("main", "alice")
    payload, rest = token.split(".", 1)
    forged = SsoSigner(SECRET, "x", clock=lambda: 0).issue("main", "bob").split(".", 1)[0]
    for bad in (payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + rest, forged + "." + rest, "x", ""):
        with pytest.raises(SsoInvalidError):
            signer.redeem(bad, store)


def test_token_of_another_key_or_salt_is_invalid(signer: SsoSigner, clock: Clock) -> None:
    other = SsoSigner("another-secret-key-0123456789abcdefgh", "https://panel.example", clock=clock)
    with pytest.raises(SsoInvalidError):
        signer.verify(other.issue("main", "alice"))


def test_invalid_token_is_not_spent(signer: SsoSigner, store: Store) -> None:
    with pytest.raises(SsoInvalidError):
        signer.redeem("garbage.token.value", store)
    token = signer.issue("main", "alice")
    assert signer.redeem(token, store).user == "alice"


def test_signer_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret key"):
        SsoSigner("", "https://panel.example")
