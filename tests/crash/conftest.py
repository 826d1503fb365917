"""Fixtures of the crash suite: the provisioning suite's mock and panel helpers (one place, not copied)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "provisioning"))

from provisioning_support import mock

__all__ = ["mock"]
