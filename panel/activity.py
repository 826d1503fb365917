"""Recent activity as a customer reads it: one sentence per audit event from the store (never a password)."""

from __future__ import annotations

from flask_babel import gettext

from puq_hestia.store import AuditEvent
from puq_hestia.texts import N_

ACTIONS = {
    "login": N_("Signed in"),
    "logout.everywhere": N_("Signed out on every device"),
    "ftp.create": N_("Created the FTP user"),
    "ftp.change_password": N_("Changed the password of"),
    "ftp.change_path": N_("Changed the folder of"),
    "ftp.delete": N_("Deleted the FTP user"),
    # issue 17 (the detail says to whom / until when)
    "ftp.invite": N_("Sent an invitation to use"),
    "ftp.invite_cancelled": N_("Cancelled the invitation to use"),
    "ftp.invite_accepted": N_("The invitee chose the password of"),
    "ftp.invite_expired": N_("The invitation was never used, for"),
    "ftp.access_until": N_("Set when the access ends of"),
    "ftp.access_ended": N_("Access ended of"),
    "ftp.access_renewed": N_("Renewed the access of"),
    "mail.failed": N_("An e-mail could not be sent"),
}
_WITH_DETAIL = {"ftp.invite", "ftp.invite_cancelled", "ftp.invite_accepted", "ftp.access_until", "ftp.access_ended",
                "ftp.access_renewed", "mail.failed"}
OUTCOMES = {
    "reset_to_root": N_("the folder did not exist, so it was reset to the domain root"),
    "already": N_("it was already gone"),
    "failure": N_("it failed; nothing was changed"),
    "unknown": N_("the control panel stopped answering; it may or may not have been made"),
}
_FOLDER_PREFIX = "folder="
# Issue 18: a change whose answer was lost, settled later by `puq-hestia maintain`; its detail says what happened
# (made or not, and what to do: "set a new password"), so it is shown instead of an outcome word.
_SETTLED = {
    "maintenance.v-add-web-domain-ftp": N_("The interrupted create of the FTP user"),
    "maintenance.v-delete-web-domain-ftp": N_("The interrupted delete of the FTP user"),
    "maintenance.v-change-web-domain-ftp-path": N_("The interrupted folder change of"),
    "maintenance.v-change-web-domain-ftp-password": N_("The interrupted password change of"),
}


def describe(event: AuditEvent) -> str:
    """One plain sentence for an audit event, e.g. 'Deleted the FTP user alice_web on alice.example'."""
    # Built from translated pieces; the FTP user, domain and folder stay as stored. The detail ("to x@y") is data.
    known = ACTIONS.get(event.action) or _SETTLED.get(event.action)
    text = str(gettext(known)) if known else event.action
    if event.ftp_user:
        text += f" {event.ftp_user}"
    if event.domain:
        text = str(gettext("%(text)s on %(domain)s", text=text, domain=event.domain))
    if event.detail.startswith(_FOLDER_PREFIX) and event.outcome != "reset_to_root":
        text = str(gettext("%(text)s, folder %(folder)s", text=text, folder=event.detail[len(_FOLDER_PREFIX):]))
    if event.action in _SETTLED and event.detail:
        # maintain stores one of its fixed sentences (puq_hestia.maintenance, marked N_): shown in the reader's
        # language when it is one of them, as stored otherwise.
        return f"{text}: {gettext(event.detail)}"
    if event.action in _WITH_DETAIL and event.detail:
        text += f": {event.detail}"
    if event.outcome == "mail_failed":
        return str(gettext("%(text)s (the e-mail could not be sent yet; it will be sent again)", text=text))
    if event.outcome != "success":
        outcome = str(gettext(OUTCOMES[event.outcome])) if event.outcome in OUTCOMES else event.outcome
        text = str(gettext("%(text)s (%(outcome)s)", text=text, outcome=outcome))
    return text
