"""ReviewController: turns review intents (new note, drawn shape, edit, jump) into commands
and keeps the note canvas showing the notes of the current frame.

Widgets (the notes list, the canvas) only display and forward intent here; every change
to the project is an undo command on the window's stack, and every view follows the
project's marker signals, so undo and redo need no special handling.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from annotator.commands import AddMarkerCommand, RemoveMarkerCommand, UpdateMarkerCommand
from annotator.commands.review import AddShapeCommand
from annotator.model import Marker, MarkerKind, ModelError, Project, Shape
from annotator.review.notes import neighbour_note, note_range, notes_at, ordered_notes
from annotator.ui.review.note_canvas import NoteCanvas, NoteOverlay

log = logging.getLogger(__name__)


class ReviewController(QObject):
    notes_changed = Signal(list)  # list[Marker] of the current media, in order
    selection_changed = Signal(object)  # note id or None
    message = Signal(str)

    def __init__(
        self, project: Project, stack: QUndoStack, player: Any = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.stack = stack
        self.player = player  # PlayerController (current frame, loop, seek)
        self.canvases: list[NoteCanvas] = []
        self.selected: int | None = None
        self.author = ""
        self._media_id: str | None = None  # the take on screen; None: the first media
        self.project = project
        self._bind(project)
        if player is not None:
            player.frame_changed.connect(self._on_player_frame_changed)
            player.media_opened.connect(lambda *_: self.refresh())

    # -- project ------------------------------------------------------------------------
    def _bind(self, project: Project) -> None:
        for sig in (project.marker_added, project.marker_changed, project.marker_removed):
            sig.connect(self._on_project_markers_changed)

    def set_project(self, project: Project) -> None:
        old = self.project
        for sig in (old.marker_added, old.marker_changed, old.marker_removed):
            sig.disconnect(self._on_project_markers_changed)
        self.project = project
        self.selected = None
        self._media_id = None  # a new project opens on its first media
        self._bind(project)
        self.refresh()

    def set_media(self, media_id: str) -> None:
        """The window switched takes: new notes, the notes list and the notes drawn over
        the picture are the new take's (its frames are not the other take's frames)."""
        if media_id == self._media_id:
            return
        self._media_id = media_id
        if self.selected is not None:
            self.selected = None
            self.selection_changed.emit(None)
        self.refresh()

    @property
    def media_id(self) -> str:
        if self._media_id is not None and self._media_id in self.project.media:
            return self._media_id
        m = self.project.primary_media
        return m.id if m else "m1"

    @property
    def current_frame(self) -> int:
        return int(self.player.current_frame) if self.player is not None else 0

    def notes(self) -> list[Marker]:
        return ordered_notes(self.project, self.media_id)

    def add_canvas(self, canvas: NoteCanvas) -> None:
        self.canvases.append(canvas)
        canvas.shape_drawn.connect(self.add_shape)
        self._update_canvases()

    # -- intents ------------------------------------------------------------------------
    def new_note(self, text: str = "", drawing: tuple[Shape, ...] = ()) -> int:
        """A note on the current frame, or on the loop A-B when it holds the playhead."""
        loop = self.player.loop if self.player is not None else (None, None)
        start, end = note_range(self.current_frame, loop)
        cmd = AddMarkerCommand(
            self.project,
            Marker(
                0,
                MarkerKind.NOTE,
                start,
                end,
                self.media_id,
                text=text,
                author=self.author,
                drawing=drawing,
            ),
        )
        self.stack.push(cmd)
        new_id = max(self.project.markers)  # the id the model just assigned
        self.select(new_id)
        return new_id

    def add_shape(self, shape: Shape) -> None:
        """Draw on the selected note when it is on screen, else on the first note shown,
        else on a new note at this frame (drawing first and typing later is common)."""
        shown = notes_at(self.project.markers.values(), self.media_id, self.current_frame)
        ids = [m.id for m in shown]
        target = self.selected if self.selected in ids else (ids[0] if ids else None)
        if target is None:
            self.new_note(drawing=(shape,))
            return
        self.stack.push(AddShapeCommand(self.project, target, shape))
        self.select(target)

    def set_text(self, note_id: int, text: str) -> None:
        m = self.project.markers.get(note_id)
        if m is None or m.text == text:
            return
        self.stack.push(UpdateMarkerCommand(self.project, note_id, {"text": text}))

    def set_range(self, note_id: int, start: int, end: int) -> None:
        try:
            if not 0 <= start <= end:
                raise ModelError("a note needs start <= end")
            self.stack.push(
                UpdateMarkerCommand(self.project, note_id, {"start_frame": start, "end_frame": end})
            )
        except ModelError as e:
            self.message.emit(str(e))

    def move_edge(self, note_id: int, which: int) -> None:
        """Start (``which`` 0) or end (1) the note at the current frame; the other end
        follows when it would cross, so a note never turns inside out."""
        m = self.project.markers.get(note_id)
        if m is None:
            return
        f = self.current_frame
        start, end = (f, max(f, m.end_frame)) if which == 0 else (min(f, m.start_frame), f)
        if (start, end) != (m.start_frame, m.end_frame):
            self.set_range(note_id, start, end)

    def clear_drawing(self, note_id: int) -> None:
        m = self.project.markers.get(note_id)
        if m is not None and m.drawing:
            self.stack.push(UpdateMarkerCommand(self.project, note_id, {"drawing": ()}))

    def remove(self, note_id: int) -> None:
        if note_id in self.project.markers:
            self.stack.push(RemoveMarkerCommand(self.project, note_id))
            if self.selected == note_id:
                self.select(None)

    def select(self, note_id: int | None) -> None:
        if note_id == self.selected:
            return
        self.selected = note_id
        self.selection_changed.emit(note_id)
        self._update_canvases()

    def go_to(self, note_id: int) -> None:
        m = self.project.markers.get(note_id)
        if m is None:
            return
        self.select(note_id)
        if self.player is not None:
            self.player.pause()
            self.player.seek(m.start_frame)

    def jump(self, direction: int) -> None:
        m = neighbour_note(self.notes(), self.current_frame, direction)
        if m is None:
            self.message.emit(
                "No more notes " + ("after" if direction > 0 else "before") + " this frame"
            )
            return
        self.go_to(m.id)

    # -- views --------------------------------------------------------------------------
    def refresh(self) -> None:
        self.notes_changed.emit(self.notes())
        self._update_canvases()

    def overlays(self) -> list[NoteOverlay]:
        shown = notes_at(self.project.markers.values(), self.media_id, self.current_frame)
        return [
            NoteOverlay(m.text, m.drawing, m.id == self.selected)
            for m in sorted(shown, key=lambda m: (m.start_frame, m.id))
        ]

    def _update_canvases(self) -> None:
        overlays = self.overlays()
        media = self.project.media.get(self.media_id)
        size = (media.width, media.height) if media and media.width else None
        for c in self.canvases:
            c.set_video_size(size)
            c.set_notes(overlays)

    def _on_project_markers_changed(self, *_: object) -> None:
        if self.selected is not None and self.selected not in self.project.markers:
            self.selected = None
            self.selection_changed.emit(None)
        self.refresh()

    def _on_player_frame_changed(self, _frame: int) -> None:
        self._update_canvases()
