"""The store's tables (SQLAlchemy Core), one per concept, each with the comment that says why it exists."""

from __future__ import annotations

import sqlalchemy as sa

DEFAULT_URL = "sqlite:///instance/puq-hestia.sqlite3"
DETAIL_MAX = 500
HOOK_PENDING, HOOK_DONE = "pending", "done"

metadata = sa.MetaData()

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(253)),
    sa.Column("ftp_user", sa.String(64)),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("detail", sa.String(DETAIL_MAX), nullable=False),
    sa.Index("ix_audit_events_server_actor", "server_id", "actor", "id"),
)

used_tokens = sa.Table(
    "used_tokens",
    metadata,
    sa.Column("token_id", sa.String(128), primary_key=True),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

hook_requests = sa.Table(
    "hook_requests",
    metadata,
    sa.Column("reseller_id", sa.String(64), primary_key=True),
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("request_hash", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("result_json", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("reseller_id", sa.String(64), nullable=False),
    sa.Column("service_id", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A name held during an FTP create, so two concurrent creates end in one account (SECURITY.md 26).
ftp_name_claims = sa.Table(
    "ftp_name_claims",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("ftp_user", sa.String(64), primary_key=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
)

# Each customer's last listing (JSON made by puq_hestia.ftp.ownership), so ownership checks cost no Hestia call.
listings = sa.Table(
    "listings",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("listing_json", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Panel sessions (puq_hestia.auth.sessions): only a SHA-256 of the cookie's random id is kept (SECURITY.md 31), so
# the store never holds a credential. Stage "active" is a signed-in session; "pending" is a password checked
# while the 2FA code is asked (short-lived, single use, FAILURES counts wrong codes).
panel_sessions = sa.Table(
    "panel_sessions",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("hestia_user", sa.String(64), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_panel_sessions_account", "server_id", "hestia_user"),
)


# What the FTP limit needs to know of an account without a Hestia call: its package (seen at sign-in or set by
# billing) and billing's own number of FTP accounts for it (puq_hestia.ftp.limits).
account_limits = sa.Table(
    "account_limits",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("package", sa.String(64)),
    sa.Column("ftp_accounts", sa.Integer),
)

# A change to Hestia, written down before it is sent (DESIGN.md §7; puq_hestia.intents): never a password.
intents = sa.Table(
    "intents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("command", sa.String(64), nullable=False),
    sa.Column("account", sa.String(64), nullable=False),
    sa.Column("args_json", sa.Text, nullable=False),  # the masked arguments: the evidence that recognises it
    sa.Column("origin", sa.String(255)),  # who asked: "hook:<reseller>:<key>", "panel:<user>", "cli"
    sa.Column("state", sa.String(16), nullable=False),  # open, done, failed, unknown, then settled by maintain
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("note", sa.String(DETAIL_MAX)),
    sa.Index("ix_intents_state", "state", "id"),
)

# Named leases with an expiry: one maintenance run at a time across machines (works on SQLite and PostgreSQL).
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

# A billing create whose v-add-user was sent but is not yet proven made (SECURITY.md 27): written before the call,
# so only the same reseller's same Idempotency-Key may later settle it, by evidence. Never holds a password.
create_intents = sa.Table(
    "create_intents",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("reseller_id", sa.String(64), nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A confirmed terminate (SECURITY.md 29): the reseller's redelivered terminate answers "already gone" from here,
# without touching a later account of the same name.
account_tombstones = sa.Table(
    "account_tombstones",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), primary_key=True),
    sa.Column("reseller_id", sa.String(64), primary_key=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
)


# One row per submitted panel form (SECURITY.md 40): the first POST of a token wins; a resubmission (reload, Back,
# double click) finds the row and is answered "already done" without a Hestia call. Never holds a password.
form_tokens = sa.Table(
    "form_tokens", metadata,
    sa.Column("token", sa.String(128), primary_key=True),
    *(sa.Column(name, sa.String(253), nullable=False) for name in ("actor", "action", "domain", "ftp_user")),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=False, index=True),
)


# -- mail and FTP invitations / access that ends (issue 17; puq_hestia.mail, puq_hestia.ftp.invitations, .expiry) --
# One outgoing message; its context holds no secret (an invitation's link is made only at sending time).
mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("account", sa.String(64), nullable=False),  # the customer it is about (their activity list)
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("context_json", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # queued, sending, sent, failed, dropped
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.String(255)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Index("ix_mail_outbox_state", "state", "id"),
)

# An invitation to choose the password of one FTP user: a nonce, never a token or a link (SECURITY.md 31).
ftp_invitations = sa.Table(
    "ftp_invitations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server_id", sa.String(64), nullable=False),
    sa.Column("hestia_user", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("ftp_user", sa.String(64), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("message", sa.String(DETAIL_MAX)),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # waiting, accepting, accepted, cancelled, revoked, expired
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("accepted_at", sa.DateTime(timezone=True)),
    sa.Column("outbox_id", sa.Integer),
    sa.Index("ix_ftp_invitations_user", "server_id", "hestia_user", "id"),
)

# When an FTP user's access ends, and what then happens to it (locked or deleted) by `puq-hestia maintain`.
ftp_access_ends = sa.Table(
    "ftp_access_ends",
    metadata,
    sa.Column("server_id", sa.String(64), primary_key=True),
    sa.Column("ftp_user", sa.String(64), primary_key=True),
    sa.Column("hestia_user", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(8), nullable=False),  # lock or delete
    sa.Column("state", sa.String(8), nullable=False),  # active or ended
    sa.Column("notice_sent_at", sa.DateTime(timezone=True)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Index("ix_ftp_access_ends_due", "state", "ends_at"),
)


