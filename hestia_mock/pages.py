"""Plain pages where the demo's panel links into HestiaCP's own web interface (issue 19 Must 8).

The client panel links to Hestia's file manager (`<panel_url>/fm/`) and to a web domain's settings
(`<panel_url>/edit/web/?domain=DOMAIN`); in the demo `panel_url` is this mock, which has no web interface. Instead
of a 404, each address answers with a page saying what the real HestiaCP would show there (HESTIA_API.md §1).
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from markupsafe import Markup, escape

from hestia_mock.server import mock_context

pages = Blueprint("hestia_mock_pages", __name__)

_PAGE = Markup("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - mock HestiaCP</title></head>
<body><main>
<h1>{title}</h1>
<p><strong>This is the demo's mock HestiaCP, which has no web interface.</strong></p>
{body}
<p>The FTP users of your web domains, their folders and passwords are managed in the client panel.</p>
</main></body></html>
""")


def _page(title: str, body: Markup) -> Response:
    """A small HTML page, every value escaped."""
    html = _PAGE.format(title=title, body=body)
    return Response(str(html), mimetype="text/html", headers={"Cache-Control": "no-store"})


@pages.get("/")
def home() -> Response:
    """Hestia's panel address: its login page on a real server."""
    return _page("HestiaCP control panel", Markup(
        "<p>On a real HestiaCP server this address shows the HestiaCP login page (user name, password and, "
        "when it is turned on, a two-factor code), and after sign-in the customer's web domains, mail, "
        "databases, DNS, cron jobs and backups.</p>"))


@pages.get("/fm/")
@pages.get("/fm")
def file_manager() -> Response:
    """`/fm/`: Hestia's file manager (FileGator)."""
    return _page("File manager", Markup(
        "<p>On a real HestiaCP server this address opens HestiaCP's file manager (FileGator) once you are "
        "signed in to the HestiaCP panel (otherwise its login page comes first). It shows the files of your "
        "Hestia account, starting at <code>/home/USER</code>, with your web domains under "
        "<code>web/DOMAIN/public_html</code>: you can upload, download, edit, move, unpack and change "
        "permissions there.</p>"))


@pages.get("/edit/web/")
@pages.get("/edit/web")
def web_domain_settings() -> Response:
    """`/edit/web/?domain=DOMAIN`: Hestia's settings page of one web domain."""
    domain = request.args.get("domain", "").strip()
    owner = _owner(domain)
    known = (Markup("<p>In this mock, <code>{0}</code> is a web domain of the Hestia user <code>{1}</code>.</p>")
             .format(domain, owner) if owner else
             Markup("<p>This mock has no web domain <code>{0}</code>.</p>").format(domain or "(none given)"))
    return _page("Web domain settings", Markup(
        "<p>On a real HestiaCP server this address opens the settings of the web domain <code>{0}</code> once "
        "you are signed in to the HestiaCP panel: its aliases, IP address, SSL certificate (Let's Encrypt), "
        "web and proxy templates, redirects, statistics, a custom document root, and its additional FTP "
        "accounts.</p>{1}").format(escape(domain or "(none given)"), known))


def _owner(domain: str) -> str:
    """The Hestia user that has DOMAIN in the mock, or ""."""
    backend = mock_context().backend
    with backend.lock:
        return next((name for name, user in backend.users.items() if domain in user.domains), "")
