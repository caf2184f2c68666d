"""OpenFace 2.x CSV import: per-face AU intensity curves, optionally candidate events.

OpenFace writes ``frame, face_id, timestamp, confidence, success, ... AUxx_r ... AUxx_c``
with ``", "`` separators (read with ``skipinitialspace``). ``frame`` is 1-based and is
mapped to the video's own frame index (``frame - 1``); ``timestamp`` is not trusted.
Rows with ``success`` 0 become gaps (``None``). ``face_id`` (absent in 2.0 files) picks the
face: face_id 0 goes to the project's first face, 1 to the second, and so on, with new
faces made as needed. Curves are named after the column (``AU12_r``); presence-only AUs
(``AU28_c``) give a 0/1 curve.

With a threshold, each run of frames at or above it (at least ``min_frames`` long)
becomes a candidate AU event (apex at the peak, intensity from the peak value, annotator
``openface``) for a coder to confirm or delete.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
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
from annotator.model import Intensity, Project

_AU_COL = re.compile(r"^AU(\d{1,2})_([rc])$")


def _bad_row(text: str) -> str:
    """Where the first row with the wrong number of fields is (only on the error path)."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    for i, row in enumerate(rows, start=2):
        if row and len(row) != len(header):
            return f"line {i}: {len(row)} fields, the header has {len(header)}"
    return "rows and header have different numbers of fields"


def read_openface(path: Path) -> pd.DataFrame:
    name = path.name
    text = read_utf8(path)
    try:
        with warnings.catch_warnings():
            # A row with more fields than the header would silently become the index.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(path, skipinitialspace=True, encoding="utf-8-sig", index_col=False)
    except pd.errors.ParserWarning:
        raise ImportFileError(f"{name}: {_bad_row(text)}") from None
    except pd.errors.EmptyDataError:
        raise ImportFileError(f"{name}: empty file") from None
    except pd.errors.ParserError as e:
        msg = str(e).strip().splitlines()[-1]
        m = re.search(r"line (\d+)", msg)
        where = f"line {m.group(1)}: " if m else ""
        raise ImportFileError(f"{name}: {where}malformed CSV ({msg})") from None
    df.columns = [str(c).strip() for c in df.columns]
    au_cols = [c for c in df.columns if _AU_COL.match(c)]
    if "frame" not in df.columns or not au_cols:
        found = ", ".join(list(df.columns)[:6])
        raise ImportFileError(
            f"{name}: line 1: not an OpenFace CSV: needs 'frame' and AUxx_r/AUxx_c columns "
            f"(found {found}{', ...' if len(df.columns) > 6 else ''})"
        )
    for c in ["frame", "face_id", "success", *au_cols]:
        if c in df.columns and not pd.api.types.is_numeric_dtype(df[c]):
            bad = pd.to_numeric(df[c], errors="coerce").isna() & df[c].notna()
            i = int(np.argmax(bad.to_numpy()))
            raise ImportFileError(
                f"{name}: line {i + 2}: column {c}: {df[c].iloc[i]!r} is not a number"
            )
    return df


def _intensity(value: float) -> Intensity:
    """OpenFace's 0-5 intensity regression as a FACS letter (A-E)."""
    return Intensity.from_level(min(5, max(1, round(value))))


def plan_openface_import(
    project: Project,
    path: Path,
    *,
    threshold: float | None = None,
    min_frames: int = 3,
    face: str | None = None,
) -> ImportPlan:
    path = Path(path)
    name = path.name
    df = read_openface(path)
    plan = ImportPlan(source=name)
    media, n = curve_media(project, name)
    frames = df["frame"].to_numpy(dtype=np.int64) - 1
    bad = np.flatnonzero((frames < 0) | (frames >= n))
    if len(bad):
        i = int(bad[0])
        raise ImportFileError(
            f"{name}: line {i + 2}: frame {frames[i] + 1} is outside the "
            f"video (1-{n}, OpenFace frames are 1-based)"
        )
    ok = np.ones(len(df), dtype=bool)
    if "success" in df.columns:
        ok = df["success"].fillna(0).to_numpy() != 0
        if (~ok).any():
            plan.warnings.append(f"{name}: {int((~ok).sum())} rows with success 0 left as gaps")
    face_ids = (
        df["face_id"].fillna(0).astype(int).to_numpy()
        if "face_id" in df.columns
        else np.zeros(len(df), dtype=int)
    )
    existing = list(project.faces)
    cols = [c for c in df.columns if _AU_COL.match(c)]
    has_r = {int(_AU_COL.match(c).group(1)) for c in cols if c.endswith("_r")}  # type: ignore[union-attr]
    cols = [c for c in cols if c.endswith("_r") or int(_AU_COL.match(c).group(1)) not in has_r]  # type: ignore[union-attr]
    for fid in sorted(set(face_ids.tolist())):
        target = target_face(
            project, plan, name, fid, face=face, existing=existing, new_name=f"OpenFace face {fid}"
        )
        sel = face_ids == fid
        f = frames[sel]
        if len(np.unique(f)) != len(f):
            dup = int(np.flatnonzero(sel)[np.flatnonzero(np.diff(np.sort(f)) == 0)[0]])
            raise ImportFileError(f"{name}: line {dup + 2}: frame repeated for face_id {fid}")
        start, stop = int(f.min()), int(f.max())
        for c in cols:
            values = np.full(stop - start + 1, np.nan)
            v = df[c].to_numpy(dtype=np.float64)[sel]
            v = np.where(ok[sel], v, np.nan)
            values[f - start] = v
            plan.curves.append(
                curve_from_values(
                    face=target,
                    name=c,
                    start_frame=start,
                    media=media.id,
                    source=name,
                    values=values,
                )
            )
            if threshold is None:
                continue
            level = threshold if c.endswith("_r") else 0.5
            plan.events.extend(
                threshold_events(
                    np.nan_to_num(values, nan=-1.0),
                    level,
                    min_frames=min_frames,
                    start_frame=start,
                    face=target,
                    media=media.id,
                    au=int(_AU_COL.match(c).group(1)),  # type: ignore[union-attr]
                    annotator="openface",
                    note=f"candidate: {c} >= {level:g}",
                    intensity_of=_intensity if c.endswith("_r") else None,
                )
            )
    return plan
