"""Random credentials and the product's input rules for names and secrets (SECURITY.md items 2, 4, 12).

Every rule here is at least as strict as Hestia's (HESTIA_API.md §3) and refuses, rather than rewrites, any
value Hestia would silently change (trim, lowercase, strip ``www.``): what the bridge sends is what Hestia
stores. Error messages are safe to show to the customer and never contain a password.
"""

from __future__ import annotations

import random
import re
import secrets
import string

from puq_hestia.ftp.paths import quote_char
from puq_hestia.texts import N_

__all__ = [
    "FTP_LOGIN_MAX",
    "RESERVED_USERNAMES",
    "InvalidCredentialError",
    "generate_password",
    "generate_suffix",
    "validate_domain",
    "validate_email",
    "validate_hestia_username",
    "validate_password",
    "validate_suffix",
]

# Hestia's is_user_format_valid allows at most 30 characters, applied to the full FTP name (§3 ftp_user).
FTP_LOGIN_MAX = 30
MIN_GENERATED_PASSWORD = 20
PASSWORD_MIN, PASSWORD_MAX = 8, 128
MIN_SUFFIX_ROOM = 3
SUFFIX_PREFIX, SUFFIX_RANDOM = "ftp", 6  # "ftpk3x9q2": readable in a list, 36**6 (2e9) names per user
# v-add-user refuses these case-insensitively (HESTIA_API.md §3, "user when creating").
RESERVED_USERNAMES = frozenset({
    "aria", "aria_log", "mysql", "mysql_upgrade", "ib", "ib_buffer", "ddl", "ddl_recovery", "performance",
    "sudo",
})

_PASSWORD_ALPHABET = string.ascii_letters + string.digits
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_SUFFIX_RE = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")
# Hestia's creation rule ^[a-zA-Z][-|_[:alnum:]]{0,28}[[:alnum:]]$, narrowed: lowercase ASCII only, and no
# '|' (a shell metacharacter that Hestia's bracket expression lets through by accident) and no '_': Hestia
# locks every passwd entry starting with "USER_" when USER is suspended and rebuilds FTP accounts from the
# text after the last '_' (§4.5, PR #4533), so a user "bob_shop" could be locked by suspending "bob".
_USERNAME_RE = re.compile(r"[a-z][a-z0-9-]{0,28}[a-z0-9]")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# §3 email: ^[A-Za-z0-9._%+-]+@[[:alnum:].-]+\.[A-Za-z]{2,63}$, or the same with an xn-- TLD; ASCII only.
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})")


class InvalidCredentialError(ValueError):
    """A name or secret the product refuses; ``str(error)`` is safe to show and never holds a password."""


def _system_rng(rng: random.Random | None) -> random.Random:
    """Return the injected generator (tests) or the OS one (``secrets.SystemRandom`` is a Random)."""
    return rng if rng is not None else secrets.SystemRandom()


def generate_password(length: int = 24, *, rng: random.Random | None = None) -> str:
    """Return a random password of letters and digits with a lowercase, an uppercase and a digit."""
    if not MIN_GENERATED_PASSWORD <= length <= PASSWORD_MAX:
        raise ValueError(f"password length must be {MIN_GENERATED_PASSWORD}-{PASSWORD_MAX}, not {length}")
    source = _system_rng(rng)
    # Draw until every class is present (the recipe of the `secrets` docs): uniform over the valid passwords,
    # and at 24 characters a redraw happens about once in 100,000.
    while True:
        password = "".join(source.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if _has_every_class(password):
            return password


def _has_every_class(password: str) -> bool:
    """Tell whether a password has a lowercase letter, an uppercase letter and a digit."""
    return (
        any(c.islower() for c in password)
        and any(c.isupper() for c in password)
        and any(c.isdigit() for c in password)
    )


def generate_suffix(user: str, rng: random.Random | None = None) -> str:
    """Return a random FTP suffix such that ``f"{user}_{suffix}"`` fits Hestia's 30 characters."""
    room = FTP_LOGIN_MAX - len(user) - 1
    if room < MIN_SUFFIX_ROOM:
        raise InvalidCredentialError(
            N_("The user name is too long for an FTP account (a login has at most {most} characters).",
               most=FTP_LOGIN_MAX)
        )
    source = _system_rng(rng)
    if room >= len(SUFFIX_PREFIX) + SUFFIX_RANDOM:
        return SUFFIX_PREFIX + "".join(source.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_RANDOM))
    # Short room: a letter first keeps the login readable; never '_' (see _USERNAME_RE on Hestia's rebuild).
    return source.choice(string.ascii_lowercase) + "".join(
        source.choice(_SUFFIX_ALPHABET) for _ in range(room - 1)
    )


def validate_suffix(user: str, suffix: str) -> str:
    """Return ``suffix`` if it is a valid FTP username suffix for ``user``, else raise."""
    if suffix == "":
        raise InvalidCredentialError(N_("Enter a username."))
    bad = next((c for c in suffix if c not in _SUFFIX_ALPHABET + "_-"), None)
    if bad is not None:
        raise InvalidCredentialError(
            N_("The username contains {bad}; use only lowercase letters, digits, '_' and '-'.", bad=quote_char(bad))
        )
    if not _SUFFIX_RE.fullmatch(suffix):
        raise InvalidCredentialError(N_("The username must start and end with a letter or a digit."))
    login = f"{user}_{suffix}"
    if len(login) > FTP_LOGIN_MAX:
        raise InvalidCredentialError(
            N_("The full FTP login '{login}' has {length} characters; at most {most} are allowed.", login=login,
               length=len(login), most=FTP_LOGIN_MAX)
        )
    return suffix


def validate_password(password: str) -> str:
    """Return ``password`` if a customer may choose it, else raise (the message never holds it)."""
    if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
        raise InvalidCredentialError(N_("The password must have {least} to {most} characters.", least=PASSWORD_MIN,
                                        most=PASSWORD_MAX))
    if not all(" " <= c <= "~" for c in password):
        raise InvalidCredentialError(
            N_("The password may only contain printable ASCII characters (letters, digits, punctuation, spaces).")
        )
    if password[0] == " " or password[-1] == " ":
        # Hestia trims every argument (HESTIA_API.md §2), so the stored password would differ.
        raise InvalidCredentialError(N_("The password must not start or end with a space."))
    if ":" in password:
        raise InvalidCredentialError(N_("The password must not contain ':'."))
    if password.startswith("/"):
        # Hestia reads a /tmp/... password argument as a file name (§3, is_password_valid).
        raise InvalidCredentialError(N_("The password must not start with '/'."))
    return password


def validate_hestia_username(name: str) -> str:
    """Return ``name`` if the product may create this Hestia user, else raise InvalidCredentialError."""
    if not 2 <= len(name) <= FTP_LOGIN_MAX:
        raise InvalidCredentialError(N_("A user name has 2 to {most} characters.", most=FTP_LOGIN_MAX))
    if not _USERNAME_RE.fullmatch(name):
        raise InvalidCredentialError(
            N_("A user name starts with a lowercase letter, ends with a letter or digit, and otherwise "
            "contains only lowercase letters, digits and '-'.")
        )
    if name in RESERVED_USERNAMES:
        raise InvalidCredentialError(N_("The user name '{name}' is reserved.", name=name))
    return name


def validate_domain(name: str) -> str:
    """Return ``name`` if it is a domain Hestia stores unchanged, else raise InvalidCredentialError."""
    if name != name.lower():
        raise InvalidCredentialError(N_("Write the domain name in lowercase."))
    if name.startswith("www."):
        # format_domain strips a leading www. (HESTIA_API.md §3): we would not get back what we sent.
        raise InvalidCredentialError(N_("Enter the domain without 'www.'; Hestia adds the www alias itself."))
    if not 3 <= len(name) <= 253:
        raise InvalidCredentialError(N_("A domain name has 3 to 253 characters."))
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise InvalidCredentialError(
            N_("A domain name is made of dot-separated parts of letters, digits and '-' (like example.com).")
        )
    if labels[-1].isdigit():
        # All-digit names and IP addresses are refused by Hestia (§3, §5.1 step 7).
        raise InvalidCredentialError(N_("The last part of a domain name cannot be a number."))
    return name


def validate_email(addr: str) -> str:
    """Return ``addr`` if Hestia accepts it as a contact address (HESTIA_API.md §3), else raise."""
    if len(addr) > 254 or not _EMAIL_RE.fullmatch(addr):
        raise InvalidCredentialError(N_("Enter a valid email address, for example name@example.com."))
    return addr

