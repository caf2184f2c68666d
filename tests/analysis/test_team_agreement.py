"""Agreement of several coders and across takes, every number against a reference:
the ``krippendorff`` package, statsmodels' fleiss_kappa, sklearn's (weighted) kappa."""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from annotator.analysis.agreement import compare
from annotator.analysis.matching import GREEDY, HUNGARIAN, group_events, match
from annotator.analysis.multi_agreement import compare_many
from annotator.analysis.takes import TakeMismatch
from annotator.cli import main
from annotator.io.project_file import save_project
from annotator.model import Event, EventKind, Face, Intensity, Media, Project, Side

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*label"),
    # the krippendorff package divides 0 by 0 where alpha is undefined (we return NaN)
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
]

N = 300
INT = list(Intensity)


def _coder(
    seed: int,
    base: list[tuple[int, int, int, int]],
    *,
    media=("m1",),
    n=N,
    jitter: int = 4,
    drop: float = 0.2,
) -> Project:
    """A coder's project: the shared events ``(face_ix, au, onset, offset)`` with random
    timing noise, some left out, random intensities, plus a few of their own."""
    rng = np.random.default_rng(seed)
    p = Project(annotator=f"c{seed}")
    for mid in media:
        p.add_media(Media(mid, f"{mid}.mp4", frame_count=n))
    p.add_face(Face("A", "A"))
    p.add_face(Face("B", "B"))
    for mid in media:
        for face_ix, au, on, off in base:
            if rng.random() < drop:
                continue
            on2 = int(np.clip(on + rng.integers(-jitter, jitter + 1), 0, n - 1))
            off2 = int(np.clip(off + rng.integers(-jitter, jitter + 1), on2, n - 1))
            inten = INT[int(rng.integers(0, 5))] if rng.random() < 0.8 else None
            p.add_event(
                Event(
                    0,
                    "AB"[face_ix],
                    EventKind.AU,
                    on2,
                    off2,
                    None,
                    media=mid,
                    au=au,
                    intensity=inten,
                )
            )
        for _ in range(2):
            on = int(rng.integers(0, n - 20))
            p.add_event(
                Event(
                    0,
                    "A",
                    EventKind.AU,
                    on,
                    on + int(rng.integers(0, 15)),
                    media=mid,
                    au=int(rng.choice([4, 12, 15])),
                )
            )
    return p


BASE = [
    (0, 12, 10, 40),
    (0, 6, 12, 38),
    (0, 4, 80, 95),
    (1, 12, 100, 130),
    (0, 12, 150, 170),
    (1, 1, 200, 240),
    (0, 15, 250, 290),
]


def _presence(p: Project, face: str, au: int, media: str = "m1", n: int = N) -> np.ndarray:
    v = np.zeros(n, int)
    for e in p.events.values():
        if e.face == face and e.au == au and e.media == media:
            v[e.onset_frame : e.offset_frame + 1] = 1
    return v


def _intensity(p: Project, face: str, au: int, n: int = N) -> np.ndarray:
    v = np.zeros(n, int)
    for e in p.events.values():
        if e.face == face and e.au == au and e.intensity is not None:
            seg = v[e.onset_frame : e.offset_frame + 1]
            np.maximum(seg, "ABCDE".index(e.intensity.value) + 1, out=seg)
    return v


def _close(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_three_coders_alpha_fleiss_pairs_equal_references(seed: int) -> None:
    coders = [_coder(10 * seed + k, BASE) for k in range(3)]
    report = compare_many(coders, ["a", "b", "c"])
    assert report.aus
    for row in report.aus:
        data = np.stack([_presence(p, row.face, row.au) for p in coders])
        assert _close(
            row.krippendorff_alpha,
            krippendorff.alpha(data.astype(float), level_of_measurement="nominal"),
        )
        table, _ = aggregate_raters(data.T)
        assert _close(row.fleiss_kappa, sm_fleiss(table, method="fleiss"))
        for (x, y), k in row.cohen_kappa_pairs.items():
            i, j = "abc".index(x), "abc".index(y)
            assert _close(k, cohen_kappa_score(data[i], data[j]))
        inten = np.stack([_intensity(p, row.face, row.au) for p in coders]).astype(float)
        inten[inten == 0] = np.nan
        try:
            ref = krippendorff.alpha(inten, level_of_measurement="interval")
        except ValueError:  # the package refuses a single value or no pairable unit
            ref = math.nan
        assert _close(row.krippendorff_alpha_intensity, ref)
    d = report.as_dict()
    assert {
        "krippendorff_alpha",
        "fleiss_kappa",
        "cohen_kappa_pairs",
        "krippendorff_alpha_intensity_interval",
    } <= set(d["au"][0])


def test_two_coders_intensity_is_quadratic_weighted_kappa() -> None:
    a, b = _coder(1, BASE), _coder(2, BASE)
    report = compare(a, b)
    checked = 0
    for row in report.aus:
        ia, ib = _intensity(a, row.face, row.au), _intensity(b, row.face, row.au)
        both = (ia > 0) & (ib > 0)
        assert row.intensity_frames == int(both.sum())
        if both.sum() == 0:
            assert math.isnan(row.intensity_kappa_quadratic)
            continue
        ref = cohen_kappa_score(ia[both], ib[both], labels=[1, 2, 3, 4, 5], weights="quadratic")
        assert _close(row.intensity_kappa_quadratic, float(ref))
        checked += 1
    assert checked >= 2


def test_two_takes_each_equal_sklearn_and_pooled_over_both() -> None:
    a = _coder(3, BASE, media=("m1", "m2"))
    b = _coder(4, BASE, media=("m1", "m2"))
    report = compare(a, b)
    assert [t.media for t in report.takes] == ["m1.mp4", "m2.mp4"]
    for take, mid in zip(report.takes, ("m1", "m2"), strict=True):
        assert take.n_frames == N
        for row in take.aus:
            va, vb = _presence(a, row.face, row.au, mid), _presence(b, row.face, row.au, mid)
            assert _close(row.kappa, cohen_kappa_score(va, vb))
    for row in report.aus:
        va = np.concatenate([_presence(a, row.face, row.au, m) for m in ("m1", "m2")])
        vb = np.concatenate([_presence(b, row.face, row.au, m) for m in ("m1", "m2")])
        assert _close(row.kappa, cohen_kappa_score(va, vb))
    assert report.n_frames == 2 * N
    assert report.events.tp == sum(t.events.tp for t in report.takes)
    assert len(report.as_dict()["takes"]) == 2


def test_takes_are_matched_by_video_not_by_order() -> None:
    a = _coder(3, BASE, media=("m1", "m2"))
    b = Project()
    b.add_media(Media("x", "m2.mp4", frame_count=N))
    b.add_media(Media("y", "m1.mp4", frame_count=N))
    b.add_face(Face("A", "A"))
    b.add_event(Event(0, "A", EventKind.AU, 10, 40, media="y", au=12))
    report = compare(a, b)
    m1 = report.takes[0]
    row = next(r for r in m1.aus if (r.face, r.au) == ("A", 12))
    assert row.frames_b == 31  # coder B's m1.mp4 is its take "y"


def _two(codes_a: list[tuple[str, int, int]], codes_b: list[tuple[str, int, int]]):
    def build(codes: list[tuple[str, int, int]]) -> Project:
        p = Project()
        p.add_media(Media("m1", "v.mp4", frame_count=200))
        p.add_face(Face("A", "A"))
        for code, on, off in codes:
            for part in code.split("+"):
                side = Side(part[0]) if part[0] in "LR" else None
                p.add_event(
                    Event(0, "A", EventKind.AU, on, off, au=int(part.lstrip("LR")), side=side)
                )
        return p

    return compare(build(codes_a), build(codes_b))


def test_facs_ratio_per_item_mean_over_items_and_pooled_are_different_numbers() -> None:
    ten = "1+2+4+5+6+7+9+10+12+15"
    r = _two([(ten, 0, 20), ("17", 50, 60)], [(ten, 0, 20), ("20", 50, 60)])
    assert [p.ratio for p in r.pairs] == [1.0, 0.0]
    assert r.mean_ratio == 0.5  # FACS Final Test: the mean of the item ratios
    assert r.overall_ratio == pytest.approx(20 / 22)  # pooled AU counts
    d = r.as_dict()
    assert d["facs_ratio_mean_over_items"] == 0.5
    assert d["facs_ratio_pooled"] == d["facs_ratio_overall"] == pytest.approx(20 / 22)


def test_side_is_compared_l12_against_r12_is_not_agreement() -> None:
    r = _two([("L12", 10, 30)], [("R12", 10, 30)])
    (pair,) = r.pairs
    assert pair.ratio == 0.0 and pair.ratio_ignoring_side == 1.0
    row = r.aus[0]
    assert row.kappa == 1.0  # AU12 present on the same frames...
    assert row.kappa_with_side < 1.0  # ...on different sides
    assert r.overall_ratio == 0.0 and r.overall_ratio_ignoring_side == 1.0
    same = _two([("R12", 10, 30)], [("R12", 10, 30)])
    assert same.pairs[0].ratio == 1.0 and same.aus[0].kappa_with_side == 1.0


def test_hungarian_finds_the_assignment_greedy_misses() -> None:
    ref = [(0, 19), (2, 15)]
    pred = [(0, 17), (8, 19)]
    greedy = match(GREEDY, ref, pred)
    best = match(HUNGARIAN, ref, pred)
    assert [(i, j) for i, j, _ in greedy] == [(0, 0)]
    assert [(i, j) for i, j, _ in best] == [(0, 1), (1, 0)]
    r = _two([("12", 0, 19), ("4", 100, 120)], [("12", 0, 19)])
    assert set(r.as_dict()["event_matching"]) == {"greedy", "hungarian"}


def test_event_groups_agreed_by_majority() -> None:
    coders = [[(10, 30), (100, 120)], [(11, 31)], [(12, 29), (200, 210)]]
    groups = group_events(coders)
    agreed = [g.members for g in groups if g.agreed(3)]
    assert agreed == [{0: 0, 1: 0, 2: 0}]
    assert sorted(len(g.members) for g in groups) == [1, 1, 3]
    two = group_events([[(10, 30)], [(11, 31)], [(200, 210)]])
    assert [g.agreed(3) for g in two] == [True, False]


def test_different_videos_and_hashes_are_refused(tmp_path, capsys) -> None:
    def proj(path: str, sha: str) -> str:
        p = Project()
        p.add_media(Media("m1", path, sha256=sha, frame_count=N))
        p.add_face(Face("A", "A"))
        out = tmp_path / f"{len(list(tmp_path.iterdir()))}.facet.json"
        save_project(p, out)
        return str(out)

    a = proj("clip.mp4", "a" * 64)
    b = proj("other.mp4", "")
    c = proj("clip.mp4", "b" * 64)
    assert main(["agree", a, b]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and a in err[0] and b in err[0] and "different videos" in err[0]
    assert main(["agree", a, a, c]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and a in err[0] and c in err[0] and "different hashes" in err[0]
    with pytest.raises(TakeMismatch):
        compare_many([_coder(1, BASE), _coder(2, BASE, media=("zz",))], ["a", "b"])


def test_cli_agree_three_coders_json(tmp_path, capsys) -> None:
    paths = []
    for k, name in enumerate(("ann", "bob", "cy")):
        path = tmp_path / f"{name}.facet.json"
        save_project(_coder(k, BASE), path)
        paths.append(str(path))
    csv_path = tmp_path / "agree.csv"
    assert main(["agree", *paths, "--json", "--csv", str(csv_path)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["coders"] == ["ann", "bob", "cy"] and d["n_coders"] == 3
    assert d["au"] and "fleiss_kappa" in d["au"][0]
    assert d["events"]["majority"] == 2
    assert csv_path.read_text().startswith("kind,face,au,krippendorff_alpha,fleiss_kappa")
    assert main(["agree", *paths]) == 0
    assert "fleiss_kappa" in capsys.readouterr().out
