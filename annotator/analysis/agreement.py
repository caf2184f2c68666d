"""Agreement between two coders of the same video: frame kappas, FACS ratio, event matching.

Coder A is the reference (recall is "how much of A did B find"), but every per-frame number
is symmetric. Faces are matched by id: both coders start from the same project template,
so face ``A`` is the same person in both files. Takes are matched by video (``takes.py``):
every take is compared and reported on its own, and the top-level numbers pool them (frame
slices concatenated, event counts summed).

Names say which rule a number follows: ``ratio`` is the FACS agreement index of one item
(Ekman & Friesen after Wexler: 2 x AUs both scored / AUs scored by either, intensity
ignored, side compared: ``L12`` and ``R12`` are different AUs); ``facs_ratio_mean_over_items``
averages it over the items, as the FACS Final Test scores a coder; ``facs_ratio_pooled``
pools the AU counts of all items into one ratio (what ``facs_ratio_overall`` always was).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.analysis.intervals import Interval, Scores, iou
from annotator.analysis.kappa import (
    cohen_kappa,
    forgive_within,
    percent_agreement,
    weighted_kappa,
)
from annotator.analysis.matching import GREEDY, HUNGARIAN, match
from annotator.analysis.takes import match_takes, take_frames
from annotator.model import Event, EventKind, Media, Project
from annotator.model.facs import agreement_ratio

#: FACS certification bar: pairs below it are flagged.
RATIO_FLAG = 0.70
NO_EMOTION = ""
NO_SIDE = "bilateral"  # side label of an AU scored without a side prefix


def unit_of(e: Event) -> str:
    """The scored unit the FACS ratio compares: side prefix and number (``R12``, ``6``)."""
    return f"{e.side.value if e.side else ''}{e.au}"


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
    units: frozenset[str] = frozenset()  # AUs with their side prefix (``R12``)
    media: str = ""

    @property
    def interval(self) -> Interval:
        return (self.onset_frame, self.offset_frame)

    @property
    def code(self) -> str:
        """The AUs with their sides, ascending by number (``1+2+R12``)."""
        units = self.units or frozenset(str(a) for a in self.aus)
        return "+".join(sorted(units, key=lambda u: (int(u.lstrip("LRTBUA")), u)))


@dataclass(frozen=True, slots=True)
class AuAgreement:
    face: str
    au: int
    kappa: float
    percent: float
    frames_a: int
    frames_b: int
    kappa_with_side: float = math.nan  # labels: absent, bilateral, L, R, ...
    intensity_kappa_quadratic: float = math.nan  # frames both scored with an intensity
    intensity_frames: int = 0


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
    ratio: float  # FACS agreement index of this item, side compared
    ratio_ignoring_side: float = math.nan

    @property
    def flagged(self) -> bool:
        return self.ratio < RATIO_FLAG

    @property
    def media(self) -> str:
        return (self.a or self.b).media  # type: ignore[union-attr]


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


def _num(x: Any) -> Any:
    return None if isinstance(x, float) and math.isnan(x) else x


@dataclass(slots=True)
class AgreementReport:
    n_frames: int
    tolerance_frames: int
    aus: list[AuAgreement] = field(default_factory=list)
    emotions: list[EmotionAgreement] = field(default_factory=list)
    pairs: list[EventPair] = field(default_factory=list)
    overall_ratio: float = math.nan  # pooled over items (facs_ratio_pooled)
    events: Scores = field(default_factory=lambda: Scores(0, 0, 0))
    emotion_events: Scores = field(default_factory=lambda: Scores(0, 0, 0))
    emotion_label_agreement: float = math.nan
    timing: Timing | None = None
    mean_ratio: float = math.nan  # mean of the per-item ratios (FACS Final Test)
    overall_ratio_ignoring_side: float = math.nan
    matching: str = GREEDY  # the rule that made ``pairs`` and ``events``
    events_by_rule: dict[str, Scores] = field(default_factory=dict)
    media: str = ""  # the take's video (file name); empty for the pooled report
    takes: list[AgreementReport] = field(default_factory=list)

    @property
    def flagged_pairs(self) -> list[EventPair]:
        return [p for p in self.pairs if p.flagged]

    def as_dict(self) -> dict[str, Any]:
        def ev(e: ExpressionEvent | None) -> dict[str, Any] | None:
            if e is None:
                return None
            return {
                "onset_frame": e.onset_frame,
                "apex_frame": e.apex_frame,
                "offset_frame": e.offset_frame,
                "aus": e.code,
            }

        d: dict[str, Any] = {
            "n_frames": self.n_frames,
            "tolerance_frames": self.tolerance_frames,
            "au": [
                {
                    "face": r.face,
                    "au": r.au,
                    "kappa": _num(r.kappa),
                    "percent": _num(r.percent),
                    "frames_a": r.frames_a,
                    "frames_b": r.frames_b,
                    "kappa_with_side": _num(r.kappa_with_side),
                    "intensity_kappa_quadratic": _num(r.intensity_kappa_quadratic),
                    "intensity_frames": r.intensity_frames,
                }
                for r in self.aus
            ],
            "emotion": [
                {"face": r.face, "kappa": _num(r.kappa), "percent": _num(r.percent)}
                for r in self.emotions
            ],
            "facs_ratio_overall": _num(self.overall_ratio),
            "facs_ratio_pooled": _num(self.overall_ratio),
            "facs_ratio_mean_over_items": _num(self.mean_ratio),
            "facs_ratio_pooled_ignoring_side": _num(self.overall_ratio_ignoring_side),
            "pairs": [
                {
                    "face": p.face,
                    "media": p.media,
                    "a": ev(p.a),
                    "b": ev(p.b),
                    "iou": p.iou,
                    "ratio": p.ratio,
                    "ratio_ignoring_side": _num(p.ratio_ignoring_side),
                    "flagged": p.flagged,
                }
                for p in self.pairs
            ],
            "matching": self.matching,
            "events": {k: _num(v) for k, v in self.events.as_dict().items()},
            "event_matching": {
                rule: {k: _num(v) for k, v in s.as_dict().items()}
                for rule, s in self.events_by_rule.items()
            },
            "emotion_events": {k: _num(v) for k, v in self.emotion_events.as_dict().items()},
            "emotion_label_agreement": _num(self.emotion_label_agreement),
            "timing": None
            if self.timing is None
            else {k: _num(getattr(self.timing, k)) for k in Timing.__slots__},
        }
        if self.media:
            d = {"media": self.media, **d}
        else:
            d["takes"] = [t.as_dict() for t in self.takes]
        return d


# --------------------------------------------------------------------------- per-frame slices
def _events(project: Project, kind: EventKind, media: str | None = None) -> list[Event]:
    if media is None:
        primary = project.primary_media
        media = primary.id if primary else None
    return [e for e in project.events_of(kind=kind) if media is None or e.media == media]


def frame_count_of(a: Project, b: Project) -> int:
    """Frames both coders saw of the first take; refuses videos of different lengths."""
    ma, mb = a.primary_media, b.primary_media
    return take_frames([ma, mb], [list(p.events.values()) for p in (a, b)])


def au_vector(events: list[Event], face: str, au: int, n_frames: int) -> np.ndarray:
    """1 on every frame where ``face`` shows ``au`` (onset to offset inclusive)."""
    v = np.zeros(n_frames, dtype=bool)
    for e in events:
        if e.face == face and e.au == au:
            v[e.onset_frame : e.offset_frame + 1] = True
    return v


def side_vector(events: list[Event], face: str, au: int, n_frames: int) -> np.ndarray:
    """Per frame: ``""`` (AU absent), ``bilateral``, or the side letter; ``mixed`` where
    two events of this AU with different sides overlap."""
    v = np.full(n_frames, "", dtype=object)
    for e in events:
        if e.face == face and e.au == au:
            label = e.side.value if e.side else NO_SIDE
            seg = v[e.onset_frame : e.offset_frame + 1]
            v[e.onset_frame : e.offset_frame + 1] = np.where(
                (seg == "") | (seg == label), label, "mixed"
            )
    return v.astype(str)


def intensity_vector(events: list[Event], face: str, au: int, n_frames: int) -> np.ndarray:
    """Intensity A-E as 1-5 per frame (0: absent or scored without intensity; the higher
    one where two events overlap)."""
    v = np.zeros(n_frames, dtype=np.int8)
    for e in events:
        if e.face == face and e.au == au and e.intensity is not None:
            level = "ABCDE".index(e.intensity.value) + 1
            seg = v[e.onset_frame : e.offset_frame + 1]
            np.maximum(seg, level, out=seg)
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
    by_face: dict[tuple[str, str], list[Event]] = {}
    for ev in events:
        if ev.kind is EventKind.AU and ev.au is not None:
            by_face.setdefault((ev.face, ev.media), []).append(ev)
    for (face, media), evs in by_face.items():
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
                    units=frozenset(unit_of(g) for g in group),
                    media=media,
                )
            )
            if e is not None:
                group, end = [e], e.offset_frame
    out.sort(key=lambda x: (x.face, x.media, x.onset_frame, x.offset_frame))
    return out


def _within(tol: int, a: Interval, b: Interval) -> bool:
    return tol > 0 and abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


def _units(e: ExpressionEvent) -> set[str]:
    return set(e.units) if e.units else {str(a) for a in e.aus}


def make_pair(
    face: str, a: ExpressionEvent | None, b: ExpressionEvent | None, v: float
) -> EventPair:
    if a is None or b is None:
        return EventPair(face, a, b, 0.0, 0.0, 0.0)
    return EventPair(
        face,
        a,
        b,
        v,
        agreement_ratio(_units(a), _units(b)),
        agreement_ratio(set(a.aus), set(b.aus)),
    )


def match_events(
    a: list[ExpressionEvent],
    b: list[ExpressionEvent],
    tolerance_frames: int = 0,
    rule: str = GREEDY,
) -> list[EventPair]:
    """One-to-one matching per face and take (IoU >= 0.5, or onsets and offsets both within
    the tolerance) by ``rule`` (greedy or hungarian), plus the events left unmatched."""
    pairs: list[EventPair] = []
    keys = sorted({(e.face, e.media) for e in a} | {(e.face, e.media) for e in b})
    for face, media in keys:
        fa = [e for e in a if e.face == face and e.media == media]
        fb = [e for e in b if e.face == face and e.media == media]

        def accept(
            i: int, j: int, fa: list[ExpressionEvent] = fa, fb: list[ExpressionEvent] = fb
        ) -> bool:
            return _within(tolerance_frames, fa[i].interval, fb[j].interval)

        matches = match(rule, [e.interval for e in fa], [e.interval for e in fb], accept=accept)
        used_a = {i for i, _, _ in matches}
        used_b = {j for _, j, _ in matches}
        pairs += [make_pair(face, fa[i], fb[j], v) for i, j, v in matches]
        pairs += [make_pair(face, e, None, 0.0) for i, e in enumerate(fa) if i not in used_a]
        pairs += [make_pair(face, None, e, 0.0) for j, e in enumerate(fb) if j not in used_b]

    def order(p: EventPair) -> tuple[str, str, int]:
        first = p.a or p.b
        assert first is not None  # make_pair never pairs None with None
        return (p.face, p.media, first.onset_frame)

    pairs.sort(key=order)
    return pairs


def overall_ratio(pairs: list[EventPair], *, ignore_side: bool = False) -> float:
    """Pooled FACS ratio: 2 x AUs both scored / (AUs scored by A + AUs scored by B), the
    counts summed over every item (matched or not) before dividing."""

    def units(e: ExpressionEvent) -> set[Any]:
        return set(e.aus) if ignore_side else _units(e)

    both = sum(len(units(p.a) & units(p.b)) for p in pairs if p.a and p.b)
    total = sum(len(units(p.a)) for p in pairs if p.a) + sum(len(units(p.b)) for p in pairs if p.b)
    return 2 * both / total if total else math.nan


def mean_ratio(pairs: list[EventPair]) -> float:
    """Mean of the per-item ratios (an event only one coder scored is an item with 0)."""
    return float(np.mean([p.ratio for p in pairs])) if pairs else math.nan


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
@dataclass(slots=True)
class _Take:
    """One take's frame slices and event pairs, kept so takes can be pooled."""

    n: int
    name: str
    au: dict[tuple[str, int], tuple[np.ndarray, ...]]
    emotion: dict[str, tuple[np.ndarray, np.ndarray]]
    pairs: dict[str, list[EventPair]]
    n_a: int
    n_b: int
    emotion_counts: tuple[int, int, int, int]  # tp, n_b, n_a, same label


def _take(a: Project, b: Project, ma: Media, mb: Media, tol: int) -> _Take:
    au_a, au_b = _events(a, EventKind.AU, ma.id), _events(b, EventKind.AU, mb.id)
    n = take_frames(
        [ma, mb],
        [au_a + _events(a, EventKind.EMOTION, ma.id), au_b + _events(b, EventKind.EMOTION, mb.id)],
    )
    slices: dict[tuple[str, int], tuple[np.ndarray, ...]] = {}
    for face in sorted({e.face for e in au_a + au_b}):
        for au in sorted({e.au for e in au_a + au_b if e.face == face and e.au is not None}):
            slices[(face, au)] = (
                au_vector(au_a, face, au, n),
                au_vector(au_b, face, au, n),
                side_vector(au_a, face, au, n),
                side_vector(au_b, face, au, n),
                intensity_vector(au_a, face, au, n),
                intensity_vector(au_b, face, au, n),
            )
    em_a, em_b = _events(a, EventKind.EMOTION, ma.id), _events(b, EventKind.EMOTION, mb.id)
    emotions = {
        face: (emotion_vector(em_a, face, n), emotion_vector(em_b, face, n))
        for face in sorted({e.face for e in em_a + em_b})
    }
    # the take's events carry coder A's media id, so pairs of one take sort together
    ex_a = expression_events(au_a)
    ex_b = [_rebase(e, ma.id) for e in expression_events(au_b)]
    pairs = {rule: match_events(ex_a, ex_b, tol, rule) for rule in (GREEDY, HUNGARIAN)}
    tp, same = _emotion_events(em_a, em_b, tol)
    return _Take(
        n,
        ma.path.rsplit("/", 1)[-1],
        slices,
        emotions,
        pairs,
        len(ex_a),
        len(ex_b),
        (tp, len(em_b), len(em_a), same),
    )


def _rebase(e: ExpressionEvent, media: str) -> ExpressionEvent:
    from dataclasses import replace

    return replace(e, media=media)


def _report(takes: list[_Take], tol: int, rule: str, name: str) -> AgreementReport:
    report = AgreementReport(
        n_frames=sum(t.n for t in takes), tolerance_frames=tol, matching=rule, media=name
    )
    for key in sorted({k for t in takes for k in t.au}):
        parts = [t.au.get(key) or _absent(t.n) for t in takes]
        va, vb, sa, sb, ia, ib = (np.concatenate([p[i] for p in parts]) for i in range(6))
        fa, fb = forgive_within(va, vb, tol) if len(takes) == 1 else _forgive(parts, tol)
        both = (ia > 0) & (ib > 0)
        report.aus.append(
            AuAgreement(
                key[0],
                key[1],
                cohen_kappa(fa, fb),
                percent_agreement(fa, fb),
                int(va.sum()),
                int(vb.sum()),
                cohen_kappa(sa, sb),
                weighted_kappa(ia[both], ib[both]),
                int(both.sum()),
            )
        )
    for face in sorted({f for t in takes for f in t.emotion}):
        parts_e = [t.emotion.get(face) or (_blank(t.n), _blank(t.n)) for t in takes]
        ea = np.concatenate([p[0] for p in parts_e])
        eb = np.concatenate([p[1] for p in parts_e])
        report.emotions.append(
            EmotionAgreement(face, cohen_kappa(ea, eb), percent_agreement(ea, eb))
        )
    n_a, n_b = sum(t.n_a for t in takes), sum(t.n_b for t in takes)
    for r in (GREEDY, HUNGARIAN):
        pairs = [p for t in takes for p in t.pairs[r]]
        report.events_by_rule[r] = Scores(sum(1 for p in pairs if p.a and p.b), n_b, n_a)
    report.pairs = [p for t in takes for p in t.pairs[rule]]
    report.events = report.events_by_rule[rule]
    report.overall_ratio = overall_ratio(report.pairs)
    report.overall_ratio_ignoring_side = overall_ratio(report.pairs, ignore_side=True)
    report.mean_ratio = mean_ratio(report.pairs)
    report.timing = timing(report.pairs)
    tp, nb, na, same = (sum(t.emotion_counts[i] for t in takes) for i in range(4))
    report.emotion_events = Scores(tp, nb, na)
    report.emotion_label_agreement = same / tp * 100.0 if tp else math.nan
    return report


def _absent(n: int) -> tuple[np.ndarray, ...]:
    z, s, i = np.zeros(n, bool), _blank(n), np.zeros(n, np.int8)
    return (z, z, s, s, i, i)


def _blank(n: int) -> np.ndarray:
    return np.full(n, "", dtype="<U1")


def _forgive(parts: list[tuple[np.ndarray, ...]], tol: int) -> tuple[np.ndarray, np.ndarray]:
    """The tolerance applies within a take, never across the boundary of two takes."""
    fa, fb = zip(*(forgive_within(p[0], p[1], tol) for p in parts), strict=True)
    return np.concatenate(fa), np.concatenate(fb)


def compare(
    a: Project, b: Project, *, tolerance_frames: int = 0, matching: str = GREEDY
) -> AgreementReport:
    """Everything the ``agree`` command and the Compare view show: the report pooled over
    every take the two projects share, with one report per take in ``takes``."""
    if tolerance_frames < 0:
        raise ValueError("--tolerance-frames must be >= 0")
    if matching not in (GREEDY, HUNGARIAN):
        raise ValueError(f"unknown matching rule {matching!r} (use greedy or hungarian)")
    takes = [_take(a, b, ma, mb, tolerance_frames) for ma, mb in match_takes([a, b])]
    report = _report(takes, tolerance_frames, matching, "")
    report.takes = [_report([t], tolerance_frames, matching, t.name) for t in takes]
    return report


def _emotion_events(a: list[Event], b: list[Event], tol: int) -> tuple[int, int]:
    """Emotion events matched by time alone; returns matches and matches with one label."""
    tp = same = 0
    for face in {e.face for e in a + b}:
        fa = [e for e in a if e.face == face]
        fb = [e for e in b if e.face == face]
        ia = [(e.onset_frame, e.offset_frame) for e in fa]
        ib = [(e.onset_frame, e.offset_frame) for e in fb]

        def near(i: int, j: int, ia: list[Interval] = ia, ib: list[Interval] = ib) -> bool:
            return _within(tol, ia[i], ib[j])

        for i, j, _ in match(GREEDY, ia, ib, accept=near):
            tp += 1
            same += fa[i].emotion == fb[j].emotion
    return tp, same


__all__ = [
    "AgreementReport",
    "ExpressionEvent",
    "compare",
    "expression_events",
    "iou",
    "match_events",
    "mean_ratio",
    "overall_ratio",
]
