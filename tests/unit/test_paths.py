"""FTP folder rules (SECURITY.md item 1): targeted refusals, accepted forms, "accepted => inside" proofs."""

from __future__ import annotations

import posixpath
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puq_hestia.ftp import paths
from puq_hestia.ftp.paths import (
    MAX_DEPTH,
    MAX_LENGTH,
    InvalidPathError,
    absolute_ftp_path,
    domain_dir,
    is_inside,
    normalize_ftp_path,
    quote_char,
)

USER, DOMAIN = "alice", "alice.example"
BASE = "/home/alice/web/alice.example"
SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Deterministic runs (no example database, fixed seed). Hypothesis costs about a millisecond per example, so
# the structured strategies run fewer examples and a seeded fuzz loop below adds volume cheaply.
WIDE = settings(max_examples=2000, derandomize=True, database=None, deadline=None)
STRUCTURED = settings(max_examples=500, derandomize=True, database=None, deadline=None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("/", ""),
        ("///", ""),
        ("public_html", "public_html"),
        ("/public_html/", "public_html"),
        ("public_html/media/2026", "public_html/media/2026"),
        ("a.b-c_d", "a.b-c_d"),
        ("/".join(["d"] * 8), "/".join(["d"] * 8)),  # depth 8 is the limit, pinned as a literal
        ("x" * 64, "x" * 64),
    ],
)
def test_accepted_paths_are_normalised(raw: str, expected: str) -> None:
    assert normalize_ftp_path(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("../alice.example2", r"'\.' or '\.\.'"),
        ("../alice.exampleXcom", r"'\.' or '\.\.'"),
        ("public_html/../../alice.example/x", r"'\.' or '\.\.'"),
        ("..", r"'\.' or '\.\.'"),
        ("a/./b", r"'\.' or '\.\.'"),
        ("public_html//x", "empty name"),
        (".hidden", "start with a letter or digit"),
        ("public_html/-x", "start with a letter or digit"),
        ("%2e%2e", "'%'"),
        ("a:b", "':'"),
        ("it's", "\"'\""),
        ("$(id)", "'\\$'"),
        ("`id`", "'`'"),
        ("public_html\\..\\x", "backslashes"),
        ("public\x00html", "invisible"),
        ("public_html\n", "invisible"),
        ("public\thtml", "invisible"),
        ("public html", "whitespace"),
        (" public_html", "whitespace"),
        ("public_html ", "whitespace"),
        ("caf\u00e9", "non-ASCII"),
        ("a\u202eb", "invisible"),
        ("/".join(["d"] * 9), "at most 8 levels deep"),
        ("a" * 201, "at most 200 characters"),
        ("y" * 65, "at most 64 characters"),
    ],
)
def test_refused_paths_say_which_rule(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPathError, match=reason):
        normalize_ftp_path(raw)


def test_long_path_of_valid_segments_is_refused() -> None:
    raw = "/".join(["s" * 40] * 5) + "/x"  # 5 x 40 + 5 separators + 1 = 206 characters, depth 6
    with pytest.raises(InvalidPathError, match="at most 200 characters"):
        normalize_ftp_path(raw)


@pytest.mark.parametrize("char", ["\x00", "\n", "\r", "\x1b", "\x7f", "\u2028", "\u202e", "\ufeff"])
def test_messages_never_echo_control_characters(char: str) -> None:
    with pytest.raises(InvalidPathError) as info:
        normalize_ftp_path(f"public_html/{char}x")
    message = str(info.value)
    assert char not in message
    assert message.isprintable() and message.isascii()


def test_quote_char_escapes_what_is_not_plain_ascii() -> None:
    assert quote_char(":") == "':'"
    assert quote_char("'") == '"\'"'
    assert quote_char("\x00") == r"'\x00'"
    assert quote_char("\u00e9") == r"'\xe9'"


def test_domain_dir_and_absolute_path() -> None:
    assert domain_dir(USER, DOMAIN) == BASE
    assert absolute_ftp_path(USER, DOMAIN, "") == BASE
    assert absolute_ftp_path(USER, DOMAIN, "/public_html/") == f"{BASE}/public_html"


@pytest.mark.parametrize(
    ("user", "domain"), [("", DOMAIN), ("..", DOMAIN), (USER, "a/b"), (USER, "x\ny"), (USER, "a b")]
)
def test_domain_dir_refuses_names_that_are_not_one_component(user: str, domain: str) -> None:
    with pytest.raises(InvalidPathError):
        domain_dir(user, domain)


def test_absolute_path_refuses_traversal() -> None:
    with pytest.raises(InvalidPathError):
        absolute_ftp_path(USER, DOMAIN, "../alice.example2")


def test_containment_is_checked_against_the_given_base() -> None:
    with pytest.raises(InvalidPathError, match="inside the domain directory"):
        normalize_ftp_path("public_html", base="relative/base")


@pytest.mark.parametrize(
    ("candidate", "inside"),
    [
        (BASE, True),
        (BASE + "/", True),
        (BASE + "/public_html", True),
        (BASE + "/a/../b", True),
        (BASE + "2", False),
        ("/home/alice/web/alice.exampleXcom", False),
        (BASE + "/../alice.example2", False),
        (BASE + "/public_html/../../alice.example/x", True),
        (BASE + "/public_html/../../x", False),
        ("/home/alice/web", False),
        ("home/alice/web/alice.example", False),
        ("/", False),
    ],
)
def test_is_inside_is_anchored(candidate: str, inside: bool) -> None:
    assert is_inside(BASE, candidate) is inside


def test_is_inside_treats_the_root_as_containing_every_absolute_path() -> None:
    assert is_inside("/", "/etc") and not is_inside("/", "etc")


def _assert_safe(raw: str) -> None:
    """The property: a value is refused with InvalidPathError, or it is inside and obeys every rule."""
    try:
        rel = normalize_ftp_path(raw)
    except InvalidPathError as error:
        assert str(error).isprintable()
        return
    joined = posixpath.normpath(f"{BASE}/{rel}") if rel else BASE
    assert joined == absolute_ftp_path(USER, DOMAIN, raw)
    assert joined == BASE or joined.startswith(BASE + "/")
    assert len(raw) <= MAX_LENGTH
    if rel:
        segments = rel.split("/")
        assert len(segments) <= MAX_DEPTH
        assert all(SEGMENT.fullmatch(s) for s in segments)
        assert joined == f"{BASE}/{rel}"  # already normal: what is sent is what Hestia resolves


@WIDE
@given(st.text())
def test_any_unicode_text_is_refused_or_inside(raw: str) -> None:
    _assert_safe(raw)


PIECES = ["..", ".", "/", "//", ":", "%2e", "\\", "\x00", "\n", " ", "~", "-", "_", "a"]
PIECES += ["public_html", "alice.example"]
_PIECES = st.sampled_from(PIECES)
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# A valid first character then up to 69 more from the segment alphabet: valid segments and ones just too long.
_SEGMENTS = st.builds(
    lambda first, rest: first + rest, st.sampled_from(_ALNUM), st.text(_ALNUM + "._-", max_size=69)
)


@STRUCTURED
@given(st.lists(st.one_of(_PIECES, _SEGMENTS), max_size=20).map("".join))
def test_built_paths_are_refused_or_inside(raw: str) -> None:
    _assert_safe(raw)


@STRUCTURED
@given(st.lists(_SEGMENTS, min_size=1, max_size=MAX_DEPTH + 2), st.booleans(), st.booleans())
def test_segment_paths_are_accepted_exactly_when_every_rule_holds(
    segments: list[str], leading: bool, trailing: bool
) -> None:
    raw = ("/" if leading else "") + "/".join(segments) + ("/" if trailing else "")
    valid = (
        len(raw) <= MAX_LENGTH
        and len(segments) <= MAX_DEPTH
        and all(len(s) <= 64 for s in segments)
        and all(s not in (".", "..") for s in segments)
    )
    if valid:
        assert normalize_ftp_path(raw) == "/".join(segments)
    else:
        with pytest.raises(InvalidPathError):
            normalize_ftp_path(raw)


def test_seeded_fuzz_of_twenty_thousand_strings() -> None:
    rng = random.Random(2026)
    words = [*PIECES, "x" * 64, "y" * 65, "é", "\u202e", "$", "'", "alice.example2", "Xcom"]
    accepted = 0
    for _ in range(20_000):
        raw = "".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        _assert_safe(raw)
        accepted += raw.strip("/") == "" or _accepted(raw)
    assert 1_000 < accepted < 19_000  # the generator exercises both sides of the rule


def _accepted(raw: str) -> bool:
    try:
        normalize_ftp_path(raw)
    except InvalidPathError:
        return False
    return True


# -- limits pinned as literals, and the exact words a customer reads (issue 15) ----------------------------------


def test_the_limits_are_the_documented_ones() -> None:
    assert (MAX_LENGTH, MAX_DEPTH) == (200, 8)


def test_exactly_200_characters_is_accepted_and_201_is_refused() -> None:
    exact = "/".join(["s" * 39] * 5)  # 5 x 39 + 4 separators = 199 characters, depth 5
    assert len(exact + "x") == 200
    assert normalize_ftp_path(exact + "x") == exact + "x"
    assert normalize_ftp_path("/" * 199 + "a") == "a"
    with pytest.raises(InvalidPathError, match=r"^The folder may have at most 200 characters\.$"):
        normalize_ftp_path(exact + "xy")
    with pytest.raises(InvalidPathError, match="at most 200 characters"):
        normalize_ftp_path("/" * 200 + "a")  # the length is of what was typed, before slashes are trimmed


def test_depth_8_is_accepted_and_9_is_refused() -> None:
    assert normalize_ftp_path("a/b/c/d/e/f/g/h") == "a/b/c/d/e/f/g/h"
    with pytest.raises(InvalidPathError, match=r"^The folder may be at most 8 levels deep\.$"):
        normalize_ftp_path("a/b/c/d/e/f/g/h/i")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("a\x00b", "The folder contains an invisible character ('\\x00')."),
        ("a\u202eb", "The folder contains an invisible character ('\\u202e')."),
        ("a b", "The folder must not contain spaces or other whitespace."),
        ("caf\u00e9", "The folder contains a non-ASCII character ('\\xe9')."),
        ("a\\b", "Use '/' to separate folders; backslashes are not allowed."),
        ("a:b", "The folder contains ':'; use only letters, digits, '.', '_' and '-'."),
        ("a//b", "The folder contains an empty name ('//')."),
        ("a/../b", "The folder must not contain '.' or '..' parts."),
        ("a/./b", "The folder must not contain '.' or '..' parts."),
        ("y" * 65, "Each folder name may have at most 64 characters."),
        ("a/_b", "The folder name '_b' must start with a letter or digit."),
    ],
)
def test_each_refusal_says_exactly_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(InvalidPathError) as info:
        normalize_ftp_path(raw)
    assert str(info.value) == message


def test_a_folder_outside_the_given_base_is_refused_with_its_message() -> None:
    with pytest.raises(InvalidPathError) as info:
        normalize_ftp_path("public_html", base="relative/base")
    assert str(info.value) == "The folder must stay inside the domain directory."


@pytest.mark.parametrize(
    ("user", "domain", "message"),
    [
        (".", DOMAIN, "Invalid user name for a path."),
        ("..", DOMAIN, "Invalid user name for a path."),
        ("", DOMAIN, "Invalid user name for a path."),
        (USER, ".", "Invalid domain name for a path."),
        (USER, "..", "Invalid domain name for a path."),
        (USER, "", "Invalid domain name for a path."),
        (USER, "caf\u00e9.example", "Invalid domain name for a path."),
    ],
)
def test_dot_and_empty_names_are_not_path_components(user: str, domain: str, message: str) -> None:
    with pytest.raises(InvalidPathError) as info:
        domain_dir(user, domain)
    assert str(info.value) == message


def test_a_double_slash_root_contains_every_absolute_path() -> None:
    # POSIX keeps a leading '//' as it is (posixpath.normpath("//") == "//"), so it needs its own case.
    assert is_inside("//", "/etc") and is_inside("//", "//srv")


# -- pasted absolute Hestia paths and the folder picker's names (issue 19) ------------------------------------


@pytest.mark.parametrize(("raw", "kept"), [
    ("/home/alice/web/alice.example/public_html/media", "/public_html/media"),
    ("/home/alice/web/alice.example", ""),
    ("/home/alice/web/alice.example/", "/"),
    ("  /home/alice/web/alice.example/uploads \n", "/uploads"),
    ("public_html/", "public_html/"),
    ("/public_html", "/public_html"),
    (" media ", "media"),
    ("/homework", "/homework"),
    ("/home", "/home"),
])
def test_a_pasted_path_loses_only_the_domain_prefix(raw: str, kept: str) -> None:
    assert paths.strip_domain_dir(raw, "alice", "alice.example") == kept


@pytest.mark.parametrize("raw", [
    "/home/alice/web/other.example/public_html",
    "/home/bob/web/alice.example",
    "/home/alice/web/alice.examplex/x",
    "/home/alice/",
    " /home/alice/web",
])
def test_a_pasted_path_outside_the_web_domain_is_refused_naming_the_folder(raw: str) -> None:
    with pytest.raises(paths.InvalidPathError) as caught:
        paths.strip_domain_dir(raw, "alice", "alice.example")
    assert str(caught.value) == "The folder must be inside the web domain's folder /home/alice/web/alice.example."


def test_a_pasted_path_checks_the_names_it_builds_from() -> None:
    with pytest.raises(paths.InvalidPathError, match="Invalid user name"):
        paths.strip_domain_dir("x", "..", "alice.example")


@pytest.mark.parametrize(("name", "plain"), [
    ("uploads", True), ("a", True), ("A1-b_c.d", True), ("x" * 64, True),
    ("", False), (".", False), ("..", False), (".hidden", False), ("a b", False), ("a/b", False), ("ü", False),
    ("x" * 65, False),
])
def test_only_folder_names_the_rule_accepts_are_offered(name: str, plain: bool) -> None:
    assert paths.is_plain_segment(name) is plain
