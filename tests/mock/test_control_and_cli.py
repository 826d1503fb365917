"""Control endpoints, seeds, the calls log, the state snapshot, and the `hestia-mock` command line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient
from hestia_mock_helpers import Call

from hestia_mock.__main__ import build_parser, credentials_text
from hestia_mock.models import Backend
from hestia_mock.seeds import SeedError, read_seed


def test_demo_seed_matches_the_design(backend: Backend) -> None:
    """DESIGN.md §5a: users, domains, FTP accounts, suspended objects and keys."""
    assert list(backend.users) == ["admin", "alice", "bob", "carol", "tessa", "iris", "dieter"]
    alice = backend.users["alice"].domains
    assert alice["alice.example"].conf["FTP_USER"].count(":") == 1
    assert alice["alice.example"].conf["FTP_PATH"].startswith("public_html/")
    assert alice["shop.alice.example"].conf["SUSPENDED"] == "yes"
    assert alice["blog.alice.example"].conf["FTP_USER"] == ""
    assert backend.users["carol"].suspended and backend.passwd["carol_site"].locked
    key = backend.access_keys["PUQDEMOACCESSKEY0001"]
    assert (len(key.key_id), len(key.secret), key.user, key.permissions) == (20, 40, "admin", ())
    assert backend.check_root_password("Admin-demo-2026")
    assert backend.settings.api_allowed_ip == "allow-all" and backend.settings.api_system == "1"


def test_seeds_never_store_plain_passwords(backend: Backend) -> None:
    dumped = json.dumps(backend.snapshot()) + repr(backend.passwd)
    for password in ("Alice-demo-2026", "Media-ftp-2026", "Carol-ftp-2026", "puqdemosecret0000"):
        assert password not in dumped


def test_empty_seed_has_admin_only(backend: Backend) -> None:
    backend.load_seed("empty")
    assert list(backend.users) == ["admin"]
    assert backend.run("v-list-web-domains", ["admin", "json"]) == (0, "{\n}")


def test_seed_from_file_and_errors(backend: Backend, tmp_path: Path) -> None:
    zed = {"password": "Zed-pass-2026", "email": "z@example.com", "domains": {"zed.example": {}}}
    seed = read_seed("empty")
    seed["users"] = seed["users"] | {"zed": zed}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    backend.load_seed(path)
    assert "zed.example" in backend.users["zed"].domains
    with pytest.raises(SeedError, match="unknown seed"):
        read_seed("nope")
    bad = seed | {"users": {"admin": seed["users"]["admin"], "1bad": seed["users"]["zed"]}}
    with pytest.raises(SeedError, match="invalid user format"):
        backend.load_seed(bad)


def test_reset_restores_the_seed_and_clears_calls(client: FlaskClient, call: Call, backend: Backend) -> None:
    call("v-delete-user", "bob")
    assert client.get("/_mock/calls").get_json()[0]["cmd"] == "v-delete-user"
    assert client.post("/_mock/reset").get_json() == {"ok": True, "seed": "demo"}
    assert "bob" in backend.users
    assert client.get("/_mock/calls").get_json() == []


def test_seed_endpoint(client: FlaskClient, backend: Backend) -> None:
    assert client.post("/_mock/seed", json={"seed": "empty"}).status_code == 200
    assert list(backend.users) == ["admin"]
    assert client.post("/_mock/seed", json=read_seed("demo")).status_code == 200
    assert "alice" in backend.users
    assert client.post("/_mock/seed", json={"seed": "missing"}).status_code == 400


def test_state_endpoint(client: FlaskClient) -> None:
    state = client.get("/_mock/state").get_json()
    assert state["users"]["bob"]["web_domains"]["bob.example"]["FTP_USER"] == "bob_web"
    assert state["access_keys"]["PUQDEMOACCESSKEY0001"]["secret"] == "***"
    assert state["passwd"]["carol_site"]["locked"] is True
    assert "/home/alice" not in state["root"]


def test_calls_log_masks_passwords_and_can_be_cleared(client: FlaskClient, call: Call) -> None:
    call("v-add-user", "dora", "Dora-secret-1", "d@example.com")
    call("v-check-user-password", "dora", "Dora-secret-1")
    call("v-unknown-thing", "maybe-a-secret")
    calls = client.get("/_mock/calls").get_json()
    assert [c["args"] for c in calls] == [["dora", "***", "d@example.com"], ["dora", "***"], ["***"]]
    assert calls[0]["exit_code"] == 0 and calls[0]["http_status"] == 204
    assert calls[0]["auth"] == "access_key:PUQDEMOACCESSKEY0001"
    assert "Dora-secret-1" not in json.dumps(calls)
    client.delete("/_mock/calls")
    assert client.get("/_mock/calls").get_json() == []


def test_api_output_never_shows_the_mock_root(call: Call, backend: Backend) -> None:
    for response in (call("v-list-web-domains", "alice", "json"), call("v-list-fs-directory", "alice")):
        assert str(backend.root) not in response.get_data(as_text=True)


def test_cli_defaults() -> None:
    options = build_parser().parse_args(["serve"])
    assert (options.host, options.port, options.ftp_port, options.seed, options.tls) == (
        "127.0.0.1", 8083, 2121, "demo", False,
    )  # fmt: skip


def test_banner_lists_the_demo_logins() -> None:
    text = credentials_text(read_seed("demo"))
    assert "PUQDEMOACCESSKEY0001:puqdemosecret000000000000000000000000001" in text
    assert "carol / Carol-demo-2026 (suspended)" in text and "FTP alice_media / Media-ftp-2026" in text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize("tls", [False, True])
def test_cli_serves_within_two_seconds(tls: bool) -> None:
    port, ftp_port = free_port(), free_port()
    command = [sys.executable, "-m", "hestia_mock", "serve", "--port", str(port), "--ftp-port", str(ftp_port)]
    started = time.monotonic()
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    command += ["--tls"] if tls else []
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(4 if tls else 3)]
        url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        assert banner[0].startswith(f"Hestia API:  {url}/api/")
        verify: bool | str = banner[3].split()[1] if tls else True
        state = requests.get(f"{url}/_mock/state", timeout=5, verify=verify)
        assert state.status_code == 200
        assert time.monotonic() - started < 2
        with socket.create_connection(("127.0.0.1", ftp_port), timeout=2) as ftp:
            assert ftp.recv(100).startswith(b"220")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=5)
        if process.stdout:
            process.stdout.close()
    assert process.returncode == 0
