"""Fixtures of the crash suite: the provisioning suite's mock and panel helpers (one place, not copied)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "provisioning"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "panel"))

import pytest
from provisioning_support import client, mock, store
from redis_testing import RedisServer

__all__ = ["client", "mock", "redis", "store"]


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server for the rate limits of a multi-worker `puq-hestia serve` (memory:// is refused)."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()

# The PostgreSQL outage tests run under `make test-postgres`, which starts a throw-away cluster and names it.
collect_ignore = [] if os.environ.get("PUQ_TEST_DATABASE_URL") else ["test_postgres_outages.py"]
