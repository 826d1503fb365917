"""The provisioning, single-sign-on and CLI modules load without Flask (DESIGN.md §1: only `serve` needs it)."""

from __future__ import annotations

import subprocess
import sys


def test_provisioning_sso_and_cli_do_not_import_flask() -> None:
    code = (
        "import sys, puq_hestia.billing.provisioning, puq_hestia.auth.sso, puq_hestia.cli, puq_hestia.billing.whmcs; "
        "print(','.join(sorted(m for m in sys.modules if m == 'flask' or m.startswith('flask.'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""
