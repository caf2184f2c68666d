"""Undo of a tracking run puts back the previous landmark cache reference, and the file it
points to still holds the previous run's landmarks; redo reapplies the new run."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
from PySide6.QtGui import QUndoStack

from annotator.analysis.tracking import TrackParams
from annotator.commands.tracking import ApplyTrackingCommand
from annotator.io.landmarks import LandmarkCache
from annotator.io.project_file import load_project
from annotator.tracking_job import commit_cache, resolve_cache, run_tracking

from .conftest import needs_models

pytestmark = needs_models


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_undo_restores_the_previous_cache_and_redo_the_new_one(
    tracked_single: Path,
    tmp_path: Path,
    qapp,  # type: ignore[no-untyped-def]
) -> None:
    folder = tmp_path / "undo"
    shutil.copytree(tracked_single.parent, folder)
    path = folder / tracked_single.name
    project = load_project(path).project
    media = project.media["m1"]
    first = resolve_cache(media, path)
    assert first is not None and first.name == "single.m1.landmarks.npz"
    first_digest = _digest(first)
    first_lm = LandmarkCache(first).landmarks(10).copy()

    # a second run that gives other landmarks (no eye model: the eyelids differ)
    outcome = run_tracking(project, path, "m1", params=TrackParams(refine_eyes=False))
    commit_cache(outcome)
    assert outcome.cache_final != first and outcome.cache_final.is_file()
    stack = QUndoStack()
    stack.push(ApplyTrackingCommand(project, outcome.faces, outcome.media))
    second = resolve_cache(project.media["m1"], path)
    assert second == outcome.cache_final
    second_lm = LandmarkCache(second).landmarks(10).copy()
    assert not np.allclose(first_lm, second_lm)  # the runs differ, so the test can tell
    assert _digest(first) == first_digest  # the new run did not touch the old file

    stack.undo()
    back = resolve_cache(project.media["m1"], path)
    assert back == first and back.is_file() and _digest(back) == first_digest
    assert np.array_equal(LandmarkCache(back).landmarks(10), first_lm)

    stack.redo()
    again = resolve_cache(project.media["m1"], path)
    assert again == second and again.is_file()
    assert np.array_equal(LandmarkCache(again).landmarks(10), second_lm)
