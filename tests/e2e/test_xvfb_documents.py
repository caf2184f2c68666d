"""Runs tests/e2e/xvfb_documents.py: the real app under Xvfb with xdotool keys (a CLI import
while the project is open, kill -9 after autosave, a second instance)."""

from __future__ import annotations

from pathlib import Path

import pytest
from xvfb_common import run_script


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["import", "crash", "second"])
def test_documents_under_xvfb(tmp_path: Path, scenario: str) -> None:
    run_script("xvfb_documents.py", ["--out", str(tmp_path), "--only", scenario], timeout=280)
