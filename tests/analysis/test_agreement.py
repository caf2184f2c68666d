"""Agreement numbers against sklearn and hand-made cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.analysis.agreement import (
    compare,
    expression_events,
    match_events,
    overall_ratio,
)
from annotator.analysis.intervals import Scores, greedy_match, iou
from annotator.analysis.kappa import cohen_kappa, forgive_within, percent_agreement
from annotator.model import Event, EventKind, Face, Media, Project

# sklearn warns on single-label vectors; the NaN it returns there is what we compare with
pytestmark = pytest.mark.filterwarnings("ignore:.*label")


def _same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, abs=1e-12)


@pytest.mark.parametrize("seed", range(40))
def test_kappa_equals_sklearn_on_random_vectors(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    k = int(rng.integers(1, 5))
    a = rng.integers(0, k, n)
    b = np.where(rng.random(n) < rng.random(), a, rng.integers(0, k, n))
    assert _same(cohen_kappa(a, b), float(cohen_kappa_score(a, b)))


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([0, 0, 0], [0, 0, 0]),  # both constant and equal: sklearn gives NaN
        ([1, 1, 1], [0, 0, 0]),
        ([0, 1, 0, 1], [1, 0, 1, 0]),
        (["", "happiness", "happiness", "anger"], ["", "happiness", "", "anger"]),
    ],
)
def test_kappa_edge_cases_equal_sklearn(a: list, b: list) -> None:
    assert _same(cohen_kappa(a, b), float(cohen_kappa_score(a, b)))


def test_percent_agreement() -> None:
    assert percent_agreement([1, 0, 1, 1], [1, 1, 1, 0]) == 50.0


def test_tolerance_forgives_only_near_misses() -> None:
    a = np.array([0, 0, 1, 1, 1, 0, 0, 0, 0, 0], bool)
    b = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 1], bool)
    ta, tb = forgive_within(a, b, 1)
    assert ta.tolist() == tb.tolist()[:9] + [False]  # the far frame 9 stays a disagreement
    same_a, same_b = forgive_within(a, b, 0)
    assert (same_a == a).all() and (same_b == b).all()


def test_iou_is_inclusive_megc_rule() -> None:
    # worked example: [10, 20] vs [12, 22]: intersection 20 - 12 + 1 = 9, union 11 + 11 - 9
    assert iou((10, 20), (12, 22)) == pytest.approx(9 / 13)
    assert iou((10, 20), (16, 30)) == pytest.approx(5 / 21)
    assert iou((5, 5), (5, 5)) == 1.0
    assert iou((0, 4), (5, 9)) == 0.0


def test_greedy_match_is_one_to_one_by_best_iou() -> None:
    ref = [(0, 9), (20, 29)]
    pred = [(1, 10), (0, 9), (21, 40), (20, 30)]
    assert greedy_match(ref, pred) == [(0, 1, 1.0), (1, 3, pytest.approx(10 / 11))]
    s = Scores(2, 4, 2)
    assert (s.precision, s.recall, s.f1) == (0.5, 1.0, pytest.approx(2 / 3))


def _project(events: list[tuple], frames: int = 100) -> Project:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=frames))
    for fid in ("A", "B"):
        p.add_face(Face(fid, fid))
    for face, aus, on, ap, off, *emotion in events:
        for au in aus:
            p.add_event(Event(0, face, EventKind.AU, on, off, ap, au=au))
        if emotion:
            p.add_event(Event(0, face, EventKind.EMOTION, on, off, ap, emotion=emotion[0]))
    return p


def test_facs_ratio_pairs_and_overall() -> None:
    a = _project(
        [("A", [1, 2, 5, 6, 12], 10, 15, 20), ("A", [4], 50, 52, 55), ("B", [12], 70, 75, 80)]
    )
    b = _project([("A", [5, 6, 12], 11, 15, 21), ("A", [4, 7], 50, 53, 56)])
    pairs = match_events(
        expression_events(list(a.events.values())), expression_events(list(b.events.values()))
    )
    assert [(p.face, p.ratio) for p in pairs] == [
        ("A", 0.75),
        ("A", pytest.approx(2 / 3)),
        ("B", 0.0),
    ]
    assert [p.flagged for p in pairs] == [False, True, True]
    # 2 x (3 + 1) / ((5 + 1 + 1) + (3 + 2)) = 8 / 12
    assert overall_ratio(pairs) == pytest.approx(8 / 12)


def test_compare_kappas_equal_sklearn_on_slices() -> None:
    a = _project([("A", [12], 10, 15, 30, "happiness"), ("A", [4], 40, 45, 49, "anger")])
    b = _project([("A", [12], 12, 15, 28, "happiness"), ("A", [4], 60, 62, 70, "anger")])
    report = compare(a, b)
    row12 = next(r for r in report.aus if r.au == 12)
    va = np.zeros(100, int)
    vb = np.zeros(100, int)
    va[10:31] = 1
    vb[12:29] = 1
    assert row12.kappa == pytest.approx(cohen_kappa_score(va, vb), abs=1e-12)
    assert row12.percent == pytest.approx(np.mean(va == vb) * 100)
    ea = np.array([""] * 100, object)
    eb = ea.copy()
    ea[10:31], ea[40:50] = "happiness", "anger"
    eb[12:29], eb[60:71] = "happiness", "anger"
    assert report.emotions[0].kappa == pytest.approx(cohen_kappa_score(ea, eb), abs=1e-12)
    # events: the AU12 pair matches (IoU 17/21), AU4 does not: P = R = 1/2
    assert (report.events.tp, report.events.precision, report.events.recall) == (1, 0.5, 0.5)
    assert report.timing is not None
    assert (report.timing.onset_mean, report.timing.offset_mean) == (2.0, -2.0)
    assert report.emotion_events.tp == 1 and report.emotion_label_agreement == 100.0


def test_tolerance_admits_short_events_with_close_timing() -> None:
    a = _project([("A", [45], 10, 11, 12)])
    b = _project([("A", [45], 12, 13, 14)])  # IoU 1/5
    assert compare(a, b).events.tp == 0
    assert compare(a, b, tolerance_frames=2).events.tp == 1
    with pytest.raises(ValueError):
        compare(a, b, tolerance_frames=-1)


def test_different_video_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        compare(_project([], 100), _project([], 120))
