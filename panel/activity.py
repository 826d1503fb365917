"""Recent activity as a customer reads it: one sentence per audit event from the store (never a password)."""

from __future__ import annotations

from puq_hestia.store import AuditEvent

ACTIONS = {
    "login": "Signed in",
    "logout.everywhere": "Signed out on every device",
    "ftp.create": "Created the FTP user",
    "ftp.change_password": "Changed the password of",
    "ftp.change_path": "Changed the folder of",
    "ftp.delete": "Deleted the FTP user",
}
OUTCOMES = {
    "reset_to_root": "the folder did not exist, so it was reset to the domain root",
    "already": "it was already gone",
    "failure": "it failed; nothing was changed",
    "unknown": "the control panel stopped answering; it may or may not have been made",
}
_FOLDER_PREFIX = "folder="


def describe(event: AuditEvent) -> str:
    """One plain sentence for an audit event, e.g. 'Deleted the FTP user alice_web on alice.example'."""
    text = ACTIONS.get(event.action, event.action)
    if event.ftp_user:
        text += f" {event.ftp_user}"
    if event.domain:
        text += f" on {event.domain}"
    if event.detail.startswith(_FOLDER_PREFIX) and event.outcome != "reset_to_root":
        text += f", folder {event.detail[len(_FOLDER_PREFIX):]}"
    if event.outcome != "success":
        text += f" ({OUTCOMES.get(event.outcome, event.outcome)})"
    return text
