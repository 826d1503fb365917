"""How a customer shares FTP access: connection details (one by one or as one message) and a FileZilla site file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

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

    @property
    def protocol(self) -> str:
        """The protocol as a customer's FTP client names it."""
        return "Explicit FTPS (FTP over TLS)" if self.tls else "FTP (unencrypted)"

    def share_text(self, domain: str) -> str:
        """Everything at once, to paste into a message to whoever connects; the password travels separately."""
        return "\n".join([
            f"FTP access to {domain}",
            f"Host: {self.host}",
            f"Port: {self.port}",
            f"Protocol: {self.protocol}",
            f"Login: {self.login}",
            f"Folder: {self.folder}",
            "Password: sent separately",
        ])


def connection_details(server: ServerSettings, card: FtpCard) -> ConnectionDetails:
    """The details for one FTP user on one server."""
    return ConnectionDetails(server.ftp_host, server.ftp_port, server.ftp_tls, card.username,
                             card.display_path)


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


def filezilla_filename(domain: str, login: str) -> str:
    """A safe download name; domain and login passed the ownership check, but keep only plain characters."""
    raw = f"{domain}-{login}.xml"
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in raw)
