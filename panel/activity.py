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
    # issue 17 (the detail says to whom / until when)
    "ftp.invite": "Sent an invitation to use",
    "ftp.invite_cancelled": "Cancelled the invitation to use",
    "ftp.invite_accepted": "The invitee chose the password of",
    "ftp.invite_expired": "The invitation was never used, for",
    "ftp.access_until": "Set when the access ends of",
    "ftp.access_ended": "Access ended of",
    "ftp.access_renewed": "Renewed the access of",
    "mail.failed": "An e-mail could not be sent",
}
_WITH_DETAIL = {"ftp.invite", "ftp.invite_cancelled", "ftp.invite_accepted", "ftp.access_until", "ftp.access_ended",
                "ftp.access_renewed", "mail.failed"}
OUTCOMES = {
    "reset_to_root": "the folder did not exist, so it was reset to the domain root",
    "already": "it was already gone",
    "failure": "it failed; nothing was changed",
    "unknown": "the control panel stopped answering; it may or may not have been made",
}
_FOLDER_PREFIX = "folder="
# Issue 18: a change whose answer was lost, settled later by `puq-hestia maintain`; its detail says what happened
# (made or not, and what to do: "set a new password"), so it is shown instead of an outcome word.
_SETTLED = {
    "maintenance.v-add-web-domain-ftp": "The interrupted create of the FTP user",
    "maintenance.v-delete-web-domain-ftp": "The interrupted delete of the FTP user",
    "maintenance.v-change-web-domain-ftp-path": "The interrupted folder change of",
    "maintenance.v-change-web-domain-ftp-password": "The interrupted password change of",
}


def describe(event: AuditEvent) -> str:
    """One plain sentence for an audit event, e.g. 'Deleted the FTP user alice_web on alice.example'."""
    text = ACTIONS.get(event.action) or _SETTLED.get(event.action, event.action)
    if event.ftp_user:
        text += f" {event.ftp_user}"
    if event.domain:
        text += f" on {event.domain}"
    if event.detail.startswith(_FOLDER_PREFIX) and event.outcome != "reset_to_root":
        text += f", folder {event.detail[len(_FOLDER_PREFIX):]}"
    if event.action in _SETTLED and event.detail:
        return f"{text}: {event.detail}"
    if event.action in _WITH_DETAIL and event.detail:
        text += f": {event.detail}"
    if event.outcome == "mail_failed":
        return text + " (the e-mail could not be sent yet; it will be sent again)"
    if event.outcome != "success":
        text += f" ({OUTCOMES.get(event.outcome, event.outcome)})"
    return text
