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

from hestia_mock.testing import MockHestia

__all__ = ["client", "hestia", "mock", "redis", "store"]


@pytest.fixture
def hestia() -> Iterator[MockHestia]:
    """The mock as a real HTTP server (for `puq-hestia serve`), seeded with the demo data."""
    with MockHestia(seed="demo", ftp=False) as mock:
        yield mock


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server for the rate limits of a multi-worker `puq-hestia serve` (memory:// is refused)."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()

# The PostgreSQL outage tests run under `make test-postgres`, which starts a throw-away cluster and names it.
collect_ignore = [] if os.environ.get("PUQ_TEST_DATABASE_URL") else ["test_postgres_outages.py"]
