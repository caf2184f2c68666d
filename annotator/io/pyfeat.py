"""py-feat detector CSVs (v0.x and v2) -> per-face AU and emotion probability curves.

py-feat writes one row per detected face per processed frame: ``AU01``...``AU43`` presence
probabilities (0-1), seven emotion probabilities (``happiness``... in v0.x, ``Happy``... in
v2), the face box ``FaceRectX/Y/Width/Height`` and a 0-based ``frame`` that may skip frames
(skipped frames become gaps). Faces on one frame are told apart left to right by
``FaceRectX``: the leftmost goes to the project's first face, and so on. Curves are named
``AU12_p`` and ``happiness_p``. With a threshold, runs of AU probability at or above it
become candidate AU events (annotator ``py-feat``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from annotator.io.curve_events import (
    curve_from_values,
    curve_media,
    target_face,
    threshold_events,
)
from annotator.io.importing import ImportFileError, ImportPlan, read_utf8
from annotator.model import Project

_AU = re.compile(r"^AU(\d{2})$")
EMOTIONS = {
    "anger": "anger",
    "angry": "anger",
    "disgust": "disgust",
    "disgusted": "disgust",
    "fear": "fear",
    "fearful": "fear",
    "happiness": "happiness",
    "happy": "happiness",
    "sadness": "sadness",
    "sad": "sadness",
    "surprise": "surprise",
    "surprised": "surprise",
    "neutral": "neutral",
    "contempt": "contempt",
}


def plan_pyfeat_import(
    project: Project,
    path: Path,
    *,
    threshold: float | None = None,
    min_frames: int = 3,
    face: str | None = None,
) -> ImportPlan:
    path = Path(path)
    name = path.name
    read_utf8(path)
    try:
        df = pd.read_csv(path, encoding="utf-8-sig", index_col=False, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ImportFileError(
            f"{name}: malformed CSV ({str(e).strip().splitlines()[-1]})"
        ) from None
    au_cols = [c for c in df.columns if _AU.match(str(c))]
    emo_cols = [c for c in df.columns if str(c).lower() in EMOTIONS]
    if "frame" not in df.columns or not au_cols:
        raise ImportFileError(
            f"{name}: line 1: not a py-feat CSV: needs 'frame' and AU01... columns"
        )
    media, n = curve_media(project, name)
    if "FaceRectX" in df.columns:
        df = df[df["FaceRectX"].notna()]  # rows for frames without a face
    frames = pd.to_numeric(df["frame"], errors="coerce")
    if frames.isna().any():
        i = int(np.flatnonzero(frames.isna().to_numpy())[0])
        raise ImportFileError(
            f"{name}: line {df.index[i] + 2}: frame {df['frame'].iloc[i]!r} is not a number"
        )
    df = df.assign(frame=frames.astype(int))
    bad = df[(df["frame"] < 0) | (df["frame"] >= n)]
    if len(bad):
        raise ImportFileError(
            f"{name}: line {bad.index[0] + 2}: frame {bad['frame'].iloc[0]} is "
            f"outside the video (0-{n - 1}, py-feat frames are 0-based)"
        )
    order = df.sort_values(["frame", "FaceRectX"] if "FaceRectX" in df.columns else ["frame"])
    slot = order.groupby("frame").cumcount().reindex(df.index).to_numpy()
    plan = ImportPlan(source=name)
    existing = list(project.faces)
    for k in sorted(set(slot.tolist())):
        if face is not None and k > 0:  # k 0 came first and found the face
            plan.warnings.append(
                f"{name}: more than one face per frame; only the leftmost "
                f"was imported onto face {face}"
            )
            break
        target = target_face(
            project, plan, name, k, face=face, existing=existing, new_name=f"py-feat face {k + 1}"
        )
        rows = df[slot == k]
        f = rows["frame"].to_numpy()
        start, stop = int(f.min()), int(f.max())
        for c in au_cols + emo_cols:
            label = f"{c}_p" if c in au_cols else f"{EMOTIONS[str(c).lower()]}_p"
            values = np.full(stop - start + 1, np.nan)
            values[f - start] = pd.to_numeric(rows[c], errors="coerce").to_numpy(dtype=float)
            plan.curves.append(
                curve_from_values(
                    face=target,
                    name=label,
                    start_frame=start,
                    media=media.id,
                    source=name,
                    values=values,
                )
            )
            if threshold is None or c not in au_cols:
                continue
            # py-feat may skip frames: bridge gaps inside the curve for run detection
            filled = pd.Series(values).interpolate(limit_area="inside").fillna(-1.0).to_numpy()
            plan.events.extend(
                threshold_events(
                    filled,
                    threshold,
                    min_frames=min_frames,
                    start_frame=start,
                    face=target,
                    media=media.id,
                    au=int(_AU.match(c).group(1)),  # type: ignore[union-attr]
                    annotator="py-feat",
                    note=f"candidate: {c} probability >= {threshold:g}",
                )
            )
    return plan
