"""Fixtures for format tests: small hand-made projects and the session's demo project."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from iohelpers import add, make_project

from annotator.io.common import ExportSource, attach_timebases
from annotator.io.project_file import load_project
from annotator.model import EventKind, Intensity, Project, Side, Timebase


@pytest.fixture
def coded_project() -> Project:
    """Overlapping AUs with intensities and sides, emotions, a note, on two faces."""
    p = make_project()
    add(
        p,
        onset_frame=10,
        apex_frame=15,
        offset_frame=30,
        au=6,
        intensity=Intensity.B,
        code="6B+12C",
    )
    add(
        p,
        onset_frame=10,
        apex_frame=15,
        offset_frame=30,
        au=12,
        intensity=Intensity.C,
        code="6B+12C",
    )
    add(p, onset_frame=20, offset_frame=40, au=12, side=Side.R, code="R12")
    add(
        p,
        onset_frame=12,
        apex_frame=15,
        offset_frame=30,
        kind=EventKind.EMOTION,
        emotion="happiness",
        confidence=0.8,
    )
    add(p, face="B", onset_frame=100, offset_frame=104, au=45)
    add(p, face="B", onset_frame=100, offset_frame=130, kind=EventKind.EMOTION, emotion="sadness")
    add(p, face="B", onset_frame=200, offset_frame=200, kind=EventKind.NOTE, note="looks away")
    return p


@pytest.fixture
def vfr_timebase() -> Callable[[int], Timebase]:
    def make(n: int) -> Timebase:
        rng = np.random.default_rng(7)
        steps = rng.choice([1 / 30, 1 / 24, 1 / 60, 0.05], size=n - 1)
        return Timebase(np.concatenate([[0.0], np.cumsum(steps)]), Fraction(30))

    return make


@pytest.fixture(scope="session")
def demo_source(demo_project_path: Path) -> ExportSource:
    """The demo project with the real timestamps of demo.mp4 attached (read-only!)."""
    loaded = load_project(demo_project_path)
    return attach_timebases(loaded.project, loaded.path, warn=None)
