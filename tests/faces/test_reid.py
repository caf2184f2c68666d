"""Re-identification after a cut: real frames of two people joined with hard cuts, and the
real jump cut of ACT409."""

from __future__ import annotations

import dataclasses

import av
import numpy as np
import pytest
from samples_dir import sample

from annotator.analysis.reid import LinkParams, Segment, link_segments
from annotator.analysis.tracking import TrackParams, track_video
from annotator.analysis.video import VideoInfo

from .conftest import needs_models


def _frames(name: str, start: int, stop: int) -> list[np.ndarray]:
    out = []
    with av.open(str(sample(f"video/{name}"))) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= stop:
                break
            if i >= start:
                out.append(f.to_ndarray(format="rgb24"))
    return out


@pytest.fixture(scope="module")
def cut_clip():  # type: ignore[no-untyped-def]
    """WolfgangLanger frames 0-59, cut to pyfeat_single_face (another person) frames 0-59,
    cut back to WolfgangLanger frames 300-359 (both 640x360)."""
    parts = [
        _frames("pyfeat_WolfgangLanger_Pexels.mp4", 0, 60),
        _frames("pyfeat_single_face.mp4", 0, 60),
        _frames("pyfeat_WolfgangLanger_Pexels.mp4", 300, 360),
    ]
    frames = [f for p in parts for f in p]
    base = VideoInfo.of(sample("video/pyfeat_WolfgangLanger_Pexels.mp4"))
    info = dataclasses.replace(
        base, frame_count=len(frames), pts=np.arange(len(frames), dtype=np.int64)
    )
    return info, frames


@needs_models
def test_the_same_person_after_a_cut_continues_the_face_another_is_new(cut_clip) -> None:  # type: ignore[no-untyped-def]
    info, frames = cut_clip
    r = track_video(info, frames=enumerate(frames))
    spans = sorted((int(t.frames[0]), int(t.frames[-1]), t.merged) for t in r.tracks)
    assert len(r.tracks) == 2, spans
    wolf = next(t for t in r.tracks if t.frames[0] < 5)
    other = next(t for t in r.tracks if t is not wolf)
    # Wolfgang: both of his shots (clip frames 0-59 and 120-179), one face: the second
    # shot re-identified; nothing of him during her shot
    f = wolf.frames
    assert wolf.merged
    assert (f < 60).sum() >= 55 and (f >= 120).sum() >= 55
    assert not ((f >= 60) & (f < 120)).any()
    # the other person: her own face, only during her shot
    assert 60 <= other.frames[0] <= 65 and other.frames[-1] <= 119
    assert not other.merged


@needs_models
def test_without_linking_the_cut_splits_the_person(cut_clip) -> None:  # type: ignore[no-untyped-def]
    """The same clip with re-identification off: three tracks (so the test above shows the
    linking at work, not a tracker that never noticed the cut)."""
    info, frames = cut_clip
    r = track_video(
        info, TrackParams(link=None, reid_min=2.0, reid_near=2.0), frames=enumerate(frames)
    )
    assert len(r.tracks) == 3


def _seg(i: int, start: int, end: int, look: np.ndarray, box=(0.0, 0.0, 50.0, 50.0)) -> Segment:  # type: ignore[no-untyped-def]
    return Segment(i, start, end, box, box, look, look, look)


def test_link_segments_never_joins_overlapping_tracks_and_keeps_chains_in_order() -> None:
    rng = np.random.default_rng(1)
    a = rng.random(384).astype(np.float32)
    b = rng.random(384).astype(np.float32)
    segs = [
        _seg(0, 0, 10, a),
        _seg(1, 5, 30, a),  # overlaps 0: both cannot be one face
        _seg(2, 40, 50, a),
        _seg(3, 60, 70, b),  # another look
    ]
    chains = link_segments(segs, 25.0)
    assert sorted(i for c in chains for i in c) == [0, 1, 2, 3]
    assert [3] in chains
    for c in chains:
        assert not ({0, 1} <= set(c))
        starts = [segs[i].start for i in c]
        assert starts == sorted(starts)
    # beyond the window the face is a new one
    far = [_seg(0, 0, 10, a), _seg(1, 10 + 31 * 25, 10 + 32 * 25, a)]
    assert link_segments(far, 25.0, LinkParams(window_s=30)) == [[0], [1]]


@pytest.mark.slow
@needs_models
def test_act409_jump_cut_is_one_face() -> None:
    """ACT409 (one person) has a jump cut near frame 410: the tracker ends its tracks at
    the cut, re-identification joins both sides (this gave two faces before)."""
    r = track_video(sample("third_party/ACT409_clip1.mp4"))
    assert len(r.tracks) == 1
    t = r.tracks[0]
    assert t.merged and t.frames[0] < 30 and t.frames[-1] > 700


@needs_models
def test_track_cli_caches_both_shots_of_a_re_identified_face(cut_clip, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The built clip encoded to a file and tracked by ``annotator track``: two faces, and
    the landmark cache has rows for both of Wolfgang's shots under his one face (the later
    shot was spooled under its own track index)."""
    from annotator.io.landmarks import LandmarkCache
    from annotator.io.project_file import load_project

    from .conftest import run_cli

    _info, frames = cut_clip
    video = tmp_path / "cut.mp4"
    with av.open(str(video), "w") as out:
        s = out.add_stream("mpeg4", rate=24)
        s.width, s.height, s.pix_fmt = 640, 360, "yuv420p"
        s.bit_rate = 4_000_000
        for rgb in frames:
            for pkt in s.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)
    project = tmp_path / "cut.facet.json"
    assert run_cli("new", str(project), "--video", str(video)).returncode == 0
    r = run_cli("track", str(project), "--quiet")
    assert r.returncode == 0, r.stderr
    p = load_project(project).project
    assert len(p.faces) == 2, r.stderr
    cache = LandmarkCache(tmp_path / p.media["m1"].landmarks)
    by_face = {f: cache.frames[cache.face == i] for i, f in enumerate(cache.faces)}
    wolf = next(f for f, fr in by_face.items() if fr.min() < 5)
    fr = by_face[wolf]
    assert (fr < 60).sum() >= 55 and (fr >= 120).sum() >= 55
    assert not ((fr >= 60) & (fr < 120)).any()
    # the tracked boxes of his face span both shots too
    keys = sorted(b.frame for b in p.faces[wolf].boxes)
    assert keys[0] < 5 and keys[-1] > 170
