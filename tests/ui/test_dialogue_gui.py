"""Dialogue in the window (issue 15 part 5): subtitles over the picture, the audio lane,
emotion during dialogue. Rendered offscreen and read back from the pixels."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot
from samples_dir import sample

from annotator.analysis.dialogue import CueIndex
from annotator.io.importing import apply_plan
from annotator.io.srt import plan_srt_import
from annotator.media.waveform import Waveform, build_levels
from annotator.model import Event, EventKind, Face, Marker, MarkerKind, Media, Project
from annotator.ui.dialogue.subtitles import (
    SubtitleOverlay,
    clean_text,
    paint_subtitle,
    subtitle_font,
)
from annotator.ui.player.frame_view import FrameView, qimage_to_ndarray
from annotator.ui.timeline.dialogue_marks import BAND_PX, SPEECH
from annotator.ui.timeline.lanes import WAVEFORM_KEY, LaneKind
from annotator.ui.timeline.view import Hit, Region
from annotator.ui.timeline.waveform_lane import WAVE, WaveformState, waveform_path
from annotator.ui.timeline.widget import TimelineWidget

W, H = 320, 180


def picture() -> np.ndarray:
    """A picture with structure everywhere (so a band or text changes pixels)."""
    y, x = np.mgrid[0:H, 0:W]
    return np.stack([(x * 255 // W), (y * 255 // H), ((x + y) % 64) * 3], -1).astype(np.uint8)


def dialogue_project() -> Project:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=200, width=W, height=H, fps=Fraction(25)))
    p.add_face(Face("A", "Ada", "#e6553a"))
    p.add_marker(Marker(0, MarkerKind.DIALOGUE, 10, 20, "m1", text="I'm fine,\nreally."))
    p.add_marker(Marker(0, MarkerKind.DIALOGUE, 50, 60, "m1", text="<i>No</i> {\\an8}way."))
    p.add_marker(Marker(0, MarkerKind.NOTE, 25, 35, "m1", text="a note is not a line"))
    return p


def grab_view(qtbot: QtBot, with_overlay: bool, frame: int, p: Project):
    fv = FrameView()
    qtbot.addWidget(fv)
    fv.resize(480, 300)
    fv.set_video_size(W, H)
    overlay = SubtitleOverlay(fv, CueIndex.of(p, "m1").text_at) if with_overlay else None
    fv.show()
    qtbot.waitExposed(fv)
    img = picture()
    fv.set_frame_image(frame, img)
    return fv, overlay, fv.grab().toImage().convertToFormat(QImage.Format.Format_RGB32), img


def reference(qtbot: QtBot, p: Project, frame: int, lines: list[str]) -> QImage:
    """The plain picture with ``lines`` painted by the subtitle painter over it."""
    fv, _o, plain, _img = grab_view(qtbot, False, frame, p)
    if lines:
        painter = QPainter(plain)
        x, y, w, h = fv.view.image_rect(W, H)
        area = QRectF(x, y, w, h).intersected(QRectF(fv.rect()))
        paint_subtitle(painter, area, lines, subtitle_font(area.height(), fv.font()))
        painter.end()
    return plain


def test_overlay_draws_the_cue_of_the_frame_on_screen(qtbot: QtBot) -> None:
    p = dialogue_project()
    plain = qimage_to_ndarray(reference(qtbot, p, 0, []))
    ref_a = qimage_to_ndarray(reference(qtbot, p, 0, ["I'm fine,", "really."]))
    ref_b = qimage_to_ndarray(reference(qtbot, p, 0, ["No way."]))
    for frame, want, text in (
        (9, plain, ""),
        (10, ref_a, "I'm fine,\nreally."),
        (20, ref_a, "I'm fine,\nreally."),
        (21, plain, ""),
        (30, plain, ""),  # a note is not dialogue
        (55, ref_b, "No way."),  # styling tags are not drawn
    ):
        fv, overlay, got, _img = grab_view(qtbot, True, frame, p)
        arr = qimage_to_ndarray(got)
        assert overlay is not None and overlay.last_text == text, frame
        assert np.abs(arr.astype(int) - want.astype(int)).max() <= 2, frame
    # the line is really drawn, at the bottom of the picture, and in white
    diff = np.abs(ref_a.astype(int) - plain.astype(int)).sum(-1) > 30
    rows = np.flatnonzero(diff.any(1))
    x, y, w, h = fv.view.image_rect(W, H)
    assert rows.min() > y + h * 0.6 and rows.max() <= y + h
    white = (ref_a > 235).all(-1) & diff
    assert white.sum() > 150
    assert not np.array_equal(ref_a, ref_b)


def test_overlay_hidden_and_without_picture(qtbot: QtBot) -> None:
    p = dialogue_project()
    fv, overlay, _got, _img = grab_view(qtbot, True, 12, p)
    assert overlay is not None
    overlay.set_shown(False)
    plain = qimage_to_ndarray(reference(qtbot, p, 12, []))
    hidden = qimage_to_ndarray(fv.grab().toImage())
    assert overlay.last_text == "" and np.abs(hidden.astype(int) - plain.astype(int)).max() <= 2
    overlay.set_shown(True)
    fv.set_frame_image(None, None)
    fv.grab()
    assert overlay.last_text == ""  # no picture, no line


def test_clean_text() -> None:
    assert clean_text('<font color="red">Red</font>\n\n{\\an8}<b>top</b> ') == ["Red", "top"]


# ----------------------------------------------------------------------------- the window
def srt(tmp_path: Path) -> Path:
    f = tmp_path / "lines.srt"
    f.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nThank you all.\n\n"
        "2\n00:00:05,000 --> 00:00:07,000\nPlease sit down.\n",
        encoding="utf-8",
    )
    return f


@pytest.mark.slow
def test_window_subtitles_key_setting_and_audio_lane(make_window, qtbot: QtBot, tmp_path) -> None:
    """The Hamilton clip (AAC, video starting 0.852 s into the stream): the waveform lane
    appears after the worker, the line of the frame on screen is over the picture, V hides
    it (remembered), W hides the lane (remembered), the peaks are cached."""
    from annotator.media.waveform import cache_file

    video = sample("video/face_recognition_short_hamilton_clip.mp4")
    w = make_window(size=(1366, 768))
    assert w.new_from_video(video)
    ui = w.dialogue
    qtbot.waitUntil(lambda: ui.wave.wave is not None, timeout=60000)
    assert cache_file(video).exists()
    canvas = w.coding.timeline.canvas
    canvas.ensure()
    lane = canvas.cache.lane(WAVEFORM_KEY)
    assert lane is not None and lane.kind is LaneKind.WAVEFORM
    img = qimage_to_ndarray(canvas.grab().toImage())
    y0 = canvas.view.y_of_lane(lane)
    band = img[y0 : y0 + lane.height_px, 220:]
    wave_px = (
        np.abs(band.astype(int) - [WAVE.red(), WAVE.green(), WAVE.blue()]).sum(-1) < 40
    ).sum()
    assert wave_px > 2000  # the lane shows sound, not a line

    apply_plan(w.project, plan_srt_import(w.project, srt(tmp_path)))
    tb = w.project.timebase("m1")
    frame = tb.index_at(2.0)
    w.controller.seek(frame)
    qtbot.waitUntil(lambda: w.player_widget.frame_view.frame == frame, timeout=20000)
    w.player_widget.frame_view.grab()
    assert ui.subtitles is not None and ui.subtitles.last_text == "Thank you all."
    w.controller.seek(tb.index_at(4.0))
    qtbot.waitUntil(lambda: w.player_widget.frame_view.frame == tb.index_at(4.0), timeout=20000)
    w.player_widget.frame_view.grab()
    assert ui.subtitles.last_text == ""

    w.player_widget.setFocus()
    qtbot.keyClick(w.player_widget, Qt.Key.Key_V)
    assert not ui.subtitles_action.isChecked() and not ui.subtitles.shown
    assert str(w.settings.value("view/subtitles")).lower() in ("false", "0")
    qtbot.keyClick(w.player_widget, Qt.Key.Key_W)
    canvas.ensure()
    assert canvas.cache.lane(WAVEFORM_KEY) is None
    assert str(w.settings.value("view/waveform")).lower() in ("false", "0")

    w2 = make_window(show=False)
    assert not w2.dialogue.subtitles_action.isChecked()
    assert not w2.dialogue.waveform_action.isChecked()
    w2.dialogue.set_subtitles_shown(True)
    w2.dialogue.set_waveform_shown(True)
    assert w2.new_from_video(video)
    assert w2.dialogue.worker is None and w2.dialogue.wave.wave is not None  # from the cache


@pytest.mark.slow
def test_window_video_without_audio_has_no_lane(make_window, qtbot: QtBot, demo_copy) -> None:
    import av

    w = make_window()
    assert w.open_project(demo_copy)
    video = w.controller.source.path
    with av.open(str(video)) as c:
        assert not c.streams.audio  # the demo video is silent
    qtbot.waitUntil(lambda: w.dialogue.worker is None, timeout=30000)
    canvas = w.coding.timeline.canvas
    canvas.ensure()
    assert canvas.cache.lane(WAVEFORM_KEY) is None
    assert w.dialogue.wave.status == "" and w.dialogue.wave.wave is None
    assert "waveform" not in w.statusBar().currentMessage()


# ----------------------------------------------------------------------------- the timeline
class Window(QMainWindow):
    def __init__(self, project: Project) -> None:
        super().__init__()
        from annotator.ui.context import standalone_context

        self.ctx = standalone_context(project, host=self)
        self.timeline = TimelineWidget(project, self.ctx.undo_stack)
        self.setCentralWidget(self.timeline)


def shown_timeline(qtbot: QtBot, project: Project) -> Window:
    """The timeline of ``project`` in a 1200x300 window on screen."""
    win = Window(project)
    qtbot.addWidget(win)
    win.resize(1200, 300)
    win.show()
    qtbot.waitExposed(win)
    return win


def tone_wave(seconds_silent: float, seconds_loud: float) -> Waveform:
    n0, n1 = int(seconds_silent * 100), int(seconds_loud * 100)
    lv = np.zeros((n0 + n1, 2), np.float32)
    lv[n0:, 0], lv[n0:, 1] = -0.5, 0.5
    return Waveform(start_s=0.0, sample_rate=8000, channels=1, levels=build_levels(lv))


def test_waveform_lane_draws_the_peaks_at_every_zoom(qtbot: QtBot) -> None:
    """4 s of silence then 4 s of a 0.5 tone on a 200-frame take at 25 fps: the lane is tall
    where the tone is and a line where it is silent, fitted and at single frames."""
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=200, fps=Fraction(25)))
    win = shown_timeline(qtbot, p)
    state = WaveformState()
    canvas = win.timeline.canvas
    canvas.set_waveform(state)
    canvas.ensure()
    assert canvas.cache.lane(WAVEFORM_KEY) is None  # no peaks yet: no lane
    state.set_status("computing 40 %")
    canvas.ensure()
    assert canvas.cache.lane(WAVEFORM_KEY).label == "Audio (computing 40 %)"
    state.set_wave("v.mp4", tone_wave(4.0, 4.0))
    canvas.ensure()
    lane = canvas.cache.lane(WAVEFORM_KEY)
    assert lane is not None and lane.label == "Audio"

    def heights(frames: list[int]) -> list[int]:
        img = qimage_to_ndarray(canvas.grab().toImage())
        y0 = canvas.view.y_of_lane(lane)
        out = []
        for f in frames:
            x = int(canvas.view.x_of(f + 0.5))
            col = img[y0 : y0 + lane.height_px, x]
            close = np.abs(col.astype(int) - [WAVE.red(), WAVE.green(), WAVE.blue()]).sum(-1)
            edge = (col > 150).all(-1) & (col[:, 2] > 180)
            out.append(int(((close < 60) | edge).sum()))
        return out

    win.timeline.zoom_to_fit()
    silent, loud = heights([50, 150])
    assert loud >= lane.height_px // 2 and silent <= 3
    canvas.playhead = 0  # the playhead tints its frame: keep it out of the measured columns
    canvas.view.zoom_to_frames(12, 150)
    assert canvas.view.px_per_frame > 50  # single frames
    assert min(heights([148, 150, 152])) >= lane.height_px // 2
    canvas.view.zoom_to_frames(12, 50)
    assert max(heights([48, 50, 52])) <= 3
    state.set_shown(False)
    canvas.ensure()
    assert canvas.cache.lane(WAVEFORM_KEY) is None


def test_waveform_lane_follows_the_streams_start_times(qtbot: QtBot) -> None:
    """Video frame 0 at stream time 1.0 s (like the Hamilton clip's 0.852 s), the tone from
    stream time 3.0 s: on the lane it starts at video time 2.0 s, frame 50 at 25 fps."""
    from annotator.model.timebase import Timebase

    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=200, fps=Fraction(25)))
    p.set_timebase("m1", Timebase(np.arange(200) / 25.0, Fraction(25), start_s=1.0))
    win = shown_timeline(qtbot, p)
    state = WaveformState()
    canvas = win.timeline.canvas
    canvas.set_waveform(state)
    state.set_wave("v.mp4", tone_wave(3.0, 6.0))
    win.timeline.zoom_to_fit()
    canvas.ensure()
    lane = canvas.cache.lane(WAVEFORM_KEY)
    img = qimage_to_ndarray(canvas.grab().toImage())
    y0 = canvas.view.y_of_lane(lane)
    strip = img[y0 : y0 + lane.height_px]
    tall = (np.abs(strip.astype(int) - [WAVE.red(), WAVE.green(), WAVE.blue()]).sum(-1) < 60).sum(0)
    v = canvas.view
    assert tall[int(v.x_of(47))] <= 3 and tall[int(v.x_of(53))] >= lane.height_px // 2
    first_loud = int(np.flatnonzero(tall[int(v.x_of(0)) :] >= lane.height_px // 2)[0])
    assert abs(first_loud - (v.x_of(50) - v.x_of(0))) <= 2


def test_waveform_path_is_one_polygon_per_run() -> None:
    mins = np.array([-0.1, -0.2, np.nan, np.nan, -0.3, -0.3], np.float32)
    maxs = -mins
    path = waveform_path(0.0, 20.0, 10.0, mins, maxs)
    polys = path.toSubpathPolygons()
    assert len(polys) == 2
    assert path.boundingRect().top() == pytest.approx(17.0)
    assert waveform_path(0.0, 20.0, 10.0, mins[2:4], maxs[2:4]).isEmpty()


def test_emotion_during_dialogue_band_and_tooltip(qtbot: QtBot) -> None:
    p = dialogue_project()
    on = p.add_event(Event(0, "A", EventKind.EMOTION, 15, 40, media="m1", emotion="happiness")).id
    p.add_event(Event(0, "A", EventKind.EMOTION, 100, 120, media="m1", emotion="anger"))
    win = shown_timeline(qtbot, p)
    canvas = win.timeline.canvas
    win.timeline.zoom_to_fit()
    canvas.ensure()
    lane = canvas.cache.lane(("A", "emotion"))
    img = qimage_to_ndarray(canvas.grab().toImage())
    y = canvas.view.y_of_lane(lane) + lane.height_px - BAND_PX // 2 - 1
    row = img[y]
    blue = np.abs(row.astype(int) - [SPEECH.red(), SPEECH.green(), SPEECH.blue()]).sum(-1) < 40
    xs = np.flatnonzero(blue)
    v = canvas.view
    # the overlap of 15-40 with the line 10-20 is 15-20; 50-60 is not reached; 100-120: none
    assert xs.min() >= v.x_of(15) - 1 and xs.max() <= v.x_of(21) + 1
    assert blue[int(v.x_of(17))]
    assert not blue[int(v.x_of(30))] and not blue[int(v.x_of(110))]
    from annotator.ui.timeline.tooltips import hover_text

    text = hover_text(canvas, Hit(Region.BODY, 17, lane, on))
    assert "During dialogue" in text and "frames 15–20" in text and "I&#x27;m fine" in text
    p.update_marker(next(m.id for m in p.markers.values() if m.start_frame == 10), end_frame=12)
    canvas.ensure()
    assert "During dialogue" not in hover_text(canvas, Hit(Region.BODY, 17, lane, on))


def test_overlap_list_selects_and_summarises(qtbot: QtBot) -> None:
    from annotator.analysis.dialogue import emotion_dialogue_overlaps
    from annotator.ui.context import standalone_context
    from annotator.ui.dialogue.overlap_list import OverlapListDialog

    p = dialogue_project()
    eid = p.add_event(Event(0, "A", EventKind.EMOTION, 15, 55, media="m1", emotion="fear")).id
    ctx = standalone_context(p)
    dlg = OverlapListDialog(ctx, emotion_dialogue_overlaps(p, "m1"))
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 2
    assert dlg.table.item(0, 2).text() == "15–20 (6)"
    assert dlg.table.item(1, 4).text() == "<i>No</i> {\\an8}way."
    assert dlg.summary.text() == "1 emotion event overlap 2 dialogue lines (12 frames; Ada)"
    dlg.go_to(1)
    assert ctx.workspace.selection.ids == {eid}


def test_strip_shows_the_line_while_vlc_draws(make_window, qtbot: QtBot, tmp_path) -> None:
    """VLC draws into a native window the overlay cannot cover: while it shows, the line of
    the frame the controller reports is on the native strip; on pause the strip goes."""
    from PySide6.QtWidgets import QWidget

    from annotator.ui.dialogue.subtitles import SubtitleStrip

    w = make_window(size=(1200, 800))
    assert w.new_from_video(sample("video/face_recognition_short_hamilton_clip.mp4"))
    apply_plan(w.project, plan_srt_import(w.project, srt(tmp_path)))
    ui = w.dialogue
    area = w.player_widget.frame_view.parentWidget()
    assert isinstance(area, QWidget)
    if ui.strip is None:  # offscreen: no VLC surface, so build the strip as on X11
        ui.strip = SubtitleStrip(area)
    tb = w.project.timebase("m1")
    w.controller.seek(tb.index_at(2.0))
    ui._on_controller_surface_changed(True)  # as the controller says when VLC starts drawing
    assert ui.strip.isVisible() and ui.strip.lines == ["Thank you all."]
    assert ui.strip.geometry().bottom() <= area.height() and ui.strip.width() == area.width()
    ui.set_subtitles_shown(False)
    assert not ui.strip.isVisible()
    ui.set_subtitles_shown(True)
    w.controller.seek(tb.index_at(4.0))
    ui._on_controller_frame_changed(tb.index_at(4.0))
    assert not ui.strip.isVisible()
    w.controller.seek(tb.index_at(6.0))
    ui._on_controller_frame_changed(tb.index_at(6.0))
    assert ui.strip.lines == ["Please sit down."]
    ui._on_controller_playing_changed(False)  # pause: gone before VLC's window is grabbed
    assert not ui.strip.isVisible()
    ui._on_controller_frame_changed(tb.index_at(6.0))
    assert not ui.strip.isVisible()
    ui._on_controller_surface_changed(True)
    assert ui.strip.isVisible()
    ui._on_controller_surface_changed(False)  # the exact frame is back: the overlay shows it
    assert not ui.strip.isVisible()
