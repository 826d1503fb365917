"""The first ten minutes (issue 19 Must 8): ports from make variables, a quiet probe, SIGTERM stops everything."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_make_demo_takes_its_ports_from_make_variables() -> None:
    dry = subprocess.run(["make", "-n", "-o", ".venv/.installed", "demo", "PORT=5055", "API_PORT=8093",
                          "FTP_PORT=2131"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "-m panel.demo --port 5055 --api-port 8093 --ftp-port 2131" in dry.stdout


def test_sigterm_stops_the_mock_too_and_a_restart_clears_the_store(tmp_path: Path) -> None:
    (tmp_path / "demo.sqlite3").write_text("stale")
    port, api_port, ftp_port = free_port(), free_port(), free_port()
    demo = subprocess.Popen([sys.executable, "-m", "panel.demo", "--port", str(port), "--api-port", str(api_port),
                             "--ftp-port", str(ftp_port), "--instance", str(tmp_path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30  # a bound, not a wait: the loop ends as soon as the panel answers
        while not answers(port) and time.monotonic() < deadline and demo.poll() is None:
            time.sleep(0.1)
        assert answers(port) and answers(api_port)
        demo.send_signal(signal.SIGTERM)
        output, _ = demo.communicate(timeout=20)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 0
    assert not answers(api_port) and not answers(ftp_port)  # no port left held by the mock
    assert "405" not in output  # the readiness probe is a TCP connect, not a GET the mock refuses
    assert (tmp_path / "demo.sqlite3").read_bytes() != b"stale"
