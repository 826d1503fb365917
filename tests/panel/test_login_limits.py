"""Login rate limits that mean what they say (SECURITY.md 11 and 35): failures only, keyed on the validated
name whatever the body's encoding, 2FA codes counted too, and a 503 that stays closed when Redis is down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from panel_testing import ALICE, MockCalls, make_app
from redis_testing import RedisServer

from hestia_mock.models import Backend
from puq_hestia.auth.limits import per_process_storage_refusal
from puq_hestia.settings import Settings

WRONG = "wrong-password-1"
NOW = datetime(2026, 3, 1, 12, 0, 10)


def login(client: FlaskClient, user: str, password: str, *, as_json: bool = False) -> Any:
    """POST the login form, or the same fields as a JSON body."""
    fields = {"username": user, "password": password}
    return client.post("/login", json=fields) if as_json else client.post("/login", data=fields)


@pytest.fixture
def limited(settings: Settings, mock_app: Flask) -> FlaskClient:
    """A panel whose account limit is 3 failures a minute."""
    app = make_app(settings, PUQ_LOGIN_LIMIT_ACCOUNT="3 per minute", PUQ_LOGIN_LIMIT_ADDRESS="50 per minute")
    return app.test_client()


def test_successful_logins_are_never_counted(limited: FlaskClient) -> None:
    for _ in range(6):
        assert login(limited, *ALICE).status_code == 302
        limited.post("/logout")
    assert login(limited, "alice", WRONG).status_code == 401


def test_a_json_body_is_limited_under_the_name_the_form_validated(limited: FlaskClient, calls: MockCalls) -> None:
    login(limited, "alice", WRONG, as_json=True)
    login(limited, "Alice", WRONG)
    login(limited, " ALICE", WRONG, as_json=True)
    assert login(limited, "alice", WRONG, as_json=True).status_code == 429
    assert login(limited, "alice", WRONG).status_code == 429
    assert calls.commands().count("v-check-user-password") == 3


def test_wrong_2fa_codes_count_against_the_account(limited: FlaskClient, backend: Backend) -> None:
    backend.clock = lambda: NOW
    assert login(limited, "tessa", "Tessa-demo-2026").status_code == 302
    for _ in range(2):
        assert limited.post("/login/code", data={"code": "000001"}).status_code == 401
    assert login(limited, "tessa", WRONG).status_code == 401  # the third failure
    assert login(limited, "tessa", "Tessa-demo-2026").status_code == 429


def test_memory_storage_with_several_workers_is_refused() -> None:
    assert per_process_storage_refusal("memory://", 1) is None
    assert per_process_storage_refusal("redis://127.0.0.1:6379", 4) is None
    refusal = per_process_storage_refusal("memory://", 4)
    assert refusal is not None and "4 workers" in refusal and "redis://" in refusal


class TestRedis:
    """The counters in a real redis-server; when it stops, sign-in answers 503 and lets nobody in."""

    @pytest.fixture
    def redis(self, tmp_path: Path) -> Iterator[RedisServer]:
        server = RedisServer(tmp_path)
        yield server
        server.stop()

    @pytest.fixture
    def app(self, settings: Settings, mock_app: Flask, redis: RedisServer) -> Flask:
        return make_app(settings, RATELIMIT_STORAGE_URI=redis.url, PUQ_LOGIN_LIMIT_ACCOUNT="3 per minute")

    def test_failures_are_counted_in_redis(self, app: Flask) -> None:
        first, second = app.test_client(), app.test_client()
        for _ in range(3):
            assert login(first, "alice", WRONG).status_code == 401
        assert login(second, *ALICE).status_code == 429

    def test_redis_down_is_a_clear_503_and_stays_closed(self, app: Flask, redis: RedisServer,
                                                       calls: MockCalls) -> None:
        client = app.test_client()
        redis.stop()
        calls.clear()
        response = login(client, *ALICE)
        assert response.status_code == 503
        assert "cannot check its login limits" in response.get_data(as_text=True)
        assert calls.commands() == []  # closed: Hestia is not even asked
        assert client.get("/ftp").status_code == 302
        assert client.get("/login").status_code == 200  # the page itself still shows
        assert app.test_client().get("/healthz").status_code == 200
