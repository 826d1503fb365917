"""What the FTP service returns: cards, the overview of a customer's domains, results and rule errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from puq_hestia.hestia.models import WebDomain


class FtpRuleError(Exception):
    """A product rule refused the request before anything changed; `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Every field's problem at once, so a form shows them together (field -> message).
        self.errors = errors if errors is not None else ({field: message} if field else {})


class NotOwnedError(FtpRuleError):
    """The domain or FTP user is not in this customer's account (the panel answers 404)."""


class DomainSuspendedError(FtpRuleError):
    """Add and edit are refused on a suspended web domain; delete stays allowed."""


class UserSuspendedError(FtpRuleError):
    """The customer's whole hosting account is suspended: the panel is read-only."""


class FolderMissingError(FtpRuleError):
    """A create named a folder that does not exist; no FTP user was created."""


class NameTakenError(FtpRuleError):
    """The FTP name exists already (FTP names are system-wide at Hestia)."""


class LimitReachedError(FtpRuleError):
    """The account already has as many FTP users as its plan allows (checked before any Hestia call)."""


class InvalidInputError(FtpRuleError):
    """A value failed the bridge's own validation (SECURITY.md 1, 2, 4)."""


def site_url(domain: str, ssl: bool) -> str:
    """The public address of a web domain."""
    return f"{'https' if ssl else 'http'}://{domain}/"


@dataclass(frozen=True)
class DomainSummary:
    """One web domain as the panel shows it."""

    name: str
    ip: str
    suspended: bool
    ssl: bool
    ftp_count: int

    @property
    def site_url(self) -> str:
        """The site's public address."""
        return site_url(self.name, self.ssl)


@dataclass(frozen=True)
class FtpCard:
    """One FTP user as the panel shows it."""

    username: str
    domain: str
    path: str
    domain_suspended: bool
    user_suspended: bool
    ip: str
    site_url: str

    @property
    def suspended(self) -> bool:
        """Suspended through its domain or through the whole hosting account."""
        return self.domain_suspended or self.user_suspended

    @property
    def display_path(self) -> str:
        """The folder as the customer reads it, relative to the domain directory."""
        return "/" + self.path

    @property
    def suffix(self) -> str:
        """The part after the Hestia user's prefix."""
        return self.username.split("_", 1)[1] if "_" in self.username else self.username

    @classmethod
    def for_new(cls, domain: DomainSummary | None, user: str, username: str, path: str) -> FtpCard:
        """A card for an account the service has just changed (no new listing needed)."""
        if domain is None:
            return cls(username, "", path, False, False, "", "")
        return cls(username, domain.name, path, domain.suspended, False, domain.ip, domain.site_url)


@dataclass(frozen=True)
class Overview:
    """Everything the simple section shows, from one Hestia listing."""

    user: str
    user_suspended: bool
    domains: tuple[DomainSummary, ...]
    cards: tuple[FtpCard, ...]

    def domain(self, name: str) -> DomainSummary | None:
        """The named domain, if it is this customer's."""
        return next((d for d in self.domains if d.name == name), None)

    def cards_for(self, domain: str) -> tuple[FtpCard, ...]:
        """The FTP users of one domain."""
        return tuple(c for c in self.cards if c.domain == domain)

    def card(self, domain: str, username: str) -> FtpCard | None:
        """One FTP user of one domain."""
        return next((c for c in self.cards if c.domain == domain and c.username == username), None)

    def has(self, domain: str, username: str | None = None) -> bool:
        """Whether the domain (and the FTP user on it) belong to this customer."""
        if username is None:
            return self.domain(domain) is not None
        return self.card(domain, username) is not None

    def has_account(self, username: str) -> bool:
        """Whether any of the customer's domains has this FTP user."""
        return any(c.username == username for c in self.cards)

    def path_of(self, domain: str, username: str) -> str:
        """The folder of one FTP user ("" when unknown or at the root)."""
        card = self.card(domain, username)
        return card.path if card else ""

    @property
    def addable_domains(self) -> tuple[DomainSummary, ...]:
        """Domains that accept a new FTP user."""
        return () if self.user_suspended else tuple(d for d in self.domains if not d.suspended)


@dataclass(frozen=True)
class Created:
    """A new FTP user and its password (shown once, never stored)."""

    card: FtpCard
    password: str
    generated: bool


@dataclass(frozen=True)
class PasswordChanged:
    """A changed password (shown once, never stored)."""

    card: FtpCard
    password: str
    generated: bool


@dataclass(frozen=True)
class PathChanged:
    """A changed folder; reset_to_root when the requested folder did not exist."""

    card: FtpCard
    reset_to_root: bool
    requested: str = ""  # the folder asked for (relative, normalised): what "create it instead" would make


def build_overview(user: str, domains: Iterable[WebDomain], user_suspended: bool) -> Overview:
    """Turn a v-list-web-domains listing into summaries and cards."""
    summaries: list[DomainSummary] = []
    cards: list[FtpCard] = []
    for d in domains:
        summary = DomainSummary(d.name, d.ip, d.suspended or user_suspended, d.ssl, len(d.ftp_accounts))
        summaries.append(summary)
        site_url = summary.site_url
        cards.extend(FtpCard(a.username, d.name, a.path, summary.suspended, user_suspended, d.ip, site_url)
                     for a in d.ftp_accounts)
    return Overview(user, user_suspended, tuple(summaries), tuple(cards))
