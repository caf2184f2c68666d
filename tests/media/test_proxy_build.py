"""The proxy build's decode-ahead thread: order, pause, errors, and no thread left behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import av
import numpy as np
import pytest

from annotator.media import proxy_build
from annotator.media.errors import MediaError


def _frame(value: int, size: int = 64) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(np.full((size, size, 3), value, np.uint8), format="rgb24")


class _Source:
    """Frames 0..n-1 (grey level = 8 * index), counting pulls; raises at ``fail_at``."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.pulled = 0
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        try:
            for i in range(self.n):
                if i == self.fail_at:
                    raise MediaError(f"clip.mp4: frame {i} was not decoded")
                self.pulled += 1
                yield _frame(min(8 * i, 255))
        finally:
            self.closed = True


class _Link:
    """A ParentLink stand-in: ``wait_running`` blocks while paused."""

    def __init__(self) -> None:
        self.running = threading.Event()
        self.running.set()

    def wait_running(self) -> None:
        self.running.wait()


def _ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "proxy-decode" and t.is_alive()]


def _grey(frame: av.VideoFrame) -> int:
    return int(frame.to_ndarray(format="rgb24")[..., 1].mean().round())


def _expected_grey(i: int, w: int = 32, h: int = 32) -> int:
    """Frame i's grey after the same scaling to yuv420p and back (limited range)."""
    return _grey(_frame(min(8 * i, 255)).reformat(width=w, height=h, format="yuv420p"))


def test_frames_come_scaled_in_order_and_the_thread_ends() -> None:
    src = _Source(20)
    ahead = proxy_build._ScaledAhead(iter(src), (32, 16), None, depth=3)
    got = list(ahead)
    ahead.close()
    assert [(f.width, f.height, f.format.name) for f in got] == [(32, 16, "yuv420p")] * 20
    greys = [_grey(f) for f in got]
    assert greys == [_expected_grey(i, 32, 16) for i in range(20)]
    assert src.closed and not _ahead_threads()


def test_a_paused_build_stops_decoding_too() -> None:
    link, src = _Link(), _Source(200)
    ahead = proxy_build._ScaledAhead(iter(src), (32, 32), link, depth=4)  # type: ignore[arg-type]
    try:
        next(ahead)
        link.running.clear()
        time.sleep(0.3)
        pulled = src.pulled
        time.sleep(0.5)
        assert src.pulled == pulled  # no decoding while paused
        assert pulled <= 1 + 4 + 2  # the one taken, the queue, one in hand
        link.running.set()
        assert len(list(ahead)) == 199
    finally:
        link.running.set()
        ahead.close()
    assert not _ahead_threads()


def test_an_error_in_the_decoder_is_raised_to_the_encoder() -> None:
    src = _Source(30, fail_at=12)
    ahead = proxy_build._ScaledAhead(iter(src), (32, 32), None)
    got = []
    with pytest.raises(MediaError, match="frame 12 was not decoded"):
        for f in ahead:
            got.append(f)
    with pytest.raises(MediaError):  # and again: it does not turn into a clean end
        next(ahead)
    ahead.close()
    assert len(got) == 12 and src.closed and not _ahead_threads()


def test_closing_early_stops_the_thread_and_closes_the_source() -> None:
    src = _Source(10_000)
    ahead = proxy_build._ScaledAhead(iter(src), (32, 32), None, depth=2)
    next(ahead)
    ahead.close()
    assert not _ahead_threads() and src.closed
    assert src.pulled < 10


def test_build_keeps_finished_segments_when_decoding_fails(monkeypatch, tmp_path: Path) -> None:
    """Frames 0..19 decode, frame 20 does not: segments 0-7 and 8-15 are kept, the one
    being written is removed, the error names the file, and no decode thread is left."""
    src = _Source(40, fail_at=20)
    monkeypatch.setattr(proxy_build, "_index", lambda path, cache: SimpleNamespace(frame_count=40))
    monkeypatch.setattr(proxy_build, "_frames_from", lambda path, index, start: (iter(src), None))
    out = tmp_path / "proxy"
    with pytest.raises(MediaError, match="clip.mp4: frame 20"):
        proxy_build.build(tmp_path / "clip.mp4", out, size=(32, 32), segment=8)
    assert sorted(p.name for p in out.iterdir()) == ["meta.json", "s0000000.mp4", "s0000008.mp4"]
    assert not _ahead_threads() and src.closed
    with av.open(str(out / "s0000008.mp4")) as c:
        greys = [_grey(f) for f in c.decode(video=0)]
    want = [_expected_grey(8 + k) for k in range(8)]
    assert len(greys) == 8 and all(abs(g - w) <= 3 for g, w in zip(greys, want, strict=True)), (
        greys,
        want,
    )
