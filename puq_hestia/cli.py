"""The `puq-hestia` command line for operators (DESIGN.md §5).

    puq-hestia [--config FILE] check [--server ID]
    puq-hestia hook ACTION --params FILE|- [--server ID]
    puq-hestia sso-link USER [--server ID]
    puq-hestia ftp list|add|passwd|path|delete|access ...   (add/access: --access-until ISO --when-ended lock|delete)
    puq-hestia mail list [--limit N]    the outbox: what was sent, what waits for a retry (no link is kept)
    puq-hestia serve [--host H] [--port P] [--workers N]
    puq-hestia migrate                  create or upgrade the store's schema
    puq-hestia maintain [--grace S]     settle open intents, release stale claims, purge (cron / systemd timer)

Settings come from --config or PUQ_HESTIA_CONFIG (Settings.load). Exit status: 0 on success, 1 when the
action failed, 2 for a usage or configuration error. Flask is imported only by `serve`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import timedelta
from typing import Any, TextIO

from puq_hestia.auth.limits import per_process_storage_refusal
from puq_hestia.auth.sso import SsoSigner
from puq_hestia.billing.provisioning import ACTIONS, ProvisioningContext, describe_hestia_error, run_action
from puq_hestia.ftp import FtpRuleError, FtpService
from puq_hestia.ftp.expiry import ACTIONS as END_ACTIONS
from puq_hestia.ftp.expiry import AccessEnds, parse_action, parse_until
from puq_hestia.ftp.invitations import FtpEndpoint, Invitations, format_time
from puq_hestia.ftp.limits import FtpLimits
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import ConfigError, HestiaError
from puq_hestia.hestia.transport import Transport
from puq_hestia.intents import IntentLog
from puq_hestia.mail import Mailer
from puq_hestia.maintenance import Retention, run_maintenance
from puq_hestia.settings import ServerSettings, Settings
from puq_hestia.store import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A wrong argument or configuration: printed, exit status 2."""


class Runtime:
    """What a command needs, opened lazily from the settings and closed at the end."""

    def __init__(self, args: argparse.Namespace, out: TextIO, stack: ExitStack) -> None:
        self.args = args
        self.out = out
        self._stack = stack
        self._settings: Settings | None = None
        self._store: Store | None = None

    @property
    def settings(self) -> Settings:
        """The loaded settings (UsageError when the file is missing or invalid)."""
        if self._settings is None:
            try:
                self._settings = Settings.load(self.args.config)
            except ConfigError as error:
                raise UsageError(str(error)) from None
        return self._settings

    def server(self) -> ServerSettings:
        """The server named by --server, or the default one."""
        try:
            return self.settings.server(getattr(self.args, "server", None))
        except ConfigError as error:
            raise UsageError(str(error)) from None

    def client(self, server: ServerSettings, *, journal: bool = True) -> HestiaClient:
        """A client for SERVER whose changes are written down first (DESIGN.md §7), closed at the end."""
        wait = self.settings.store.lock_timeout_s
        log = IntentLog(self.store, server.id, wait=wait) if journal else None
        transport = Transport(server.config, journal=log)
        client = HestiaClient(server.config, transport=transport)
        self._stack.callback(client.close)
        return client

    @property
    def store(self) -> Store:
        """The bridge's store, closed when the command ends."""
        if self._store is None:
            self._store = self._stack.enter_context(Store(self.settings.database_url, options=self.settings.store))
        return self._store

    def signer(self) -> SsoSigner:
        """The single-sign-on signer of the panel."""
        return SsoSigner(self.settings.secret_key, self.settings.public_url)

    def print(self, text: str) -> None:
        """Write one line of output."""
        print(text, file=self.out)


# -- commands ------------------------------------------------------------------------------------------------


def cmd_check(rt: Runtime) -> int:
    """Test the connection to the configured server(s) with one read-only call each."""
    servers = [rt.server()] if rt.args.server else list(rt.settings.servers.values())
    failed = 0
    for server in servers:
        try:
            rt.client(server, journal=False).ping()
        except HestiaError as error:
            failed += 1
            rt.print(f"{server.id}: FAILED: {describe_hestia_error(error).message}")
        else:
            rt.print(f"{server.id}: ok ({server.config.api_url})")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_hook(rt: Runtime) -> int:
    """Run one provisioning action; print its JSON result. Server fields in the params select that server."""
    params = _read_params(rt.args.params)
    if params.get("serverhostname") or params.get("serverip"):
        ctx = ProvisioningContext(server_id=str(params.get("serverhostname") or params.get("serverip")))
    else:
        server = rt.server()
        ctx = ProvisioningContext(client=rt.client(server), server_id=server.id, store=rt.store,
                                  sso=rt.signer())
    result = run_action(rt.args.action, params, ctx)
    rt.print(json.dumps(result.body, indent=2, sort_keys=True))
    return EXIT_OK if result.ok else EXIT_FAILED


def _read_params(source: str) -> dict[str, Any]:
    """The params object from a file, or from standard input for '-'."""
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
        params = json.loads(text)
    except OSError as error:
        raise UsageError(f"cannot read params from {source}: {error.strerror}") from None
    except ValueError:
        raise UsageError(f"the params in {source} are not valid JSON") from None
    if not isinstance(params, dict):
        raise UsageError("the params must be a JSON object")
    return params


def cmd_sso_link(rt: Runtime) -> int:
    """Print a one-time login URL for USER (valid 60 seconds)."""
    user = rt.args.user
    if not user or len(user) > 64 or not user.isprintable() or " " in user:
        raise UsageError("USER must be a Hestia user name")
    rt.print(rt.signer().link(rt.server().id, user))
    return EXIT_OK


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


def cmd_mail_list(rt: Runtime) -> int:
    """The newest messages of the outbox: time, state, recipient, subject (and why a send failed)."""
    for entry in _mailer(rt).entries(rt.args.limit):
        error = f"\t{entry.last_error}" if entry.last_error else ""
        rt.print(f"#{entry.id}\t{format_time(entry.created_at)}\t{entry.state}\t{entry.recipient}\t{entry.subject}"
                 f"{error}")
    return EXIT_OK


def _mailer(rt: Runtime) -> Mailer:
    """The mailer of [mail], with each server's invitation links registered (UsageError without [mail])."""
    if rt.settings.mail is None:
        raise UsageError("no [mail] table in the settings")
    mailer = Mailer(rt.settings.mail, rt.store)
    for server in rt.settings.servers.values():
        service = FtpService(rt.client(server), store=rt.store, server_id=server.id)
        Invitations(service, mailer, secret_key=rt.settings.secret_key, public_url=rt.settings.public_url,
                    endpoint=FtpEndpoint(server.ftp_host, server.ftp_port, server.ftp_tls))
    return mailer


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


def cmd_migrate(rt: Runtime) -> int:
    """Create the store's tables, or add what a newer release needs to an existing store."""
    done = rt.store.migrate()
    rt.print("\n".join(done) if done else "the store is up to date")
    return EXIT_OK


def cmd_maintain(rt: Runtime) -> int:
    """Settle open intents against Hestia, free stuck hook deliveries and claims, purge old rows."""
    clients = {sid: rt.client(server) for sid, server in rt.settings.servers.items()}
    mailer = _mailer(rt) if rt.settings.mail is not None else None
    report = run_maintenance(rt.store, clients, retention=Retention(grace=timedelta(seconds=rt.args.grace)),
                             mailer=mailer, panel_url=f"{rt.settings.public_url}/ftp")
    for line in report.lines():
        rt.print(line)
    return EXIT_OK


def cmd_serve(rt: Runtime) -> int:
    """Run the panel under gunicorn (N workers x T threads); this process becomes gunicorn, so signals reach it."""
    if rt.args.config:
        os.environ["PUQ_HESTIA_CONFIG"] = rt.args.config
    refusal = per_process_storage_refusal(rt.settings.ratelimit_storage_uri, rt.args.workers)
    if refusal:
        print(f"puq-hestia serve: {refusal}", file=sys.stderr)
        return EXIT_USAGE
    # Once, before any worker starts: workers racing to create tables on a fresh SQLite file failed to boot.
    rt.store.migrate()
    os.environ["PUQ_HESTIA_SCHEMA_MIGRATED"] = "1"
    # At most 10 threads: each is one Hestia call in flight, and every call is a root shell script on Hestia.
    command = [sys.executable, "-m", "gunicorn", "--workers", str(rt.args.workers), "--threads", str(rt.args.threads),
               "--bind", f"{rt.args.host}:{rt.args.port}", "panel:create_app()"]
    os.execv(sys.executable, command)  # noqa: S606 (fixed argument list, no shell)
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="puq-hestia", description="The puq-hestia bridge for operators.")
    parser.add_argument("--config", help="settings file (default: $PUQ_HESTIA_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)
    check = _command(sub, "check", cmd_check, "test the connection to Hestia")
    _server_option(check)
    hook = _command(sub, "hook", cmd_hook, "run a provisioning function")
    hook.add_argument("action", choices=sorted(ACTIONS))
    hook.add_argument("--params", required=True, help="JSON file of WHMCS-style params, or - for stdin")
    _server_option(hook)
    sso = _command(sub, "sso-link", cmd_sso_link, "print a one-time panel login URL")
    sso.add_argument("user")
    _server_option(sso)
    _ftp_parsers(_command(sub, "ftp", None, "manage a customer's FTP users"))
    serve = _command(sub, "serve", cmd_serve, "run the panel")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, choices=range(1, 11), default=8, metavar="1-10")
    _command(sub, "migrate", cmd_migrate, "create or upgrade the store's schema")
    mail = _command(sub, "mail", None, "the e-mail outbox")
    mail_list = _command(mail.add_subparsers(dest="mail_command", required=True), "list", cmd_mail_list,
                         "list the newest messages of the outbox")
    mail_list.add_argument("--limit", type=int, default=50)
    maintain = _command(sub, "maintain", cmd_maintain, "settle what a crash left open; purge expired rows")
    maintain.add_argument("--grace", type=float, default=120.0,
                          help="seconds an open change must be old before it is settled (default 120)")
    return parser


def _command(sub: Any, name: str, handler: Callable[[Runtime], int] | None, text: str) -> Any:
    parser = sub.add_parser(name, help=text, description=text)
    parser.set_defaults(handler=handler)
    return parser


def _server_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help="server id (default: the configured default server)")


def _ftp_parsers(ftp: argparse.ArgumentParser) -> None:
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
        parser = _command(sub, name, handler, (handler.__doc__ or name).rstrip("."))
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
        _server_option(parser)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of the `puq-hestia` console script."""
    args = build_parser().parse_args(argv)
    output = out or sys.stdout
    with ExitStack() as stack:
        rt = Runtime(args, output, stack)
        try:
            code: int = args.handler(rt)
        except UsageError as error:
            print(f"puq-hestia: {error}", file=sys.stderr)
            return EXIT_USAGE
        except FtpRuleError as error:
            print(f"puq-hestia: {error.message}", file=sys.stderr)
            return EXIT_FAILED
        except HestiaError as error:
            print(f"puq-hestia: {describe_hestia_error(error).message}", file=sys.stderr)
            return EXIT_FAILED
    return code


if __name__ == "__main__":
    raise SystemExit(main())
