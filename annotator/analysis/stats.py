"""Descriptive statistics of a project: pure functions over the model, shared by the
statistics panel (pyqtgraph), the HTML report (static images) and ``annotator stats``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.model import EventKind, Project
from annotator.model.scale import micro_rule
from annotator.model.timebase import MICRO_MAX_S


@dataclass(frozen=True, slots=True)
class AuFrequency:
    face: str
    au: int
    events: int
    frames: int
    share: float  # of the video's frames, 0..1


def _n_frames(project: Project) -> int:
    m = project.primary_media
    last = max((e.offset_frame + 1 for e in project.events.values()), default=0)
    return max(m.frame_count if m else 0, last, 1)


def _active(project: Project, face: str, au: int, n: int) -> np.ndarray:
    v = np.zeros(n, bool)
    for e in project.events.values():
        if e.kind is EventKind.AU and e.face == face and e.au == au:
            v[e.onset_frame : e.offset_frame + 1] = True
    return v


def au_frequency(project: Project) -> list[AuFrequency]:
    """Events and frames per AU and face (frames counted once where events overlap)."""
    n = _n_frames(project)
    out = []
    for face in project.faces:
        for au in project.aus_in_use(face):
            count = sum(
                1
                for e in project.events.values()
                if e.kind is EventKind.AU and e.face == face and e.au == au
            )
            frames = int(_active(project, face, au, n).sum())
            out.append(AuFrequency(face, au, count, frames, frames / n))
    return out


def durations_s(project: Project, kind: EventKind | None = EventKind.AU) -> np.ndarray:
    """Onset-to-offset durations in seconds from the real timestamps (inclusive frames)."""
    return np.array(
        [project.duration_s(e) for e in project.events.values() if kind is None or e.kind is kind],
        np.float64,
    )


def duration_histogram(
    durations: np.ndarray, bin_s: float = 0.1, max_s: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Counts per ``bin_s`` bin; one bin edge falls exactly on the 0.5 s micro limit."""
    top = max_s if max_s is not None else max(float(durations.max(initial=0.0)), MICRO_MAX_S)
    n_bins = max(1, int(np.ceil(top / bin_s - 1e-9)))
    edges = np.arange(n_bins + 1) * bin_s
    counts, _ = np.histogram(np.clip(durations, 0, edges[-1]), bins=edges)
    return edges, counts


def micro_macro_counts(durations: np.ndarray) -> dict[str, int]:
    micro = int(np.sum(durations <= MICRO_MAX_S + 1e-6))
    return {"micro": micro, "macro": int(len(durations) - micro)}


def scale_counts(project: Project, micro: str | None = None,
                 kind: EventKind | None = EventKind.AU) -> dict[str, int]:
    """Micro and macro events by ``micro`` (a rule of ``annotator.model.scale``) on each
    event's own video's timestamps: the same split as the events CSV's ``scale`` column."""
    rule = micro_rule(micro)
    tbs = {mid: project.timebase(mid) for mid in project.media}
    out = {"micro": 0, "macro": 0}
    for e in project.events.values():
        if kind is None or e.kind is kind:
            tb = tbs.get(e.media) or project.timebase(e.media)
            out[rule.scale(tb, e.onset_frame, e.offset_frame, e.apex_frame)] += 1
    return out


def cooccurrence(project: Project, face: str | None = None) -> tuple[list[int], np.ndarray]:
    """Frames on which two AUs are both active on the same face (diagonal: the AU alone),
    summed over faces; frames, not events, so long and short events weigh by duration."""
    n = _n_frames(project)
    faces = [face] if face else list(project.faces)
    aus = sorted({a for f in faces for a in project.aus_in_use(f)})
    mat = np.zeros((len(aus), len(aus)), np.int64)
    for f in faces:
        stack = np.stack([_active(project, f, a, n) for a in aus]) if aus else np.zeros((0, n))
        x = stack.astype(np.int64)
        mat += x @ x.T
    return aus, mat


def emotion_timeline(project: Project) -> dict[str, list[tuple[int, int, str]]]:
    """Per face, emotion events as ``(onset_frame, offset_frame, label)`` in time order."""
    out: dict[str, list[tuple[int, int, str]]] = {f: [] for f in project.faces}
    for e in project.events_of(kind=EventKind.EMOTION):
        out.setdefault(e.face, []).append((e.onset_frame, e.offset_frame, e.emotion or ""))
    return out


def summary(project: Project, micro: str | None = None) -> dict[str, Any]:
    """Everything ``annotator stats --json`` prints; durations and micro/macro come from the
    timebases attached to ``project`` (the CLI attaches the videos' real ones)."""
    rule = micro_rule(micro)
    d = durations_s(project)
    edges, counts = duration_histogram(d)
    aus, mat = cooccurrence(project)
    return {
        "frames": _n_frames(project),
        "au_frequency": [
            {
                "face": r.face,
                "au": r.au,
                "events": r.events,
                "frames": r.frames,
                "share": round(r.share, 6),
            }
            for r in au_frequency(project)
        ],
        "durations": {
            "bin_s": 0.1,
            "edges_s": [round(x, 6) for x in edges.tolist()],
            "counts": counts.tolist(),
            "micro_max_s": MICRO_MAX_S,
            "micro_rule": rule.name,
            "micro_rule_text": rule.description,
            **scale_counts(project, rule.name),
        },
        "cooccurrence": {"aus": aus, "frames": mat.tolist()},
        "emotion_timeline": {
            f: [list(s) for s in segs] for f, segs in emotion_timeline(project).items()
        },
    }
