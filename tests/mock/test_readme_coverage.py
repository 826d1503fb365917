"""hestia_mock/README.md's coverage table names every implemented script, and only those, as implemented."""

from __future__ import annotations

import re
from pathlib import Path

from hestia_mock.commands.registry import COMMANDS

README = Path(__file__).parent.parent.parent / "hestia_mock" / "README.md"


def _rows() -> dict[str, str]:
    """Script name -> the row's Implemented cell, for every `v-*` name in the table's first column."""
    rows: dict[str, str] = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 4 and cells[1] in ("[X]", "[ ]"):
            for name in re.findall(r"`?(v-[a-z0-9-]+)", cells[0]):
                rows[name] = cells[1]
    return rows


def test_every_registered_script_is_in_the_table_as_implemented() -> None:
    rows = _rows()
    assert {name for name in COMMANDS} <= {name for name, mark in rows.items() if mark == "[X]"}


def test_nothing_unregistered_is_marked_implemented() -> None:
    api_only = {"v-make-tmp-file", "v-check-access-key", "v-check-api-key"}  # answered by the API code itself
    marked = {name for name, mark in _rows().items() if mark == "[X]"}
    assert marked - set(COMMANDS) == api_only
