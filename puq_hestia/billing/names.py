"""Names a billing hook must never provision (SECURITY.md 28), each refused with a text that says why.

Hestia itself refuses its reserved names (HESTIA_API.md §13.11), but its answer ("invalid user format") does not
say why, and it knows nothing of its own prefix lock: ``v-suspend-user X`` locks every ``/etc/passwd`` entry that
starts with ``X_`` (§4.5), other customers included, and ``v-unsuspend-user X`` unlocks them again. So the bridge
refuses a name that would share that prefix with another user, in either direction.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["RESERVED", "prefix_clash", "refused_reason", "role_reason"]

#: v-add-user's reserved names (HESTIA_API.md §13.11), compared case-insensitively as Hestia does.
HESTIA_RESERVED = frozenset({"aria", "aria_log", "mysql", "mysql_upgrade", "ib", "ib_buffer", "ddl",
                             "ddl_recovery", "performance", "sudo"})
#: The admin (ROOT_USER on a default install) and the system's own superuser.
ADMIN_NAMES = frozenset({"admin", "root"})
RESERVED = HESTIA_RESERVED | ADMIN_NAMES


def refused_reason(user: str) -> str | None:
    """Why USER may never be created through a hook (before any Hestia call), or None."""
    lowered = user.strip().lower()
    if lowered in ADMIN_NAMES:
        return (f"The username '{user}' is the control panel's administrator name; billing hooks never create, "
                "change or delete it. Choose another username.")
    if lowered in HESTIA_RESERVED:
        return (f"The username '{user}' is reserved by Hestia (it names a system database or tool: "
                f"{', '.join(sorted(HESTIA_RESERVED))}). Choose another username.")
    if "_" in user:
        stem = user.split("_", 1)[0]
        return (f"The username '{user}' cannot contain '_': Hestia's suspend of a user '{stem}' locks every login "
                f"that starts with '{stem}_', and it rebuilds FTP accounts from the text after the last '_'. "
                "Choose a username without '_'.")
    return None


def role_reason(user: str, role: str) -> str:
    """Why an existing account with a ROLE other than ``user`` is not the billing system's."""
    return (f"The username '{user}' belongs to a control panel account with the role '{role}' (not a customer); "
            "billing hooks never act on it. Choose another username.")


def prefix_clash(user: str, existing: Iterable[str]) -> str | None:
    """Why USER would share Hestia's suspend lock with an existing user (``X`` and ``X_...``), or None."""
    for other in sorted(existing):
        if other == user:
            continue
        if other.startswith(f"{user}_"):
            return (f"The username '{user}' cannot be used: the account '{other}' exists, and Hestia's suspend "
                    f"of '{user}' would also lock every login that starts with '{user}_'. Choose another "
                    "username.")
        if user.startswith(f"{other}_"):
            return (f"The username '{user}' cannot be used: it starts with '{other}_', and Hestia's suspend of the "
                    f"existing account '{other}' would also lock it. Choose another username without an "
                    "underscore, or one that does not start with another account's name.")
    return None
