"""The hosting company's brand (`[panel.brand]`): name, logo, colour, support and billing links, footer.

Every field is optional with a neutral default, and every value is checked at start (a colour that is not a hex
colour, a link that is not http(s), a logo that is not an image file), so a typo fails the start-up with a message
instead of a broken page. The panel shows the brand in its title, header, footer and error pages, and the e-mails
use it; the colour reaches the page through a generated stylesheet (no inline style: the CSP stays strict).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from puq_hestia.hestia.errors import ConfigError

__all__ = ["LOGO_TYPES", "Brand", "brand_from_mapping", "shade"]

#: Logo file types the panel serves, by extension.
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".webp": "image/webp"}
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_KEYS = frozenset({"name", "logo", "primary_color", "support_url", "billing_url", "footer"})


@dataclass(frozen=True)
class Brand:
    """What the customer sees of the hosting company; the defaults are neutral."""

    name: str = "Hosting panel"
    logo: Path | None = None
    primary_color: str | None = None
    support_url: str | None = None
    billing_url: str | None = None
    footer: str = ""

    @property
    def logo_type(self) -> str:
        """The logo's media type ("" without a logo)."""
        return LOGO_TYPES.get(self.logo.suffix.lower(), "") if self.logo else ""

    def stylesheet(self) -> str:
        """The CSS custom properties of the brand colour (empty without one)."""
        if not self.primary_color:
            return ""
        colour = _six_digits(self.primary_color)
        return (f":root {{\n  --primary: {colour};\n  --primary-dark: {shade(colour, 0.78)};\n"
                f"  --primary-soft: {tint(colour, 0.9)};\n}}\n")


def brand_from_mapping(raw: Mapping[str, Any], *, base: Path | None = None) -> Brand:
    """The [panel.brand] table, checked; a relative logo path is read from ``base`` (the config's folder)."""
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(f"[panel.brand] has unknown keys {unknown}; known: {sorted(_KEYS)}")
    name = str(raw.get("name", Brand.name)).strip()
    if not name or len(name) > 80:
        raise ConfigError("panel.brand.name must be 1 to 80 characters")
    colour = raw.get("primary_color")
    if colour is not None and not _COLOUR.fullmatch(str(colour)):
        raise ConfigError(f"panel.brand.primary_color must be a hex colour like #1f5fbf, not {colour!r}")
    return Brand(
        name=name,
        logo=_logo(raw.get("logo"), base),
        primary_color=None if colour is None else str(colour),
        support_url=_url(raw, "support_url"),
        billing_url=_url(raw, "billing_url"),
        footer=str(raw.get("footer", "")).strip()[:200],
    )


def _url(raw: Mapping[str, Any], key: str) -> str | None:
    """An absolute http(s) link, or None."""
    value = raw.get(key)
    if value is None:
        return None
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"panel.brand.{key} must be an http(s) URL, not {value!r}")
    return str(value)


def _logo(value: Any, base: Path | None) -> Path | None:
    """An existing image file of a served type, or None."""
    if value is None:
        return None
    path = Path(str(value))
    if not path.is_absolute() and base is not None:
        path = base / path
    if path.suffix.lower() not in LOGO_TYPES:
        raise ConfigError(f"panel.brand.logo must be one of {sorted(LOGO_TYPES)}, not {path.name!r}")
    if not path.is_file():
        raise ConfigError(f"panel.brand.logo {path} does not exist")
    return path


def _six_digits(colour: str) -> str:
    """#abc -> #aabbcc, lower case."""
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.lower()


def shade(colour: str, factor: float) -> str:
    """The colour darkened towards black (factor 1 = unchanged)."""
    red, green, blue = (int(_six_digits(colour)[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * factor):02x}" for c in (red, green, blue))


def tint(colour: str, amount: float) -> str:
    """The colour lightened towards white (amount 0 = unchanged, 1 = white)."""
    red, green, blue = (int(_six_digits(colour)[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in (red, green, blue))
