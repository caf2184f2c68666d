"""Agreement among three or more coders of one video.

Per face and AU, on frame slices (every frame a unit, every coder a rater):
Krippendorff's alpha, nominal, on AU presence; Krippendorff's alpha, interval, on intensity
A-E as 1-5 over the frames a coder scored the AU with an intensity (a frame a coder left
without the AU, or scored without a letter, is a missing value for that coder, so the
number says how well the coders agree on how strong an AU is where they saw it, apart from
whether they saw it); Fleiss' kappa on presence; Cohen's kappa of every pair of coders.

Events: each coder's FACS events (overlapping AU events of a face) are grouped across
coders by ``matching.group_events`` (IoU >= 0.5, at most one event per coder per group); a
group is agreed when a majority of the coders are in it.

The numbers are computed with our own numpy code (``kappa.py``), and the tests hold them
equal to the ``krippendorff`` package and statsmodels' ``fleiss_kappa``: the app does not
carry statsmodels (and its patsy/scipy stack) at run time for two short formulas, and a
reference that is also the implementation could not catch a wrong table layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

import numpy as np

from annotator.analysis.agreement import (
    ExpressionEvent,
    _events,
    _within,
    au_vector,
    emotion_vector,
    expression_events,
    intensity_vector,
)
from annotator.analysis.kappa import cohen_kappa, fleiss_kappa, krippendorff_alpha
from annotator.analysis.matching import Group, group_events, majority
from annotator.analysis.takes import match_takes, take_frames, video_name
from annotator.model import EventKind, Media, Project

EVENT_RULE = (
    "groups across coders by descending IoU >= 0.5, one event per coder per group; "
    "agreed when more than half the coders are in the group"
)


def _num(x: Any) -> Any:
    return None if isinstance(x, float) and math.isnan(x) else x


@dataclass(frozen=True, slots=True)
class ManyAu:
    face: str
    au: int
    krippendorff_alpha: float
    fleiss_kappa: float
    cohen_kappa_pairs: dict[tuple[str, str], float]
    krippendorff_alpha_intensity: float
    percent_all_agree: float
    frames: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "face": self.face,
            "au": self.au,
            "krippendorff_alpha": _num(self.krippendorff_alpha),
            "fleiss_kappa": _num(self.fleiss_kappa),
            "cohen_kappa_pairs": [
                {"coders": list(k), "cohen_kappa": _num(v)}
                for k, v in self.cohen_kappa_pairs.items()
            ],
            "krippendorff_alpha_intensity_interval": _num(self.krippendorff_alpha_intensity),
            "percent_all_agree": _num(self.percent_all_agree),
            "frames": dict(self.frames),
        }


@dataclass(frozen=True, slots=True)
class EventGroup:
    face: str
    media: str  # video file name of the take
    members: dict[str, ExpressionEvent]  # coder name -> that coder's event
    agreed: bool


@dataclass(slots=True)
class ManyReport:
    coders: list[str]
    n_frames: int
    tolerance_frames: int
    aus: list[ManyAu] = field(default_factory=list)
    emotions: list[dict[str, Any]] = field(default_factory=list)
    groups: list[EventGroup] = field(default_factory=list)
    media: str = ""
    takes: list[ManyReport] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        agreed = sum(g.agreed for g in self.groups)
        d: dict[str, Any] = {
            "coders": list(self.coders),
            "n_coders": len(self.coders),
            "n_frames": self.n_frames,
            "tolerance_frames": self.tolerance_frames,
            "au": [a.as_dict() for a in self.aus],
            "emotion": self.emotions,
            "events": {
                "rule": EVENT_RULE,
                "majority": majority(len(self.coders)),
                "groups": len(self.groups),
                "agreed": agreed,
                "agreed_share": _num(agreed / len(self.groups) if self.groups else math.nan),
                "per_coder": {
                    c: {
                        "events": sum(c in g.members for g in self.groups),
                        "in_agreed": sum(c in g.members for g in self.groups if g.agreed),
                    }
                    for c in self.coders
                },
            },
            "event_groups": [
                {
                    "face": g.face,
                    "media": g.media,
                    "agreed": g.agreed,
                    "coders": {
                        c: {
                            "onset_frame": e.onset_frame,
                            "apex_frame": e.apex_frame,
                            "offset_frame": e.offset_frame,
                            "aus": e.code,
                        }
                        for c, e in g.members.items()
                    },
                }
                for g in self.groups
            ],
        }
        if self.media:
            return {"media": self.media, **d}
        d["takes"] = [t.as_dict() for t in self.takes]
        return d


@dataclass(slots=True)
class _Take:
    n: int
    name: str
    au: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]  # presence, intensity (N x n)
    emotion: dict[str, np.ndarray]  # N x n labels
    groups: list[EventGroup]


def event_groups(
    projects: list[Project],
    names: list[str],
    takes: list[tuple[Media, ...]],
    tolerance_frames: int = 0,
) -> list[EventGroup]:
    """FACS events of every coder grouped per face and take (``merge`` builds on these)."""
    out: list[EventGroup] = []
    for medias in takes:
        per_coder = [
            [
                replace(e, media=medias[0].id)
                for e in expression_events(_events(p, EventKind.AU, m.id))
            ]
            for p, m in zip(projects, medias, strict=True)
        ]
        faces = sorted({e.face for evs in per_coder for e in evs})
        for face in faces:
            fe = [[e for e in evs if e.face == face] for evs in per_coder]
            ints = [[e.interval for e in evs] for evs in fe]

            def near(
                ca: int, i: int, cb: int, j: int, ints: list[list[tuple[int, int]]] = ints
            ) -> bool:
                return _within(tolerance_frames, ints[ca][i], ints[cb][j])

            for g in group_events(ints, accept=near if tolerance_frames else None):
                out.append(_group(g, face, video_name(medias[0]), fe, names))
    return out


def _group(
    g: Group, face: str, media: str, fe: list[list[ExpressionEvent]], names: list[str]
) -> EventGroup:
    members = {names[c]: fe[c][i] for c, i in g.members.items()}
    return EventGroup(face, media, members, g.agreed(len(names)))


def _take(projects: list[Project], names: list[str], medias: tuple[Media, ...], tol: int) -> _Take:
    au = [_events(p, EventKind.AU, m.id) for p, m in zip(projects, medias, strict=True)]
    em = [_events(p, EventKind.EMOTION, m.id) for p, m in zip(projects, medias, strict=True)]
    n = take_frames(medias, [a + e for a, e in zip(au, em, strict=True)])
    slices = {}
    keys = sorted({(e.face, e.au) for evs in au for e in evs if e.au is not None})
    for face, a in keys:
        presence = np.stack([au_vector(evs, face, a, n) for evs in au])
        intensity = np.stack([intensity_vector(evs, face, a, n) for evs in au])
        slices[(face, a)] = (presence, intensity)
    emotions = {
        face: np.stack([emotion_vector(evs, face, n) for evs in em])
        for face in sorted({e.face for evs in em for e in evs})
    }
    groups = event_groups(projects, names, [medias], tol)
    return _Take(n, video_name(medias[0]), slices, emotions, groups)


def presence_matrices(
    projects: list[Project], takes: list[tuple[Media, ...]]
) -> list[tuple[tuple[str, int], np.ndarray]]:
    """Per take, face and AU: the (coders x frames) presence matrix (corpus pooling)."""
    out = []
    for medias in takes:
        au = [_events(p, EventKind.AU, m.id) for p, m in zip(projects, medias, strict=True)]
        em = [_events(p, EventKind.EMOTION, m.id) for p, m in zip(projects, medias, strict=True)]
        n = take_frames(medias, [a + e for a, e in zip(au, em, strict=True)])
        for face, a in sorted({(e.face, e.au) for evs in au for e in evs if e.au is not None}):
            out.append(((face, a), np.stack([au_vector(evs, face, a, n) for evs in au])))
    return out


def _report(takes: list[_Take], names: list[str], tol: int, name: str) -> ManyReport:
    k = len(names)
    r = ManyReport(list(names), sum(t.n for t in takes), tol, media=name)
    for face, a in sorted({key for t in takes for key in t.au}):
        pres = np.concatenate(
            [t.au[(face, a)][0] if (face, a) in t.au else np.zeros((k, t.n), bool) for t in takes],
            axis=1,
        )
        inten = np.concatenate(
            [
                t.au[(face, a)][1] if (face, a) in t.au else np.zeros((k, t.n), np.int8)
                for t in takes
            ],
            axis=1,
        )
        values = np.where(inten > 0, inten.astype(np.float64), np.nan)
        pairs = {
            (names[i], names[j]): cohen_kappa(pres[i], pres[j])
            for i, j in combinations(range(k), 2)
        }
        all_agree = (pres.all(axis=0) | ~pres.any(axis=0)).mean() * 100 if pres.size else math.nan
        r.aus.append(
            ManyAu(
                face,
                a,
                krippendorff_alpha(pres.astype(np.float64), "nominal"),
                fleiss_kappa(pres.astype(np.int8)),
                pairs,
                krippendorff_alpha(values, "interval"),
                float(all_agree),
                {names[i]: int(pres[i].sum()) for i in range(k)},
            )
        )
    for face in sorted({f for t in takes for f in t.emotion}):
        labels = np.concatenate(
            [
                t.emotion[face] if face in t.emotion else np.full((k, t.n), "", dtype="<U1")
                for t in takes
            ],
            axis=1,
        )
        _, codes = np.unique(labels, return_inverse=True)
        codes = codes.reshape(labels.shape).astype(np.float64)
        r.emotions.append(
            {
                "face": face,
                "krippendorff_alpha": _num(krippendorff_alpha(codes, "nominal")),
                "fleiss_kappa": _num(fleiss_kappa(labels)),
            }
        )
    r.groups = [g for t in takes for g in t.groups]
    return r


def compare_many(
    projects: list[Project], names: list[str], *, tolerance_frames: int = 0
) -> ManyReport:
    """The report for any number (>= 2) of coders, pooled over takes, one per take in
    ``takes``. Raises ``TakeMismatch`` when the projects are not of the same videos."""
    if tolerance_frames < 0:
        raise ValueError("--tolerance-frames must be >= 0")
    if len(projects) < 2:
        raise ValueError("agreement needs at least two coders")
    takes = [_take(projects, names, m, tolerance_frames) for m in match_takes(projects)]
    report = _report(takes, names, tolerance_frames, "")
    report.takes = [_report([t], names, tolerance_frames, t.name) for t in takes]
    return report
