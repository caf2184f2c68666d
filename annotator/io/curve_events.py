"""Curves read from other tools' per-frame tables, and candidate events from their thresholds.

One implementation for every curve importer (OpenFace, py-feat): an array of per-frame values
becomes a :class:`Curve` (NaN = no value), and each run of frames at or above a level lasting at
least ``min_frames`` becomes a candidate AU event whose apex is the run's highest frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from annotator.model import Curve, Event, EventKind, Intensity


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
