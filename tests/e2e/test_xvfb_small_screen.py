"""Runs tests/e2e/xvfb_small_screen.py: the real app at 1366x768 and 1280x720 under Xvfb
(with openbox when installed), checked on a screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("xvfb_small_screen.py")


@pytest.mark.slow
def test_window_fits_small_screens_on_a_screenshot(tmp_path: Path) -> None:
    missing = [t for t in ("Xvfb", "import") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    cmd = [sys.executable, str(SCRIPT), "--out", str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=400, check=False)
    if proc.returncode == 77:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "PASS" in proc.stdout
