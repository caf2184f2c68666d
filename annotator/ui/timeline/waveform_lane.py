"""The audio lane of the timeline: the video's waveform under the markers.

``WaveformState`` (Qt-free) holds the peaks of the video in the player, whether the lane is
shown and what the worker is doing ("computing 40 %"); the dialogue controller fills it and
the timeline cache lays the lane out from it. ``paint_waveform`` draws the columns in view:
one min/max pair per pixel column from the peak pyramid (``Waveform.columns_at``), mapped
through the take's real frame times, drawn as one filled path per run of audio. The number
of drawn items never depends on the number of samples, only on the lane's width.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from annotator.media.waveform import Waveform
from annotator.model.signals import Signal
from annotator.model.timebase import Timebase
from annotator.ui.timeline.lanes import Lane
from annotator.ui.timeline.view import HEADER_PX, TimelineView

WAVE = QColor("#5fb4a8")
WAVE_EDGE = QColor("#8fe0d4")
MID_LINE = QColor(255, 255, 255, 40)
STATUS = QColor("#9aa0aa")
MAX_GAIN = 20.0  # a quiet recording is scaled up to fill the lane, at most this much


class WaveformState:
    """What the audio lane shows; ``changed`` fires when any of it changes."""

    def __init__(self) -> None:
        self.wave: Waveform | None = None
        self.path: str = ""  # the video the peaks belong to
        self.shown = True
        self.status = ""  # "computing 40 %" while the worker runs
        self.changed = Signal("waveform_changed")
        self._times: tuple[Timebase, np.ndarray] | None = None

    @property
    def visible(self) -> bool:
        """The lane is laid out: shown, and peaks (or a computation) exist. A video without
        audio has neither, so no lane."""
        return self.shown and (self.wave is not None or bool(self.status))

    def title(self) -> str:
        return "Audio" if not self.status else f"Audio ({self.status})"

    def set_wave(self, path: str, wave: Waveform | None) -> None:
        self.path, self.wave, self.status = path, wave, ""
        self.changed.emit()

    def set_status(self, text: str) -> None:
        if text != self.status:
            self.status = text
            self.changed.emit()

    def set_shown(self, on: bool) -> None:
        if on != self.shown:
            self.shown = on
            self.changed.emit()

    def frame_times(self, tb: Timebase) -> np.ndarray:
        """Start of every frame and the end of the last, in stream seconds (cached)."""
        if self._times is None or self._times[0] is not tb:
            ts = np.append(tb.timestamps, tb.duration_total_s) + tb.start_s
            self._times = (tb, ts)
        return self._times[1]


def column_edges_s(v: TimelineView, times: np.ndarray) -> tuple[float, np.ndarray]:
    """x of the first column and the stream time of every column edge (one column per
    pixel of the track), interpolated in each frame's real duration."""
    n = v.track_width_px
    frames = v.left_frame + np.arange(n + 1) / v.px_per_frame
    # linear within each frame; only the columns are touched, never every frame's time
    last = len(times) - 2
    i = np.clip(np.floor(frames).astype(np.int64), 0, last)
    frac = np.clip(frames - i, 0.0, 1.0)
    return float(HEADER_PX), times[i] + frac * (times[i + 1] - times[i])


def paint_waveform(
    p: QPainter, v: TimelineView, lane: Lane, state: WaveformState | None, tb: Timebase
) -> None:
    if state is None:
        return
    top, h = float(v.y_of_lane(lane)), float(lane.height_px)
    mid = top + h / 2
    p.setPen(QPen(MID_LINE, 1))
    p.drawLine(QPointF(HEADER_PX, mid), QPointF(v.width_px, mid))
    wave = state.wave
    if wave is None:
        if state.status:
            p.setPen(STATUS)
            p.drawText(
                QRectF(HEADER_PX + 8, top, v.track_width_px - 16, h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                f"audio waveform: {state.status}",
            )
        return
    x0, edges = column_edges_s(v, state.frame_times(tb))
    mins, maxs = wave.columns_at(edges)
    gain = 1.0 / max(wave.peak, 1.0 / MAX_GAIN)
    half = h / 2 - 2
    path = waveform_path(x0, mid, half * gain, mins, maxs)
    if path.isEmpty():
        return
    p.save()
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(QPen(WAVE_EDGE, 1))
        p.setBrush(WAVE)
        p.drawPath(path)
    finally:
        p.restore()


def waveform_path(
    x0: float, mid: float, scale: float, mins: np.ndarray, maxs: np.ndarray
) -> QPainterPath:
    """One closed polygon per run of columns with audio: the maxima left to right, then the
    minima back, so silence is a line and a gap (no audio) is empty."""
    path = QPainterPath()
    ok = np.isfinite(mins) & np.isfinite(maxs)
    if not ok.any():
        return path
    # at least one pixel tall, so quiet stretches still read as "sound here"
    top_y = np.minimum(mid - np.asarray(maxs, np.float64) * scale, mid - 0.5)
    bot_y = np.maximum(mid - np.asarray(mins, np.float64) * scale, mid + 0.5)
    d = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    for a, b in zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True):
        xs = x0 + np.arange(a, b + 1, dtype=np.float64)  # each column spans [x, x + 1)
        up = np.append(top_y[a:b], top_y[b - 1])
        down = np.append(bot_y[a:b], bot_y[b - 1])
        path.addPolygon(_polygon(np.concatenate([xs, xs[::-1]]), np.concatenate([up, down[::-1]])))
        path.closeSubpath()
    return path


def _polygon(xs: np.ndarray, ys: np.ndarray) -> QPolygonF:
    """A QPolygonF filled straight from numpy (pyqtgraph's helpers write into its memory),
    not one QPointF object per point."""
    from pyqtgraph import functions as fn

    poly = fn.create_qpolygonf(len(xs))
    arr = fn.ndarray_from_qpolygonf(poly)
    arr[:, 0] = xs
    arr[:, 1] = ys
    return poly


def tooltip(state: WaveformState | None, frame: int, tb: Timebase) -> str:
    """Hover text: the audio's peak level during ``frame``, in dBFS."""
    if state is None or state.wave is None:
        return state.title() if state is not None else ""
    times = state.frame_times(tb)
    f = min(max(frame, 0), len(times) - 2)
    lo, hi = state.wave.peak_between(float(times[f]), float(times[f + 1]))
    if not np.isfinite(lo):
        return f"Audio, frame {frame}: no sound track here"
    peak = max(abs(lo), abs(hi))
    level = "silence" if peak <= 1e-5 else f"peak {20 * np.log10(peak):.1f} dBFS"
    return f"Audio, frame {frame}: {level} (drag on this lane to scrub)"
