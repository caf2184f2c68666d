"""Runs tests/e2e/xvfb_keys.py: real keys into run.py under Xvfb, checked from screenshots."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("xvfb_keys.py")
TOOLS = ("Xvfb", "xdotool", "import")


@pytest.mark.slow
@pytest.mark.parametrize("vlc", [True, False], ids=["vlc", "frame-source"])
def test_keys_under_xvfb_show_the_expected_frames(tmp_path: Path, vlc: bool) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    cmd = [sys.executable, str(SCRIPT), "--out", str(tmp_path)] + ([] if vlc else ["--no-vlc"])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode == 77:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "PASS" in proc.stdout
