"""Curves read from other tools' per-frame tables, and candidate events from their thresholds.

One implementation for every curve importer (OpenFace, py-feat): an array of per-frame values
becomes a :class:`Curve` (NaN = no value), and each run of frames at or above a level lasting at
least ``min_frames`` becomes a candidate AU event whose apex is the run's highest frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from annotator.io.importing import ImportFileError, ImportPlan, new_face
from annotator.model import Curve, Event, EventKind, Intensity, Media, Project


def curve_media(project: Project, source: str) -> tuple[Media, int]:
    """The video the curves go on (the project's first) and its frame count."""
    media = project.primary_media
    if media is None:
        raise ImportFileError(f"{source}: the project has no video to put the curves on")
    return media, project.timebase(media.id).frame_count


def target_face(
    project: Project,
    plan: ImportPlan,
    source: str,
    k: int,
    *,
    face: str | None,
    existing: list[str],
    new_name: str,
) -> str:
    """The project face the tool's ``k``-th face goes on: ``face`` when given (it must
    exist), else the ``k``-th of ``existing`` (the project's faces before the import), else
    a new face named ``new_name``."""
    if face is not None:
        if face not in project.faces:
            raise ImportFileError(f"{source}: no face {face!r} in the project")
        return face
    if k < len(existing):
        return existing[k]
    return new_face(project, plan, "", new_name).id


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) index pairs of True runs."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(padded)
    return list(
        zip(np.flatnonzero(d == 1).tolist(), (np.flatnonzero(d == -1) - 1).tolist(), strict=True)
    )


def curve_from_values(
    *, face: str, name: str, start_frame: int, media: str, source: str, values: np.ndarray
) -> Curve:
    """A curve from per-frame values starting at ``start_frame``; NaN cells become gaps."""
    return Curve(
        face=face,
        name=name,
        start_frame=start_frame,
        media=media,
        source=source,
        values=tuple(None if math.isnan(x) else round(float(x), 4) for x in values),
    )


def threshold_events(
    filled: np.ndarray,
    level: float,
    *,
    min_frames: int,
    start_frame: int,
    face: str,
    media: str,
    au: int,
    annotator: str,
    note: str,
    intensity_of: Callable[[float], Intensity | None] | None = None,
) -> list[Event]:
    """Candidate AU events for the runs of ``filled >= level`` (gaps filled below the level)."""
    events: list[Event] = []
    for a, b in runs(filled >= level):
        if b - a + 1 < min_frames:
            continue
        peak = a + int(np.argmax(filled[a : b + 1]))
        intensity = intensity_of(float(filled[peak])) if intensity_of else None
        events.append(
            Event(
                id=0,
                face=face,
                kind=EventKind.AU,
                media=media,
                au=au,
                onset_frame=start_frame + a,
                apex_frame=start_frame + peak,
                offset_frame=start_frame + b,
                intensity=intensity,
                code=f"{au}{intensity.value if intensity else ''}",
                annotator=annotator,
                note=note,
            )
        )
    return events
