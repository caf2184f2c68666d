"""Runs tests/e2e/xvfb_small_screen.py: the real app at 1366x768 and 1280x720 under Xvfb
(with openbox when installed), checked on a screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from xvfb_common import run_script


@pytest.mark.slow
def test_window_fits_small_screens_on_a_screenshot(tmp_path: Path) -> None:
    run_script(
        "xvfb_small_screen.py", ["--out", str(tmp_path)], timeout=400, tools=("Xvfb", "import")
    )
