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


def _spans(project: Project) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """(onset, offset) of the AU events of each (face, AU), in one pass over the events:
    asking per AU and face would scan the whole project once per lane."""
    out: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for e in project.events.values():
        if e.kind is EventKind.AU and e.au is not None:
            out.setdefault((e.face, e.au), []).append((e.onset_frame, e.offset_frame))
    return out


def _coverage(spans: list[tuple[int, int]], n: int) -> np.ndarray:
    """Frames covered by any of ``spans`` (inclusive), by a difference array: O(events + n)."""
    d = np.zeros(n + 1, np.int32)
    if spans:
        a = np.asarray(spans, np.int64)
        np.add.at(d, np.clip(a[:, 0], 0, n), 1)
        np.add.at(d, np.clip(a[:, 1] + 1, 0, n), -1)
    return np.cumsum(d[:n]) > 0


def _active(project: Project, face: str, au: int, n: int) -> np.ndarray:
    return _coverage(_spans(project).get((face, au), []), n)


def au_frequency(project: Project) -> list[AuFrequency]:
    """Events and frames per AU and face (frames counted once where events overlap)."""
    n = _n_frames(project)
    spans = _spans(project)
    out = []
    for face in project.faces:
        for au in sorted(a for f, a in spans if f == face):
            lane = spans[face, au]
            frames = int(_coverage(lane, n).sum())
            out.append(AuFrequency(face, au, len(lane), frames, frames / n))
    return out


def durations_s(project: Project, kind: EventKind | None = EventKind.AU) -> np.ndarray:
    """Onset-to-offset durations in seconds from the real timestamps (inclusive frames),
    in the project's event order."""
    evs = [e for e in project.events.values() if kind is None or e.kind is kind]
    out = np.zeros(len(evs), np.float64)
    by_media: dict[str, list[int]] = {}
    for i, e in enumerate(evs):
        by_media.setdefault(e.media, []).append(i)
    for mid, idx in by_media.items():
        out[idx] = project.timebase(mid).durations_s(
            [evs[i].onset_frame for i in idx], [evs[i].offset_frame for i in idx]
        )
    return out


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


def scale_counts(
    project: Project, micro: str | None = None, kind: EventKind | None = EventKind.AU
) -> dict[str, int]:
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
    spans = _spans(project)
    aus = sorted({a for f, a in spans if f in faces})
    mat = np.zeros((len(aus), len(aus)), np.int64)
    for f in faces:
        if not aus:
            break
        x = np.stack([_coverage(spans.get((f, a), []), n) for a in aus]).astype(np.float64)
        mat += np.rint(x @ x.T).astype(np.int64)  # BLAS; frame counts stay exact in float64
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
