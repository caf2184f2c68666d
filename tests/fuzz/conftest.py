"""Fuzz suite settings: CI runs a fixed-seed sample (derandomized, few examples); the full
run is ``FACET_FUZZ_FULL=1 .venv/bin/python -m pytest tests/fuzz -m slow``."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FULL = os.environ.get("FACET_FUZZ_FULL") == "1"

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
settings.register_profile(
    "full",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
settings.load_profile("full" if FULL else "ci")
