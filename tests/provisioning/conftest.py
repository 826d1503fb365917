"""Fixtures of the provisioning tests; they live in provisioning_support (a unique module name to import from)."""

from provisioning_support import client, ctx, live_bridge, mock, panel_app, store

__all__ = ["client", "ctx", "live_bridge", "mock", "panel_app", "store"]
