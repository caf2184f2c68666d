"""The drawing surface of the timeline: turns mouse and keys into intents and commands.

It only displays and forwards: geometry comes from ``TimelineView``/``TimelineCache``,
drawing from ``painters``, and every edit is a command pushed on the project's undo stack
when a drag is released (the drag itself is a local preview, Esc cancels it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import (
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from annotator.commands import (
    AddEventCommand,
    AddMarkerCommand,
    UpdateEventCommand,
    push_remove_events,
)
from annotator.commands.events import moved
from annotator.model.entities import Event, EventKind, Marker, MarkerKind
from annotator.model.project import ModelError, Project
from annotator.ui.timeline import curve_lane, overlay_input
from annotator.ui.timeline.cache import TimelineCache, cache_for
from annotator.ui.timeline.drag import Drag, DragMode
from annotator.ui.timeline.lanes import FACE_ROW_PX, LANE_PX, Lane, LaneKey, LaneKind
from annotator.ui.timeline.overlays import OverlaySource, connect_changed
from annotator.ui.timeline.painters import PaintContext, paint_all
from annotator.ui.timeline.selection import EventSelection
from annotator.ui.timeline.tooltips import describe_event, hover_text
from annotator.ui.timeline.view import HEADER_PX, RULER_PX, Region, TimelineView

_CURSORS = {
    Region.ONSET_EDGE: Qt.CursorShape.SizeHorCursor,
    Region.OFFSET_EDGE: Qt.CursorShape.SizeHorCursor,
    Region.BODY: Qt.CursorShape.OpenHandCursor,
    Region.RULER: Qt.CursorShape.IBeamCursor,
    Region.FACE: Qt.CursorShape.PointingHandCursor,
}


class TimelineCanvas(QWidget):
    seek_requested = Signal(int)
    edit_requested = Signal(int)  # event id: open the event editor
    marker_edit_requested = Signal(int)  # marker id
    view_changed = Signal()  # zoom or scroll changed (scroll bars follow)
    error_raised = Signal(str)  # a refused edit, fit to show in the status bar

    def __init__(
        self,
        project: Project,
        stack: QUndoStack,
        selection: EventSelection,
        parent: QWidget | None = None,
        *,
        media_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # the ruler, a face row and four lanes always fit (small screens, issue 15)
        self.setMinimumHeight(RULER_PX + FACE_ROW_PX + 4 * LANE_PX + 4)
        self.stack = stack
        self.selection = selection
        self.view = TimelineView()
        self.playhead = 0
        self.pending: tuple[Any, int, int | None, int] | None = None
        self.loop: tuple[int | None, int | None] = (None, None)  # the player's A-B loop
        self.defaults: Callable[[Lane], dict[str, Any]] = lambda lane: {}
        self.timecode: Callable[[int], str] = str
        self._drag: Drag | None = None
        self._hover: int | None = None
        self.overlay_sources: list[OverlaySource] = []  # survive project replacement
        self.project: Project
        self.cache: TimelineCache
        self.set_project(project, media_id)
        selection.changed.connect(self.update)
        selection.lane_changed.connect(self.update)

    # ------------------------------------------------------------------ project
    @property
    def media_id(self) -> str:
        """The media whose events this timeline shows and codes (new events get it)."""
        return self.cache.media_id

    def set_media(self, media_id: str) -> None:
        """Show another take of the project: lanes, extent and new events follow it."""
        if media_id != self.cache.media_id:
            collapsed = set(self.cache.collapsed)
            self.set_project(self.project, media_id)
            for face in collapsed:
                self.cache.set_collapsed(face, True)

    def set_project(self, project: Project, media_id: str | None = None) -> None:
        """Show ``project``'s ``media_id`` (default: its primary media)."""
        if getattr(self, "cache", None) is not None:
            self.cache.close()
            self.project.changed.disconnect(self._on_project_changed)
        self.project = project
        self.cache = cache_for(project, media_id)
        for source in self.overlay_sources:
            self.cache.add_overlay(source)
        self.cache.set_curves(getattr(self, "curve_store", None))
        self.cache.set_waveform(getattr(self, "waveform_state", None))
        project.changed.connect(self._on_project_changed)
        self._drag = None
        self.refresh_extent()
        self.view.zoom_to_fit()
        self.update()

    def refresh_extent(self) -> None:
        self.cache.invalidate_timebase()
        tb = self.cache.timebase()
        self.view.frame_count = max(1, tb.frame_count)
        self.view.fps = tb.fps
        self.view.clamp()

    def close_cache(self) -> None:
        self.cache.close()

    def set_curve_store(self, store: Any) -> None:
        """Curve lanes under the faces from ``store`` (``curves.CurveStore``); it stays
        across project and media replacement like the overlay sources."""
        old = getattr(self, "curve_store", None)
        if old is not None:
            old.changed.disconnect(self.update)
        self.curve_store = store
        if store is not None:
            store.changed.connect(self.update)
        self.cache.set_curves(store)
        self.update()

    def set_waveform(self, state: Any) -> None:
        """The audio lane from ``state`` (``waveform_lane.WaveformState``); like the curve
        store it stays across project and media replacement."""
        old = getattr(self, "waveform_state", None)
        if old is not None:
            old.changed.disconnect(self.update)
        self.waveform_state = state
        if state is not None:
            state.changed.connect(self.update)
        self.cache.set_waveform(state)
        self.update()

    def add_overlay(self, source: OverlaySource) -> LaneKey:
        """Show another module's lane (see ``overlays``); repaints when the source changes."""
        self.overlay_sources = [s for s in self.overlay_sources if s.name != source.name] + [source]
        connect_changed(source, self.update)
        return self.cache.add_overlay(source)

    def _on_project_changed(self) -> None:
        self.update()

    # ------------------------------------------------------------------ painting
    def ensure(self) -> None:
        self.cache.ensure()
        if self.view.lanes is not self.cache.lanes:
            self.view.lanes = self.cache.lanes
            self.view.clamp()

    def paint_context(self) -> PaintContext:
        drag = self._drag
        create = None
        if drag and drag.mode is DragMode.CREATE and drag.started and drag.lane:
            on, off = drag.created_span()
            create = (drag.lane.key, on, off)
        return PaintContext(
            view=self.view,
            cache=self.cache,
            project=self.project,
            selected=self.selection.ids,
            selected_lane=self.selection.lane,
            hover=self._hover,
            preview=drag.preview()
            if drag and drag.mode not in (DragMode.CREATE, DragMode.SCRUB)
            else {},
            create_span=create,
            pending=self.pending,
            playhead=self.playhead,
            timecode=self.timecode,
            font=self.font(),
            loop=self.loop,
        )

    def render_into(self, painter: QPainter) -> None:
        """Paint the whole timeline with ``painter`` (used by paintEvent and the bench)."""
        self.ensure()
        paint_all(painter, self.paint_context())

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            self.render_into(p)
        finally:
            p.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        fit = self.view.px_per_frame <= self.view.min_px_per_frame + 1e-9
        self.view.width_px = event.size().width()
        self.view.height_px = event.size().height()
        if fit:
            self.view.zoom_to_fit()
        self.view.clamp()
        self.view_changed.emit()

    # ------------------------------------------------------------------ mouse
    def _hit(self, pos: QPoint):  # type: ignore[no-untyped-def]
        self.ensure()
        return self.view.hit_test(
            pos.x(), pos.y(), self.cache.indexes, prefer=tuple(self.selection.ids)
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        hit = self._hit(event.position().toPoint())
        mods = event.modifiers()
        multi = bool(
            mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        )
        v = self.view
        if hit.region is Region.RULER:
            self._drag = Drag(DragMode.SCRUB, hit.frame, pos.x(), v.frame_count)
            self.seek_requested.emit(hit.frame)
        elif hit.region is Region.FACE and hit.lane is not None:
            if pos.x() < HEADER_PX:
                self.cache.set_collapsed(hit.lane.face, hit.lane.face not in self.cache.collapsed)
            self.selection.set_lane(hit.lane.key)
        elif hit.region is Region.HEADER and hit.lane is not None:
            self.selection.set_lane(hit.lane.key)
        elif hit.lane is not None and hit.lane.kind is LaneKind.WAVEFORM:
            # the audio lane scrubs, like the ruler: nothing to create or select there
            self._drag = Drag(DragMode.SCRUB, hit.frame, pos.x(), v.frame_count)
            self.seek_requested.emit(hit.frame)
        elif hit.lane is not None and hit.lane.kind is LaneKind.OVERLAY:
            overlay_input.press(self, hit)
        elif hit.lane is not None and hit.lane.kind is LaneKind.CURVE:
            self.selection.set_lane(hit.lane.key)
            curve_lane.press(self, hit.lane, pos.y())
        elif hit.region is Region.LANE and hit.lane is not None:
            if not multi:
                self.selection.clear()
            self.selection.set_lane(hit.lane.key)
            self._drag = Drag(
                DragMode.CREATE,
                hit.frame,
                pos.x(),
                v.frame_count,
                hit.lane,
                current_frame=hit.frame,
            )
        elif (
            hit.event_id is not None and hit.lane is not None and hit.lane.kind is LaneKind.MARKERS
        ):
            marker = self.project.markers.get(hit.event_id)  # marker ids are not event ids
            if marker is not None:
                self.seek_requested.emit(marker.start_frame)
        elif hit.event_id is not None and hit.lane is not None:
            eid = hit.event_id
            if mods & Qt.KeyboardModifier.ControlModifier:
                self.selection.toggle(eid)
            elif mods & Qt.KeyboardModifier.ShiftModifier:
                self.selection.add(eid)
            elif eid not in self.selection.ids or hit.region is not Region.BODY:
                self.selection.set([eid])
            self.selection.set_lane(hit.lane.key)
            if eid in self.selection.ids:
                mode = {
                    Region.BODY: DragMode.MOVE,
                    Region.ONSET_EDGE: DragMode.RESIZE_ONSET,
                    Region.OFFSET_EDGE: DragMode.RESIZE_OFFSET,
                }[hit.region]
                ids = self.selection.ids if mode is DragMode.MOVE else {eid}
                evs = self.project.events
                originals = {
                    i: (evs[i].onset_frame, evs[i].apex_frame, evs[i].offset_frame)
                    for i in ids
                    if i in evs and evs[i].media == self.cache.media_id
                }
                self._drag = Drag(
                    mode,
                    hit.frame,
                    pos.x(),
                    v.frame_count,
                    hit.lane,
                    originals,
                    current_frame=hit.frame,
                )
                if mode is DragMode.MOVE:
                    self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self.setFocus()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if curve_lane.move(self, pos.y()):
            return
        drag = self._drag
        if drag is None:
            hit = self._hit(pos.toPoint())
            hover = None if hit.region is Region.ITEM else hit.event_id
            self.setCursor(_CURSORS.get(hit.region, Qt.CursorShape.ArrowCursor))
            if hover != self._hover:
                self._hover = hover
                self.update()
            return
        frame = self.view.frame_at(pos.x())
        drag.update(pos.x(), frame, self.view.boundary_at(pos.x()))
        if drag.mode is DragMode.SCRUB:
            self.seek_requested.emit(frame)
        self._autoscroll(pos.x())
        self.update()

    def _autoscroll(self, x: float) -> None:
        v = self.view
        if x > v.width_px - 10:
            v.scroll_by(20)
        elif HEADER_PX <= x < HEADER_PX + 10:
            v.scroll_by(-20)
        else:
            return
        self.view_changed.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if curve_lane.release(self):
            return
        drag, self._drag = self._drag, None
        self.unsetCursor()
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        try:
            self._finish(drag)
        except ModelError as exc:
            self.error_raised.emit(str(exc))
        self.update()

    def _finish(self, drag: Drag) -> None:
        if drag.mode is DragMode.SCRUB:
            return
        if drag.mode is DragMode.CREATE:
            if not drag.started:
                self.seek_requested.emit(drag.anchor_frame)
                return
            assert drag.lane is not None
            on, off = drag.created_span()
            self.create_on_lane(drag.lane, on, off)
            return
        preview = drag.preview()
        changed = {eid: span for eid, span in preview.items() if span != drag.originals.get(eid)}
        if not changed:
            return
        text = {
            DragMode.MOVE: "Move",
            DragMode.RESIZE_ONSET: "Resize onset of",
            DragMode.RESIZE_OFFSET: "Resize offset of",
        }[drag.mode]
        if len(changed) > 1:
            self.stack.beginMacro(f"{text} {len(changed)} events")
        try:
            for eid, (on, ap, off) in sorted(changed.items()):
                e = self.project.events[eid]
                self.stack.push(
                    UpdateEventCommand(
                        self.project,
                        eid,
                        {"onset_frame": on, "apex_frame": ap, "offset_frame": off},
                        f"{text} {e.describe()}",
                    )
                )
        finally:
            if len(changed) > 1:
                self.stack.endMacro()

    def create_on_lane(self, lane: Lane, on: int, off: int) -> int | None:
        """Push the command that creates an event (or marker) on ``lane``; returns its id."""
        media = self.cache.media_id
        extra = dict(self.defaults(lane))
        if lane.kind is LaneKind.MARKERS:
            self.stack.push(
                AddMarkerCommand(
                    self.project,
                    Marker(0, MarkerKind.MARKER, on, off, media, text=extra.get("text", "")),
                )
            )
            return None
        if lane.kind is LaneKind.AU:
            ev = Event(0, lane.face, EventKind.AU, on, off, media=media, au=lane.au)
        elif lane.kind is LaneKind.EMOTION:
            label = extra.pop("emotion", None) or self.project.vocabulary.emotions[0]
            ev = Event(0, lane.face, EventKind.EMOTION, on, off, media=media, emotion=label)
        elif lane.kind is LaneKind.NOTE:
            ev = Event(
                0, lane.face, EventKind.NOTE, on, off, media=media, note=extra.pop("note", "note")
            )
        else:
            return None
        fields = {f.name for f in dataclasses.fields(Event)}
        ev = dataclasses.replace(ev, **{k: v for k, v in extra.items() if k in fields})
        if ev.kind is not EventKind.AU:
            ev = dataclasses.replace(ev, intensity=None, side=None, code="")
        else:
            ev = dataclasses.replace(ev, code=ev.au_code)
        cmd = AddEventCommand(self.project, ev)
        self.stack.push(cmd)
        self.selection.set([cmd.event_id])
        return cmd.event_id

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position().toPoint())
        self._drag = None
        if hit.event_id is not None and hit.lane is not None:
            if hit.lane.kind is LaneKind.OVERLAY:
                return
            if hit.lane.kind is LaneKind.MARKERS:
                self.marker_edit_requested.emit(hit.event_id)
                return
            self.selection.set([hit.event_id])
            self.edit_requested.emit(hit.event_id)

    def leaveEvent(self, _event: QEvent) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl+wheel zooms anchored at the cursor; Shift+wheel or a horizontal wheel
        scrolls time; a plain wheel scrolls the lanes."""
        d = event.angleDelta()
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            self.view.zoom_at(1.0015 ** d.y(), max(event.position().x(), HEADER_PX))
        elif mods & Qt.KeyboardModifier.ShiftModifier or d.x():
            step = d.x() or d.y()
            self.view.scroll_by(-step * self.view.track_width_px / 1200)
        else:
            self.view.scroll_y_px -= d.y() // 3
            self.view.clamp()
        self.view_changed.emit()
        self.update()
        event.accept()

    # ------------------------------------------------------------------ keys
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        alt = event.modifiers() & Qt.KeyboardModifier.AltModifier
        if overlay_input.key(self, event):
            event.accept()
        elif key == Qt.Key.Key_Escape and self.cancel_drag():
            pass
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selection.ids:
            push_remove_events(self.stack, self.project, sorted(self.selection.ids))
            self.selection.clear()
        elif alt and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.nudge_selection(-1 if key == Qt.Key.Key_Left else 1)
        else:
            super().keyPressEvent(event)

    def cancel_drag(self) -> bool:
        """Drop a drag in progress (Esc); True when there was one. The coding keys ask
        this first, so Esc during a drag cancels only the drag, not a pending mark."""
        if self._drag is None:
            return False
        self._drag = None
        self.update()
        return True

    def nudge_selection(self, delta: int) -> None:
        """Move the selected events one frame: one undo step per nudge of a selection
        (repeated nudges of one event merge into one step)."""
        cmds = []
        for eid in sorted(self.selection.ids):
            e = self.project.events.get(eid)
            if e is None:
                continue
            if not (0 <= e.onset_frame + delta and e.offset_frame + delta < self.view.frame_count):
                continue
            try:
                cmds.append(
                    UpdateEventCommand(
                        self.project, eid, moved(e, delta), f"Nudge {e.describe()}", nudge=True
                    )
                )
            except ModelError as exc:
                self.error_raised.emit(str(exc))
        if len(cmds) == 1:
            self.stack.push(cmds[0])
        elif cmds:
            self.stack.beginMacro(f"Nudge {len(cmds)} events")
            try:
                for cmd in cmds:
                    self.stack.push(cmd)
            finally:
                self.stack.endMacro()

    # ------------------------------------------------------------------ tooltips
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = hover_text(self, self._hit(event.pos()))  # type: ignore[attr-defined]
            if text:
                QToolTip.showText(event.globalPos(), text, self)  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def describe(self, event_id: int) -> str:
        return describe_event(
            self.project, event_id, self.timecode, event_id in self.cache.duplicates
        )
