"""Runs tests/e2e/xvfb_sound.py: the real app's sound at 1/2x, 1/8x and in reverse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("xvfb_sound.py")


@pytest.mark.slow
def test_sound_at_half_speed_and_silence_below_a_quarter_and_in_reverse(tmp_path: Path) -> None:
    missing = [t for t in ("Xvfb", "xdotool", "import") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "FACET_NO_VLC")}
    cmd = [sys.executable, str(SCRIPT), "--out", str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode == 77:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "PASS" in proc.stdout
