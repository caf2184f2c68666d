"""Runs tests/e2e/xvfb_keys.py: real keys into run.py under Xvfb, checked from screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from xvfb_common import run_script


@pytest.mark.slow
@pytest.mark.parametrize("vlc", [True, False], ids=["vlc", "frame-source"])
def test_keys_under_xvfb_show_the_expected_frames(tmp_path: Path, vlc: bool) -> None:
    args = ["--out", str(tmp_path)] + ([] if vlc else ["--no-vlc"])
    run_script("xvfb_keys.py", args, timeout=300)
