"""Per-frame AU table: one row per frame per face, in the layout OpenFace users know.

Columns: ``frame, time_s, face, AU01 ... AU99, emotion, in_event``. An AU cell is the
intensity of that AU on that face on that frame (A=1 .. E=5, presence without intensity = 1,
0 when absent; the maximum when events overlap); only AUs the project uses get a column,
named with two digits like OpenFace (``AU04``). ``emotion`` and ``in_event`` join the
labels and ids active on the frame with ``;`` (ordered by onset, then id).

Vectorised: AU columns are filled by numpy slices per event, and text columns are built
once per run of frames with the same active events (a sweep over event boundaries), so a
1-hour 25 fps two-face project writes in a few seconds; ``bench/bench_exports.py``
compares this with a per-frame loop.
"""

from __future__ import annotations

import os
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from annotator.io.common import write_atomic
from annotator.model import EventKind, Project
from annotator.safe_output import safe_cell


def au_column(au: int) -> str:
    return f"AU{au:02d}"


def span_labels(n: int, spans: list[tuple[int, int, int, str]]) -> np.ndarray:
    """Per-frame ``;``-joined texts of the spans ``(onset, offset, id, text)`` covering it.

    Sweeps the span boundaries: the text changes only where a span starts or ends, so the
    cost is per span, not per frame.
    """
    out = np.full(n, "", dtype=object)
    if not spans or n <= 0:
        return out
    starts: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    ends: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for on, off, sid, text in spans:
        on, off = max(on, 0), min(off, n - 1)
        if on > off:
            continue
        starts[on].append((on, sid, text))
        ends[off + 1].append((on, sid, text))
    bounds = sorted({0, n, *starts, *ends})
    active: set[tuple[int, int, str]] = set()
    for b, b2 in pairwise(bounds):
        active.difference_update(ends.get(b, ()))
        active.update(starts.get(b, ()))
        if active:
            texts = list(dict.fromkeys(t for _on, _id, t in sorted(active)))
            out[b:b2] = safe_cell(";".join(texts))
    return out


def frames_table(project: Project, media_id: str | None = None) -> pd.DataFrame:
    """The per-frame table of one media (the project's first by default)."""
    mid = media_id or (project.primary_media.id if project.primary_media else "m1")
    tb = project.timebase(mid)
    n = tb.frame_count
    faces = list(project.faces)
    events = [e for e in project.events.values() if e.media == mid and e.face in project.faces]
    aus = sorted({e.au for e in events if e.kind is EventKind.AU and e.au is not None})
    n_faces = len(faces)

    def interleave(per_face: list[np.ndarray]) -> np.ndarray:
        """Rows ordered by frame, then face: column f of row-block i is face f."""
        if not per_face:
            return np.empty(0, dtype=object)
        return np.stack(per_face, axis=1).reshape(-1)

    by_face: dict[str, list[Any]] = {f: [] for f in faces}
    for e in events:
        by_face[e.face].append(e)

    data: dict[str, Any] = {
        "frame": np.repeat(np.arange(n, dtype=np.int64), n_faces),
        "time_s": np.repeat(np.round(tb.timestamps, 6), n_faces),
        "face": np.tile(np.array([safe_cell(f) for f in faces], dtype=object), n),
    }
    for au in aus:
        cols = []
        for f in faces:
            arr = np.zeros(n, dtype=np.int8)
            for e in by_face[f]:
                if e.kind is EventKind.AU and e.au == au:
                    level = e.intensity.level if e.intensity else 1
                    seg = arr[max(e.onset_frame, 0) : min(e.offset_frame, n - 1) + 1]
                    np.maximum(seg, level, out=seg)
            cols.append(arr)
        data[au_column(au)] = interleave(cols)
    data["emotion"] = interleave(
        [
            span_labels(
                n,
                [
                    (e.onset_frame, e.offset_frame, e.id, e.emotion or "")
                    for e in by_face[f]
                    if e.kind is EventKind.EMOTION
                ],
            )
            for f in faces
        ]
    )
    data["in_event"] = interleave(
        [
            span_labels(n, [(e.onset_frame, e.offset_frame, e.id, str(e.id)) for e in by_face[f]])
            for f in faces
        ]
    )
    if not faces:
        data = {k: v[:0] for k, v in data.items()}
    return pd.DataFrame(data)


def export_frames_csv(
    project: Project, out: str | os.PathLike[str], *, media_id: str | None = None, **_: Any
) -> Path:
    df = frames_table(project, media_id)
    return write_atomic(out, df.to_csv(index=False, lineterminator="\n"))
