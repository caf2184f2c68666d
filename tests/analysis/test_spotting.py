"""Spotting on the demo video (known truth) and MEGC evaluation on a worked example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotator.analysis.candidates_io import (
    Interval,
    evaluate,
    project_intervals,
    read_intervals,
    write_candidates,
)
from annotator.analysis.spotting import (
    THUMB,
    Candidate,
    FaceTrack,
    SpotResult,
    candidates_from_track,
    motion,
    spot,
)
from annotator.demo import DEMO_EXPRESSIONS, FPS


@pytest.fixture(scope="session")
def demo_spot(demo_dir: Path) -> SpotResult:
    from annotator.io.project_file import load_project

    project = load_project(demo_dir / "demo.facet.json").project
    return spot(demo_dir / "demo.mp4", project=project)


def test_demo_expressions_are_found_with_f1_at_least_0_8(demo_spot: SpotResult) -> None:
    truth = [Interval("", e.face, e.onset, e.offset, e.apex) for e in DEMO_EXPRESSIONS]
    cands = [
        Interval("", c.face, c.onset_frame, c.offset_frame, c.apex_frame)
        for c in demo_spot.candidates
    ]
    result = evaluate(cands, truth, fps=float(FPS))
    assert result.overall.f1 >= 0.8, (result.overall, demo_spot.candidates)
    # both micro expressions of the demo (anger flash, Ben's smile) and the blink
    assert result.micro.recall == 1.0


def test_demo_candidates_round_trip_through_csv(demo_spot: SpotResult, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    n = write_candidates(
        out, demo_spot.candidates, video="demo.mp4", timebase=demo_spot.info.timebase
    )
    back = read_intervals(out)
    assert n == len(back) == len(demo_spot.candidates)
    assert [(i.face, i.onset_frame, i.offset_frame, i.apex_frame) for i in back] == [
        (c.face, c.onset_frame, c.offset_frame, c.apex_frame) for c in demo_spot.candidates
    ]


def test_truth_from_project_equals_demo_expressions(demo_dir: Path) -> None:
    from annotator.io.project_file import load_project

    project = load_project(demo_dir / "demo.facet.json").project
    got = sorted((i.face, i.onset_frame, i.offset_frame) for i in project_intervals(project))
    assert got == sorted((e.face, e.onset, e.offset) for e in DEMO_EXPRESSIONS)


def test_megc_worked_example(tmp_path: Path) -> None:
    truth = tmp_path / "truth.csv"
    truth.write_text(
        "Subject,Filename,Onset Frame,Apex Frame,Offset Frame\n"
        "1,v1,10,15,20\n1,v1,40,45,60\n1,v2,5,6,7\n",
        encoding="utf-8",
    )
    cands = tmp_path / "cands.csv"
    cands.write_text(
        "video,onset_frame,apex_frame,offset_frame\n"
        "v1,12,15,22\n"  # IoU 9/13 = 0.69: TP
        "v1,16,18,30\n"  # IoU 5/21 with [10, 20]: FP
        "v1,50,55,70\n"  # IoU 11/31 = 0.35 with [40, 60]: FP
        "v2,5,6,7\n",
        encoding="utf-8",
    )  # exact: TP
    ev = evaluate(read_intervals(cands), read_intervals(truth))
    # the truth's "Filename" column and the candidates' "video" column separate videos
    assert (ev.overall.tp, ev.overall.n_predicted, ev.overall.n_reference) == (2, 4, 3)
    assert ev.overall.precision == 0.5
    assert ev.overall.recall == pytest.approx(2 / 3)
    assert ev.overall.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_bad_truth_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "t.csv"
    bad.write_text("onset,offset\n10,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"t\.csv:2"):
        read_intervals(bad)


def _track(motion_values: list[float], thumbs: np.ndarray | None = None) -> FaceTrack:
    m = np.array(motion_values, np.float32)
    if thumbs is None:
        thumbs = np.zeros((len(m), THUMB, THUMB), np.uint8)
    return FaceTrack(m, thumbs)


def test_held_apex_joins_but_return_to_neutral_splits() -> None:
    n = 200
    rng = np.random.default_rng(0)
    base = list(rng.uniform(0.0, 0.05, n))
    sig = base.copy()
    for f in [*range(20, 30), *range(60, 70), *range(120, 130), *range(160, 170)]:
        sig[f] = 2.0
    thumbs = np.zeros((n, THUMB, THUMB), np.uint8)
    thumbs[20:69] = 100  # first movement: held changed from 30 to 60, back at 69
    thumbs[120:129] = 100  # second: back to neutral during 130..159
    thumbs[160:169] = 100
    cands, _ = candidates_from_track("A", _track(sig, thumbs), fps=25.0)
    assert [(c.onset_frame, c.offset_frame) for c in cands] == [(20, 68), (120, 128), (160, 168)]


def test_quiet_signal_gives_no_candidates() -> None:
    rng = np.random.default_rng(1)
    cands, _ = candidates_from_track("A", _track(list(rng.uniform(0, 0.02, 300))), fps=25.0)
    assert cands == []


def test_motion_ignores_one_pixel_drift_but_not_local_change() -> None:
    rng = np.random.default_rng(2)
    img = rng.integers(0, 255, (60, 60), dtype=np.uint8)
    assert motion(img, np.roll(img, 1, axis=1)) == 0.0
    assert motion(img, np.roll(img, -1, axis=0)) == 0.0
    local = img.copy()
    local[20:30, 20:30] = 0
    assert motion(img, local) > 2.0


def test_candidate_interval() -> None:
    assert Candidate("A", 3, 4, 9, 1.0).interval == (3, 9)


@pytest.fixture(scope="session")
def calm_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's faces swaying, with keyframes every 2 s, but no expression at all."""
    from annotator import demo

    path = tmp_path_factory.mktemp("calm") / "calm.mp4"
    saved = demo.DEMO_EXPRESSIONS
    demo.DEMO_EXPRESSIONS = ()
    try:
        demo.write_demo_video(path)
    finally:
        demo.DEMO_EXPRESSIONS = saved
    return path


def test_calm_faces_give_no_candidates(calm_video: Path, demo_dir: Path) -> None:
    from annotator.io.project_file import load_project

    project = load_project(demo_dir / "demo.facet.json").project
    assert spot(calm_video, project=project).candidates == []


def test_single_frame_jumps_are_not_movements() -> None:
    sig = [0.01] * 120
    sig[50] = sig[100] = 3.0  # keyframe compression jumps
    thumbs = np.zeros((120, THUMB, THUMB), np.uint8)
    thumbs[50:] = 3  # ... and slow drift of the face in its box
    cands, _ = candidates_from_track("A", _track(sig, thumbs), fps=25.0)
    assert cands == []


def test_detector_face_ids_are_matched_to_any_truth_face() -> None:
    truth = [Interval("", "A", 10, 20), Interval("", "B", 40, 50)]
    ev = evaluate([Interval("", "auto1", 10, 20), Interval("", "auto2", 40, 50)], truth)
    assert ev.overall.tp == 2
    # with the truth's own face ids, a candidate on the wrong face is a false positive
    ev = evaluate([Interval("", "B", 10, 20), Interval("", "B", 40, 50)], truth)
    assert ev.overall.tp == 1
