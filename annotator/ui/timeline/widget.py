"""TimelineWidget: the canvas with scroll bars and zoom buttons, following the player.

Request, owner, notify: clicks and scrubs emit ``seek_requested``; only the player
controller changes the frame, and its ``frame_changed`` moves the playhead here.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QScrollBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.commands import RemoveMarkerCommand, UpdateMarkerCommand
from annotator.model.project import Project
from annotator.ui.timeline.canvas import TimelineCanvas
from annotator.ui.timeline.lanes import LaneKey, au_lane_key, content_height
from annotator.ui.timeline.overlays import OverlaySource, connect_changed
from annotator.ui.timeline.selection import EventSelection
from annotator.ui.timeline.view import RULER_PX

log = logging.getLogger(__name__)

_H_UNITS = 10  # horizontal scroll bar counts tenths of a frame (it takes ints)


class PlayerLike(Protocol):
    """What the timeline needs from the player controller."""

    frame_changed: Any  # Signal(int)

    def seek(self, frame: int) -> None: ...

    @property
    def current_frame(self) -> int: ...


def smpte_or_seconds(fps: Any) -> Any:
    """A frame -> label function: SMPTE timecode."""
    from annotator.model.timecode import frame_to_smpte

    return lambda f: frame_to_smpte(max(0, f), fps)


class TimelineWidget(QWidget):
    seek_requested = Signal(int)
    edit_requested = Signal(int)
    error_raised = Signal(str)

    def __init__(
        self,
        project: Project,
        stack: QUndoStack,
        controller: PlayerLike | None = None,
        selection: EventSelection | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("TimelineWidget")
        self.selection = selection or EventSelection(self)
        self.canvas = TimelineCanvas(project, stack, self.selection, self)
        self.hbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.vbar = QScrollBar(Qt.Orientation.Vertical, self)
        self.zoom_label = QLabel(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        for text, tip, slot in (
            ("Fit", "Whole video (Ctrl+wheel zooms at the cursor)", self.zoom_to_fit),
            ("Frames", "Zoom to single frames around the playhead", self.zoom_to_frames),
            ("−", "Zoom out", lambda: self._zoom_step(1 / 1.5)),
            ("+", "Zoom in", lambda: self._zoom_step(1.5)),
        ):
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
        bar.addWidget(self.zoom_label)
        bar.addStretch(1)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        grid.addWidget(self.canvas, 0, 0)
        grid.addWidget(self.vbar, 0, 1)
        grid.addWidget(self.hbar, 1, 0)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addLayout(bar)
        outer.addLayout(grid)
        self.canvas.view_changed.connect(self._sync_bars)
        self.canvas.seek_requested.connect(self.seek_requested)
        self.canvas.edit_requested.connect(self.edit_requested)
        self.canvas.marker_edit_requested.connect(self._on_canvas_marker_edit_requested)
        self.canvas.error_raised.connect(self.error_raised)
        self.hbar.valueChanged.connect(self._on_hbar_value_changed)
        self.vbar.valueChanged.connect(self._on_vbar_value_changed)
        self.selection.lane_changed.connect(self._on_selection_lane_changed)
        self.controller: PlayerLike | None = None
        self._set_timecode()
        if controller is not None:
            self.set_controller(controller)
        self._sync_bars()

    # ------------------------------------------------------------------ wiring
    @property
    def project(self) -> Project:
        return self.canvas.project

    @property
    def view(self):  # type: ignore[no-untyped-def]
        return self.canvas.view

    def set_project(self, project: Project) -> None:
        self.selection.clear()
        self.selection.set_lane(None)
        self.canvas.set_project(project)
        self._set_timecode()
        self._sync_bars()

    @property
    def media_id(self) -> str:
        return self.canvas.media_id

    def set_media(self, media_id: str) -> None:
        """Follow the player onto another take: its lanes, its length, its new events."""
        if media_id == self.canvas.media_id:
            return
        self.selection.clear()
        self.canvas.set_media(media_id)
        self.refresh_extent()

    def set_controller(self, controller: PlayerLike) -> None:
        if self.controller is not None:
            try:
                self.seek_requested.disconnect(self.controller.seek)
                self.controller.frame_changed.disconnect(self.set_playhead)
            except (RuntimeError, TypeError):
                pass
        self.controller = controller
        self.seek_requested.connect(controller.seek)
        controller.frame_changed.connect(self.set_playhead)
        if isinstance(controller, QObject) and hasattr(controller, "media_opened"):
            controller.media_opened.connect(self._on_controller_media_opened)
        if isinstance(controller, QObject) and hasattr(controller, "loop_changed"):
            controller.loop_changed.connect(self.set_loop)
        self.set_playhead(int(controller.current_frame))

    def set_loop(self, a: int | None, b: int | None) -> None:
        """The A-B loop, drawn on the ruler."""
        self.canvas.loop = (a, b)
        self.canvas.update()

    def _on_canvas_marker_edit_requested(self, marker_id: int) -> None:
        """Double-click on a marker: edit its text (empty text deletes it)."""
        m = self.project.markers.get(marker_id)
        if m is None:
            return
        text, ok = QInputDialog.getText(
            self,
            "Marker",
            f"Text (frames {m.start_frame}–{m.end_frame}); empty deletes:",
            text=m.text,
        )
        if not ok:
            return
        stack = self.canvas.stack
        if text.strip():
            stack.push(UpdateMarkerCommand(self.project, marker_id, {"text": text.strip()}))
        else:
            stack.push(RemoveMarkerCommand(self.project, marker_id))

    def _on_controller_media_opened(self, *_args: Any) -> None:
        self.refresh_extent()

    def refresh_extent(self) -> None:
        """Frame count or rate changed (video opened, real timestamps arrived, the index
        grew): a view that showed the whole video still does; a zoomed one keeps its zoom
        and scroll (clamped), so a coder zoomed in while the index is built stays there."""
        v = self.canvas.view
        whole = v.left_frame <= 0.0 and v.px_per_frame <= v.min_px_per_frame * (1 + 1e-9)
        self.canvas.refresh_extent()
        self._set_timecode()
        if whole:
            v.zoom_to_fit()
        self._sync_bars()
        self.canvas.update()

    def set_indexing_timebase(self, timebase: Any) -> None:
        """While the video's index is built and the project does not know its length: the
        ruler, extent, scroll bar and Fit follow ``timebase`` (the frames indexed so far;
        ``None``: the project's again). The project's media record is not touched."""
        if self.canvas.cache.set_indexing_timebase(timebase):
            self.refresh_extent()

    def _set_timecode(self) -> None:
        self.canvas.timecode = smpte_or_seconds(self.canvas.view.fps)

    # ------------------------------------------------------------------ public API
    def set_playhead(self, frame: int) -> None:
        """Follow the player; page the view when the playhead leaves it."""
        self.canvas.playhead = int(frame)
        if self.canvas._drag is None and self.canvas.view.ensure_visible(int(frame)):
            self._sync_bars()
        self.canvas.update()

    def set_pending(self, pending: Any) -> None:
        self.canvas.pending = pending
        self.canvas.update()

    def add_overlay_lane(self, source: OverlaySource) -> LaneKey:
        """Another module's lane (candidates, ...) under the markers, shown while it has
        items; clicks select and seek, plain letters go to ``source.handle_key``. It stays
        across project replacement: the source follows the project itself."""
        key = self.canvas.add_overlay(source)
        connect_changed(source, self._changed)
        self._changed()
        return key

    def add_au_lane(self, face: str, au: int) -> None:
        self.canvas.cache.add_au_lane(face, au)
        self.selection.set_lane(au_lane_key(face, au))
        self.canvas.update()

    def select_event(self, event_id: int, reveal: bool = True) -> None:
        e = self.project.events.get(event_id)
        if e is None:
            return
        self.selection.set([event_id])
        self.selection.set_lane(e.lane_key)
        if reveal:
            self.canvas.view.ensure_visible(e.onset_frame)
            self._sync_bars()
        self.canvas.update()

    def _on_selection_lane_changed(self, key: Any) -> None:
        """Scroll the lanes so a lane selected elsewhere (table, keys) is on screen."""
        self.canvas.ensure()
        lane = self.canvas.cache.lane(key) if key else None
        v = self.canvas.view
        if lane is None:
            return
        visible_h = v.height_px - RULER_PX
        if lane.top_px < v.scroll_y_px:
            v.scroll_y_px = lane.top_px
        elif lane.bottom_px > v.scroll_y_px + visible_h:
            v.scroll_y_px = lane.bottom_px - visible_h
        else:
            return
        v.clamp()
        self._changed()

    def zoom_to_fit(self) -> None:
        self.canvas.view.zoom_to_fit()
        self._changed()

    def zoom_to_frames(self, frames: int = 24) -> None:
        self.canvas.view.zoom_to_frames(frames, self.canvas.playhead)
        self._changed()

    def _zoom_step(self, factor: float) -> None:
        v = self.canvas.view
        x = (
            v.x_of(self.canvas.playhead)
            if v.visible_frames()[0] <= self.canvas.playhead <= v.visible_frames()[1]
            else v.track_left_px + v.track_width_px / 2
        )
        v.zoom_at(factor, x)
        v.ensure_visible(self.canvas.playhead)  # a zoom preset never loses the playhead
        self._changed()

    def _changed(self) -> None:
        self._sync_bars()
        self.canvas.update()

    # ------------------------------------------------------------------ scroll bars
    def _sync_bars(self) -> None:
        v = self.canvas.view
        span = v.track_width_px / v.px_per_frame
        self.hbar.blockSignals(True)
        self.hbar.setRange(0, int(max(0.0, v.frame_count - span) * _H_UNITS))
        self.hbar.setPageStep(max(1, int(span * _H_UNITS)))
        self.hbar.setSingleStep(max(1, int(span * _H_UNITS / 20)))
        self.hbar.setValue(int(v.left_frame * _H_UNITS))
        self.hbar.blockSignals(False)
        self.canvas.ensure()
        visible_h = max(0, v.height_px - RULER_PX)
        self.vbar.blockSignals(True)
        self.vbar.setRange(0, max(0, content_height(v.lanes) - visible_h))
        self.vbar.setPageStep(max(1, visible_h))
        self.vbar.setValue(v.scroll_y_px)
        self.vbar.blockSignals(False)
        frames = span
        self.zoom_label.setText(
            f"{frames:.0f} frames in view"
            if frames < 2000
            else f"{float(frames / v.fps):.0f} s in view"
        )

    def _on_hbar_value_changed(self, value: int) -> None:
        self.canvas.view.left_frame = value / _H_UNITS
        self.canvas.view.clamp()
        self.canvas.update()

    def _on_vbar_value_changed(self, value: int) -> None:
        self.canvas.view.scroll_y_px = value
        self.canvas.view.clamp()
        self.canvas.update()
