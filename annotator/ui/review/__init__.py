"""Review mode: frame notes with drawings, the notes list, and ``install_review(ctx, ...)``.

``N`` puts a note on the frame on screen (or on the loop A-B around it) and puts the cursor
in its text field; the drawing tools in the Notes dock draw on the picture. Alt+N and
Alt+Shift+N jump to the next and previous note.

``install_review(ctx, switch_take, export)`` gets everything it uses explicitly: the
:class:`~annotator.ui.context.AppContext`, the window's take switch and the export
controller; it follows ``workspace.events``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import QDockWidget

from annotator.ui.review.controller import ReviewController
from annotator.ui.review.note_canvas import NoteCanvas, NoteOverlay
from annotator.ui.review.notes_dock import NotesDock

if TYPE_CHECKING:
    from annotator.ui.context import AppContext
    from annotator.ui.export_menu import ExportImportController

__all__ = ["NoteCanvas", "NoteOverlay", "NotesDock", "ReviewController", "install_review"]


def _fps(project: Any, media_id: str | None = None) -> Any:
    """The frame rate of the take on screen (timecodes in the notes list)."""
    media = project.media.get(media_id) if media_id else project.primary_media
    return media.fps if media is not None else 25


def _install_breakdown(ctx: AppContext, review: ReviewController) -> None:
    """Scene breakdown dock, recomputed after the project changes (coalesced: a burst of
    edits or an import recomputes once; off the GUI thread for large projects)."""
    from annotator.commands import AddMarkerCommand
    from annotator.model import Marker, MarkerKind
    from annotator.ui.review.breakdown_dock import BreakdownDock

    dock = BreakdownDock()
    bound: dict[str, Any] = {"project": None}

    def on_changed() -> None:
        # the breakdown is of the take on screen (review.media_id follows media_switched)
        dock.show_project(ctx.project, review.media_id)

    def bind(project: Any) -> None:
        old = bound["project"]
        if old is not None and old is not project:
            old.changed.disconnect(on_changed)
        bound["project"] = project
        project.changed.connect(on_changed)
        dock.show_project(project, review.media_id)

    def mark_cut() -> None:
        frame = review.current_frame
        media = review.media_id
        if frame <= 0 or any(
            m.kind is MarkerKind.CUT and m.media == media and m.start_frame == frame
            for m in ctx.project.markers.values()
        ):
            ctx.show_message("A cut is already there (or this is frame 0)", 4000)
            return
        ctx.undo_stack.push(
            AddMarkerCommand(
                ctx.project, Marker(0, MarkerKind.CUT, frame, frame, media, text=f"cut at {frame}")
            )
        )

    controller = ctx.controller
    if controller is not None:
        dock.seek_requested.connect(lambda f: (controller.pause(), controller.seek(f)))
    dock.cut_requested.connect(mark_cut)
    ctx.workspace.events.project_replaced.connect(bind)
    ctx.workspace.events.media_switched.connect(
        lambda _mid: dock.show_project(ctx.project, review.media_id)
    )
    bind(ctx.project)
    d = ctx.add_dock(
        "Scene breakdown", dock, Qt.DockWidgetArea.RightDockWidgetArea, "ReviewBreakdownDock"
    )
    notes_dock = ctx.host.findChild(QDockWidget, "ReviewNotesDock")
    if notes_dock is not None:
        ctx.host.tabifyDockWidget(notes_dock, d)
        notes_dock.raise_()
    review.breakdown = dock  # type: ignore[attr-defined]


def _install_windows(
    ctx: AppContext, review: ReviewController, switch_take: Callable[[str], None]
) -> None:
    """View menu: presentation mode (F11) and takes side by side (Ctrl+Shift+T)."""
    from PySide6.QtGui import QAction

    state: dict[str, Any] = {"presentation": None, "takes": None}
    window = ctx.host
    workspace = ctx.workspace

    def present() -> None:
        if ctx.controller is None or ctx.controller.source is None:
            ctx.show_message("Open a video first", 4000)
            return
        from annotator.ui.review.presentation import PresentationWindow

        theme = str(ctx.settings.value("review/theme", "dark"))
        pw = PresentationWindow(
            ctx.controller, review, theme if theme in ("dark", "light") else "dark"
        )
        pw.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        pw.closed.connect(lambda: ctx.settings.setValue("review/theme", pw.theme))
        pw.closed.connect(lambda: state.__setitem__("presentation", None))
        state["presentation"] = pw
        screen = window.screen()
        if screen is not None:  # without a window manager full screen alone keeps the size
            pw.setGeometry(screen.geometry())
        pw.showFullScreen()
        pw.activateWindow()

    def code(media_id: str) -> None:
        from annotator.model import ModelError

        try:
            switch_take(media_id)
        except ModelError as e:
            ctx.show_message(str(e), 6000)
        else:
            ctx.show_message(f"Coding take {media_id}", 4000)

    def takes() -> None:
        from annotator.ui.review.takes_window import TakesWindow

        old = state["takes"]
        if old is not None and old.isVisible() and old.project is ctx.project:
            old.raise_()
            old.activateWindow()
            return
        if ctx.controller is not None:
            ctx.controller.pause()
        app_keys = [
            sc
            for sc in window.findChildren(QShortcut)
            if sc.context() == Qt.ShortcutContext.ApplicationShortcut
        ]
        tw = TakesWindow(ctx.project, ctx.undo_stack, ctx.project_file, app_shortcuts=app_keys)
        tw.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        tw.message.connect(lambda text: ctx.show_message(text, 6000))
        tw.code_requested.connect(code)
        tw.destroyed.connect(lambda *_: state.__setitem__("takes", None))
        state["takes"] = tw
        tw.resize(1200, 600)
        tw.show()
        tw.activateWindow()

    def on_media_removed(media: Any) -> None:
        """The take open in the main window went away (undo of adding it): go back to
        the primary take, or the timeline would code on a media the project lacks."""
        primary = ctx.project.primary_media
        if workspace.current_media_id == media.id and primary is not None:
            code(primary.id)

    def on_project_replaced(project: Any) -> None:
        project.media_removed.connect(on_media_removed)
        for key in ("presentation", "takes"):
            w = state[key]
            if w is not None:
                try:
                    w.close()
                except RuntimeError:  # already deleted on close
                    pass
                state[key] = None

    ctx.menus.view.addSeparator()
    binder = ctx.key_binder()
    for text, action_id, slot, tip in (
        (
            "&Presentation Mode",
            "review.presentation",
            present,
            "Full-screen picture with notes, large timecode; T switches light/dark, Esc leaves",
        ),
        (
            "&Takes Side by Side…",
            "review.takes",
            takes,
            "Step, slow down and loop several takes together, aligned on sync frames",
        ),
    ):
        act = QAction(text, window)
        binder.bind_action(action_id, act)
        act.setStatusTip(tip)
        act.triggered.connect(slot)
        ctx.menus.view.addAction(act)
        window.addAction(act)
    workspace.events.project_replaced.connect(on_project_replaced)
    ctx.project.media_removed.connect(on_media_removed)
    review.windows = state  # type: ignore[attr-defined]


def _install_exports(ctx: AppContext, ctl: ExportImportController | None) -> None:
    """File > Export: the review folder and the editors' markers, through the export
    controller's threaded jobs (progress dialog, cancel) like every other format."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    if ctl is None:
        return
    menu = ctx.menus.export

    def review_folder() -> None:
        base = ctx.project_file
        folder = QFileDialog.getExistingDirectory(
            ctx.host, "Write the review into folder", str(base.parent) if base else ""
        )
        if folder:
            stem = base.name.removesuffix(".facet.json") if base else "review"
            ctl.export_to("review", Path(folder) / f"{stem}-review")

    menu.addSeparator()
    for text, tip, slot in (
        (
            "Re&view for sharing (folder)…",
            "index.html with note stills and drawings, range clips and the scene breakdown",
            review_folder,
        ),
        (
            "Markers as ED&L (CMX3600)…",
            "Notes and markers as EDL events with LOC and COMMENT lines for editors",
            lambda: ctl.export_dialog("edl", "EDL (*.edl);;All files (*)", {}),
        ),
        (
            "&Markers as CSV with timecodes…",
            "One row per note or marker, SMPTE timecodes",
            lambda: ctl.export_dialog("markers-csv", "CSV (*.csv);;All files (*)", {}),
        ),
    ):
        act = menu.addAction(text)
        act.setStatusTip(tip)
        act.triggered.connect(slot)


def install_review(
    ctx: AppContext,
    switch_take: Callable[[str], None],
    export: ExportImportController | None = None,
) -> ReviewController:
    """Wire review mode: controller, canvas, dock, keys, menus."""
    review = ReviewController(ctx.project, ctx.undo_stack, ctx.controller, ctx.host)
    review.author = str(ctx.settings.value("annotator", "") or "")
    dock = NotesDock()
    dock.set_fps(_fps(ctx.project))
    player_widget = ctx.player_widget
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

    def on_media_switched(media_id: str) -> None:
        dock.set_fps(_fps(ctx.project, media_id))  # before the list refills
        review.set_media(media_id)

    review.notes_changed.connect(dock.set_notes)
    review.selection_changed.connect(dock.show_selection)
    review.message.connect(lambda text: ctx.show_message(text, 4000))
    dock.note_activated.connect(review.go_to)
    dock.new_requested.connect(new_note)
    dock.text_edited.connect(on_text_edited)
    dock.delete_requested.connect(review.remove)
    dock.clear_drawing_requested.connect(review.clear_drawing)
    dock.edge_requested.connect(review.move_edge)
    dock.step_requested.connect(review.jump)
    dock.tool_chosen.connect(on_tool_chosen)
    ctx.workspace.events.project_replaced.connect(on_project_replaced)
    ctx.workspace.events.media_switched.connect(on_media_switched)

    ctx.add_dock("Notes", dock, Qt.DockWidgetArea.RightDockWidgetArea, "ReviewNotesDock")
    _install_breakdown(ctx, review)
    _install_windows(ctx, review, switch_take)
    _install_exports(ctx, export)
    binder = ctx.key_binder()
    shortcuts = [
        binder.shortcut(action_id, ctx.host, slot)
        for action_id, slot in (
            ("review.new_note", new_note),
            ("review.next_note", lambda: review.jump(1)),
            ("review.prev_note", lambda: review.jump(-1)),
        )
    ]

    review.dock = dock  # type: ignore[attr-defined]
    review.canvas = canvas  # type: ignore[attr-defined]
    review.shortcuts = shortcuts  # type: ignore[attr-defined]
    review.refresh()
    return review
