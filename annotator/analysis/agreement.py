"""Agreement between two coders of the same video: frame kappas, FACS ratio, event matching.

Coder A is the reference (recall is "how much of A did B find"), but every per-frame number
is symmetric. Faces are matched by id: both coders start from the same project template,
so face ``A`` is the same person in both files.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.analysis.intervals import Interval, Scores, greedy_match, iou
from annotator.analysis.kappa import cohen_kappa, forgive_within, percent_agreement
from annotator.model import Event, EventKind, Project
from annotator.model.facs import agreement_ratio

#: FACS certification bar: pairs below it are flagged.
RATIO_FLAG = 0.70
NO_EMOTION = ""


@dataclass(frozen=True, slots=True)
class ExpressionEvent:
    """AU events of one face that overlap in time, taken together as one FACS event.

    The model stores one event per AU (so each AU keeps its own onset and offset), while the
    FACS agreement index compares whole codes like ``1+2+5B+26``; overlapping AU events are
    the code a coder scored for one movement.
    """

    face: str
    onset_frame: int
    offset_frame: int
    apex_frame: int | None
    aus: frozenset[int]
    event_ids: tuple[int, ...]

    @property
    def interval(self) -> Interval:
        return (self.onset_frame, self.offset_frame)

    @property
    def code(self) -> str:
        return "+".join(str(a) for a in sorted(self.aus))


@dataclass(frozen=True, slots=True)
class AuAgreement:
    face: str
    au: int
    kappa: float
    percent: float
    frames_a: int
    frames_b: int


@dataclass(frozen=True, slots=True)
class EmotionAgreement:
    face: str
    kappa: float
    percent: float


@dataclass(frozen=True, slots=True)
class EventPair:
    """A matched pair, or an event only one coder scored (the other side ``None``)."""

    face: str
    a: ExpressionEvent | None
    b: ExpressionEvent | None
    iou: float
    ratio: float

    @property
    def flagged(self) -> bool:
        return self.ratio < RATIO_FLAG


@dataclass(frozen=True, slots=True)
class Timing:
    """Mean differences B - A in frames over matched pairs (signed and absolute)."""

    n: int
    onset_mean: float
    onset_abs: float
    apex_mean: float
    apex_abs: float
    offset_mean: float
    offset_abs: float


@dataclass(slots=True)
class AgreementReport:
    n_frames: int
    tolerance_frames: int
    aus: list[AuAgreement] = field(default_factory=list)
    emotions: list[EmotionAgreement] = field(default_factory=list)
    pairs: list[EventPair] = field(default_factory=list)
    overall_ratio: float = math.nan
    events: Scores = field(default_factory=lambda: Scores(0, 0, 0))
    emotion_events: Scores = field(default_factory=lambda: Scores(0, 0, 0))
    emotion_label_agreement: float = math.nan
    timing: Timing | None = None

    @property
    def flagged_pairs(self) -> list[EventPair]:
        return [p for p in self.pairs if p.flagged]

    def as_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if isinstance(x, float) and math.isnan(x) else x

        def ev(e: ExpressionEvent | None) -> dict[str, Any] | None:
            if e is None:
                return None
            return {
                "onset_frame": e.onset_frame,
                "apex_frame": e.apex_frame,
                "offset_frame": e.offset_frame,
                "aus": e.code,
            }

        return {
            "n_frames": self.n_frames,
            "tolerance_frames": self.tolerance_frames,
            "au": [
                {
                    "face": r.face,
                    "au": r.au,
                    "kappa": num(r.kappa),
                    "percent": num(r.percent),
                    "frames_a": r.frames_a,
                    "frames_b": r.frames_b,
                }
                for r in self.aus
            ],
            "emotion": [
                {"face": r.face, "kappa": num(r.kappa), "percent": num(r.percent)}
                for r in self.emotions
            ],
            "facs_ratio_overall": num(self.overall_ratio),
            "pairs": [
                {
                    "face": p.face,
                    "a": ev(p.a),
                    "b": ev(p.b),
                    "iou": p.iou,
                    "ratio": p.ratio,
                    "flagged": p.flagged,
                }
                for p in self.pairs
            ],
            "events": {k: num(v) for k, v in self.events.as_dict().items()},
            "emotion_events": {k: num(v) for k, v in self.emotion_events.as_dict().items()},
            "emotion_label_agreement": num(self.emotion_label_agreement),
            "timing": None
            if self.timing is None
            else {
                k: num(getattr(self.timing, k))
                for k in Timing.__slots__  # type: ignore[attr-defined]
            },
        }


# --------------------------------------------------------------------------- per-frame slices
def _events(project: Project, kind: EventKind) -> list[Event]:
    media = project.primary_media
    mid = media.id if media else None
    return [e for e in project.events_of(kind=kind) if mid is None or e.media == mid]


def frame_count_of(a: Project, b: Project) -> int:
    """Frames both coders saw; refuses projects of videos with different lengths."""
    ma, mb = a.primary_media, b.primary_media
    if ma and mb and ma.frame_count and mb.frame_count and ma.frame_count != mb.frame_count:
        raise ValueError(
            f"the two projects code videos of different lengths ({ma.frame_count} and "
            f"{mb.frame_count} frames)"
        )
    n = (ma.frame_count if ma else 0) or (mb.frame_count if mb else 0)
    last = max((e.offset_frame + 1 for p in (a, b) for e in p.events.values()), default=0)
    return max(n, last)


def au_vector(events: list[Event], face: str, au: int, n_frames: int) -> np.ndarray:
    """1 on every frame where ``face`` shows ``au`` (onset to offset inclusive)."""
    v = np.zeros(n_frames, dtype=bool)
    for e in events:
        if e.face == face and e.au == au:
            v[e.onset_frame : e.offset_frame + 1] = True
    return v


def emotion_vector(events: list[Event], face: str, n_frames: int) -> np.ndarray:
    """The emotion label per frame (``""`` where none); a later onset wins an overlap."""
    v = np.full(n_frames, NO_EMOTION, dtype=object)
    for e in sorted(events, key=lambda e: (e.onset_frame, e.id)):
        if e.face == face:
            v[e.onset_frame : e.offset_frame + 1] = e.emotion or NO_EMOTION
    return v.astype(str)


# --------------------------------------------------------------------------- events
def expression_events(events: list[Event]) -> list[ExpressionEvent]:
    """Group each face's AU events into FACS events: chains of overlapping intervals."""
    out: list[ExpressionEvent] = []
    by_face: dict[str, list[Event]] = {}
    for e in events:
        if e.kind is EventKind.AU and e.au is not None:
            by_face.setdefault(e.face, []).append(e)
    for face, evs in by_face.items():
        evs.sort(key=lambda e: (e.onset_frame, e.offset_frame, e.id))
        group: list[Event] = []
        end = -1
        for e in [*evs, None]:
            if e is not None and (not group or e.onset_frame <= end):
                group.append(e)
                end = max(end, e.offset_frame)
                continue
            apexes = [g.apex_frame for g in group if g.apex_frame is not None]
            out.append(
                ExpressionEvent(
                    face=face,
                    onset_frame=min(g.onset_frame for g in group),
                    offset_frame=end,
                    apex_frame=int(statistics.median_low(apexes)) if apexes else None,
                    aus=frozenset(g.au for g in group if g.au is not None),
                    event_ids=tuple(g.id for g in group),
                )
            )
            if e is not None:
                group, end = [e], e.offset_frame
    out.sort(key=lambda x: (x.face, x.onset_frame, x.offset_frame))
    return out


def _within(tol: int, a: Interval, b: Interval) -> bool:
    return tol > 0 and abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


def match_events(
    a: list[ExpressionEvent], b: list[ExpressionEvent], tolerance_frames: int = 0
) -> list[EventPair]:
    """One-to-one matching per face (IoU >= 0.5, or onsets and offsets both within the
    tolerance), plus the events left unmatched on either side."""
    pairs: list[EventPair] = []
    for face in sorted({e.face for e in a} | {e.face for e in b}):
        fa = [e for e in a if e.face == face]
        fb = [e for e in b if e.face == face]
        matches = greedy_match(
            [e.interval for e in fa],
            [e.interval for e in fb],
            accept=lambda i, j, fa=fa, fb=fb: _within(
                tolerance_frames, fa[i].interval, fb[j].interval
            ),
        )
        used_a = {i for i, _, _ in matches}
        used_b = {j for _, j, _ in matches}
        for i, j, v in matches:
            pairs.append(
                EventPair(face, fa[i], fb[j], v, agreement_ratio(set(fa[i].aus), set(fb[j].aus)))
            )
        pairs += [EventPair(face, e, None, 0.0, 0.0) for i, e in enumerate(fa) if i not in used_a]
        pairs += [EventPair(face, None, e, 0.0, 0.0) for j, e in enumerate(fb) if j not in used_b]
    pairs.sort(key=lambda p: (p.face, (p.a or p.b).onset_frame))  # type: ignore[union-attr]
    return pairs


def overall_ratio(pairs: list[EventPair]) -> float:
    """2 x AUs both scored / (AUs scored by A + AUs scored by B), over every event."""
    both = sum(len(p.a.aus & p.b.aus) for p in pairs if p.a and p.b)
    total = sum(len(p.a.aus) for p in pairs if p.a) + sum(len(p.b.aus) for p in pairs if p.b)
    return 2 * both / total if total else math.nan


def timing(pairs: list[EventPair]) -> Timing | None:
    matched = [(p.a, p.b) for p in pairs if p.a and p.b]
    if not matched:
        return None

    def stats(diffs: list[int]) -> tuple[float, float]:
        if not diffs:
            return math.nan, math.nan
        return float(np.mean(diffs)), float(np.mean(np.abs(diffs)))

    on = stats([b.onset_frame - a.onset_frame for a, b in matched])
    ap = stats(
        [
            b.apex_frame - a.apex_frame
            for a, b in matched
            if a.apex_frame is not None and b.apex_frame is not None
        ]
    )
    off = stats([b.offset_frame - a.offset_frame for a, b in matched])
    return Timing(len(matched), on[0], on[1], ap[0], ap[1], off[0], off[1])


# --------------------------------------------------------------------------- report
def compare(a: Project, b: Project, *, tolerance_frames: int = 0) -> AgreementReport:
    """Everything the ``agree`` command and the Compare view show."""
    if tolerance_frames < 0:
        raise ValueError("--tolerance-frames must be >= 0")
    n = frame_count_of(a, b)
    report = AgreementReport(n_frames=n, tolerance_frames=tolerance_frames)
    au_a, au_b = _events(a, EventKind.AU), _events(b, EventKind.AU)
    faces = sorted({e.face for e in au_a + au_b})
    for face in faces:
        aus = sorted({e.au for e in au_a + au_b if e.face == face and e.au is not None})
        for au in aus:
            va, vb = forgive_within(
                au_vector(au_a, face, au, n), au_vector(au_b, face, au, n), tolerance_frames
            )
            report.aus.append(
                AuAgreement(
                    face,
                    au,
                    cohen_kappa(va, vb),
                    percent_agreement(va, vb),
                    int(va.sum()),
                    int(vb.sum()),
                )
            )
    em_a, em_b = _events(a, EventKind.EMOTION), _events(b, EventKind.EMOTION)
    for face in sorted({e.face for e in em_a + em_b}):
        va, vb = emotion_vector(em_a, face, n), emotion_vector(em_b, face, n)
        report.emotions.append(
            EmotionAgreement(face, cohen_kappa(va, vb), percent_agreement(va, vb))
        )
    ex_a, ex_b = expression_events(au_a), expression_events(au_b)
    report.pairs = match_events(ex_a, ex_b, tolerance_frames)
    report.overall_ratio = overall_ratio(report.pairs)
    tp = sum(1 for p in report.pairs if p.a and p.b)
    report.events = Scores(tp, len(ex_b), len(ex_a))
    report.timing = timing(report.pairs)
    report.emotion_events, report.emotion_label_agreement = _emotion_events(
        em_a, em_b, tolerance_frames
    )
    return report


def _emotion_events(a: list[Event], b: list[Event], tol: int) -> tuple[Scores, float]:
    """Emotion events matched by time alone; then the share of matches with the same label."""
    tp = same = 0
    for face in {e.face for e in a + b}:
        fa = [e for e in a if e.face == face]
        fb = [e for e in b if e.face == face]
        ia = [(e.onset_frame, e.offset_frame) for e in fa]
        ib = [(e.onset_frame, e.offset_frame) for e in fb]

        def near(i: int, j: int, ia: list[Interval] = ia, ib: list[Interval] = ib) -> bool:
            return _within(tol, ia[i], ib[j])

        for i, j, _ in greedy_match(ia, ib, accept=near):
            tp += 1
            same += fa[i].emotion == fb[j].emotion
    return Scores(tp, len(b), len(a)), (same / tp * 100.0 if tp else math.nan)


__all__ = [
    "AgreementReport",
    "ExpressionEvent",
    "compare",
    "expression_events",
    "iou",
    "match_events",
    "overall_ratio",
]
