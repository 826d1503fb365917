"""Pages of FTP cards: the server-side filter (`?q=`) and the pager (`?page=N`) of the two card sections.

A customer with hundreds of FTP users gets PAGE_SIZE cards per page instead of all of them (issue 7: the
1000-user page must stay under 300 KB of HTML and cost little more than its one Hestia call). The listing still
comes whole from one v-list-web-domains call; filtering and slicing happen here, on the parsed cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from puq_hestia.ftp import FtpCard

PAGE_SIZE = 50
MAX_QUERY = 100  # longer filter text is cut: no FTP login, domain or folder a customer types is that long


@dataclass(frozen=True)
class CardPage:
    """One page of the (filtered) cards, with what the pager needs to link to its neighbours."""

    cards: tuple[FtpCard, ...]
    number: int  # 1-based
    pages: int  # at least 1, even when nothing matches
    matching: int  # cards that pass the filter, over all pages
    query: str

    @property
    def first(self) -> int:
        """1-based position of the first card on this page (0 when there is none)."""
        return (self.number - 1) * PAGE_SIZE + 1 if self.cards else 0

    @property
    def last(self) -> int:
        """1-based position of the last card on this page (0 when there is none)."""
        return self.first + len(self.cards) - 1 if self.cards else 0

    @property
    def previous(self) -> int | None:
        """The previous page's number, or None on the first page."""
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        """The next page's number, or None on the last page."""
        return self.number + 1 if self.number < self.pages else None


def filter_words(query: str) -> list[str]:
    """The lower-cased words of a filter; a card must contain every one (the same rule as app.js's filter)."""
    return query[:MAX_QUERY].lower().split()


def card_text(card: FtpCard) -> str:
    """What the filter searches: the login, the domain and the folder (also the cards' data-filter-text)."""
    return f"{card.username} {card.domain} {card.display_path}"


def page_number(raw: str | None) -> int:
    """The asked-for page: anything but a positive whole number means the first page."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and 0 < int(raw) < 10**6 else 1


def paginate(cards: Sequence[FtpCard], query: str = "", number: int = 1) -> CardPage:
    """The cards matching QUERY, page NUMBER of them; a number past the end gives the last page.

    Clamping rather than a 404 keeps a bookmarked `?page=20` useful after FTP users were deleted, and brings the
    customer back to a real page after deleting the last card of the last page.
    """
    words = filter_words(query)
    matching = [c for c in cards if all(w in card_text(c).lower() for w in words)] if words else list(cards)
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    number = min(max(number, 1), pages)
    start = (number - 1) * PAGE_SIZE
    return CardPage(tuple(matching[start:start + PAGE_SIZE]), number, pages, len(matching),
                    query[:MAX_QUERY].strip())
