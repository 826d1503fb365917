"""Generated credentials and the input rules for suffixes, passwords, user names, domains and emails."""

from __future__ import annotations

import random
import secrets
import string
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puq_hestia.ftp.credentials import (
    FTP_LOGIN_MAX,
    RESERVED_USERNAMES,
    InvalidCredentialError,
    generate_password,
    generate_suffix,
    validate_domain,
    validate_email,
    validate_hestia_username,
    validate_password,
    validate_suffix,
)

PROPERTY = settings(max_examples=500, derandomize=True, database=None, deadline=None)


def _has_every_class(password: str) -> bool:
    return (
        any(c in string.ascii_lowercase for c in password)
        and any(c in string.ascii_uppercase for c in password)
        and any(c in string.digits for c in password)
    )


# -- generate_password ------------------------------------------------------------------------------------


def test_generated_password_defaults() -> None:
    password = generate_password()
    assert len(password) == 24
    assert set(password) <= set(string.ascii_letters + string.digits)
    assert _has_every_class(password)


def test_generated_password_uses_the_injected_generator() -> None:
    assert generate_password(rng=random.Random(7)) == generate_password(rng=random.Random(7))
    assert generate_password(rng=random.Random(7)) != generate_password(rng=random.Random(8))


def test_generated_password_comes_from_the_os_generator_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[random.Random] = []

    class Recording(random.Random):
        def __init__(self) -> None:
            super().__init__(1)
            made.append(self)

    monkeypatch.setattr(secrets, "SystemRandom", Recording)
    generate_password()
    assert len(made) == 1


class _Scripted(random.Random):
    """Returns the given characters in order from choice(), to force a redraw."""

    def __init__(self, chars: str) -> None:
        super().__init__(0)
        self._chars = iter(chars)

    def choice(self, seq: object) -> str:  # type: ignore[override]
        return next(self._chars)


def test_generated_password_redraws_until_every_class_is_present() -> None:
    digits_only, mixed = "1" * 20, "aB3" + "x" * 17
    assert generate_password(20, rng=_Scripted(digits_only + mixed)) == mixed


@pytest.mark.parametrize("length", [0, 8, 19, 129])
def test_generated_password_refuses_weak_or_unusable_lengths(length: int) -> None:
    with pytest.raises(ValueError, match="password length"):
        generate_password(length)


@PROPERTY
@given(st.integers(min_value=0, max_value=2**64), st.integers(min_value=20, max_value=128))
def test_generated_passwords_always_pass_the_rules(seed: int, length: int) -> None:
    password = generate_password(length, rng=random.Random(seed))
    assert len(password) == length
    assert _has_every_class(password)
    assert validate_password(password) == password


# -- suffixes ---------------------------------------------------------------------------------------------


def test_generated_suffix_for_a_short_user() -> None:
    suffix = generate_suffix("alice", rng=random.Random(1))
    assert suffix.startswith("ftp") and len(suffix) == 9
    assert validate_suffix("alice", suffix) == suffix


@PROPERTY
@given(st.integers(min_value=0, max_value=2**64), st.integers(min_value=1, max_value=26))
def test_generated_suffix_always_fits_and_validates(seed: int, user_length: int) -> None:
    user = "u" * user_length
    suffix = generate_suffix(user, rng=random.Random(seed))
    assert len(suffix) >= 3
    assert len(f"{user}_{suffix}") <= FTP_LOGIN_MAX
    # Hestia rebuilds an FTP name from the text after its last '_' (HESTIA_API.md §4.5).
    assert "_" not in suffix
    assert validate_suffix(user, suffix) == suffix


def test_generated_suffix_refuses_a_user_without_room() -> None:
    with pytest.raises(InvalidCredentialError, match="too long"):
        generate_suffix("u" * 27)


@pytest.mark.parametrize("suffix", ["a", "deploy", "web-1", "my_ftp", "0x0", "a" * 24])
def test_valid_suffixes(suffix: str) -> None:
    assert validate_suffix("alice", suffix) == suffix


@pytest.mark.parametrize(
    ("suffix", "reason"),
    [
        ("", "Enter a username"),
        ("Deploy", "'D'"),
        ("dé", r"'\\xe9'"),
        ("a b", "' '"),
        ("a\nb", r"'\\n'"),
        ("a.b", "'.'"),
        ("a|b", "'|'"),
        ("-web", "start and end"),
        ("web_", "start and end"),
        ("a" * 25, "31 characters"),
    ],
)
def test_invalid_suffixes_say_why(suffix: str, reason: str) -> None:
    with pytest.raises(InvalidCredentialError, match=reason):
        validate_suffix("alice", suffix)


# -- passwords typed by a customer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["Secret-1", "a b c d e", "x" * 128, "~!@#$%^&*()_+{}|\"<>?`-=[]\\;',./"]
)
def test_valid_passwords(password: str) -> None:
    assert validate_password(password) == password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short-1", "8 to 128"),
        ("x" * 129, "8 to 128"),
        ("Tab\there-ok", "printable ASCII"),
        ("Newline\nno", "printable ASCII"),
        ("caf\u00e9-secret", "printable ASCII"),
        (" leading-space", "start or end with a space"),
        ("trailing-space ", "start or end with a space"),
        ("has:colon-in", "':'"),
        ("/tmp/password", "start with '/'"),
    ],
)
def test_invalid_passwords_say_why_without_the_password(password: str, reason: str) -> None:
    with pytest.raises(InvalidCredentialError, match=reason) as info:
        validate_password(password)
    assert password.strip() not in str(info.value)


# -- Hestia user names, domains, emails -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ab", "alice", "bob-2", "a" * 30, "z9"])
def test_valid_hestia_usernames(name: str) -> None:
    assert validate_hestia_username(name) == name


@pytest.mark.parametrize(
    "name",
    ["a", "a" * 31, "Alice", "1alice", "-alice", "alice-", "al.ice", "al|ice", "bob_shop", "a b", "\u00e7a"],
)
def test_invalid_hestia_usernames(name: str) -> None:
    with pytest.raises(InvalidCredentialError):
        validate_hestia_username(name)


@pytest.mark.parametrize("name", sorted(RESERVED_USERNAMES))
def test_reserved_hestia_usernames_are_refused(name: str) -> None:
    with pytest.raises(InvalidCredentialError):
        validate_hestia_username(name)


def test_reserved_message_names_the_rule() -> None:
    with pytest.raises(InvalidCredentialError, match="'mysql' is reserved"):
        validate_hestia_username("mysql")


@pytest.mark.parametrize(
    "name", ["example.com", "shop.alice.example", "xn--bcher-kva.example", "a-b.c0", "1a.io"]
)
def test_valid_domains(name: str) -> None:
    assert validate_domain(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Example.com", "lowercase"),
        ("www.example.com", "without 'www.'"),
        ("example", "dot-separated"),
        ("example..com", "dot-separated"),
        (".example.com", "dot-separated"),
        ("example.com.", "dot-separated"),
        ("-example.com", "dot-separated"),
        ("example-.com", "dot-separated"),
        ("ex_ample.com", "dot-separated"),
        ("exa mple.com", "dot-separated"),
        ("example.com/x", "dot-separated"),
        ("192.168.1.10", "number"),
        ("a" * 64 + ".com", "dot-separated"),
        (("a" * 60 + ".") * 5 + "com", "3 to 253"),
        ("b\u00fccher.example", "dot-separated"),
    ],
)
def test_invalid_domains_say_why(name: str, reason: str) -> None:
    with pytest.raises(InvalidCredentialError, match=reason):
        validate_domain(name)


@pytest.mark.parametrize("addr", ["alice@example.com", "a.b+c_d%e-f@mail.example.org", "x@example.xn--p1ai"])
def test_valid_emails(addr: str) -> None:
    assert validate_email(addr) == addr


@pytest.mark.parametrize(
    "addr", ["", "alice", "alice@", "@example.com", "alice@example", "alice@example.c", "a b@example.com",
             "alice@exa mple.com", "al'ice@example.com", "alice@example.com\n", "\u00e4@example.com",
             "a@" + "b" * 250 + ".com"],
)
def test_invalid_emails(addr: str) -> None:
    with pytest.raises(InvalidCredentialError):
        validate_email(addr)


# -- no validator crashes with anything but its own error ---------------------------------------------------

VALIDATORS: list[Callable[[str], str]] = [
    validate_password,
    validate_hestia_username,
    validate_domain,
    validate_email,
    lambda s: validate_suffix("alice", s),
]


@PROPERTY
@given(st.text())
def test_validators_only_raise_their_own_error(value: str) -> None:
    for validate in VALIDATORS:
        try:
            assert validate(value) == value
        except InvalidCredentialError as error:
            assert str(error).isprintable()


@PROPERTY
@given(st.text(min_size=1))
def test_password_messages_never_contain_the_password(password: str) -> None:
    try:
        validate_password(password)
    except InvalidCredentialError as error:
        if len(password.strip()) >= 3:
            assert password.strip() not in str(error)


# -- limits pinned as literals, and the exact words a customer reads (issue 15) ----------------------------------


def test_the_limits_are_the_documented_ones() -> None:
    assert FTP_LOGIN_MAX == 30
    assert {
        "aria", "aria_log", "mysql", "mysql_upgrade", "ib", "ib_buffer", "ddl", "ddl_recovery", "performance",
        "sudo",
    } == RESERVED_USERNAMES


@pytest.mark.parametrize(("user", "prefixed"), [("u" * 20, True), ("u" * 21, False), ("u" * 26, False)])
def test_a_suffix_gets_the_ftp_prefix_exactly_when_nine_characters_fit(user: str, prefixed: bool) -> None:
    suffix = generate_suffix(user, rng=random.Random(5))
    assert suffix.startswith("ftp") is prefixed
    assert len(f"{user}_{suffix}") == (30 if len(user) >= 20 else len(user) + 10)
    assert suffix == generate_suffix(user, rng=random.Random(5))  # the injected generator is the one used


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("", "Enter a username."),
        ("aXb", "The username contains 'X'; use only lowercase letters, digits, '_' and '-'."),
        ("-web", "The username must start and end with a letter or a digit."),
        ("a" * 25, "The full FTP login 'alice_" + "a" * 25 + "' has 31 characters; at most 30 are allowed."),
    ],
)
def test_suffix_refusals_say_exactly_why(suffix: str, message: str) -> None:
    with pytest.raises(InvalidCredentialError) as info:
        validate_suffix("alice", suffix)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("x" * 7, "The password must have 8 to 128 characters."),
        ("x" * 129, "The password must have 8 to 128 characters."),
        ("Tab\there-ok", "The password may only contain printable ASCII characters (letters, digits, "
                         "punctuation, spaces)."),
        (" leading-space", "The password must not start or end with a space."),
        ("has:colon-in", "The password must not contain ':'."),
        ("/tmp/password", "The password must not start with '/'."),
    ],
)
def test_password_refusals_say_exactly_why(password: str, message: str) -> None:
    with pytest.raises(InvalidCredentialError) as info:
        validate_password(password)
    assert str(info.value) == message


def test_password_lengths_8_and_128_are_accepted() -> None:
    assert validate_password("x" * 8) == "x" * 8
    assert validate_password("x" * 128) == "x" * 128


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a", "A user name has 2 to 30 characters."),
        ("a" * 31, "A user name has 2 to 30 characters."),
        ("Alice", "A user name starts with a lowercase letter, ends with a letter or digit, and otherwise "
                  "contains only lowercase letters, digits and '-'."),
        ("sudo", "The user name 'sudo' is reserved."),
    ],
)
def test_user_name_refusals_say_exactly_why(name: str, message: str) -> None:
    with pytest.raises(InvalidCredentialError) as info:
        validate_hestia_username(name)
    assert str(info.value) == message


def _domain_of_length(length: int) -> str:
    """A valid domain name of exactly LENGTH characters (labels of at most 63)."""
    labels, left = [], length - 4  # room before ".com"
    while left > 0:
        size = min(63, left)
        if left - size == 1:  # never leave a single character for a label plus its dot
            size -= 1
        labels.append("a" * size)
        left -= size + 1
    name = ".".join(labels) + ".com"
    assert len(name) == length
    return name


def test_domain_lengths_3_and_253_are_accepted_and_254_is_refused() -> None:
    assert validate_domain("a.b") == "a.b"
    assert validate_domain(_domain_of_length(253)) == _domain_of_length(253)
    with pytest.raises(InvalidCredentialError) as info:
        validate_domain(_domain_of_length(254))
    assert str(info.value) == "A domain name has 3 to 253 characters."


@pytest.mark.parametrize("name", ["a.", ".a", "ab"])
def test_names_shorter_than_3_or_without_a_dot_are_refused(name: str) -> None:
    with pytest.raises(InvalidCredentialError):
        validate_domain(name)
    with pytest.raises(InvalidCredentialError, match=r"^A domain name has 3 to 253 characters"):
        validate_domain(name[:2])


@pytest.mark.parametrize("name", ["123.com", "shop.123.com", "a.1.example"])
def test_only_the_last_label_must_not_be_a_number(name: str) -> None:
    assert validate_domain(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Example.com", "Write the domain name in lowercase."),
        ("www.example.com", "Enter the domain without 'www.'; Hestia adds the www alias itself."),
        ("example..com", "A domain name is made of dot-separated parts of letters, digits and '-' (like "
                         "example.com)."),
        ("example.123", "The last part of a domain name cannot be a number."),
    ],
)
def test_domain_refusals_say_exactly_why(name: str, message: str) -> None:
    with pytest.raises(InvalidCredentialError) as info:
        validate_domain(name)
    assert str(info.value) == message


def test_email_of_254_characters_is_accepted_and_255_refused() -> None:
    domain = _domain_of_length(252)
    assert validate_email(f"a@{domain}") == f"a@{domain}"  # 254 characters
    with pytest.raises(InvalidCredentialError) as info:
        validate_email(f"ab@{domain}")
    assert str(info.value) == "Enter a valid email address, for example name@example.com."
