"""Shared test setup: offscreen Qt and private user folders (settings, cache, data, logs)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = Path(tempfile.mkdtemp(prefix="facet-test-home-"))
for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[var] = str(_HOME / var.lower())

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"


def sample(relative: str) -> Path:
    """A file from ../shared/samples, or skip the test cleanly when it is not there."""
    path = SAMPLES / relative
    if not path.exists():
        pytest.skip(f"sample {relative} not available")
    return path


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project (synthetic video + project), generated once per test session."""
    from annotator.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder)
    return folder


@pytest.fixture(scope="session")
def demo_project_path(demo_dir: Path) -> Path:
    return demo_dir / "demo.facet.json"
