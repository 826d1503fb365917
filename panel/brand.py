"""The hosting company's brand on every page: the `brand` template value, its stylesheet and its logo.

The colour is served as a stylesheet of CSS custom properties from this panel (`/brand.css`), never as an inline
style, so the Content-Security-Policy stays exactly as strict with a brand as without one. The logo file named
in the settings is served from `/brand/logo`; nothing else of the file system is reachable.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file
from flask.typing import ResponseReturnValue

from panel.extensions import limiter, services
from puq_hestia.branding import Brand

bp = Blueprint("brand", __name__)

# The brand changes only with the settings, so browsers may keep these for an hour.
_CACHE = "public, max-age=3600"


@bp.app_context_processor
def _brand_context() -> dict[str, Brand]:
    return {"brand": services().settings.brand}


@bp.get("/brand.css")
@limiter.exempt
def stylesheet() -> ResponseReturnValue:
    """The brand colour as CSS custom properties (an empty stylesheet without a colour)."""
    response = Response(services().settings.brand.stylesheet(), mimetype="text/css")
    response.headers["Cache-Control"] = _CACHE
    return response


@bp.get("/brand/logo")
@limiter.exempt
def logo() -> ResponseReturnValue:
    """The configured logo file, or 404 when there is none."""
    brand = services().settings.brand
    if brand.logo is None:
        abort(404)
    response = send_file(brand.logo, mimetype=brand.logo_type, max_age=3600)
    response.headers["Cache-Control"] = _CACHE
    return response
