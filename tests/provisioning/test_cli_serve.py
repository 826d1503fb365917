"""`puq-hestia serve` runs the panel under gunicorn and stops with it (the CLI process becomes gunicorn)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CONFIG = """\
[panel]
demo = true
secret_key = "serve-test-secret-key-0123456789abcdef"
database_url = "sqlite:///{db}"

[servers.main]
url = "http://127.0.0.1:9"
access_key = "PUQDEMOACCESSKEY0001"
secret_key = "puqdemosecret000000000000000000000000001"
"""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_through_gunicorn_workers_and_stops_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "bridge.toml"
    config.write_text(CONFIG.format(db=tmp_path / "store.sqlite3"), encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-m", "puq_hestia.cli", "--config", str(config), "serve", "--workers", "1",
               "--threads", "2", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                reply = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "the panel did not start"
                time.sleep(0.1)
        assert reply.status_code == 200 and reply.json() == {"status": "ok"}
    finally:
        process.terminate()  # the pid is gunicorn's master itself (execv), so this stops every worker
        stderr = process.communicate(timeout=20)[1].decode()
    assert "gunicorn" in stderr.lower() or "Booting worker" in stderr
    assert process.returncode == 0
