"""Issue 16 item 4: the bridge's own API profile (`hestia-profile`) and `check` reading what its key may run.

Hestia writes "failed to login" to auth.log for every refused command and fail2ban bans after five, so `check`
must read the key's profile and never probe: the mock's auth log proves it made no refused call.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from provisioning_support import PANEL_SECRET, URL, Mock

from hestia_mock.state import AccessKey, ApiProfile
from puq_hestia import cli
from puq_hestia.hestia.commands import COMMANDS

KEY_ID, SECRET = "PUQRESTRICTEDKEY0001", "r" * 39 + "1"

# Hestia's own reader of profile and config files (func/main.sh), run by bash exactly as v-list-api does.
SOURCE_CONF = r"""
source_conf() {
    while IFS='= ' read -r lhs rhs; do
        if [[ ! $lhs =~ ^\ *# && -n $lhs ]]; then
            rhs="${rhs%%^\#*}"
            rhs="${rhs%%*( )}"
            rhs="${rhs%\'*}"
            rhs="${rhs#\'*}"
            declare -g $lhs="$rhs"
        fi
    done < "$1"
}
source_conf "$1"
printf '%s\n%s\n' "$ROLE" "$COMMANDS"
"""


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def config_for(tmp_path: Path, key: str) -> str:
    path = tmp_path / "puq-hestia.toml"
    path.write_text(f"""
[panel]
demo = true
secret_key = "{PANEL_SECRET}"
database_url = "sqlite:///{tmp_path / 'store.sqlite3'}"

[servers.main]
url = "{URL}"
hash = "{key}"
max_attempts = 1
""", encoding="utf-8")
    return str(path)


def give_key(mock: Mock, *profiles: str) -> None:
    """An access key of the administrator holding PROFILES."""
    mock.backend.access_keys[KEY_ID] = AccessKey(KEY_ID, SECRET, "admin", profiles, "restricted")


def failed_logins(mock: Mock) -> list[str]:
    return [line for line in mock.backend.auth_log if line.endswith("failed to login")]


def read_as_hestia(text: str, tmp_path: Path) -> tuple[str, list[str]]:
    profile = tmp_path / "puq-hestia"
    profile.write_text(text, encoding="utf-8")
    reply = subprocess.run(["bash", "-c", SOURCE_CONF, "source_conf", str(profile)], capture_output=True,
                           text=True, check=True, timeout=30)
    role, commands = reply.stdout.splitlines()
    return role, commands.split(",")


def test_the_profile_file_is_hestias_format_with_exactly_the_command_table(tmp_path: Path) -> None:
    code, out = run("hestia-profile")
    assert code == 0
    role, commands = read_as_hestia(out, tmp_path)
    assert role == "admin"
    assert sorted(commands) == sorted(COMMANDS) and len(commands) == len(set(commands))
    assert {"v-list-access-key", "v-list-api"} <= set(commands)  # what `check` reads first
    assert "#   v-add-access-key admin puq-hestia 'puq-hestia bridge' json" in out.splitlines()


def test_the_profile_name_and_owner_can_be_chosen(tmp_path: Path) -> None:
    code, out = run("hestia-profile", "--name", "bridge", "--owner", "root-admin")
    assert code == 0
    assert "/usr/local/hestia/data/api/bridge" in out
    assert "#   v-add-access-key root-admin bridge 'puq-hestia bridge' json" in out


def test_a_key_with_the_printed_profile_may_run_everything_and_nothing_more(mock: Mock, tmp_path: Path) -> None:
    _, text = run("hestia-profile")
    role, commands = read_as_hestia(text, tmp_path)
    mock.backend.profiles["puq-hestia"] = ApiProfile("puq-hestia", role, tuple(commands))
    give_key(mock, "puq-hestia")
    code, out = run("--config", config_for(tmp_path, f"{KEY_ID}:{SECRET}"), "check")
    assert code == 0, out
    assert out.splitlines()[-1] == "main: ok: the key may run every command puq-hestia needs"
    assert "MISSING" not in out
    assert failed_logins(mock) == []
    assert SECRET not in out  # v-list-access-key prints the secret; it is dropped when parsed


def test_a_restricted_key_names_the_missing_commands_without_a_refused_call(mock: Mock, tmp_path: Path) -> None:
    lacking = ("v-add-user", "v-delete-web-domain-ftp")
    allowed = (*sorted(set(COMMANDS) - set(lacking)), "v-list-sys-config")
    mock.backend.profiles["puq-hestia"] = ApiProfile("puq-hestia", "admin", allowed)
    give_key(mock, "puq-hestia")
    mock.backend.auth_log.clear()
    code, out = run("--config", config_for(tmp_path, f"{KEY_ID}:{SECRET}"), "check")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"main: key {KEY_ID} of admin at {URL}/api/, profiles: puq-hestia"
    assert "  MISSING  v-add-user" in lines and "  MISSING  v-delete-web-domain-ftp" in lines
    assert "  may run  v-list-web-domains" in lines
    assert lines[-1] == (f"main: FAILED: the key may not run 2 of the {len(COMMANDS)} commands puq-hestia needs "
                         "(v-add-user, v-delete-web-domain-ftp); give it puq-hestia's profile "
                         "(puq-hestia hestia-profile)")
    assert mock.commands() == ["v-list-access-key", "v-list-api"]  # its own key first, then its profile
    assert failed_logins(mock) == []
    assert len(mock.backend.auth_log) == 2


def test_a_key_with_only_hestias_billing_profile_costs_one_reported_refusal(mock: Mock, tmp_path: Path) -> None:
    # The shipped billing profile lacks v-list-access-key: the key's own file, read first, is refused. That one
    # call is unavoidable (nothing says what a key holds before its file is read) and is reported as such.
    give_key(mock, "billing")
    code, out = run("--config", config_for(tmp_path, f"{KEY_ID}:{SECRET}"), "check")
    assert (code, out) == (1, "main: FAILED: the key may not run v-list-access-key, so what it may run cannot be "
                              "read (Hestia logs this one refused call as a failed login); give it puq-hestia's "
                              "profile (puq-hestia hestia-profile)\n")
    assert mock.commands() == ["v-list-access-key"]
    assert len(failed_logins(mock)) == 1


def test_shipped_profiles_are_judged_without_asking_hestia(mock: Mock, tmp_path: Path) -> None:
    # A key holding our profile and Hestia's billing one: billing's commands are known, v-list-api is asked once.
    mock.backend.profiles["puq-hestia"] = ApiProfile("puq-hestia", "admin", ("v-list-access-key", "v-list-api"))
    give_key(mock, "billing", "puq-hestia")
    code, out = run("--config", config_for(tmp_path, f"{KEY_ID}:{SECRET}"), "check")
    assert code == 1
    assert "  may run  v-add-user" in out and "  MISSING  v-add-web-domain-ftp" in out
    assert mock.commands() == ["v-list-access-key", "v-list-api"]
    assert [call["args"][0] for call in mock.calls()] == [KEY_ID, "puq-hestia"]
    assert failed_logins(mock) == []


def test_a_custom_profile_without_v_list_api_costs_one_reported_refusal(mock: Mock, tmp_path: Path) -> None:
    mock.backend.profiles["ftp-only"] = ApiProfile("ftp-only", "admin", ("v-list-access-key", "v-list-web-domains"))
    give_key(mock, "ftp-only")
    code, out = run("--config", config_for(tmp_path, f"{KEY_ID}:{SECRET}"), "check")
    assert code == 1
    assert "main: note: one refused call was made (v-list-api ftp-only); Hestia logs it as a failed login" in out
    assert out.splitlines()[-1].startswith("main: FAILED: the key may not run v-list-api, so its profiles (ftp-only)")
    assert "  unknown  v-add-user" in out
    assert len(failed_logins(mock)) == 1  # one, well under fail2ban's five; never one per command


def test_a_profile_the_key_names_but_hestia_lacks_grants_nothing(mock: Mock, tmp_path: Path) -> None:
    mock.backend.profiles["puq-hestia"] = ApiProfile("puq-hestia", "admin", (*sorted(COMMANDS), "v-list-sys-config"))
    give_key(mock, "puq-hestia", "gone")
    code, out = run("--config", config_for(tmp_path, f"{KEY_ID}:{SECRET}"), "check")
    assert code == 0
    assert out.splitlines()[-1] == ("main: ok: the key may run every command puq-hestia needs, and 1 it never uses "
                                    "(v-list-sys-config)")
    assert "main: note: the key names profiles Hestia does not have: gone" in out
    assert failed_logins(mock) == []


@pytest.mark.parametrize("profiles", [(), ("puq-hestia",)])
def test_a_key_that_may_not_read_itself_fails_with_one_refusal(mock: Mock, tmp_path: Path,
                                                               profiles: tuple[str, ...]) -> None:
    mock.backend.profiles["puq-hestia"] = ApiProfile("puq-hestia", "admin", ("v-list-web-domains",))
    mock.backend.access_keys[KEY_ID] = AccessKey(KEY_ID, SECRET, "alice", profiles or ("puq-hestia",))
    code, out = run("--config", config_for(tmp_path, f"{KEY_ID}:{SECRET}"), "check")
    assert code == 1
    assert out.startswith("main: FAILED: ")
    assert len(failed_logins(mock)) == 1


def test_the_administrators_password_is_reported_as_more_than_needed(mock: Mock, tmp_path: Path) -> None:
    config = Path(config_for(tmp_path, "unused"))
    config.write_text(config.read_text(encoding="utf-8").replace('hash = "unused"',
                                                                 'user = "admin"\npassword = "Admin-demo-2026"'),
                      encoding="utf-8")
    code, out = run("--config", str(config), "check")
    assert code == 0
    assert out.startswith(f"main: ok ({URL}/api/): signed in with the administrator's password, which may run "
                          "all commands (more than needed)")
    assert "Admin-demo-2026" not in out
