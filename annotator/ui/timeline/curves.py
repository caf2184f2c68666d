"""Curves under their faces: what the timeline's curve lanes show (pure Python, no Qt).

Two kinds of per-frame curves exist: the project's imported ones (OpenFace / py-feat AUs,
``Project.curves``) and the landmark signals of ``annotator track`` (the landmark cache the
media references). :class:`CurveStore` holds both for the timeline's current media, which
of them are shown, and a threshold per curve; "Candidates from threshold" turns the runs
above it into spotting candidates. The store owns that view state; the data stays owned by
the project and the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from annotator.analysis.spotting import Candidate
from annotator.model.project import Project
from annotator.model.signals import Signal

log = logging.getLogger(__name__)

CurveKey = tuple[str, str]  # (face id, curve name)
DEFAULT_SIGNALS = (
    "lip_corner_pull_l",
    "lip_corner_pull_r",
    "mouth_open",
    "eye_open_l",
    "eye_open_r",
)


def curve_lane_key(face: str, name: str) -> tuple[str, str]:
    return (face, f"curve:{name}")


@dataclass(slots=True)
class CurveData:
    face: str
    name: str
    start_frame: int
    values: np.ndarray  # float32, NaN where missing
    source: str  # "landmarks" or the importer's source text
    lo: float = 0.0
    hi: float = 1.0

    def __post_init__(self) -> None:
        finite = self.values[np.isfinite(self.values)]
        if len(finite):
            lo, hi = np.percentile(finite, [0.5, 99.5])
            pad = max(float(hi - lo) * 0.08, 1e-6)
            self.lo, self.hi = float(lo) - pad, float(hi) + pad

    @property
    def end_frame(self) -> int:
        return self.start_frame + len(self.values) - 1

    def value_at(self, frame: int) -> float:
        i = frame - self.start_frame
        return float(self.values[i]) if 0 <= i < len(self.values) else float("nan")


class CurveStore:
    """Curves of the current media, their visibility and thresholds; ``changed`` fires
    after every change (the timeline relayouts and repaints)."""

    def __init__(self) -> None:
        self.curves: dict[CurveKey, CurveData] = {}
        self.shown: set[CurveKey] = set()
        self.thresholds: dict[CurveKey, float] = {}
        self.changed = Signal("curves_view_changed")
        self.cache: Any = None  # the media's LandmarkCache (landmarks for the video overlay)
        self._hidden_by_user: set[CurveKey] = set()
        self._shown_by_user: set[CurveKey] = set()

    # ------------------------------------------------------------------ loading
    def load(self, project: Project, project_path: str | Path | None, media_id: str) -> list[str]:
        """Collect the curves of ``media_id``; returns problems (a missing cache) as lines."""
        problems: list[str] = []
        curves: dict[CurveKey, CurveData] = {}
        for c in project.curves:
            if c.media != media_id:
                continue
            vals = np.array([np.nan if v is None else v for v in c.values], np.float32)
            curves[(c.face, c.name)] = CurveData(
                c.face, c.name, c.start_frame, vals, c.source or "imported"
            )
        media = project.media.get(media_id)
        self.cache = None
        if media is not None and media.landmarks:
            try:
                from annotator.io.signals_csv import landmark_cache_of

                cache = landmark_cache_of(project, project_path, media_id)
                self.cache = cache
                for face in cache.faces:
                    for name in cache.signal_names:
                        curves[(face, name)] = CurveData(
                            face, name, 0, cache.curve(face, name), "landmarks"
                        )
            except ValueError as exc:
                problems.append(str(exc))
        self.curves = curves
        self.shown = {k for k in curves if self._default_shown(k)} | (
            self._shown_by_user & set(curves)
        )
        self.shown -= self._hidden_by_user
        for k, c in curves.items():
            self.thresholds.setdefault(k, c.lo + 0.6 * (c.hi - c.lo))
        self.changed.emit()
        return problems

    def _default_shown(self, key: CurveKey) -> bool:
        c = self.curves.get(key)
        if c is None:
            return False
        if c.source == "landmarks":
            return key[1] in DEFAULT_SIGNALS
        return not key[1].endswith("_c")  # imported intensities, not 0/1 presence columns

    # ------------------------------------------------------------------ view state
    def names(self, face: str) -> list[str]:
        """Every curve of a face, imported first, then the landmark signals in order."""
        keys = [k for k in self.curves if k[0] == face]
        return [k[1] for k in sorted(keys, key=lambda k: self.curves[k].source == "landmarks")]

    def shown_names(self, face: str) -> list[str]:
        return [n for n in self.names(face) if (face, n) in self.shown]

    def set_shown(self, face: str, name: str, on: bool) -> None:
        key = (face, name)
        if key not in self.curves or (key in self.shown) == on:
            return
        if on:
            self.shown.add(key)
            self._shown_by_user.add(key)
            self._hidden_by_user.discard(key)
        else:
            self.shown.discard(key)
            self._hidden_by_user.add(key)
            self._shown_by_user.discard(key)
        self.changed.emit()

    def set_threshold(self, face: str, name: str, value: float) -> None:
        key = (face, name)
        if key in self.curves and self.thresholds.get(key) != value:
            self.thresholds[key] = float(value)
            self.changed.emit()

    # ------------------------------------------------------------------ candidates
    def runs_above(
        self, face: str, name: str, min_frames: int = 2, join_gap: int = 2
    ) -> list[tuple[int, int, int]]:
        """(onset, apex, offset) of every run of frames above the threshold (short dips of
        up to ``join_gap`` frames joined; runs shorter than ``min_frames`` dropped)."""
        c = self.curves[(face, name)]
        thr = self.thresholds[(face, name)]
        above = np.nan_to_num(c.values, nan=-np.inf) > thr
        d = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
        runs = list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1, strict=True))
        merged: list[list[int]] = []
        for a, b in runs:
            if merged and a - merged[-1][1] - 1 <= join_gap:
                merged[-1][1] = int(b)
            else:
                merged.append([int(a), int(b)])
        out = []
        for a, b in merged:
            if b - a + 1 < min_frames:
                continue
            seg = np.nan_to_num(c.values[a : b + 1], nan=-np.inf)
            apex = a + int(np.argmax(seg))
            out.append((c.start_frame + a, c.start_frame + apex, c.start_frame + b))
        return out

    def candidates(self, keys: Iterable[CurveKey]) -> list[Candidate]:
        """Candidates from the thresholds of ``keys`` (score: peak over threshold)."""
        out = []
        for face, name in keys:
            if (face, name) not in self.curves:
                continue
            c = self.curves[(face, name)]
            thr = self.thresholds[(face, name)]
            span = max(c.hi - c.lo, 1e-9)
            au = _au_of(name)
            for on, apex, off in self.runs_above(face, name):
                score = 1.0 + (c.value_at(apex) - thr) / span
                out.append(Candidate(face, on, apex, off, float(score), label=name, au=au))
        return sorted(out, key=lambda c: (c.onset_frame, c.face))


def _au_of(name: str) -> int | None:
    """``AU12_r`` / ``AU12`` -> 12 (imported AU curves); landmark signals have none."""
    if name.upper().startswith("AU"):
        digits = "".join(ch for ch in name[2:] if ch.isdigit())
        rest = name[2 + len(digits) :]
        if digits and rest in ("", "_r", "_c"):
            return int(digits)
    return None
