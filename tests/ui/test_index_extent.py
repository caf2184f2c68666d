"""The timeline's length while the frame index is built (annotator.ui.timeline.index_extent).

A long Matroska file's packet scan takes seconds: the ruler, extent, scroll bar and Fit
follow the frames indexed so far, coalesced, while the project's media record keeps
frame_count 0 (unknown) and no partial table; a coder who zoomed in keeps the zoom when
the index grows and when it is done.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from docwindows import shown_window

from annotator.media.barcode import write_barcode_video
from annotator.ui.timeline import index_extent

pytestmark = [pytest.mark.index_in_background, pytest.mark.usefixtures("fresh_index_cache")]


def _mkv(tmp_path: Path, frames: int = 120) -> Path:
    video = tmp_path / "take.mkv"
    write_barcode_video(video, frames, fps=Fraction(25), size=(160, 120), gop=10)
    return video


def test_the_timeline_grows_with_the_index_and_the_project_stays_unknown(
    qtbot, tmp_path: Path, hold_scan
) -> None:
    video = _mkv(tmp_path)
    w = shown_window(qtbot)
    ctl, tl = w.controller, w.coding.timeline
    view = tl.canvas.view
    try:
        assert w.new_from_video(video)
        assert hold_scan.held.wait(30)
        qtbot.waitUntil(lambda: ctl.frame_count >= 30, timeout=10000)
        n = ctl.frame_count
        assert not ctl.index_complete and n < 120
        # the timeline follows the player's count, fitted to the whole of it ...
        qtbot.waitUntil(lambda: view.frame_count == n, timeout=5000)
        assert view.px_per_frame == pytest.approx(view.track_width_px / n)
        assert view.visible_frames() == (0, n - 1)
        assert tl.canvas.cache.timebase().frame_count == n
        # ... seeks on it reach the indexed frames ...
        tl.seek_requested.emit(n - 1)
        assert ctl.current_frame == n - 1
        # ... and nothing of it is the project's: the length stays unknown until done
        media = w.project.media["m1"]
        assert media.frame_count == 0 and not w.project.has_real_timebase("m1")
        assert w.project.timebase("m1").frame_count == 1

        tl.zoom_to_frames(10)  # the coder zooms in while the rest is scanned
        zoom, left = view.px_per_frame, view.left_frame
        hold_scan.release.set()
        qtbot.waitUntil(lambda: ctl.index_complete and ctl.frame_count == 120, timeout=30000)
        qtbot.waitUntil(lambda: w.project.media["m1"].frame_count == 120, timeout=5000)
        qtbot.waitUntil(lambda: view.frame_count == 120, timeout=5000)
        assert w.project.has_real_timebase("m1")
        assert tl.canvas.cache.timebase() is w.project.timebase("m1")
        # the zoom stays, on the same frames (not fitted to the 120 frames)
        assert view.px_per_frame == zoom and abs(view.left_frame - left) < 1
        assert view.visible_frames()[1] - view.visible_frames()[0] < 20
        tl.zoom_to_fit()
        assert view.visible_frames() == (0, 119)
    finally:
        hold_scan.release.set()
        w.close()
        ctl.close()


def test_a_fitted_timeline_stays_fitted_as_the_index_grows(
    qtbot, tmp_path: Path, hold_scan
) -> None:
    video = _mkv(tmp_path, 90)
    hold_scan.frames = 20
    w = shown_window(qtbot)
    ctl, view = w.controller, w.coding.timeline.canvas.view
    try:
        assert w.new_from_video(video)
        assert hold_scan.held.wait(30)
        qtbot.waitUntil(lambda: view.frame_count >= 20, timeout=10000)
        assert view.visible_frames() == (0, view.frame_count - 1)
        hold_scan.release.set()
        qtbot.waitUntil(lambda: view.frame_count == 90, timeout=30000)
        assert view.visible_frames() == (0, 89)
        assert view.px_per_frame == pytest.approx(view.track_width_px / 90)
    finally:
        hold_scan.release.set()
        w.close()
        ctl.close()


def test_growth_reports_are_coalesced(qtbot, tmp_path: Path, hold_scan, monkeypatch) -> None:
    """frame_count_changed comes with every scan report: a burst refreshes the timeline
    once, one interval later, with the count at that time."""
    video = _mkv(tmp_path)
    w = shown_window(qtbot)
    ctl, tl = w.controller, w.coding.timeline
    try:
        assert w.new_from_video(video)
        assert hold_scan.held.wait(30)
        qtbot.waitUntil(lambda: tl.canvas.view.frame_count == ctl.frame_count > 1, timeout=10000)
        refreshes: list[int] = []
        real = tl.refresh_extent
        monkeypatch.setattr(tl, "refresh_extent", lambda: (refreshes.append(1), real()))
        # a new, longer table each report (the worker swaps one in), 50 reports in a burst
        n, tb = ctl.frame_count, ctl.timebase
        for k in range(50):
            monkeypatch.setattr(ctl, "_tb", _longer(tb, k + 1))
            ctl.frame_count_changed.emit(n + k + 1)
        assert refreshes == []  # nothing yet: coalesced to the interval's end
        qtbot.waitUntil(lambda: refreshes != [], timeout=5000)
        qtbot.wait(index_extent.INTERVAL_MS * 2)
        assert len(refreshes) == 1
        assert tl.canvas.view.frame_count == n + 50
    finally:
        hold_scan.release.set()
        w.close()
        ctl.close()


def test_a_project_with_a_stored_length_keeps_it_while_indexing(
    qtbot, tmp_path: Path, hold_index
) -> None:
    """A project knows its video's length: the timeline shows that from the start and
    does not shrink to the frames indexed so far."""
    from annotator.media.barcode import write_barcode_video as write

    video = tmp_path / "take.mp4"
    write(video, 80, fps=Fraction(25), size=(160, 120), gop=20)
    project = tmp_path / "take.facet.json"
    w = shown_window(qtbot)
    hold_index.set()
    assert w.new_from_video(video)
    qtbot.waitUntil(lambda: w.project.media["m1"].frame_count == 80, timeout=30000)
    assert w.save_as(project)
    w.close()
    w.controller.close()
    for cached in (tmp_path / "cache").rglob("*"):
        if cached.is_file():
            cached.unlink()
    hold_index.clear()
    w2 = shown_window(qtbot)
    try:
        assert w2.open_project(project)
        assert not w2.controller.index_complete and w2.controller.frame_count == 1
        qtbot.wait(index_extent.INTERVAL_MS * 2)
        assert w2.coding.timeline.canvas.view.frame_count == 80
        assert w2.coding.timeline.canvas.cache.timebase().frame_count == 80
    finally:
        hold_index.set()
        w2.close()
        w2.controller.close()


def _longer(tb, extra: int):  # type: ignore[no-untyped-def]
    """``tb`` with ``extra`` more frames at its rate (a table the worker could swap in)."""
    from annotator.model.timebase import Timebase

    return Timebase.nominal(tb.frame_count + extra, tb.fps)
