"""Hestia's v-* scripts, re-implemented over `HestiaState` (one mixin class per area)."""
