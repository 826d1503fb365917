"""The WHMCS module (contrib/whmcs) run by Debian's php-cli against a running bridge and mock Hestia."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from provisioning_support import RESELLER_SECRETS, LiveBridge

HARNESS = Path(__file__).resolve().parents[2] / "contrib" / "whmcs" / "tests" / "harness.php"
SECRET = RESELLER_SECRETS["reseller-a"][0]


@pytest.fixture
def php_run(live_bridge: LiveBridge) -> dict[str, Any]:
    php = shutil.which("php")
    assert php, "php-cli is required (Debian packages php-cli and php-curl)"
    completed = subprocess.run([php, str(HARNESS), live_bridge.url, "reseller-a", SECRET, "phpdemo"],
                               capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr + completed.stdout
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def test_every_module_function_answers_as_whmcs_expects(php_run: dict[str, Any]) -> None:
    results = php_run["results"]
    assert results["MetaData"]["DisplayName"] == "HestiaCP (puq-hestia)"
    assert results["ConfigOptions"] == ["Package", "Create web domain", "FTP accounts"]
    assert results["TestConnection"] == {"success": True, "error": ""}
    assert results["CreateAccount"] == "success"
    assert results["CreateAccountAgain"] == (
        "The username 'phpdemo' is already taken on the server; choose another username.")
    assert results["SuspendAccount"] == results["SuspendAccountAgain"] == "success"
    assert results["ChangePasswordWhileSuspended"].startswith("The account 'phpdemo' is suspended")
    assert results["UnsuspendAccount"] == results["ChangePassword"] == results["ChangePackage"] == "success"
    assert results["ChangePackageMissing"].startswith("The package 'gold' does not exist on the server")
    assert results["UsageUpdate"] == "success"
    assert results["ServiceSingleSignOn"]["success"] is True
    assert "/sso/" in results["ServiceSingleSignOn"]["redirectTo"]
    assert "dosinglesignon=1" in results["ClientArea"]
    assert results["ForeignAccount"] == "No such account for this reseller."
    assert results["WrongSecret"]["success"] is False
    assert "wrong signature" in results["WrongSecret"]["error"]
    assert "Username" in results["NoServerFields"]["error"]
    assert results["TerminateAccount"] == results["TerminateAccountAgain"] == "success"
    assert "administrator name" in results["CreateAdmin"]
    unbound = results["BodyWithoutAction"]
    assert unbound["status"] == 400
    assert '"action": "terminate_account"' in unbound["result"]["message"]  # JSON, not "check the Hostname"


def test_usage_update_writes_the_service_row(php_run: dict[str, Any]) -> None:
    [update] = php_run["updates"]
    assert update["table"] == "tblhosting"
    assert update["where"] == {"server": 7, "username": "phpdemo"}
    assert {"diskusage", "disklimit", "bwusage", "bwlimit", "lastupdate"} == set(update["values"])
    assert update["values"]["disklimit"] == 1000  # the "small" package


def test_the_mock_saw_the_whole_life_of_the_account(php_run: dict[str, Any], live_bridge: LiveBridge) -> None:
    commands = [c["cmd"] for c in live_bridge.hestia.calls()]
    for command in ("v-add-user", "v-add-web-domain", "v-suspend-user", "v-unsuspend-user",
                    "v-change-user-password", "v-change-user-package", "v-delete-user"):
        assert command in commands
    assert commands.count("v-add-user") == 1  # the second create looked first and was refused (SECURITY.md 27)
    assert "phpdemo" not in live_bridge.hestia.backend.users
    assert not any(c["args"][:1] == ["alice"] for c in live_bridge.hestia.calls())


def test_no_secret_reaches_the_module_log(php_run: dict[str, Any]) -> None:
    text = json.dumps(php_run["log"])
    assert len(php_run["log"]) >= 15
    for secret in (SECRET, "Php-first-pass-2026", "Php-second-pass-2026", "wrong-secret"):
        assert secret not in text
    assert "1 Private Road" not in text  # client details the bridge does not need are not sent
