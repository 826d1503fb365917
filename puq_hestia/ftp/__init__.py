"""The product's FTP rules: what a customer may do with the FTP users of their web domains.

:class:`FtpService` lists every FTP user in one Hestia call and creates, changes and deletes them under the
folder rules (:mod:`.paths`), the name and password rules (:mod:`.credentials`) and the stored listing that answers
"is it hers?" without a call (:mod:`.ownership`); :mod:`.models` holds the cards and rule errors it returns. It
imports the Hestia client (``puq_hestia.hestia``) and the store, never ``auth``, ``billing``, Flask or the panel.
"""

from puq_hestia.ftp.service import (
    Created,
    DomainSuspendedError,
    FolderMissingError,
    FtpCard,
    FtpRuleError,
    FtpService,
    InvalidInputError,
    LimitReachedError,
    NameTakenError,
    NotOwnedError,
    Overview,
    PasswordChanged,
    PathChanged,
    UserSuspendedError,
)

__all__ = [
    "Created", "DomainSuspendedError", "FolderMissingError", "FtpCard", "FtpRuleError", "FtpService",
    "InvalidInputError", "LimitReachedError", "NameTakenError", "NotOwnedError", "Overview", "PasswordChanged",
    "PathChanged", "UserSuspendedError",
]
