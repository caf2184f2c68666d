"""Builds the timeline, coding bar and docks and wires them together.

Called once through ``annotator.ui.coding.install_coding(ctx)``: everything it uses comes
from the :class:`~annotator.ui.context.AppContext` (workspace, undo stack, player, docks,
status line); it follows ``workspace.events`` when another project or take is opened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDockWidget,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from annotator.commands import AddEmotionLabelCommand, push_remove_events
from annotator.model.entities import DEFAULT_EMOTIONS
from annotator.model.project import ModelError, Project
from annotator.ui.coding import CodingSession
from annotator.ui.context import AppContext
from annotator.ui.docks.au_palette import AuPaletteWidget
from annotator.ui.docks.coding_bar import CodingBar
from annotator.ui.docks.emotions import EmotionPickerWidget
from annotator.ui.docks.event_editor import EventEditorDialog
from annotator.ui.docks.event_table import EventTableWidget
from annotator.ui.docks.faces import FaceManagerWidget
from annotator.ui.docks.history import make_history_view
from annotator.ui.keymap import KeyMap
from annotator.ui.keys import KeyBinder
from annotator.ui.timeline.lanes import au_lane_key
from annotator.ui.timeline.selection import EventSelection
from annotator.ui.timeline.widget import TimelineWidget

log = logging.getLogger(__name__)

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


@dataclass  # no slots: Qt connects to its bound methods through weak references
class CodingUi:
    """Handles on what ``install`` built (for the window, tests and later wiring)."""

    ctx: AppContext
    selection: EventSelection
    session: CodingSession
    timeline: TimelineWidget
    coding_bar: CodingBar
    table: EventTableWidget
    palette: AuPaletteWidget
    faces: FaceManagerWidget
    emotions: EmotionPickerWidget
    history: QUndoView
    shortcuts: list[QShortcut]
    editor: EventEditorDialog | None = None
    keys: KeyBinder | None = None  # the key map the shortcuts come from
    follow_face: bool = False
    index_extent: Any = None  # timeline.index_extent.IndexExtent with a real player

    # ------------------------------------------------------------------ reactions
    def set_project(self, project: Project) -> None:
        self.session.set_project(project)
        self.timeline.set_project(project)
        self.table.set_project(project)
        self.faces.set_project(project)
        self.emotions.set_project(project)
        project.face_changed.connect(self.on_face_changed)
        project.event_removed.connect(self.on_event_removed)
        self.update_overlays()

    def set_media(self, media_id: str) -> None:
        """The window switched takes (``media_switched``): lanes, new events, face-box keys
        and the boxes drawn on the picture all follow the video on screen."""
        self.session.set_media(media_id)
        if self.timeline.media_id == media_id:
            # same take, new video or real timestamps: re-read its length and rate
            self.timeline.refresh_extent()
        else:
            self.timeline.set_media(media_id)
        self.faces.set_media(media_id)
        self.update_overlays()

    def new_event_defaults(self, _lane: Any) -> dict[str, Any]:
        """What a bar drawn with the mouse gets: the palette's intensity and side, the last
        emotion picked, the project's annotator."""
        return {
            "intensity": self.session.intensity,
            "side": self.session.side,
            "emotion": self.session.emotion,
            "annotator": self.timeline.project.annotator,
        }

    def on_event_removed(self, event: Any) -> None:
        self.selection.discard(event.id)

    def on_face_changed(self, *_args: Any) -> None:
        self.update_overlays()

    def message(self, text: str) -> None:
        self.ctx.show_message(text, 6000)

    def frame(self) -> int:
        c = self.ctx.controller
        return int(c.current_frame) if c is not None else self.session.current_frame()

    def on_pending_changed(self, *_args: Any) -> None:
        p = self.session.pending
        enabled = p is not None
        for sc in self.shortcuts:
            if sc.property("needs_pending"):
                sc.setEnabled(enabled)
        if p is None or p.lane is None:
            self.timeline.set_pending(None)
            return
        on, apex, off = p.frames(self.frame())
        self.timeline.set_pending((p.lane, on, apex, off))

    def on_frame_changed(self, _frame: int) -> None:
        if self.session.pending is not None:
            self.on_pending_changed()
        self.update_overlays()

    def on_au_chosen(self, au: int) -> None:
        face = self.session.face() or self.faces.add_face()
        self.timeline.add_au_lane(face, au)
        self.session.set_pending_lane(au_lane_key(face, au))
        self.session._used(au)
        self.palette.set_recent(self.session.recent_aus)
        self.timeline.canvas.setFocus()

    def on_face_selected(self, face_id: str) -> None:
        lane = self.selection.lane
        if not lane or lane[0] != face_id:
            self.selection.set_lane((face_id, "face"))
        self.update_overlays()

    def on_lane_changed(self, lane: Any) -> None:
        if lane and lane[0] and lane[0] != self.faces.current_face():
            self.faces.select_face(lane[0])

    def cycle_face(self, step: int) -> None:
        """F / Shift+F: the next face gets the codes (keyboard-only coding of many faces)."""
        faces = list(self.timeline.project.faces)
        if not faces:
            return
        cur = self.session.face()
        i = (faces.index(cur) + step) % len(faces) if cur in faces else 0
        self.selection.set_lane((faces[i], "face"))
        self.message(f"Coding face {self.timeline.project.faces[faces[i]].name}")

    def cycle_lane(self, step: int) -> None:
        """Alt+Up / Alt+Down: move the selected lane (I/O/Enter code on it)."""
        self.timeline.canvas.ensure()
        lanes = [ln for ln in self.timeline.canvas.cache.lanes if ln.face]
        if not lanes:
            return
        keys = [ln.key for ln in lanes]
        cur = self.selection.lane
        i = (keys.index(cur) + step) % len(keys) if cur in keys else 0
        self.selection.set_lane(keys[i])
        if keys[i][1] not in ("face",):
            self.session.set_pending_lane(keys[i])
        self.message(f"Lane: {lanes[i].label} ({self.timeline.project.faces[lanes[i].face].name})")

    def jump_event(self, step: int) -> None:
        """. / ,: the next (previous) event on the selected lane (a face row: any lane of
        the face) of the take on screen, after (before) the playhead; selects it and moves
        the playhead to its onset."""
        lane = self.selection.lane
        if lane is None:
            self.message("Select a lane first (Alt+Up / Alt+Down)")
            return
        project, media_id = self.timeline.project, self.timeline.media_id
        on_lane = sorted(
            (e.onset_frame, e.id)
            for e in project.events.values()
            if e.media == media_id
            and (e.lane_key == lane or (lane[1] == "face" and e.face == lane[0]))
        )
        now = self.frame()
        if step > 0:
            target = next(((f, i) for f, i in on_lane if f > now), None)
        else:
            target = next(((f, i) for f, i in reversed(on_lane) if f < now), None)
        if target is None:
            self.message("No further event on this lane")
            return
        frame, event_id = target
        c = self.ctx.controller
        if c is not None:
            if hasattr(c, "pause"):
                c.pause()
            c.seek(frame)
        else:
            self.timeline.set_playhead(frame)
        self.timeline.select_event(event_id)
        self.selection.set_lane(lane)  # stay on the face row when jumping from it

    def focus_timeline(self) -> None:
        self.timeline.canvas.setFocus()

    def edit_event(self, event_id: int) -> None:
        self.editor = EventEditorDialog(
            self.timeline.project, self.ctx.undo_stack, event_id, self.timeline
        )
        self.editor.open()

    def delete_selected(self) -> None:
        push_remove_events(self.ctx.undo_stack, self.timeline.project, sorted(self.selection.ids))
        self.selection.clear()

    def update_overlays(self) -> None:
        """Face boxes at the current frame on the player; the selected face is labelled."""
        player = self.ctx.player_widget
        project = self.timeline.project
        media_id = self.timeline.media_id  # the take on screen, not the first one
        if player is None or media_id not in project.media or not hasattr(player, "set_overlays"):
            return
        frame = self.frame()
        current = self.faces.current_face()
        boxes = []
        for f in project.faces.values():
            box = f.box_at(media_id, frame)
            keys = [b.frame for b in f.boxes if b.media == media_id]
            if (
                keys
                and all(b.source == "track" for b in f.boxes if b.media == media_id)
                and not min(keys) <= frame <= max(keys)
            ):
                continue  # a tracked face is not on screen before or after its track
            if box is not None:
                label = f"▶ {f.name}" if f.id == current else f.name
                boxes.append((*box, f.colour, label))
                if f.id == current and self.follow_face:
                    follow_box(player, box)
        player.set_overlays(boxes)

    def pick_nth_emotion(self, n: int) -> None:
        """Alt+n: the project's n-th emotion label, looked up when the key is pressed."""
        emotions = self.timeline.project.vocabulary.emotions
        if 1 <= n <= len(emotions):
            self.session.pick_emotion(emotions[n - 1])

    def custom_label(self) -> None:
        """Alt+9: type (or pick) a label of your own; a new one joins the project's
        vocabulary (undoable) and codes the pending marks like any emotion key."""
        project = self.timeline.project
        own = [e for e in project.vocabulary.emotions if e not in DEFAULT_EMOTIONS]
        label = self.ask_label(own)
        if not label or not label.strip():
            return
        label = label.strip()
        if label not in project.vocabulary.emotions:
            try:
                self.ctx.undo_stack.push(AddEmotionLabelCommand(project, label))
            except ModelError as e:
                self.message(str(e))
                return
        self.session.pick_emotion(label)

    def ask_label(self, own: list[str]) -> str | None:
        """The custom label dialog (tests replace this)."""
        label, ok = QInputDialog.getItem(
            self.ctx.host,
            "Emotion label",
            "Label of your own (type a new one or pick):",
            own,
            0,
            True,
        )
        return label if ok else None

    def on_code_key(self, ck: Any) -> None:
        """A per-code key (Preferences): code its FACS code or emotion in one press."""
        if ck.emotion:
            project = self.timeline.project
            if ck.emotion not in project.vocabulary.emotions:
                try:
                    self.ctx.undo_stack.push(AddEmotionLabelCommand(project, ck.emotion))
                except ModelError as e:
                    self.message(str(e))
                    return
            self.session.pick_emotion(ck.emotion)
        else:
            self.session.apply_code(ck.code)


def follow_box(player: Any, box: tuple[float, float, float, float]) -> None:
    """Zoom the player so the face box fills most of the view, centred.

    Uses the player's own ``zoom_to_rect`` when it has one; otherwise fits, then makes one
    anchored zoom whose anchor is solved so the box centre lands in the view centre.
    """
    own = getattr(player, "zoom_to_rect", None)
    if callable(own):
        own(*box)
        return
    fv = getattr(player, "frame_view", None)
    if fv is None or not hasattr(fv, "zoom_at") or box[2] <= 0 or box[3] <= 0:
        return
    from PySide6.QtCore import QPointF

    fv.fit()
    s = fv.view.scale
    w, h = fv.width(), fv.height()
    s_new = min(w / (box[2] * 1.4), h / (box[3] * 1.4))
    if s_new <= s * 1.001:
        return
    anchor = []
    for c, off, centre in (
        (box[0] + box[2] / 2, fv.view.offset_x, w / 2),
        (box[1] + box[3] / 2, fv.view.offset_y, h / 2),
    ):
        anchor.append((c - centre / s_new + off / s) / (1 / s - 1 / s_new))
    fv.zoom_at(s_new / s, QPointF(anchor[0], anchor[1]))


def _widen_timeline(window: QMainWindow, dock: QDockWidget) -> None:
    others = [
        d
        for d in window.findChildren(QDockWidget)
        if d is not dock
        and d.isVisible()
        and not d.isFloating()
        and window.dockWidgetArea(d) == BOTTOM
    ]
    if not others:
        return
    for other in others[1:]:  # side panels share one tab group next to the timeline
        window.tabifyDockWidget(others[0], other)
    others[0].raise_()
    width = window.width()
    window.resizeDocks(
        [dock, others[0]], [int(width * 0.72), int(width * 0.28)], Qt.Orientation.Horizontal
    )
    window.resizeDocks([dock], [int(window.height() * 0.42)], Qt.Orientation.Vertical)


def install(ctx: AppContext) -> CodingUi:
    project: Project = ctx.project
    stack = ctx.undo_stack
    controller = ctx.controller
    window = ctx.host
    workspace = ctx.workspace
    selection = EventSelection(window, workspace.selection, workspace.events)
    session = CodingSession(workspace, stack, selection, controller, window)
    timeline = TimelineWidget(project, stack, controller, selection)
    bar = CodingBar(session)
    container = QWidget()
    lay = QVBoxLayout(container)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(bar)
    lay.addWidget(timeline, 1)
    table = EventTableWidget(project, stack, selection)
    palette = AuPaletteWidget()
    faces = FaceManagerWidget(project, stack, lambda: session.current_frame())
    emotions = EmotionPickerWidget(project, stack)
    history = make_history_view(stack)
    ui = CodingUi(
        ctx, selection, session, timeline, bar, table, palette, faces, emotions, history, []
    )
    timeline.canvas.defaults = ui.new_event_defaults
    d_timeline = ctx.add_dock("Timeline", container, BOTTOM, "TimelineDock")
    # the timeline is where annotators work: the bottom area spans the full width
    window.setCorner(Qt.Corner.BottomLeftCorner, BOTTOM)
    window.setCorner(Qt.Corner.BottomRightCorner, BOTTOM)
    ctx.add_dock("AU palette", palette, LEFT, "AuPaletteDock")
    ctx.add_dock("Faces", faces, LEFT, "FacesDock")
    d_events = ctx.add_dock("Events", table, RIGHT, "EventsDock")
    d_emotions = ctx.add_dock("Emotions", emotions, RIGHT, "EmotionsDock")
    d_history = ctx.add_dock("History", history, RIGHT, "HistoryDock")
    window.tabifyDockWidget(d_emotions, d_history)
    d_emotions.raise_()
    window.resizeDocks([d_events], [420], Qt.Orientation.Horizontal)
    window.resizeDocks([d_timeline], [360], Qt.Orientation.Vertical)
    if ctx.settings.value("window/state") is None:
        # first run: once every component has added its docks, give the timeline most of
        # the bottom row (a saved layout wins on later runs)
        QTimer.singleShot(0, lambda: _widen_timeline(window, d_timeline))

    binder: KeyBinder = ctx.key_binder()
    ui.keys = binder

    def on_keymap(km: KeyMap) -> None:
        session.reaction_s = km.reaction_ms / 1000

    on_keymap(binder.keymap)
    binder.changed.connect(on_keymap)

    def key(action_id: str, slot: Any, needs_pending: bool = False) -> None:
        sc = binder.shortcut(action_id, window, slot)
        if needs_pending:
            sc.setProperty("needs_pending", True)
            sc.setEnabled(False)
        ui.shortcuts.append(sc)

    key("code.next_face", lambda: ui.cycle_face(1))
    key("code.prev_face", lambda: ui.cycle_face(-1))
    key("code.next_lane", lambda: ui.cycle_lane(1))
    key("code.prev_lane", lambda: ui.cycle_lane(-1))
    key("nav.next_event", lambda: ui.jump_event(1))
    key("nav.prev_event", lambda: ui.jump_event(-1))
    key("code.onset", session.mark_onset)
    key("code.apex", session.mark_apex)
    key("code.offset", session.mark_offset)

    def typing_in(fw: QWidget | None) -> bool:
        return isinstance(fw, QLineEdit | QAbstractSpinBox | QTextEdit | QPlainTextEdit)

    def forward(fw: QWidget, k: Qt.Key) -> None:
        """Give a text field its key back (the shortcut took it); item-view editors commit
        on it. Our shortcuts are off meanwhile, or the resent key would trigger them again."""
        mine = [sc for sc in ui.shortcuts if sc.property("needs_pending") and sc.isEnabled()]
        for sc in mine:
            sc.setEnabled(False)
        try:
            for t in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(fw, QKeyEvent(t, k, Qt.KeyboardModifier.NoModifier))
        finally:
            for sc in mine:
                sc.setEnabled(True)

    def on_return() -> None:
        """Enter commits the pending marks, unless a text field has focus: the code field
        codes its text with the pending frames, any other field gets its Enter."""
        fw = QApplication.focusWidget()
        if fw is bar.code:
            bar.code.returnPressed.emit()
        elif fw is not None and typing_in(fw):
            forward(fw, Qt.Key.Key_Return)
        else:
            session.commit()

    key("code.commit", on_return, True)

    def on_escape() -> None:
        """The one owner of Esc while a mark is pending: a timeline drag in progress is
        cancelled first (and only it); then the code field, a text field, the mark."""
        fw = QApplication.focusWidget()
        if timeline.canvas.cancel_drag():
            return
        if fw is bar.code:
            bar.code.clear()
            ui.focus_timeline()
        elif fw is not None and typing_in(fw):
            forward(fw, Qt.Key.Key_Escape)
        else:
            session.cancel()

    key("code.cancel", on_escape, True)
    for d in "0123456789":
        sc = QShortcut(QKeySequence(d), window)  # fixed: a digit starts the code it is part of
        sc.activated.connect(lambda d=d: bar.start_typing(d))
        ui.shortcuts.append(sc)
    table_delete = QShortcut(QKeySequence.StandardKey.Delete, table)
    table_delete.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    table_delete.setProperty("action_id", "timeline.delete")  # fixed key, listed in the map
    table_delete.activated.connect(ui.delete_selected)
    for n in range(1, 9):
        key(f"code.emotion_{n}", lambda n=n: ui.pick_nth_emotion(n))
    key("code.custom_label", ui.custom_label)
    binder.bind_code_keys(window)
    binder.code_key_pressed.connect(ui.on_code_key)

    session.pending_changed.connect(ui.on_pending_changed)
    session.message.connect(ui.message)
    session.events_created.connect(lambda ids: ids and timeline.select_event(ids[0]))
    timeline.edit_requested.connect(ui.edit_event)
    bar.finished.connect(ui.focus_timeline)
    timeline.error_raised.connect(ui.message)
    table.message.connect(ui.message)
    faces.message.connect(ui.message)
    palette.au_chosen.connect(ui.on_au_chosen)
    palette.intensity_changed.connect(lambda v: setattr(session, "intensity", v))
    palette.side_changed.connect(lambda v: setattr(session, "side", v))
    emotions.emotion_picked.connect(session.pick_emotion)
    faces.face_selected.connect(ui.on_face_selected)
    faces.follow_changed.connect(lambda on: (setattr(ui, "follow_face", on), ui.update_overlays()))
    selection.lane_changed.connect(ui.on_lane_changed)
    if controller is not None:
        table.seek_requested.connect(controller.seek)
        controller.frame_changed.connect(ui.on_frame_changed)
    else:
        table.seek_requested.connect(timeline.set_playhead)
    workspace.events.project_replaced.connect(ui.set_project)
    workspace.events.media_switched.connect(ui.set_media)
    if controller is not None and hasattr(controller, "frame_count_changed"):
        from annotator.ui.timeline.index_extent import IndexExtent

        # the ruler and extent grow with the index (the project's length stays unknown)
        ui.index_extent = IndexExtent(timeline, controller, workspace, window)
    project.face_changed.connect(ui.on_face_changed)
    project.event_removed.connect(ui.on_event_removed)
    return ui
