"""The frame index built in a worker with progress: frame 0 first, every frame exact
(issue 17.4 / 19.1), damaged and failing files keep what was indexed (bad input)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import annotator.media.index_worker as index_worker
import annotator.media.pts_index as pts_index
from annotator.media import FrameSource
from annotator.media.barcode import read_index
from annotator.media.errors import MediaError
from annotator.media.index_worker import IndexProgress
from tests.media.conftest import CLIP_SPECS


@pytest.mark.parametrize("name", sorted(CLIP_SPECS))
def test_background_index_equals_the_blocking_one(make_clip, name: str, opened) -> None:
    clip = make_clip(name)
    reports: list[IndexProgress] = []
    src = FrameSource(
        clip.path, index_cache_dir=False, prefetch=False, index_progress=reports.append
    )
    opened.append(src)
    assert read_index(src.frame(0)) == 0
    assert src.wait_index(60)
    assert src.index_complete
    with FrameSource(clip.path, index_cache_dir=False, prefetch=False) as ref:
        np.testing.assert_array_equal(src.pts, ref.pts)
        assert src.frame_count == ref.frame_count == clip.n_frames
        assert src.index_method == ref.index_method
        assert src.timebase.duration_total_s == ref.timebase.duration_total_s
    if src.index_method != "ordinal":  # ordinal streams have no PTS to start from: no worker
        assert reports and reports[-1].done and reports[-1].frames == clip.n_frames
        assert reports[-1].method == src.index_method and reports[-1].error == ""
    for i in (clip.n_frames - 1, clip.n_frames // 2, 1, 0):
        assert read_index(src.frame(i)) == i


def test_first_frame_shows_before_the_index_completes(
    make_clip, index_cache: Path, opened, monkeypatch
) -> None:
    clip = make_clip("long_gop250")
    release = threading.Event()
    real = index_worker.build_index

    def slow_build(*args, **kwargs):  # the worker is held until the first frame was shown
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(index_worker, "build_index", slow_build)
    reports: list[IndexProgress] = []
    src = FrameSource(clip.path, index_cache_dir=index_cache, index_progress=reports.append)
    opened.append(src)
    assert not src.index_complete and src.frame_count == 1
    assert read_index(src.frame(0, size=(80, 60))) == 0
    with pytest.raises(IndexError):
        src.frame(1)
    release.set()
    assert src.wait_index(60)
    assert src.frame_count == clip.n_frames and reports[-1].done
    assert read_index(src.frame(299)) == 299 and read_index(src.frame(1)) == 1
    again = FrameSource(clip.path, index_cache_dir=index_cache, index_progress=reports.append)
    opened.append(again)  # the finished table was cached: complete at once, no worker
    assert again.index_complete and again.index_progress is None
    assert again.frame_count == clip.n_frames


@pytest.mark.parametrize("name", ["start_pts_mkv", "start_pts_ts", "avi_bframes", "vp9_webm"])
def test_frames_usable_while_the_scan_grows(make_clip, name: str, opened, monkeypatch) -> None:
    """Progress on every packet: each partial table holds only final, exact frames."""
    monkeypatch.setattr(pts_index, "_REPORT_EVERY_S", 0.0)
    clip = make_clip(name)
    counts: list[int] = []
    wrong: list[str] = []
    holder: dict[str, FrameSource] = {}

    def check(p: IndexProgress) -> None:
        counts.append(p.frames)
        src = holder.get("src")
        if src is not None and not p.done and p.frames > 1:
            got = read_index(src.frame(p.frames - 1))
            if got != p.frames - 1:
                wrong.append(f"frame {p.frames - 1} read {got}")

    src = FrameSource(clip.path, index_cache_dir=False, prefetch=False, index_progress=check)
    holder["src"] = src
    opened.append(src)
    assert src.wait_index(60)
    assert wrong == []
    assert counts == sorted(counts) and counts[-1] == clip.n_frames
    assert len(set(counts)) > 2  # it really grew in steps
    for i in range(clip.n_frames):
        assert read_index(src.frame(i)) == i


@pytest.fixture(params=["cut", "garbage"])
def damaged(request, make_clip, tmp_path: Path) -> Path:
    data = make_clip("start_pts_mkv").path.read_bytes()
    half = len(data) // 2
    path = tmp_path / f"{request.param}.mkv"
    tail = b"" if request.param == "cut" else b"\xff" * (len(data) - half)
    path.write_bytes(data[:half] + tail)
    return path


def test_damaged_file_keeps_frames_and_says_where(damaged: Path, opened) -> None:
    reports: list[IndexProgress] = []
    src = FrameSource(damaged, index_cache_dir=False, prefetch=False, index_progress=reports.append)
    opened.append(src)
    assert src.wait_index(60)
    n = src.frame_count
    assert 0 < n < 60
    assert f"cannot be read past frame {n - 1}" in src.index_note
    assert reports[-1].done and reports[-1].note == src.index_note
    for i in (0, n // 2, n - 1):
        assert read_index(src.frame(i)) == i


def test_failed_build_keeps_what_was_indexed(make_clip, opened, monkeypatch) -> None:
    def broken(path, *args, **kwargs):
        raise MediaError(f"{path.name}: cannot decode video (boom)")

    monkeypatch.setattr(index_worker, "build_index", broken)
    clip = make_clip("cfr25_gop50")
    reports: list[IndexProgress] = []
    src = FrameSource(clip.path, index_cache_dir=False, index_progress=reports.append)
    opened.append(src)
    assert src.wait_index(30)
    assert src.frame_count == 1 and read_index(src.frame(0)) == 0
    assert "indexed 1 frames; the index cannot be completed" in src.index_note
    assert "\n" not in src.index_note and reports[-1].error == src.index_note
