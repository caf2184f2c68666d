"""The numbers a paper cites: spot-eval splits, micro rules, one meaning of offset_s, and
stats, events CSV and sheets agreeing on micro/macro on a VFR video."""

from __future__ import annotations

import csv
import io
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from annotator.analysis.candidates_io import Interval, evaluate, read_intervals, write_candidates
from annotator.analysis.spotting import Candidate
from annotator.analysis.stats import scale_counts, summary
from annotator.cli import main
from annotator.io.events_csv import events_csv_text
from annotator.io.sheets import sheet_rows
from annotator.model import Event, EventKind, Face, Media, Project, Timebase
from annotator.model.scale import micro_rule


def test_macro_predictions_on_micro_truths_never_give_precision_above_one() -> None:
    """The reported bug: micro precision 2.0, F1 1.33."""
    tb = Timebase.nominal(1000, Fraction(25))
    truth = [Interval("v", "A", 100, 110), Interval("v", "A", 300, 310)]  # 0.44 s: micro
    cands = [Interval("v", "A", 100, 114), Interval("v", "A", 300, 314)]  # 0.6 s: macro
    ev = evaluate(cands, truth, timebase=tb)
    assert ev.overall.tp == 2 and ev.overall.precision == 1.0
    assert ev.micro.tp == 0 and ev.micro.n_predicted == 0 and ev.micro.n_reference == 2
    assert ev.macro.tp == 0 and ev.macro.n_predicted == 2 and ev.macro.n_reference == 0
    rng = np.random.default_rng(3)
    for _ in range(200):  # random tables: every split's precision and recall stay <= 1

        def rand(n: int) -> list[Interval]:
            out = []
            for _ in range(n):
                on = int(rng.integers(0, 900))
                out.append(Interval("v", "A", on, on + int(rng.integers(0, 40))))
            return out

        ev = evaluate(rand(int(rng.integers(0, 8))), rand(int(rng.integers(0, 8))), timebase=tb)
        for s in (ev.overall, ev.micro, ev.macro):
            for x in (s.precision, s.recall, s.f1):
                assert math.isnan(x) or 0 <= x <= 1


def test_split_uses_real_timestamps_and_the_chosen_rule() -> None:
    # 30 frames: 0.5 s at 60 fps (micro), 1.0 s at 30 fps (macro)
    fast = Timebase(np.arange(200) / 60, Fraction(60))
    slow = Timebase(np.arange(200) / 30, Fraction(30))
    i = [Interval("fast.mp4", "A", 10, 39, 25), Interval("slow.mp4", "A", 10, 39, 15)]
    ev = evaluate(i, i, timebases={"fast.mp4": fast, "slow.mp4": slow})
    assert (ev.micro.n_reference, ev.macro.n_reference) == (1, 1) and ev.rule == "total-0.5s"
    # CASME II: onset to apex <= 250 ms: frame 15 of slow.mp4 is 0.167 s after onset
    ev = evaluate(
        i,
        i,
        timebases={"fast.mp4": fast, "slow.mp4": slow},
        rule=micro_rule("casme2-onset-apex-250ms"),
    )
    assert (ev.micro.n_reference, ev.macro.n_reference) == (2, 0)


def test_offset_s_means_the_start_of_the_offset_frame_in_both_csvs(tmp_path: Path) -> None:
    tb = Timebase(np.array([0.0, 0.04, 0.1, 0.15, 0.3]), Fraction(25))
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=5))
    p.set_timebase("m1", tb)
    p.add_face(Face("A", "A"))
    p.add_event(Event(0, "A", EventKind.AU, 1, 3, au=12))
    ev_row = next(csv.DictReader(io.StringIO(events_csv_text(p))))
    out = tmp_path / "c.csv"
    write_candidates(out, [Candidate("A", 1, 2, 3, 1.0)], video="v.mp4", timebase=tb)
    cand_row = next(csv.DictReader(out.open()))
    assert float(ev_row["offset_s"]) == float(cand_row["offset_s"]) == 0.15
    assert float(ev_row["onset_s"]) == float(cand_row["onset_s"]) == 0.04
    assert read_intervals(out)[0].offset_frame == 3


def _vfr_project() -> Project:
    """Frames 0-59 at 120 fps, then 60-119 at 24 fps: frame counts say nothing about time."""
    ts = np.concatenate([np.arange(60) / 120, 0.5 + np.arange(60) / 24])
    p = Project()
    p.add_media(Media("m1", "v.mov", frame_count=120, fps=Fraction(30), vfr=True))
    p.set_timebase("m1", Timebase(ts, Fraction(30)))
    p.add_face(Face("A", "A"))
    # 40 frames at 120 fps = 0.33 s (micro); 10 frames at 24 fps = 0.42 s (micro);
    # 20 frames at 24 fps = 0.83 s (macro); 14 frames across the change = 0.46 s? computed
    for on, off in ((5, 44), (70, 79), (90, 109), (50, 63)):
        p.add_event(Event(0, "A", EventKind.AU, on, off, au=12))
    return p


def test_stats_csv_and_sheets_agree_on_micro_macro_on_vfr(tmp_path: Path) -> None:
    p = _vfr_project()
    tb = p.timebase("m1")
    truth = [
        "micro" if tb.duration_s(e.onset_frame, e.offset_frame) <= 0.5 else "macro"
        for e in sorted(p.events.values(), key=lambda e: e.onset_frame)
    ]
    rows = list(csv.DictReader(io.StringIO(events_csv_text(p))))
    assert [r["scale"] for r in rows] == truth and {r["micro_rule"] for r in rows} == {"total-0.5s"}
    counts = {"micro": truth.count("micro"), "macro": truth.count("macro")}
    assert scale_counts(p) == counts
    s = summary(p)["durations"]
    assert (s["micro"], s["macro"]) == (counts["micro"], counts["macro"])
    samm = sheet_rows(p, "samm")[1:]
    assert ["micro" if r[7].startswith("Micro") else "macro" for r in samm] == truth
    # by frame count at the nominal 30 fps (15 frames = 0.5 s) the split would differ
    assert [
        ("micro" if e.duration_frames <= 15 else "macro")
        for e in sorted(p.events.values(), key=lambda e: e.onset_frame)
    ] != truth


def test_cli_stats_csv_and_sheet_agree_on_a_real_vfr_video(tmp_path: Path, capsys) -> None:
    """pyfeat_noface_face_hevc_vfr.mov: irregular PTS, so frames and seconds disagree."""
    from samples_dir import sample

    from annotator.io.project_file import save_project
    from annotator.media import FrameSource

    video = sample("video/pyfeat_noface_face_hevc_vfr.mov")
    with FrameSource(video, prefetch=False) as fs:
        tb = fs.timebase
    p = Project()
    p.add_media(Media("m1", str(video), frame_count=tb.frame_count, fps=tb.fps, vfr=True))
    p.add_face(Face("A", "A"))
    starts = range(0, tb.frame_count - 30, 14)
    for on in starts:
        p.add_event(Event(0, "A", EventKind.AU, on, on + 13, au=12))
    path = tmp_path / "p.facet.json"
    save_project(p, path)
    real = ["micro" if tb.duration_s(on, on + 13) <= 0.5 + 1e-6 else "macro" for on in starts]
    by_frames = ["micro" if 14 <= 0.5 * float(tb.fps) else "macro" for _ in starts]
    assert real != by_frames and "micro" in real and "macro" in real
    assert main(["stats", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    d = json.loads(out[out.index("{") :])["durations"]
    assert (d["micro"], d["macro"]) == (real.count("micro"), real.count("macro"))
    assert main(["export", str(path), "--to", "csv", "-o", str(tmp_path / "e.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "e.csv").open(encoding="utf-8")))
    assert [r["scale"] for r in rows] == real
    assert (
        main(
            [
                "export",
                str(path),
                "--to",
                "casme",
                "--layout",
                "samm",
                "-o",
                str(tmp_path / "s.csv"),
            ]
        )
        == 0
    )
    sheet = list(csv.reader((tmp_path / "s.csv").open(encoding="utf-8")))[2:]
    assert ["micro" if r[7].startswith("Micro") else "macro" for r in sheet] == real
    cands = tmp_path / "c.csv"
    cands.write_text(
        "video,face,onset_frame,offset_frame\n"
        + "".join(f"{video.name},A,{on},{on + 13}\n" for on in starts)
    )
    assert main(["spot-eval", str(cands), str(path), "--json"]) == 0
    out = capsys.readouterr().out
    res = json.loads(out[out.index("{") :])
    assert res["micro_rule"] == "total-0.5s"
    assert res["micro"]["reference"] == real.count("micro") == res["micro"]["tp"]
    assert res["overall"]["precision"] == 1


def test_spot_eval_reads_megc_ground_truth_sheets(tmp_path: Path, capsys) -> None:
    from samples_dir import sample

    truth = sample("synthetic/samm_lv_style_facs_codes.csv")
    cands = tmp_path / "c.csv"
    # SAMM-LV frames are 1-based: 566-743 is frames 565-742
    cands.write_text("video,face,onset_frame,offset_frame\n901_1_1,901,565,742\n")
    assert main(["spot-eval", str(cands), str(truth), "--fps", "200", "--json"]) == 0
    out = capsys.readouterr().out
    res = json.loads(out[out.index("{") :])
    assert res["overall"]["tp"] == 1 and res["overall"]["reference"] == 7
    cas = sample("synthetic/cas_me_2_style_code_final.csv")
    assert main(["spot-eval", str(cands), str(cas), "--json"]) == 0
