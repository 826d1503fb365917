"""How many FTP users a customer may have: per Hestia package, with a per-account override from billing.

HestiaCP has no per-package FTP limit (hestiacp/hestiacp#5097, #3949), so the bridge keeps one:
``[servers.<id>.ftp_limits]`` maps package names to a number (``default`` for every other package; no table =
unlimited), and billing may set an account's own number (WHMCS ``configoption3`` "FTP accounts"). The count
comes from the stored listing, so checking costs no Hestia call. Lowering a limit below the current count
deletes nothing: the customer just cannot add more until they are under it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from puq_hestia.texts import Nn_

__all__ = ["DEFAULT_KEY", "FtpLimits", "Quota"]

DEFAULT_KEY = "default"


@dataclass(frozen=True)
class Quota:
    """FTP users in use and the most allowed (None = unlimited)."""

    used: int
    limit: int | None

    @property
    def full(self) -> bool:
        """True when no further FTP user may be added."""
        return self.limit is not None and self.used >= self.limit

    @property
    def text(self) -> str:
        """"3 of 5 FTP users" (or "3 FTP users" without a limit)."""
        if self.limit is None:
            return Nn_("{count} FTP user", "{count} FTP users", self.used)
        # The noun agrees with the limit ("1 of 1 FTP user", "0 of 5 FTP users"), as English reads it.
        return Nn_("{used} of {count} FTP user", "{used} of {count} FTP users", self.limit, used=self.used)


class FtpLimits:
    """The configured limits of one server: package name -> number, ``default`` for the rest."""

    def __init__(self, by_package: Mapping[str, int] | None = None) -> None:
        self.by_package = dict(by_package or {})

    def limit(self, package: str | None, override: int | None = None) -> int | None:
        """The account's own number when billing set one, else its package's, else the default (or None)."""
        if override is not None:
            return override
        if package is not None and package in self.by_package:
            return self.by_package[package]
        return self.by_package.get(DEFAULT_KEY)
