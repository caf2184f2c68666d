"""Where the tests find real files from other projects (never copied into the repo).

``FACET_SAMPLES`` points at the samples folder; the default is ../shared/samples beside the
repository. Tests that need a missing file skip, and the run says so once at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("FACET_SAMPLES") or ROOT.parent / "shared" / "samples")
SKIPPED: set[str] = set()


def sample(relative: str) -> Path:
    """A file from the samples folder, or skip the test cleanly when it is not there."""
    path = SAMPLES / relative
    if not path.exists():
        SKIPPED.add(relative)
        pytest.skip(f"sample {relative} not available")
    return path
