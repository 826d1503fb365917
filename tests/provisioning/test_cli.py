"""The `puq-hestia` command line: check, hook, sso-link and ftp against the mock, with a settings file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from provisioning_support import DEMO_HASH, PANEL_SECRET, URL, Mock, whmcs_params

from puq_hestia import cli
from puq_hestia.auth.sso import SsoSigner
from puq_hestia.hestia.commands import COMMANDS

CONFIG = f"""
[panel]
demo = true
secret_key = "{PANEL_SECRET}"
database_url = "sqlite:///{{db}}"
public_url = "http://panel.test"

[servers.main]
url = "{URL}"
hash = "{DEMO_HASH}"
max_attempts = 1
"""


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "puq-hestia.toml"
    path.write_text(CONFIG.replace("{db}", str(tmp_path / "store.sqlite3")), encoding="utf-8")
    return str(path)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def test_check_reports_each_server(mock: Mock, config: str) -> None:
    code, out = run("--config", config, "check")
    assert code == 0
    first, *commands, verdict = out.splitlines()
    assert first == f"main: key PUQDEMOACCESSKEY0001 of admin at {URL}/api/, profiles: none"
    assert verdict.startswith("main: ok: the key has no profile, so it may run all commands (more than needed)")
    assert commands == [f"  may run  {name}" for name in sorted(COMMANDS)]


def test_check_fails_when_hestia_is_unreachable(mock: Mock, config: str) -> None:
    mock.fault(kind="refused")
    code, out = run("--config", config, "check")
    assert code == 1
    assert out.startswith("main: FAILED: The control panel could not be reached")


def test_hook_prints_the_result_and_exits_0_on_success(mock: Mock, config: str, tmp_path: Path) -> None:
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"username": "bob"}), encoding="utf-8")
    code, out = run("--config", config, "hook", "suspend_account", "--params", str(params))
    assert (code, json.loads(out)) == (0, {"result": "success"})
    assert mock.user("bob").suspended


def test_hook_exits_1_on_failure(mock: Mock, config: str, tmp_path: Path) -> None:
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"username": "nobody"}), encoding="utf-8")
    code, out = run("--config", config, "hook", "terminate_account", "--params", str(params))
    assert code == 0  # already gone is a success
    code, out = run("--config", config, "hook", "suspend_account", "--params", str(params))
    assert code == 1
    assert json.loads(out)["message"] == "The account 'nobody' does not exist on the server."


def test_hook_reads_params_from_stdin_and_uses_their_server(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(whmcs_params())))
    code, out = run("hook", "create_account", "--params", "-")  # no settings file needed: the params name it
    assert (code, json.loads(out)) == (0, {"result": "success"})
    assert mock.user("dave") is not None


def test_hook_with_bad_json_is_a_usage_error(config: str, tmp_path: Path) -> None:
    params = tmp_path / "params.json"
    params.write_text("{nope", encoding="utf-8")
    assert run("--config", config, "hook", "metadata", "--params", str(params))[0] == 2


def test_missing_config_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--config", str(tmp_path / "missing.toml"), "sso-link", "bob")[0] == 2
    assert "not found" in capsys.readouterr().err


def test_sso_link_prints_a_working_one_time_url(mock: Mock, config: str) -> None:
    code, out = run("--config", config, "sso-link", "carol")
    assert code == 0
    assert out.startswith("http://panel.test/sso/")
    grant = SsoSigner(PANEL_SECRET, "http://panel.test").verify(out.strip().rsplit("/", 1)[1])
    assert (grant.server_id, grant.user) == ("main", "carol")


def test_ftp_list_add_passwd_path_delete(mock: Mock, config: str) -> None:
    code, out = run("--config", config, "ftp", "list", "bob")
    assert code == 0 and "bob.example" in out
    code, out = run("--config", config, "ftp", "add", "bob", "bob.example", "--suffix", "cli")
    assert code == 0 and "login: bob_cli" in out
    password = out.split("password: ", 1)[1].split()[0]
    assert mock.backend.ftp_login("bob_cli", password) is not None
    code, out = run("--config", config, "ftp", "passwd", "bob", "bob.example", "bob_cli")
    assert code == 0 and mock.backend.ftp_login("bob_cli", password) is None
    code, out = run("--config", config, "ftp", "path", "bob", "bob.example", "bob_cli", "public_html")
    assert (code, out) == (0, "bob_cli: folder /public_html\n")
    assert run("--config", config, "ftp", "delete", "bob", "bob.example", "bob_cli") == (0, "bob_cli: deleted\n")


def test_ftp_rule_errors_exit_1(mock: Mock, config: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("--config", config, "ftp", "path", "bob", "bob.example", "bob_x", "../etc")
    assert code == 1
    assert capsys.readouterr().err.startswith("puq-hestia: ")


def test_sso_link_for_a_user_hestia_does_not_have_exits_1(mock: Mock, config: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--config", config, "sso-link", "nosuchuser") == (1, "")
    assert capsys.readouterr().err == "puq-hestia: user nosuchuser does not exist on server main; no link was made\n"


@pytest.mark.parametrize(("argv", "message"), [
    (("ftp", "passwd", "bob", "nowhere.example", "bob_x"), "user bob has no web domain nowhere.example with the "
                                                            "FTP user bob_x"),
    (("ftp", "add", "bob", "nowhere.example"), "user bob has no web domain nowhere.example"),
])
def test_ftp_errors_speak_to_an_operator(mock: Mock, config: str, capsys: pytest.CaptureFixture[str],
                                         argv: tuple[str, ...], message: str) -> None:
    assert run("--config", config, *argv) == (1, "")
    error = capsys.readouterr().err
    assert error == f"puq-hestia: {message}\n"
    assert "your" not in error.lower()


def test_a_suspended_user_is_named_to_the_operator(mock: Mock, config: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    mock.backend.users["bob"].conf["SUSPENDED"] = "yes"
    assert run("--config", config, "ftp", "add", "bob", "bob.example")[0] == 1
    assert capsys.readouterr().err == ("puq-hestia: user bob is suspended at Hestia, so its FTP users cannot be "
                                       "added or changed\n")
