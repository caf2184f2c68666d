"""Runs tests/e2e/xvfb_sound.py: the real app's sound at 1/2x, 1/8x and in reverse."""

from __future__ import annotations

from pathlib import Path

import pytest
from xvfb_common import run_script


@pytest.mark.slow
def test_sound_at_half_speed_and_silence_below_a_quarter_and_in_reverse(tmp_path: Path) -> None:
    run_script(
        "xvfb_sound.py",
        ["--out", str(tmp_path)],
        timeout=300,
        drop_env=("QT_QPA_PLATFORM", "FACET_NO_VLC"),
    )
