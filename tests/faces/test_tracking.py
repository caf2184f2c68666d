"""Tracking real clips, applying tracks to a project, the cache, signals-csv and spotting."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
import os
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
from samples_dir import sample

from annotator.analysis.keyframes import simplify, smooth_boxes
from annotator.analysis.signals import SIGNALS
from annotator.analysis.tracking import iter_rgb, track_video
from annotator.analysis.video import Cancelled, VideoInfo
from annotator.io.landmarks import LandmarkCache
from annotator.io.project_file import load_project, save_project
from annotator.model import FaceBox

from .conftest import needs_models, run_cli

pytestmark = needs_models


def test_one_track_on_the_single_face_clip() -> None:
    r = track_video(sample("video/pyfeat_single_face.mp4"))
    assert len(r.tracks) == 1
    t = r.tracks[0]
    assert len(t) == 72 and t.frames[0] == 0 and t.frames[-1] == 71
    assert np.isfinite(t.signals).all()


def test_several_tracks_on_the_crowd_clip() -> None:
    video = sample("video/facenet_pytorch_crowd_1080p25.mp4")
    info = VideoInfo.of(video)

    def first(n: int):  # type: ignore[no-untyped-def]
        with av.open(str(video)) as c:
            for i, f in enumerate(c.decode(video=0)):
                if i >= n:
                    return
                yield i, f.to_ndarray(format="rgb24")

    r = track_video(info, frames=first(50))
    assert len(r.tracks) >= 3


def test_no_face_gives_no_tracks() -> None:
    assert track_video(sample("video/pyfeat_no_face.mp4")).tracks == []


def test_unreadable_packets_are_skipped_with_a_warning(tmp_path: Path) -> None:
    src = sample("video/pyfeat_single_face.mp4")
    bad = tmp_path / "corrupt.mp4"
    shutil.copy(src, bad)
    size = bad.stat().st_size
    rng = np.random.default_rng(1)
    with open(bad, "r+b") as f:
        for off in range(size // 3, size // 3 + 40000, 997):
            f.seek(off)
            f.write(rng.integers(0, 256, 200, dtype=np.uint8).tobytes())
    # the good file's frame table, the damaged file's packets
    info = dataclasses.replace(VideoInfo.of(src), path=bad)
    warnings: list[str] = []
    n = sum(1 for _ in iter_rgb(info, warnings))
    assert 0 < n < info.frame_count
    assert warnings and all(w.startswith("corrupt.mp4: skipped") for w in warnings)


def test_keyframes_keep_the_interpolated_box_within_tolerance() -> None:
    rng = np.random.default_rng(0)
    frames = np.concatenate([np.arange(0, 300), np.arange(320, 400)])
    walk = np.cumsum(rng.normal(0, 1.5, (len(frames), 4)), axis=0) + 200
    keys = simplify(frames, walk, tol=3.0)
    assert 0 in keys and len(frames) - 1 in keys
    assert 299 in keys and 300 in keys  # both ends of the gap
    assert len(keys) < len(frames) / 3
    for a, b in itertools.pairwise(keys):
        if frames[b] - frames[a] != b - a:
            continue
        t = (frames[a : b + 1] - frames[a]) / (frames[b] - frames[a])
        interp = walk[a] + (walk[b] - walk[a]) * t[:, None]
        assert np.abs(interp - walk[a : b + 1]).max() <= 3.0 + 1e-9
    line = np.stack([np.arange(100.0)] * 4, axis=1)
    assert simplify(np.arange(100), line) == [0, 99]
    assert smooth_boxes(np.arange(5), line[:5]).shape == (5, 4)


def test_track_cli_writes_faces_boxes_and_the_cache(tracked_single: Path) -> None:
    loaded = load_project(tracked_single)
    p = loaded.project
    assert list(p.faces) == ["A"]  # the project's first face took the track
    boxes = p.faces["A"].boxes
    assert 2 <= len(boxes) < 30 and all(b.source == "track" for b in boxes)
    media = p.media["m1"]
    assert media.landmarks == "single.m1.landmarks.npz"
    cache = LandmarkCache(tracked_single.parent / media.landmarks)
    assert len(cache) == 72 and cache.faces == ["A"] and cache.signal_names == list(SIGNALS)
    # every frame's interpolated keyframe box is within a few pixels of the tracked box
    for row in range(len(cache)):
        f = int(cache.frames[row])
        got = np.array(p.faces["A"].box_at("m1", f))
        assert np.abs(got - cache.box[row]).max() <= 3.05
    lm = cache.landmarks(10)
    x, y, w, h = cache.box[10]
    assert lm.shape == (468, 3)
    assert x - 0.2 * w < lm[:, 0].mean() < x + 1.2 * w and y < lm[:, 1].mean() < y + h


def test_running_again_matches_faces_and_hand_boxes_win(
    tracked_single: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "again"
    shutil.copytree(tracked_single.parent, folder)
    project_path = folder / tracked_single.name
    loaded = load_project(project_path)
    p = loaded.project
    hand = FaceBox("m1", 36, 100.0, 100.0, 150.0, 190.0)
    p.set_face_box("A", hand)
    save_project(p, project_path)
    r = run_cli("track", str(project_path))
    assert r.returncode == 0, r.stderr
    again = load_project(project_path).project
    assert list(again.faces) == ["A"]
    boxes = again.faces["A"].boxes
    assert hand in boxes
    tracked = [b.frame for b in boxes if b.source == "track"]
    assert tracked and all(abs(f - 36) > 15 for f in tracked)  # half a second at 30 fps
    # the run wrote a new cache file and (no undo in the CLI) removed the one it replaced
    ref = again.media["m1"].landmarks
    assert ref == "single.m1.landmarks.2.npz" and (folder / ref).is_file()
    assert not (folder / "single.m1.landmarks.npz").exists()


def test_cancelled_run_leaves_project_and_folder_unchanged(
    tracked_single: Path, tmp_path: Path
) -> None:
    from annotator.tracking_job import run_tracking

    folder = tmp_path / "cancel"
    shutil.copytree(tracked_single.parent, folder)
    project_path = folder / tracked_single.name
    before = {f.name: f.read_bytes() for f in folder.iterdir()}
    p = load_project(project_path).project
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 20

    with pytest.raises(Cancelled):
        run_tracking(p, project_path, "m1", should_stop=stop)
    assert {f.name: f.read_bytes() for f in folder.iterdir()} == before


def test_no_faces_one_line_note_and_zero_tracks(tmp_path: Path) -> None:
    video = sample("video/pyfeat_no_face.mp4")
    project = tmp_path / "cartoon.facet.json"
    assert run_cli("new", str(project), "--video", str(video)).returncode == 0
    r = run_cli("track", str(project), "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "pyfeat_no_face.mp4: no faces found (0 tracks)"
    assert "0 tracks" in r.stdout
    assert all(not f.boxes for f in load_project(project).project.faces.values())


def test_unknown_media_is_one_line(tracked_single: Path) -> None:
    r = run_cli("track", str(tracked_single), "--media", "m9")
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "m9" in r.stderr


def test_signals_csv_columns_rows_and_empty_cells(tracked_single: Path, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    shutil.copytree(tracked_single.parent, folder)
    project_path = folder / tracked_single.name
    p = load_project(project_path).project
    p.add_face(name="nobody")  # a face the tracker never found: empty cells
    save_project(p, project_path)
    out = tmp_path / "out.csv"
    r = run_cli("export", str(project_path), "--to", "signals-csv", "-o", str(out))
    assert r.returncode == 0, r.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:8] == ["frame", "time_s", "face", "x", "y", "w", "h", "confidence"]
    assert list(rows[0])[8:] == list(SIGNALS)
    assert len(rows) == 72 * 2
    a = [r for r in rows if r["face"] == "A"]
    b = [r for r in rows if r["face"] == "B"]
    assert all(r["x"] and r["mouth_open"] for r in a)
    assert all(r["x"] == "" and r["mouth_open"] == "" for r in b)
    assert float(a[1]["time_s"]) == pytest.approx(1 / 30, abs=1e-4)


def test_signals_csv_without_tracking_warns_and_leaves_cells_empty(tmp_path: Path) -> None:
    video = sample("video/pyfeat_single_face.mp4")
    project = tmp_path / "p.facet.json"
    assert run_cli("new", str(project), "--video", str(video)).returncode == 0
    out = tmp_path / "o.csv"
    r = run_cli("export", str(project), "--to", "signals-csv", "-o", str(out))
    assert r.returncode == 0
    assert r.stderr.strip().count("\n") == 0 and "annotator track" in r.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 72 and list(rows[0])[8:] == list(SIGNALS)
    assert all(r["x"] == "" and r["mouth_open"] == "" for r in rows)


def test_smile_rises_in_the_signals(tracked_single: Path) -> None:
    cache = LandmarkCache(tracked_single.parent / "single.m1.landmarks.npz")
    pull = (cache.curve("A", "lip_corner_pull_l") + cache.curve("A", "lip_corner_pull_r")) / 2
    mouth = cache.curve("A", "mouth_open")
    # neutral at the start, smiling with teeth showing from about frame 20
    assert pull[40:60].mean() > pull[:15].mean() + 0.05
    assert mouth[40:60].mean() > mouth[:15].mean() + 0.1


def test_spotting_finds_the_smile_without_boxes() -> None:
    from annotator.analysis.spotting import spot

    r = spot(sample("video/pyfeat_single_face.mp4"))
    smiles = [c for c in r.candidates if "mouth" in c.label]
    assert smiles and any(c.onset_frame <= 30 and c.offset_frame >= 45 for c in smiles)


def test_blinks_are_their_own_candidates() -> None:
    from annotator.analysis.spotting_tracks import blinks

    frames = np.arange(90)
    eye = np.full(90, 0.2)
    eye[40:44] = [0.12, 0.03, 0.04, 0.13]  # a blink
    eye[70:] = 0.02  # eyes closed for a second: not a blink
    out = blinks("A", frames, eye, 30.0)
    assert [(c.onset_frame, c.apex_frame, c.au) for c in out] == [(40, 41, 45)]
    assert out[0].offset_frame == 43 and out[0].label == "AU45 blink"


def test_project_with_cache_reference_validates(tracked_single: Path) -> None:
    doc = json.loads(tracked_single.read_text())
    assert doc["media"][0]["landmarks"].endswith(".landmarks.npz")
    assert {b["source"] for b in doc["faces"][0]["boxes"]} == {"track"}
    r = run_cli("validate", str(tracked_single))
    assert r.returncode == 0, r.stderr
    assert not [f for f in os.listdir(tracked_single.parent) if f.startswith(".")]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("pyfeat_WolfgangLanger_Pexels.mp4", 0, 471),
        ("pyfeat_face_noface_hevc_vfr.mov", 0, 71),
        ("pyfeat_noface_face_hevc_vfr.mov", 96, 167),
    ],
)
def test_one_track_on_each_real_single_face_clip(name: str, first: int, last: int) -> None:
    """Every single-face sample clip gives one face (after re-identification), over the
    frames where the face is on screen."""
    r = track_video(sample(f"video/{name}"))
    assert len(r.tracks) == 1, [(int(t.frames[0]), int(t.frames[-1])) for t in r.tracks]
    t = r.tracks[0]
    assert abs(int(t.frames[0]) - first) <= 3 and abs(int(t.frames[-1]) - last) <= 3


@pytest.mark.slow
def test_several_faces_on_the_whole_crowd_clip() -> None:
    r = track_video(sample("video/facenet_pytorch_crowd_1080p25.mp4"))
    assert len(r.tracks) >= 4
    # at least three faces on screen together somewhere in the clip
    n = r.info.frame_count
    count = np.zeros(n, int)
    for t in r.tracks:
        count[t.frames] += 1
    assert count.max() >= 3


def test_held_changes_find_a_slow_onset_and_nothing_in_noise() -> None:
    """A region moving 0.1 IOD over 1.5 s (0.003 per frame: below frame-to-frame spotting's
    thresholds) and then holding is found; jitter of the same size per frame is not."""
    from annotator.analysis.spotting_tracks import held_changes

    fps, n = 24.0, 240
    rng = np.random.default_rng(0)
    base = rng.normal(0, 0.004, (n, 48))
    ramp = np.clip((np.arange(n) - 100) / 36, 0, 1)[:, None] * 0.1
    got = held_changes("A", "mouth", base + ramp, fps)
    assert len(got) == 1
    c = got[0]
    assert 100 <= c.onset_frame <= 125 and 115 <= c.offset_frame <= 145 and c.label == "mouth"
    assert held_changes("A", "mouth", base, fps) == []
    # frames where the face is absent (NaN) never count
    gap = base + ramp
    gap[105:130] = np.nan
    assert held_changes("A", "mouth", gap, fps) == []


@pytest.mark.slow
def test_spotting_finds_the_slow_smile_on_wolfganglanger() -> None:
    """Her smile builds over ~1.5 s from frame ~220 and is held to the end: frame-to-frame
    motion stays under that (expressive) clip's threshold; the held-change cue finds it."""
    from annotator.analysis.spotting import spot

    r = spot(sample("video/pyfeat_WolfgangLanger_Pexels.mp4"))
    mouth = [c for c in r.candidates if "mouth" in c.label]
    assert any(c.onset_frame <= 255 and c.offset_frame >= 225 for c in mouth), mouth
