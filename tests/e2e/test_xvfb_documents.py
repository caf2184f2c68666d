"""Runs tests/e2e/xvfb_documents.py: the real app under Xvfb with xdotool keys (a CLI import
while the project is open, kill -9 after autosave, a second instance)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("xvfb_documents.py")
TOOLS = ("Xvfb", "xdotool", "import")


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["import", "crash", "second"])
def test_documents_under_xvfb(tmp_path: Path, scenario: str) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    cmd = [sys.executable, str(SCRIPT), "--out", str(tmp_path), "--only", scenario]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=280, check=False)
    if proc.returncode == 77:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "PASS" in proc.stdout
