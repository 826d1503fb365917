"""Login limits across served panel processes (`puq-hestia serve`), with the counters in a real redis-server.

With per-process counters an attacker would get five tries per process; with Redis the sixth failure is refused
whichever process answers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from redis_testing import RedisServer, free_port

from hestia_mock.testing import MockHestia

CONFIG = """\
[panel]
demo = true
secret_key = "served-limits-secret-key-0123456789abcdef"
database_url = "sqlite:///{db}"
ratelimit_storage_uri = "{limits}"

[servers.main]
url = "{hestia}"
access_key = "PUQDEMOACCESSKEY0001"
secret_key = "puqdemosecret000000000000000000000000001"
max_attempts = 1
"""
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def serve(config: Path, workers: int) -> subprocess.Popen[bytes]:
    """Start `puq-hestia serve` with WORKERS single-threaded workers."""
    command = [sys.executable, "-m", "puq_hestia.cli", "--config", str(config), "serve", "--workers", str(workers),
               "--threads", "1", "--port", str(free_port())]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def write_config(tmp_path: Path, hestia: str, limits: str) -> Path:
    config = tmp_path / "bridge.toml"
    config.write_text(CONFIG.format(db=tmp_path / "store.sqlite3", limits=limits, hestia=hestia), encoding="utf-8")
    return config


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until gunicorn answers (readiness, not a fixed sleep)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/healthz", timeout=5)
            return
        except requests.ConnectionError:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "the panel did not start"
            time.sleep(0.1)


def attempt(http: requests.Session, url: str, password: str) -> int:
    """One login through the real form (a CSRF token from the page), each on a new connection."""
    page = http.get(f"{url}/login", headers={"Connection": "close"}, timeout=10)
    match = TOKEN.search(page.text)
    assert match is not None
    data = {"csrf_token": match.group(1), "username": "alice", "password": password}
    reply = http.post(f"{url}/login", data=data, headers={"Connection": "close"}, timeout=10,
                      allow_redirects=False)
    return reply.status_code


def test_limits_hold_across_two_served_instances_and_redis_down_is_503(tmp_path: Path, redis: RedisServer) -> None:
    # Which of one server's workers accepts a connection is the kernel's choice, so a test cannot make them take
    # turns. Two `serve` instances (2 workers each) on one Redis can: the attempts alternate between them, and
    # with per-process counters each instance would allow its own five.
    with MockHestia(seed="demo") as hestia:
        config = write_config(tmp_path, hestia.url, redis.url)
        processes = []
        try:
            urls = []
            for _ in ("a", "b"):
                process = serve(config, workers=2)
                processes.append(process)
                urls.append(f"http://127.0.0.1:{process.args[-1]}")  # type: ignore[index]
                wait_for(urls[-1], process)
            http = requests.Session()
            statuses = [attempt(http, urls[i % 2], "wrong-password-1") for i in range(7)]
            assert statuses == [401] * 5 + [429] * 2  # the default account limit: 5 failures a minute, in all
            assert [c["cmd"] for c in hestia.calls()].count("v-check-user-password") == 5
            chunks = (b"x" * 65536 for _ in range(20))  # a generator: requests sends it chunked, no length
            assert requests.post(f"{urls[0]}/hooks/suspend_account", data=chunks, timeout=10).status_code == 413
            redis.stop()
            assert attempt(http, urls[1], "Alice-demo-2026") == 503
        finally:
            for process in processes:
                process.terminate()
                process.communicate(timeout=20)


def test_serve_refuses_memory_storage_with_several_workers(tmp_path: Path) -> None:
    process = serve(write_config(tmp_path, "http://127.0.0.1:9", "memory://"), workers=4)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    message = stderr.decode()
    assert "refusing to start" in message and "4 workers" in message and "redis://" in message


def by_hand(config: Path, *options: str) -> subprocess.Popen[bytes]:
    """gunicorn started by hand, the way an operator might, not through `puq-hestia serve`."""
    command = [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{free_port()}",
               "panel:create_app()"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, PUQ_HESTIA_CONFIG=str(config)))


@pytest.mark.parametrize("options", [("--workers", "3"), ("--workers", "2", "--preload")])
def test_gunicorn_by_hand_with_per_process_counters_and_several_workers_does_not_serve(
        tmp_path: Path, options: tuple[str, ...]) -> None:
    process = by_hand(write_config(tmp_path, "http://127.0.0.1:9", "memory://"), *options)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0  # the app refused to be created, so gunicorn stopped
    message = stderr.decode()
    assert "refusing to start" in message and f"{options[1]} workers" in message


def test_gunicorn_by_hand_with_one_worker_and_per_process_counters_serves(tmp_path: Path) -> None:
    process = by_hand(write_config(tmp_path, "http://127.0.0.1:9", "memory://"), "--workers", "1")
    try:
        port = process.args[process.args.index("--bind") + 1].rsplit(":", 1)[1]  # type: ignore[union-attr]
        wait_for(f"http://127.0.0.1:{port}", process)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=20)
