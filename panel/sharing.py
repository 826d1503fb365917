"""How a customer shares FTP access: connection details (one by one or as one message) and client profiles.

An FTP user is confined to its folder: after login the client sees that folder as `/`. So the folder is said as
"you start in /public_html/media of alice.example (shown as / in your FTP client)", and no profile sets it as the
remote directory (a client that CWDs into /public_html/media there gets 550). No profile carries a password.
"""

from __future__ import annotations

import plistlib
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import quote

from flask_babel import gettext

from puq_hestia.ftp import FtpCard
from puq_hestia.settings import ServerSettings

# FileZilla's ServerProtocol values (sitemanager.xml <Protocol>): 4 = FTPES, explicit FTP over TLS required;
# 6 = plain FTP without TLS.
FILEZILLA_FTPES = 4
FILEZILLA_PLAIN_FTP = 6
# <Logontype> 2 = "Ask for password": the file carries no password (DESIGN.md §4).
FILEZILLA_ASK_PASSWORD = 2


@dataclass(frozen=True)
class ConnectionDetails:
    """What an FTP client needs to connect, ready to copy."""

    host: str
    port: int
    tls: bool
    login: str
    folder: str
    domain: str = ""

    @property
    def start_text(self) -> str:
        """Where the user lands, said so that nobody types it as a remote directory."""
        return str(gettext("you start in %(folder)s of %(domain)s (shown as / in your FTP client)",
                           folder=self.folder, domain=self.domain))

    @property
    def winscp_url(self) -> str:
        """A WinSCP session URL (ftpes:// is explicit TLS there); no path, so WinSCP opens the user's /."""
        scheme = "ftpes" if self.tls else "ftp"
        return f"{scheme}://{quote(self.login, safe='')}@{self.host}:{self.port}"

    @property
    def protocol(self) -> str:
        """The protocol as a customer's FTP client names it."""
        return str(gettext("Explicit FTPS (FTP over TLS)") if self.tls else gettext("FTP (unencrypted)"))

    def share_text(self, domain: str) -> str:
        """Everything at once, to paste into a message to whoever connects; the password travels separately."""
        return "\n".join([
            gettext("FTP access to %(domain)s", domain=domain),
            gettext("Host: %(host)s", host=self.host),
            gettext("Port: %(port)s", port=self.port),
            gettext("Protocol: %(protocol)s", protocol=self.protocol),
            gettext("Login: %(login)s", login=self.login),
            gettext("Folder: %(folder)s", folder=self.start_text),
            gettext("Password: sent separately"),
        ])


def connection_details(server: ServerSettings, card: FtpCard) -> ConnectionDetails:
    """The details for one FTP user on one server."""
    return ConnectionDetails(server.ftp_host, server.ftp_port, server.ftp_tls, card.username,
                             card.display_path, card.domain)


def filezilla_site(server: ServerSettings, domain: str, login: str) -> bytes:
    """A FileZilla site manager file (File > Import) for one FTP user, without the password."""
    root = ET.Element("FileZilla3", version="3.66.0")
    site = ET.SubElement(ET.SubElement(root, "Servers"), "Server")
    fields = {
        "Host": server.ftp_host,
        "Port": str(server.ftp_port),
        "Protocol": str(FILEZILLA_FTPES if server.ftp_tls else FILEZILLA_PLAIN_FTP),
        "Type": "0",
        "User": login,
        "Logontype": str(FILEZILLA_ASK_PASSWORD),
        "PasvMode": "MODE_DEFAULT",
        "EncodingType": "Auto",
        "BypassProxy": "0",
        "Name": f"{domain} ({login})",
        "Comments": f"FTP user {login} of the web domain {domain}",
    }
    for tag, text in fields.items():
        ET.SubElement(site, tag).text = text
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document


def cyberduck_bookmark(server: ServerSettings, domain: str, login: str) -> bytes:
    """A Cyberduck bookmark (.duck, a property list; open it to add the bookmark), without password or path."""
    bookmark = {
        "Protocol": "ftps" if server.ftp_tls else "ftp",  # "ftps" is Cyberduck's FTP-SSL (explicit AUTH TLS)
        "Provider": "iterate GmbH",
        "UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ftp://{login}@{server.ftp_host}:{server.ftp_port}")),
        "Nickname": f"{domain} ({login})",
        "Hostname": server.ftp_host,
        "Port": str(server.ftp_port),
        "Username": login,
    }
    return plistlib.dumps(bookmark, fmt=plistlib.FMT_XML)


def filezilla_filename(domain: str, login: str, ext: str = "xml") -> str:
    """A safe download name; domain and login passed the ownership check, but keep only plain characters."""
    raw = f"{domain}-{login}.{ext}"
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in raw)
