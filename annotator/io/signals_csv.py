"""Per-frame landmark signals: ``annotator export PROJECT --to signals-csv -o OUT.csv``.

One row per frame per face (frames ascending, faces in project order) with columns
``frame, time_s, face, x, y, w, h, confidence`` (the tracked box in video pixels, top-left
corner, and the mesh's presence score) followed by one column per signal in the cache's
order (docs/signals.md). Cells are empty where the face was not found on that frame.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from annotator.io.common import ExportSource, Warn, warn_stderr, write_atomic
from annotator.io.landmarks import LandmarkCache
from annotator.model import Project
from annotator.model.face_signals import SIGNALS
from annotator.safe_output import safe_cell

BOX_COLUMNS = ("x", "y", "w", "h", "confidence")
# the signals ``annotator track`` writes; a cache carries its own names, so this list only
# heads an untracked export
SIGNAL_NAMES = SIGNALS


def landmark_cache_of(
    project: Project, project_path: str | os.PathLike[str] | None, media_id: str
) -> LandmarkCache:
    m = project.media[media_id]
    if not m.landmarks:
        raise ValueError(f"media {media_id}: no landmark cache yet; run 'annotator track' first")
    path = Path(m.landmarks)
    if not path.is_absolute() and project_path is not None:
        path = Path(project_path).resolve().parent / path
    if not path.is_file():
        raise ValueError(f"{path}: landmark cache not found; run 'annotator track' again")
    return LandmarkCache(path)


def signals_table(
    project: Project,
    cache: LandmarkCache | None,
    media_id: str,
    signal_names: list[str] | None = None,
) -> pd.DataFrame:
    """The table; without a cache (never tracked) every box and signal cell is empty."""
    tb = project.timebase(media_id)
    n = tb.frame_count
    cached = cache.faces if cache is not None else []
    faces = list(project.faces) + [f for f in cached if f not in project.faces]
    nf = len(faces)
    names = cache.signal_names if cache is not None else list(signal_names or [])
    cols = list(BOX_COLUMNS) + names
    values = np.full((n, nf, len(cols)), np.nan, np.float64)
    if cache is not None and len(cache):
        fidx = np.array([faces.index(f) for f in cache.faces], np.int64)
        ok = (cache.frames >= 0) & (cache.frames < n)
        rows_f = cache.frames[ok]
        rows_face = fidx[cache.face[ok]]
        values[rows_f, rows_face, 0:4] = cache.box[ok]
        values[rows_f, rows_face, 4] = cache.confidence[ok]
        values[rows_f, rows_face, 5:] = cache.signals[ok]
    data: dict[str, Any] = {
        "frame": np.repeat(np.arange(n, dtype=np.int64), nf),
        "time_s": np.repeat(np.round(tb.timestamps, 6), nf),
        "face": np.tile(np.array([safe_cell(f) for f in faces], dtype=object), n),
    }
    flat = values.reshape(n * nf, len(cols))
    for i, c in enumerate(cols):
        digits = 2 if i < 4 else 4
        data[c] = np.round(flat[:, i], digits)
    return pd.DataFrame(data)


def export_signals_csv(
    project: Project,
    out: str | os.PathLike[str],
    *,
    source: ExportSource | None = None,
    media_id: str | None = None,
    warn: Warn = warn_stderr,
    **_: Any,
) -> Path:
    mid = media_id or (project.primary_media.id if project.primary_media else "m1")
    cache: LandmarkCache | None = None
    try:
        cache = landmark_cache_of(project, source.project_path if source else None, mid)
    except ValueError as exc:
        # the columns are still the signals a tracked project would have
        warn(f"{exc}; box and signal cells are empty")
    df = signals_table(project, cache, mid, list(SIGNAL_NAMES))
    return write_atomic(out, df.to_csv(index=False, lineterminator="\n", na_rep=""))
