"""Runs tests/e2e/xvfb_adjudicate.py: adjudication in the real window, keys only (xdotool)."""

from __future__ import annotations

from pathlib import Path

import pytest
from xvfb_common import run_script


@pytest.mark.slow
def test_adjudication_by_keys_under_xvfb(tmp_path: Path) -> None:
    out = run_script("xvfb_adjudicate.py", ["--out", str(tmp_path)], timeout=300)
    assert "decisions ['accepted', 'agreed', 'combined'" in out
