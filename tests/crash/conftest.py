"""Fixtures of the crash suite: the provisioning suite's mock and panel helpers (one place, not copied)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "provisioning"))

from provisioning_support import client, mock, store

__all__ = ["client", "mock", "store"]

# The PostgreSQL outage tests run under `make test-postgres`, which starts a throw-away cluster and names it.
collect_ignore = [] if os.environ.get("PUQ_TEST_DATABASE_URL") else ["test_postgres_outages.py"]
