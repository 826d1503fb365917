"""`puq-hestia ftp ...` and `puq-hestia mail list`: a customer's FTP users and the outbox, for operators."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from puq_hestia.cli.runtime import EXIT_OK, Runtime, UsageError, command_parser, server_option
from puq_hestia.ftp import FtpRuleError, FtpService
from puq_hestia.ftp.expiry import ACTIONS as END_ACTIONS
from puq_hestia.ftp.expiry import AccessEnds, parse_action, parse_until
from puq_hestia.ftp.invitations import FtpEndpoint, Invitations, format_time
from puq_hestia.ftp.limits import FtpLimits
from puq_hestia.ftp.models import LimitReachedError, NotOwnedError, UserSuspendedError
from puq_hestia.mail import Mailer

__all__ = ["add_ftp_parsers", "cmd_mail_list", "mailer", "operator_message"]


def _ftp(rt: Runtime) -> FtpService:
    server = rt.server()
    return FtpService(rt.client(server), store=rt.store, server_id=server.id, limits=FtpLimits(server.ftp_limits))


def cmd_ftp_list(rt: Runtime) -> int:
    """List every FTP user of USER (one Hestia call)."""
    overview = _ftp(rt).overview(rt.args.user)
    for card in overview.cards:
        status = "suspended" if card.suspended else "active"
        rt.print(f"{card.username}\t{card.domain}\t{card.display_path}\t{status}")
    if not overview.cards:
        rt.print(f"{rt.args.user} has no FTP users.")
    return EXIT_OK


def cmd_ftp_add(rt: Runtime) -> int:
    """Add an FTP user with a random (or the given) suffix and a random password, shown once."""
    until = parse_until(rt.args.access_until or "", rt.store.now())  # checked before anything is created
    action = parse_action(rt.args.when_ended)
    service = _ftp(rt)
    created = service.create(rt.args.user, rt.args.domain, suffix=rt.args.suffix, path=rt.args.path or "")
    rt.print(f"login: {created.card.username}\npassword: {created.password}")
    rt.print(f"folder: {created.card.display_path}")
    if until is not None:
        AccessEnds(service).set(rt.args.user, rt.args.domain, created.card.username, until, action)
        rt.print(f"access until: {format_time(until)}, then {action}")
    return EXIT_OK


def cmd_ftp_access(rt: Runtime) -> int:
    """Set (or with an empty --access-until, remove) when an FTP user's access ends."""
    until = parse_until(rt.args.access_until or "", rt.store.now())
    service = _ftp(rt)
    service.listing(rt.args.user)
    AccessEnds(service).set(rt.args.user, rt.args.domain, rt.args.login, until, parse_action(rt.args.when_ended))
    rt.print(f"{rt.args.login}: access until {format_time(until)}, then {rt.args.when_ended}" if until
             else f"{rt.args.login}: access does not end")
    return EXIT_OK


def cmd_ftp_passwd(rt: Runtime) -> int:
    """Give an FTP user a new random password, shown once."""
    changed = _ftp(rt).change_password(rt.args.user, rt.args.domain, rt.args.login)
    rt.print(f"login: {changed.card.username}\npassword: {changed.password}")
    return EXIT_OK


def cmd_ftp_path(rt: Runtime) -> int:
    """Change an FTP user's folder (a missing folder resets it to the domain root)."""
    changed = _ftp(rt).change_path(rt.args.user, rt.args.domain, rt.args.login, rt.args.path)
    note = " (the folder does not exist: reset to the domain root)" if changed.reset_to_root else ""
    rt.print(f"{changed.card.username}: folder {changed.card.display_path}{note}")
    return EXIT_OK


def cmd_ftp_delete(rt: Runtime) -> int:
    """Delete an FTP user."""
    _ftp(rt).delete(rt.args.user, rt.args.domain, rt.args.login)
    rt.print(f"{rt.args.login}: deleted")
    return EXIT_OK


def cmd_mail_list(rt: Runtime) -> int:
    """The newest messages of the outbox: time, state, recipient, subject (and why a send failed)."""
    for entry in mailer(rt).entries(rt.args.limit):
        error = f"\t{entry.last_error}" if entry.last_error else ""
        rt.print(f"#{entry.id}\t{format_time(entry.created_at)}\t{entry.state}\t{entry.recipient}\t{entry.subject}"
                 f"{error}")
    return EXIT_OK


def mailer(rt: Runtime) -> Mailer:
    """The mailer of [mail], with each server's invitation links registered (UsageError without [mail])."""
    if rt.settings.mail is None:
        raise UsageError("no [mail] table in the settings")
    mailer = Mailer(rt.settings.mail, rt.store)
    for server in rt.settings.servers.values():
        service = FtpService(rt.client(server), store=rt.store, server_id=server.id)
        Invitations(service, mailer, secret_key=rt.settings.secret_key, public_url=rt.settings.public_url,
                    endpoint=FtpEndpoint(server.ftp_host, server.ftp_port, server.ftp_tls))
    return mailer


def add_ftp_parsers(ftp: argparse.ArgumentParser) -> None:
    sub = ftp.add_subparsers(dest="ftp_command", required=True)
    specs: list[tuple[str, Callable[[Runtime], int], list[str]]] = [
        ("list", cmd_ftp_list, ["user"]),
        ("add", cmd_ftp_add, ["user", "domain"]),
        ("passwd", cmd_ftp_passwd, ["user", "domain", "login"]),
        ("path", cmd_ftp_path, ["user", "domain", "login", "path"]),
        ("delete", cmd_ftp_delete, ["user", "domain", "login"]),
        ("access", cmd_ftp_access, ["user", "domain", "login"]),
    ]
    for name, handler, positionals in specs:
        parser = command_parser(sub, name, handler, (handler.__doc__ or name).rstrip("."))
        for positional in positionals:
            parser.add_argument(positional)
        if name == "add":
            parser.add_argument("--suffix", help="login suffix (default: random)")
            parser.add_argument("--path", help="folder relative to the domain directory")
        if name in ("add", "access"):
            parser.add_argument("--access-until", default="", help="ISO date-time (UTC unless an offset is given); "
                                "empty: access does not end")
            parser.add_argument("--when-ended", choices=END_ACTIONS, default="lock",
                                help="lock (a random password nobody knows) or delete (default lock)")
        server_option(parser)


def operator_message(error: FtpRuleError, args: argparse.Namespace) -> str:
    """The FTP service speaks to customers ("your account"); an operator needs the user and domain named."""
    user, domain, login = (getattr(args, name, None) for name in ("user", "domain", "login"))
    if isinstance(error, NotOwnedError):
        with_login = f" with the FTP user {login}" if login else ""
        return f"user {user} has no web domain {domain}{with_login}"
    if isinstance(error, UserSuspendedError):
        return f"user {user} is suspended at Hestia, so its FTP users cannot be added or changed"
    if isinstance(error, LimitReachedError):
        return (f"user {user} is at its FTP user limit; raise it in [servers.<id>.ftp_limits] for its package, or "
                "with billing's \"FTP accounts\" option")
    return error.message

