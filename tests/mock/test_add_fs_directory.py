"""v-add-fs-directory in the mock answers as Hestia's script does (HESTIA_API.md §7, bin/v-add-fs-directory)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hestia_mock.models import Backend

BASE = "/home/alice/web/alice.example"


@pytest.fixture
def backend() -> Iterator[Backend]:
    mock = Backend()
    mock.load_seed("demo")
    yield mock
    mock.close()


def test_creates_one_missing_level_inside_the_home(backend: Backend) -> None:
    assert backend.run("v-add-fs-directory", ["alice", f"{BASE}/uploads"]) == (0, "")
    assert backend.fs.real(f"{BASE}/uploads").is_dir()
    assert backend.run("v-add-fs-directory", ["alice", f"{BASE}/uploads"]) == (0, "")  # mkdir -p: again is fine


@pytest.mark.parametrize(("args", "answer"), [
    (["alice"], (1, "Usage: USER DIRECTORY")),
    (["nobody", f"{BASE}/x"], (3, "Error: hestia user nobody doesn't exist")),
    (["alice", "/home/bob/web/bob.example/x"], (2, "Error: invalid destination path /home/bob/web/bob.example/x")),
    (["alice", f"{BASE}/a/b"], (2, f"Error: invalid destination path {BASE}/a/b")),  # readlink -f: empty
    (["alice", "uploads"], (2, "Error: invalid destination path uploads")),  # relative: the API's cwd
    (["alice", f"{BASE}/public_html/index.html"],
     (3, f"Error: directory {BASE}/public_html/index.html was not created")),
])
def test_refusals(backend: Backend, args: list[str], answer: tuple[int, str]) -> None:
    assert backend.run("v-add-fs-directory", args) == answer


def test_the_prefix_check_is_not_anchored_at_a_slash(backend: Backend) -> None:
    # `egrep "^/tmp|^$homedir"`: /home/alice2 passes for alice (HESTIA_API.md §7); the bridge never sends it.
    assert backend.run("v-add-fs-directory", ["alice", "/home/alice2"])[0] == 0
