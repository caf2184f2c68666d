"""Review mode: frame notes with drawings, the notes list, and ``install_review(window)``.

``N`` puts a note on the frame on screen (or on the loop A-B around it) and puts the cursor
in its text field; the drawing tools in the Notes dock draw on the picture. Alt+N and
Alt+Shift+N jump to the next and previous note.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from annotator.ui.review.controller import ReviewController
from annotator.ui.review.note_canvas import NoteCanvas, NoteOverlay
from annotator.ui.review.notes_dock import NotesDock

__all__ = ["NoteCanvas", "NoteOverlay", "NotesDock", "ReviewController", "install_review"]


def _fps(project: Any) -> Any:
    media = project.primary_media
    return media.fps if media is not None else 25


def install_review(window: Any) -> ReviewController:
    """Wire review mode into the main window: controller, canvas, dock, keys, menus."""
    review = ReviewController(window.project, window.undo_stack, window.controller, window)
    review.author = str(window.settings.value("annotator", "") or "")
    dock = NotesDock()
    dock.set_fps(_fps(window.project))
    player_widget = getattr(window, "player_widget", None)
    canvas = None
    if player_widget is not None:
        canvas = NoteCanvas(player_widget.frame_view)
        review.add_canvas(canvas)

    def focus_player() -> None:
        if player_widget is not None:
            player_widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def new_note() -> None:
        review.new_note()
        dock.focus_text()

    def on_text_edited(note_id: int, text: str) -> None:
        review.set_text(note_id, text)
        focus_player()

    def on_tool_chosen(tool: Any, colour: str) -> None:
        if canvas is not None:
            canvas.set_tool(tool, colour)

    def on_project_replaced(project: Any) -> None:
        dock.set_fps(_fps(project))
        review.set_project(project)

    review.notes_changed.connect(dock.set_notes)
    review.selection_changed.connect(dock.show_selection)
    review.message.connect(lambda text: window.statusBar().showMessage(text, 4000))
    dock.note_activated.connect(review.go_to)
    dock.new_requested.connect(new_note)
    dock.text_edited.connect(on_text_edited)
    dock.delete_requested.connect(review.remove)
    dock.clear_drawing_requested.connect(review.clear_drawing)
    dock.step_requested.connect(review.jump)
    dock.tool_chosen.connect(on_tool_chosen)
    window.project_replaced.connect(on_project_replaced)

    window.add_dock("Notes", dock, Qt.DockWidgetArea.RightDockWidgetArea, "ReviewNotesDock")
    shortcuts = []
    for seq, slot in (("N", new_note), ("Alt+N", lambda: review.jump(1)),
                      ("Alt+Shift+N", lambda: review.jump(-1))):
        sc = QShortcut(QKeySequence(seq), window)
        sc.activated.connect(slot)
        shortcuts.append(sc)

    review.dock = dock  # type: ignore[attr-defined]
    review.canvas = canvas  # type: ignore[attr-defined]
    review.shortcuts = shortcuts  # type: ignore[attr-defined]
    window.review = review
    review.refresh()
    return review
