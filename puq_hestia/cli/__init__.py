"""The `puq-hestia` command line for operators (DESIGN.md §5).

    puq-hestia [--config FILE] check [--server ID]   the connection, and per command whether the key may run it
    puq-hestia hestia-profile [--name N] [--owner ADMIN]   the least-privilege API profile for the bridge's key
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
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import timedelta
from typing import Any, TextIO

from puq_hestia.auth.limits import per_process_storage_refusal
from puq_hestia.billing.provisioning import ACTIONS, ProvisioningContext, describe_hestia_error, run_action
from puq_hestia.cli.ftp import add_ftp_parsers, cmd_mail_list, mailer, operator_message
from puq_hestia.cli.runtime import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Runtime,
    UsageError,
    command_parser,
    server_option,
)
from puq_hestia.ftp import FtpRuleError
from puq_hestia.hestia.client import HestiaClient
from puq_hestia.hestia.errors import ForbiddenError, HestiaError, NotFoundError
from puq_hestia.hestia.profile import PROFILE_NAME, describe_rights, profile_file, read_key_rights
from puq_hestia.maintenance import Retention, run_maintenance
from puq_hestia.settings import ServerSettings

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "UsageError", "build_parser", "main"]


# -- commands ------------------------------------------------------------------------------------------------


def cmd_check(rt: Runtime) -> int:
    """Test each configured server and report, per command, whether its key may run it (changes nothing)."""
    servers = [rt.server()] if rt.args.server else list(rt.settings.servers.values())
    failed = 0
    for server in servers:
        try:
            lines, ok = _check_server(rt.client(server, journal=False), server)
        except HestiaError as error:
            lines, ok = [f"{server.id}: FAILED: {describe_hestia_error(error).message}"], False
        failed += not ok
        for line in lines:
            rt.print(line)
    return EXIT_FAILED if failed else EXIT_OK


def _check_server(client: HestiaClient, server: ServerSettings) -> tuple[list[str], bool]:
    """The report lines for one server and whether it is fit for the bridge."""
    url = server.config.api_url
    if not server.config.uses_access_key:
        client.ping()
        return [f"{server.id}: ok ({url}): signed in with the administrator's password, which may run all "
                "commands (more than needed); use an access key with puq-hestia's profile "
                "(puq-hestia hestia-profile)"], True
    try:
        rights = read_key_rights(client, server.config.access_key)
    except ForbiddenError:
        # Its own key file is the first thing read; a refusal here is the one failed login check may cause.
        return [f"{server.id}: FAILED: the key may not run v-list-access-key, so what it may run cannot be read "
                "(Hestia logs this one refused call as a failed login); give it puq-hestia's profile "
                "(puq-hestia hestia-profile)"], False
    return [f"{server.id}: {line}" if not line.startswith(" ") else line
            for line in describe_rights(rights, url)], not (rights.missing() or rights.unknown())


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


def cmd_hestia_profile(rt: Runtime) -> int:
    """Print the Hestia API profile file with exactly the commands the bridge runs, and the key line."""
    rt.out.write(profile_file(rt.args.name, rt.args.owner))
    return EXIT_OK


def cmd_sso_link(rt: Runtime) -> int:
    """Print a one-time login URL for USER (valid 60 seconds); exit 1 when Hestia has no such user."""
    user = rt.args.user
    if not user or len(user) > 64 or not user.isprintable() or " " in user:
        raise UsageError("USER must be a Hestia user name")
    server = rt.server()
    try:
        rt.client(server, journal=False).users.get(user)
    except NotFoundError:
        print(f"puq-hestia: user {user} does not exist on server {server.id}; no link was made", file=sys.stderr)
        return EXIT_FAILED
    rt.print(rt.signer().link(server.id, user))
    return EXIT_OK


def cmd_migrate(rt: Runtime) -> int:
    """Create the store's tables, or add what a newer release needs to an existing store."""
    done = rt.store.migrate()
    rt.print("\n".join(done) if done else "the store is up to date")
    return EXIT_OK


def cmd_maintain(rt: Runtime) -> int:
    """Settle open intents against Hestia, free stuck hook deliveries and claims, purge old rows."""
    clients = {sid: rt.client(server) for sid, server in rt.settings.servers.items()}
    outbox = mailer(rt) if rt.settings.mail is not None else None
    report = run_maintenance(rt.store, clients, retention=Retention(grace=timedelta(seconds=rt.args.grace)),
                             mailer=outbox, panel_url=f"{rt.settings.public_url}/ftp")
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
    check = command_parser(sub, "check", cmd_check, "test the connection to Hestia and the key's rights")
    server_option(check)
    hook = command_parser(sub, "hook", cmd_hook, "run a provisioning function")
    hook.add_argument("action", choices=sorted(ACTIONS))
    hook.add_argument("--params", required=True, help="JSON file of WHMCS-style params, or - for stdin")
    server_option(hook)
    profile = command_parser(sub, "hestia-profile", cmd_hestia_profile,
                       "print the least-privilege Hestia API profile for the bridge's key")
    profile.add_argument("--name", default=PROFILE_NAME, help=f"profile name (default {PROFILE_NAME})")
    profile.add_argument("--owner", default="admin", help="Hestia's administrator, who owns the key (default admin)")
    sso = command_parser(sub, "sso-link", cmd_sso_link, "print a one-time panel login URL")
    sso.add_argument("user")
    server_option(sso)
    add_ftp_parsers(command_parser(sub, "ftp", None, "manage a customer's FTP users"))
    serve = command_parser(sub, "serve", cmd_serve, "run the panel")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, choices=range(1, 11), default=8, metavar="1-10")
    command_parser(sub, "migrate", cmd_migrate, "create or upgrade the store's schema")
    mail = command_parser(sub, "mail", None, "the e-mail outbox")
    mail_list = command_parser(mail.add_subparsers(dest="mail_command", required=True), "list", cmd_mail_list,
                         "list the newest messages of the outbox")
    mail_list.add_argument("--limit", type=int, default=50)
    maintain = command_parser(sub, "maintain", cmd_maintain, "settle what a crash left open; purge expired rows")
    maintain.add_argument("--grace", type=float, default=120.0,
                          help="seconds an open change must be old before it is settled (default 120)")
    return parser


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
            print(f"puq-hestia: {operator_message(error, args)}", file=sys.stderr)
            return EXIT_FAILED
        except HestiaError as error:
            print(f"puq-hestia: {describe_hestia_error(error).message}", file=sys.stderr)
            return EXIT_FAILED
    return code


if __name__ == "__main__":
    raise SystemExit(main())
