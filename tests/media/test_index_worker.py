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
    make_clip, index_cache: Path, opened, hold_index
) -> None:
    clip = make_clip("long_gop250")
    release = hold_index  # the worker is held until the first frame was shown
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


class _Recorded:
    """A container the index worker opened: who closed it, whether it is closed."""

    def __init__(self, container) -> None:  # type: ignore[no-untyped-def]
        self.container = container
        self.closed_by: str | None = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.container

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self.container.close()
        self.closed_by = threading.current_thread().name


@pytest.fixture
def worker_containers(monkeypatch) -> list[_Recorded]:
    """The containers the index worker opens (``with av.open(...)`` in its thread)."""
    made: list[_Recorded] = []
    real_open = index_worker.av.open

    def recording_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        c = real_open(*args, **kwargs)
        if threading.current_thread().name != "facet-index":
            return c
        made.append(_Recorded(c))
        return made[-1]

    monkeypatch.setattr(index_worker.av, "open", recording_open)
    return made


def _index_thread(src: FrameSource, waits: list[str] | None = None) -> threading.Thread:
    """The source's index worker; ``waits`` collects who joins it (a close must not: an
    MP4 table read runs to its end, so a join is a GUI stall of up to its length)."""
    thread = src._index_thread
    assert thread is not None
    if waits is not None:
        real_join = thread.join

        def join(timeout: float | None = None) -> None:
            waits.append(threading.current_thread().name)
            real_join(timeout)

        thread.join = join  # type: ignore[method-assign]
    return thread


def test_close_while_an_uninterruptible_table_read_runs_does_not_wait(
    make_clip, opened, hold_index, worker_containers
) -> None:
    """An MP4 table read (or its last-GOP check) cannot be interrupted: close() returns
    while it still runs; the worker then drops its table, reports nothing more and closes
    its own container itself."""
    clip = make_clip("long_gop250")
    entered, release = hold_index.entered, hold_index
    reports: list[IndexProgress] = []
    src = FrameSource(clip.path, index_cache_dir=False, index_progress=reports.append)
    opened.append(src)
    assert entered.wait(30)
    waits: list[str] = []
    thread = _index_thread(src, waits)
    src.close()  # returns with the worker still inside build_index: nothing waited for it
    assert waits == [] and thread.is_alive()
    assert src.frame_count == 1
    release.set()
    thread.join(30)
    assert not thread.is_alive()
    assert src.frame_count == 1  # the finished table was not swapped into a closed source
    assert [r for r in reports if r.done] == [] and src.index_progress.done is False
    assert worker_containers and {c.closed_by for c in worker_containers} == {"facet-index"}


def test_close_during_a_packet_scan_stops_it_at_the_next_report(
    make_clip, opened, monkeypatch, worker_containers
) -> None:
    monkeypatch.setattr(pts_index, "_REPORT_EVERY_S", 0.0)
    clip = make_clip("start_pts_mkv")
    held, release = threading.Event(), threading.Event()
    scans: list[int] = []
    real_scan = index_worker.IndexWorker._on_scan

    def scan(self, pts, keys, fraction, in_order):  # type: ignore[no-untyped-def]
        scans.append(len(pts))
        if len(pts) >= 20 and not release.is_set():
            held.set()
            release.wait(30)
        real_scan(self, pts, keys, fraction, in_order)

    monkeypatch.setattr(index_worker.IndexWorker, "_on_scan", scan)
    reports: list[IndexProgress] = []
    src = FrameSource(clip.path, index_cache_dir=False, index_progress=reports.append)
    opened.append(src)
    assert held.wait(30)
    waits: list[str] = []
    thread = _index_thread(src, waits)
    n, before = src.frame_count, len(reports)
    src.close()
    assert waits == [] and thread.is_alive()
    release.set()
    thread.join(30)
    assert not thread.is_alive()
    assert scans[-1] < clip.n_frames  # cancelled at that report: the scan did not go on
    assert len(reports) == before and src.frame_count == n  # nothing after the close
    assert worker_containers and {c.closed_by for c in worker_containers} == {"facet-index"}


def test_close_of_a_source_whose_worker_waits_at_the_gate(make_clip, opened) -> None:
    """A pre-opened source's worker waits for the event loop (``_index_gate``); closed
    meanwhile, it ends without opening anything and without waiting out the gate."""
    clip = make_clip("cfr25_gop50")
    gate = threading.Event()

    class Gated(FrameSource):
        _index_gate = gate

    reports: list[IndexProgress] = []
    src = Gated(clip.path, index_cache_dir=False, index_progress=reports.append)
    opened.append(src)
    waits: list[str] = []
    thread = _index_thread(src, waits)
    src.close()
    assert waits == []
    thread.join(5)  # well inside the gate's 10 s: it saw the close
    assert not thread.is_alive() and not gate.is_set()
    assert reports == [] and src.frame_count == 1


def test_many_opens_and_closes_while_indexing_leave_no_worker(make_clip, monkeypatch) -> None:
    """Opening video after video (each closed while its index runs): every worker ends
    and every finished-or-dropped source releases its decoders."""
    monkeypatch.setattr(pts_index, "_REPORT_EVERY_S", 0.0)
    clip = make_clip("start_pts_mkv")
    threads = []
    for _ in range(6):
        src = FrameSource(clip.path, index_cache_dir=False, index_progress=lambda p: None)
        threads.append(_index_thread(src))
        assert read_index(src.frame(0)) == 0
        src.close()
    for t in threads:
        t.join(30)
        assert not t.is_alive()
