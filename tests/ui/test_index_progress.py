"""The frame index in a worker, seen from the window (issue 17 item 4, issue 19 item 1).

Frame 0 is on screen before the index is complete; steps and seeks reach the frames
indexed so far (clamped, the label naming the frame shown); the status bar says
"Indexing video… N %"; when the index is done the frame count is updated in the
transport, the timeline and the new project's media record; a damaged file says in one
line what was indexed and where it stopped, and keeps those frames usable.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import pytest
from docwindows import shown_window

from annotator.media import FrameSource, index_worker
from annotator.media.barcode import read_index, write_barcode_video
from tests.samples_dir import sample

pytestmark = [pytest.mark.index_in_background, pytest.mark.usefixtures("fresh_index_cache")]


def _window(qtbot, *, defer: bool = False):  # type: ignore[no-untyped-def]
    return shown_window(qtbot, defer=defer)


def _label(w) -> str:  # type: ignore[no-untyped-def]
    return w.player_widget.transport.frame_label.text()


def test_first_picture_before_the_index_then_the_count_everywhere(
    qtbot, tmp_path: Path, hold_index: threading.Event
) -> None:
    video = tmp_path / "take.mp4"
    write_barcode_video(video, 80, fps=Fraction(25), size=(160, 120), gop=20)
    w = _window(qtbot)
    ctl = w.controller
    counts: list[int] = []
    ctl.frame_count_changed.connect(counts.append)
    try:
        assert w.new_from_video(video)
        # the picture first: frame 0, exact, while the worker is held
        assert not ctl.index_complete
        assert w.player_widget.shown_frame == 0
        assert read_index(ctl.current_image()) == 0
        assert ctl.frame_count == 1
        status = w.index_status
        assert not status.isHidden() and status.text() == "Indexing video… 0 %"
        assert "1 frame reachable so far" in status.toolTip()
        # steps and seeks stay within the frames indexed; the label names the frame shown
        ctl.step(1)
        ctl.seek(50)
        ctl.go_last()
        assert ctl.current_frame == 0 and w.player_widget.shown_frame == 0
        assert _label(w) == "Frame 0 / 0"
        # nothing partial in the project: the record's count is unknown until done
        assert w.project.media["m1"].frame_count == 0
        assert not w.project.has_real_timebase("m1")

        hold_index.set()
        qtbot.waitUntil(lambda: ctl.frame_count == 80, timeout=30000)
        qtbot.waitUntil(lambda: status.isHidden(), timeout=5000)
        assert counts == [80]
        assert w.player_widget.transport.slider.maximum() == 79
        assert _label(w) == "Frame 0 / 79"
        assert w.project.media["m1"].frame_count == 80
        assert w.project.timebase("m1").frame_count == 80
        assert w.project.has_real_timebase("m1")
        assert w.coding.timeline.canvas.view.frame_count == 80
        ctl.go_last()
        assert read_index(ctl.current_image()) == 79 and _label(w) == "Frame 79 / 79"
    finally:
        w.close()
        ctl.close()


def test_stepping_while_a_packet_scan_grows(qtbot, tmp_path: Path, hold_scan) -> None:
    """Matroska has no sample tables: the scan reports growing, exact prefixes, and the
    player reaches each of them while the rest is still being read."""
    video = tmp_path / "take.mkv"
    write_barcode_video(video, 120, fps=Fraction(25), size=(160, 120), gop=10)
    held, release = hold_scan.held, hold_scan.release
    w = _window(qtbot, defer=True)  # as run.py builds it
    ctl = w.controller
    try:
        assert w.open_path(video)
        assert w.player_widget.shown_frame == 0
        assert held.wait(30)
        qtbot.waitUntil(lambda: ctl.frame_count >= 30, timeout=10000)
        n = ctl.frame_count
        assert not ctl.index_complete and n < 120
        assert w.index_status.text().startswith("Indexing video… ")
        assert f"{n:,} frames reachable so far (0–{n - 1})" in w.index_status.toolTip()
        ctl.step(5)
        assert read_index(ctl.current_image()) == 5 and _label(w) == f"Frame 5 / {n - 1}"
        ctl.go_last()
        assert ctl.current_frame == n - 1
        assert read_index(ctl.current_image()) == n - 1
        ctl.step(1)  # past the indexed frames: stays on the last one, exact
        assert ctl.current_frame == n - 1 and w.player_widget.shown_frame == n - 1
        assert w.player_widget.transport.slider.maximum() == n - 1
        w.finish_startup()  # the components come while the index is still held
        # ... and the timeline starts at the frames indexed so far, not at one frame
        view = w.coding.timeline.canvas.view
        qtbot.waitUntil(lambda: view.frame_count == ctl.frame_count, timeout=5000)
        assert w.project.media["m1"].frame_count == 0
        release.set()
        qtbot.waitUntil(lambda: ctl.index_complete and ctl.frame_count == 120, timeout=30000)
        qtbot.waitUntil(lambda: w.coding.timeline.canvas.view.frame_count == 120, timeout=5000)
        assert w.project.media["m1"].frame_count == 120
        ctl.step(40)
        assert read_index(ctl.current_image()) == n - 1 + 40
    finally:
        release.set()
        w.close()
        ctl.close()


def test_a_damaged_file_says_where_the_index_stopped(qtbot, tmp_path: Path) -> None:
    whole = tmp_path / "whole.mkv"
    write_barcode_video(whole, 60, fps=Fraction(25), size=(160, 120), gop=20, start_pts=1234)
    data = whole.read_bytes()
    video = tmp_path / "cut.mkv"
    video.write_bytes(data[: len(data) // 2])
    w = _window(qtbot)
    ctl = w.controller
    errors: list[str] = []
    ctl.error_occurred.connect(errors.append)
    try:
        assert w.new_from_video(video)
        assert w.player_widget.shown_frame == 0
        qtbot.waitUntil(lambda: ctl.index_complete and len(errors) == 1, timeout=30000)
        qtbot.wait(50)  # no second report of the same line
        n = ctl.frame_count
        assert 0 < n < 60
        assert len(errors) == 1 and "\n" not in errors[0]
        assert errors[0].startswith(f"{video.name}: indexed {n} frames")
        assert f"cannot be read past frame {n - 1}" in errors[0]
        assert errors[0] in w.statusBar().currentMessage()
        assert w.index_status.text() == f"Indexed {n} frames (damaged file)"
        assert w.index_status.toolTip() == errors[0]
        assert w.project.media["m1"].frame_count == n
        for i in (n - 1, n // 2, 1):
            ctl.seek(i)
            qtbot.waitUntil(lambda i=i: not ctl.showing_preview, timeout=5000)
            assert read_index(ctl.current_image()) == i
    finally:
        w.close()
        ctl.close()


def test_a_remembered_playhead_waits_for_the_index(
    qtbot, tmp_path: Path, hold_index: threading.Event
) -> None:
    """Reopening a project whose index is not cached: the remembered frame is past the
    frames indexed so far; it is restored when the index is done, not clamped to 0."""
    video = tmp_path / "take.mp4"
    write_barcode_video(video, 80, fps=Fraction(25), size=(160, 120), gop=20)
    project = tmp_path / "take.facet.json"
    w = _window(qtbot)
    hold_index.set()
    assert w.new_from_video(video)
    qtbot.waitUntil(lambda: w.controller.frame_count == 80, timeout=30000)
    assert w.save_as(project)
    w.controller.seek(60)
    w.close()
    w.controller.close()
    for cached in (tmp_path / "cache").rglob("*"):  # the index is built again
        if cached.is_file():
            cached.unlink()
    hold_index.clear()

    w2 = _window(qtbot)
    try:
        assert w2.open_project(project)
        assert w2.controller.current_frame == 0 and not w2.controller.index_complete
        hold_index.set()
        qtbot.waitUntil(lambda: w2.controller.current_frame == 60, timeout=30000)
        assert read_index(w2.controller.current_image()) == 60
    finally:
        w2.close()
        w2.controller.close()


@pytest.mark.parametrize(
    "name",
    [
        "video/face_recognition_short_hamilton_clip.mp4",
        "video/pyfeat_noface_face_hevc_vfr.mov",
    ],
)
def test_real_samples_show_frame_0_then_index_to_the_blocking_count(
    qtbot, name: str, hold_index: threading.Event
) -> None:
    path = sample(name)
    with FrameSource(path, index_cache_dir=False, prefetch=False) as blocking:
        want, want_ts = blocking.frame_count, blocking.timestamps.copy()
        want_first = blocking.frame(0, size=(64, 36))
    w = _window(qtbot)
    ctl = w.controller
    try:
        assert w.new_from_video(path)
        assert not ctl.index_complete and w.player_widget.shown_frame == 0
        assert (ctl.source.frame(0, size=(64, 36)) == want_first).all()
        hold_index.set()
        qtbot.waitUntil(lambda: ctl.frame_count == want, timeout=60000)
        assert (ctl.timebase.timestamps == want_ts).all()
        assert w.project.media["m1"].frame_count == want
        assert w.coding.timeline.canvas.view.frame_count == want
        ctl.go_last()
        assert ctl.current_frame == want - 1 and _label(w) == f"Frame {want - 1} / {want - 1}"
    finally:
        w.close()
        ctl.close()


def test_a_video_opened_while_another_indexes_keeps_its_own_count(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    """Reports of a replaced source (still indexing when the next video opened) are
    dropped: the count, the label and the status belong to the video on screen."""
    first, second = tmp_path / "first.mp4", tmp_path / "second.mp4"
    write_barcode_video(first, 90, fps=Fraction(25), size=(160, 120), gop=15)
    write_barcode_video(second, 40, fps=Fraction(25), size=(160, 120), gop=10)
    release = threading.Event()
    real = index_worker.build_index

    def held_for_first(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).name == "first.mp4":
            release.wait(60)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(index_worker, "build_index", held_for_first)
    w = _window(qtbot)
    ctl = w.controller
    try:
        assert w.new_from_video(first)
        old = ctl.source
        assert not ctl.index_complete
        assert w.new_from_video(second)
        qtbot.waitUntil(lambda: ctl.frame_count == 40, timeout=30000)
        release.set()  # the first video's worker ends (cancelled or done) after the switch
        qtbot.wait(200)
        assert ctl.source is not old and ctl.frame_count == 40
        assert _label(w) == "Frame 0 / 39" and w.index_status.isHidden()
        assert w.project.media["m1"].frame_count == 40
    finally:
        release.set()
        w.close()
        ctl.close()
