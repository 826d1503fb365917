"""The core library never imports Flask (DESIGN.md §1)."""

from __future__ import annotations

import subprocess
import sys


def test_client_import_does_not_import_flask() -> None:
    code = (
        "import sys, puq_hestia, puq_hestia.hestia.client, puq_hestia.hestia.config, puq_hestia.hestia.models; "
        "loaded = sorted(m for m in sys.modules if m == 'flask' or m.startswith(('flask.', 'werkzeug'))); "
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
