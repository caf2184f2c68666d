"""The main window: builds and wires the player, timeline, docks and menus; owns no logic.

State belongs to the workspace (:class:`annotator.workspace.Workspace`: the open project
and its file, the take on screen, selection, pending mark, loop, saved/unsaved); document
operations to :class:`~annotator.ui.documents.DocumentController`. Every component is built
here with an explicit, typed :class:`~annotator.ui.context.AppContext` (and the components
it works with) and follows ``workspace.events``. The window's own Qt signals
(``project_replaced``, ``media_switched``, ``saved``) re-announce the workspace's.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtWidgets  # dialogs and docks: their types are made on first use
from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QUndoStack
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from annotator.model import Media, Project, signals
from annotator.playback import preopen
from annotator.playback.player_controller import PlayerController
from annotator.ui.context import AppContext, Menus
from annotator.ui.first_picture import open_shown_video, show_preopened
from annotator.ui.keys import KeyBinder, load_keymap, store_keymap
from annotator.ui.player import PlayerWidget, install_player_shortcuts
from annotator.ui.player.index_status import IndexStatus
from annotator.ui.player.shortcuts import fill_playback_menu
from annotator.workspace import Workspace

# The timeline, docks, analysis (pyqtgraph), review and faces are imported in
# _install_components, the documents (project files, saving) on first use, not here:
# with defer_components the player shows the first picture before those modules are
# loaded (issue 19 item 1).
if TYPE_CHECKING:
    from annotator.ui.documents import DocumentController
    from annotator.workspace.lock import LockInfo

log = logging.getLogger(__name__)

VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.m4v *.webm *.mts *.mpg *.wmv);;All files (*)"


def _project_filter() -> str:
    from annotator.io.project_file import SUFFIX

    return f"Facet projects (*{SUFFIX});;All files (*)"


AUTOSAVE_SECONDS = 10
MAX_RECENT = 10


class MainWindow(QMainWindow):
    project_replaced = Signal(object)  # (Project) after open/new; views re-bind
    saved = Signal(object)  # (Path)
    # (media id) the video on screen changed; emitted after project_replaced on open
    media_switched = Signal(str)
    # the timeline, docks and their menus are built (at once, or after the first picture)
    components_installed = Signal()

    def __init__(self, *, defer_components: bool = False) -> None:
        """``defer_components`` (``run.py``): build only the player, its keys and the
        menus now; :meth:`finish_startup` builds the rest once the first picture is on
        screen. Tests and embedders get the whole window at once."""
        super().__init__()
        self.setObjectName("FacetMainWindow")
        self.workspace = Workspace()
        self.undo_stack = QUndoStack(self)
        self.settings = QSettings()
        # every key, by action id (no application event filter: see keys._HeldKeys, whose
        # first events through such a filter built ~170 QtWidgets enum classes, issue 19)
        self.keys = KeyBinder(load_keymap(self.settings), self)
        self.keys.changed.connect(self._store_keys)
        # Questions to the user go through these, so tests can answer them.
        self.ask_recover = self._ask_recover
        self.ask_relink = self._ask_relink
        self.ask_save_changes = self._ask_save_changes
        self.ask_locked = self._ask_locked
        self.ask_changed_on_disk = self._ask_changed_on_disk

        # the player plays the workspace's A-B loop (one owner; see PlayerController)
        self.controller = PlayerController(self, workspace=self.workspace)
        self.player_widget = PlayerWidget(self.controller, selectable_labels=not defer_components)
        self.setCentralWidget(self.player_widget)
        menus = self._build_menus()
        self.ctx = AppContext(
            workspace=self.workspace,
            undo_stack=self.undo_stack,
            host=self,
            menus=menus,
            settings=self.settings,
            controller=self.controller,
            player_widget=self.player_widget,
            show_error=self.show_error,
            keys=self.keys,
        )
        self._documents: DocumentController | None = None
        self._first_video: Path | None = None  # shown from preopen; project in finish_startup
        self._build_status()
        self._install_player()
        self.components_ready = False
        if not defer_components:
            self.documents  # noqa: B018 - built now (run.py: on first use)
            self._install_components()
        self._wire_workspace()

        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(
            int(self.settings.value("autosave_s", AUTOSAVE_SECONDS)) * 1000
        )
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()
        self._restore_geometry()
        if not defer_components:
            self._restore_docks()
        self.workspace.set_project(Project(), None)
        self.player_widget.setFocus()
        if not defer_components:
            self.components_ready = True
            self.components_installed.emit()

    def finish_startup(self) -> None:
        """Deferred start (``defer_components``): once the window is on screen with the
        first picture painted, build the timeline, docks, analysis, review and faces in
        one pass, then tell them the project, file and take already open.

        Called straight after the open (not from the event loop), and while waiting for
        the window to be mapped only non-input events are processed: keys pressed before
        the components exist wait in the queue and reach the components they are meant
        for (a code key typed at once must not be lost). One pass, not slices, for the
        same reason."""
        if self.components_ready:
            return
        handle = self.windowHandle()
        deadline = time.monotonic() + 5.0  # a window manager maps the window; not forever
        while handle is not None and not handle.isExposed() and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
            time.sleep(0.005)
        self.player_widget.repaint()  # the first picture is on screen before the wait
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        if self._first_video is not None:  # its project, the player taking the source over
            video, self._first_video = self._first_video, None
            open_shown_video(self, video)
        self.player_widget.transport.make_labels_selectable()
        self._install_components()
        self._restore_docks()
        self._announce_state()
        self.player_widget.setFocus()
        self.components_ready = True
        self.components_installed.emit()

    def _announce_state(self) -> None:
        """Components built after a project was opened learn it as if it had just been."""
        ws = self.workspace
        ws.events.project_replaced.emit(ws.project)
        ws.events.path_changed.emit(ws.path)
        if ws.read_only:
            ws.events.read_only_changed.emit(True)
        ws.events.saved_changed.emit(ws.dirty)
        if ws.current_media_id is not None:
            ws.events.media_switched.emit(ws.current_media_id)

    # ------------------------------------------------------------------ building
    def add_dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, object_name: str
    ) -> QtWidgets.QDockWidget:
        """Docks get object names so the saved window layout can restore them."""
        return self.ctx.add_dock(title, widget, area, object_name)

    def _action(self, menu, text: str, slot, action_id: str = "", tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        """A menu entry; ``action_id`` names its keys in the key map (annotator.ui.keymap)."""
        act = QAction(text, self)
        if action_id:
            self.keys.bind_action(action_id, act)
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _build_menus(self) -> Menus:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self._action(
            self.file_menu,
            "&New Project from Video…",
            self.new_from_video_dialog,
            "file.new",
            "Start a project on a video file",
        )
        self._action(
            self.file_menu,
            "&Open…",
            self.open_dialog,
            "file.open",
            "Open a project (.facet.json) or a video",
        )
        self.recent_menu = self.file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.file_menu.addSeparator()
        self.save_action = self._action(
            self.file_menu,
            "&Save",
            self.save_in_background,
            "file.save",
            "Save the project (atomic)",
        )
        self._action(
            self.file_menu,
            "Save &As…",
            self.save_as_dialog,
            "file.save_as",
            "Save the project under a new name",
        )
        self.file_menu.addSeparator()
        self.import_menu = self.file_menu.addMenu("&Import")
        self.export_menu = self.file_menu.addMenu("&Export")
        self.file_menu.addSeparator()
        self._action(self.file_menu, "&Quit", self.close, "file.quit")

        self.edit_menu = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.keys.bind_action("edit.undo", undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.keys.bind_action("edit.redo", redo)
        self.edit_menu.addAction(undo)
        self.edit_menu.addAction(redo)
        self.edit_menu.addSeparator()
        self._action(
            self.edit_menu,
            "&Preferences…",
            self.preferences_dialog,
            "edit.preferences",
            "Keys, per-code keys, reaction time; import or export a lab's key map",
        )
        self.edit_menu.addSeparator()

        self.play_menu = bar.addMenu("&Playback")
        # Also a page of Edit > Preferences (issue 19 item 5); kept here where it was.
        self._action(
            self.play_menu,
            "Preview &Copies…",
            self._show_preview_copies,
            None,
            "Size of the preview-copy folder, its pruning, and a button to clear it",
        )
        self.view_menu = bar.addMenu("&View")
        self.help_menu = bar.addMenu("&Help")
        self._action(
            self.help_menu,
            "&Keyboard Shortcuts",
            self.shortcuts_dialog,
            "help.keys",
            "Every key in force, where it acts and which wins",
        )
        self._action(self.help_menu, "&About Facet", self._about)
        return Menus(
            file=self.file_menu,
            import_=self.import_menu,
            export=self.export_menu,
            edit=self.edit_menu,
            play=self.play_menu,
            view=self.view_menu,
            help=self.help_menu,
        )

    def _proxies_in_use(self) -> set[Path]:
        """The open video's preview copy: Clear never deletes it."""
        src = self.controller.source
        return {src.proxy_path} if src is not None and hasattr(src, "proxy_path") else set()

    def _show_preview_copies(self) -> None:
        from annotator.ui.preferences_media import show_media_cache_dialog

        self._preview_copies = show_media_cache_dialog(self, keep=self._proxies_in_use)

    def _build_status(self) -> None:
        self.autosave_label = QLabel("")
        self.autosave_label.setToolTip(
            f"Autosave writes a sidecar file every {AUTOSAVE_SECONDS} s while there are unsaved changes"
        )
        self.statusBar().addPermanentWidget(self.autosave_label)
        # "Indexing video… 42 %" while the open video's frame index is built
        self.index_status = IndexStatus(self.controller)
        self.statusBar().addPermanentWidget(self.index_status)

    def _install_player(self) -> None:
        """Player keys and the Playback menu: stepping works from the first picture."""
        install_player_shortcuts(self, self.controller, self.keys)
        fill_playback_menu(self.play_menu, self.controller, self.keys)
        # open() reports an unreadable video here (one line) instead of raising.
        self.controller.error_occurred.connect(self.show_error)

    def _install_components(self) -> None:
        """Timeline, coding workflow and docks, each given what it uses."""
        from annotator.ui.analysis import install_analysis
        from annotator.ui.analysis.adjudication import install_adjudication
        from annotator.ui.coding import install_coding
        from annotator.ui.dialogue import install_dialogue
        from annotator.ui.export_menu import install_export_menu
        from annotator.ui.faces import install_faces
        from annotator.ui.review import install_review
        from annotator.ui.view_memory import ViewMemory

        self.coding = install_coding(self.ctx)
        # the index finished: the timeline and coding re-read the take's length and times
        self.documents.media_indexed.connect(self.coding.set_media)
        self.analysis = install_analysis(self.ctx, self.coding.timeline)  # Candidates, ...
        self.adjudication = install_adjudication(
            self.ctx,
            self.coding.timeline,  # gold
            self.open_media,
        )
        self.export_controller = install_export_menu(self.ctx)  # File > Import / Export
        self.review = install_review(self.ctx, self.open_media, self.export_controller)
        # playhead, zoom and A-B loop per project and take, back on reopen
        self.view_memory = ViewMemory(self.ctx, self.coding.timeline, self)
        # tracking, curve lanes, landmarks, box tool
        self.faces_ui = install_faces(self.ctx, self.coding, self.analysis)
        # subtitles over the picture, the audio lane, emotion during dialogue
        self.dialogue = install_dialogue(self.ctx, self.coding.timeline)

    def _wire_workspace(self) -> None:
        """The window's Qt signals, title and status follow the workspace."""
        events = self.workspace.events
        events.project_replaced.connect(self.project_replaced.emit)
        events.media_switched.connect(self.media_switched.emit)
        events.media_switched.connect(lambda _mid: self._update_title())
        events.saved_changed.connect(lambda _dirty: self._update_title())
        events.path_changed.connect(lambda _path: self._update_title())
        events.read_only_changed.connect(lambda _ro: self._update_title())
        signals.set_error_reporter(lambda text: self.statusBar().showMessage(text, 10000))

    # ------------------------------------------------------------------ state (the workspace's)
    @property
    def project(self) -> Project:
        return self.workspace.project

    @property
    def project_path(self) -> Path | None:
        return self.workspace.path

    @property
    def _suggested_path(self) -> Path | None:
        return self.workspace.suggested_path

    @property
    def current_media_id(self) -> str | None:
        """The take on screen (see open_media)."""
        return self.workspace.current_media_id

    @property
    def current_media(self) -> Media | None:
        """The media on screen; the project's first one until a take is opened."""
        mid = self.workspace.media_id
        return self.project.media.get(mid) if mid else None

    # ------------------------------------------------------------------ documents
    @property
    def documents(self) -> DocumentController:
        """The window's document operations, built on first use."""
        if self._documents is None:
            from annotator.ui.documents import DocumentController

            self._documents = DocumentController(self.ctx, self)
            self._documents.saved.connect(self.saved.emit)
            self._documents.autosaved.connect(self.autosave_label.setText)
        return self._documents

    def open_path(self, path: Path, background: bool = False) -> bool:
        """Open a project or a video; ``background`` (menus, dialogs): a large project
        file is read on a worker and bound when ready (see DocumentController).
        ``run.py VIDEO``: frame 0 of the video opened meanwhile is shown at once, and its
        project made in :meth:`finish_startup` (annotator.ui.first_picture)."""
        if self._documents is None and not self.components_ready:
            if show_preopened(self.player_widget, Path(path)):
                self._first_video = Path(path)
                return True
        return self.documents.open_path(Path(path), background)

    def open_project(self, path: Path, background: bool = False) -> bool:
        return self.documents.open_project(Path(path), background)

    def new_from_video(self, video: Path) -> bool:
        return self.documents.new_from_video(Path(video))

    def open_media(self, media_id: str) -> None:
        """Show take ``media_id`` (raises ``ModelError``; see DocumentController)."""
        self.documents.open_media(media_id)

    def save(self) -> bool:
        return self.documents.save_or_ask()

    def save_in_background(self) -> bool:
        """The Save action: a large project is written by a worker (no stall)."""
        return self.documents.save_or_ask(background=True)

    def save_as(self, path: Path) -> bool:
        return self.documents.save_as(Path(path))

    def autosave(self, *, wait: bool = False) -> None:
        """Autosave in the background; ``wait=True`` (tests) joins it and delivers the
        result before returning."""
        self.documents.autosave()
        if wait:
            from PySide6.QtCore import QCoreApplication

            self.documents.wait_autosave()
            QCoreApplication.processEvents()

    def _maybe_save(self) -> bool:
        return self.documents.maybe_save()

    # ------------------------------------------------------------------ dialogs
    def show_error(self, message: str) -> None:
        log.warning("%s", message)
        self.statusBar().showMessage(message, 10000)
        if self.isVisible() and not self.property("quiet_errors"):
            QtWidgets.QMessageBox.warning(self, "Facet", message)

    def _ask_recover(self, path: Path) -> bool:
        from annotator.ui.document_dialogs import ask_recover

        return ask_recover(self, path)

    def _ask_relink(self, problem) -> str | None:  # type: ignore[no-untyped-def]
        from annotator.ui.document_dialogs import ask_relink

        return ask_relink(self, problem, VIDEO_FILTER)

    def _ask_save_changes(self) -> QtWidgets.QMessageBox.StandardButton:
        return QtWidgets.QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save changes to {self.project.title}?",
            QtWidgets.QMessageBox.StandardButton.Save
            | QtWidgets.QMessageBox.StandardButton.Discard
            | QtWidgets.QMessageBox.StandardButton.Cancel,
        )

    def _ask_locked(self, path: Path, holder: LockInfo) -> str:
        from annotator.ui.document_dialogs import ask_locked

        return ask_locked(self, path, holder)

    def _ask_changed_on_disk(self, path: Path, conflicts: list[str]) -> str:
        from annotator.ui.document_dialogs import ask_changed_on_disk

        return ask_changed_on_disk(self, path, conflicts)

    def ask_save_path(self) -> Path | None:
        start = str(self.workspace.file or self._last_dir())
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save project as", start, _project_filter()
        )
        return Path(path) if path else None

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open", self._last_dir(), f"{_project_filter()};;{VIDEO_FILTER}"
        )
        if path:
            self.open_path(Path(path), background=True)

    def new_from_video_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "New project from video", self._last_dir(), VIDEO_FILTER
        )
        if path:
            self.new_from_video(Path(path))

    def save_as_dialog(self) -> bool:
        path = self.ask_save_path()
        return self.save_as(path) if path is not None else False

    def preferences_dialog(self) -> None:
        from annotator.ui import keys_dialogs  # on use: not on the way to the first picture
        from annotator.ui.preferences_media import MediaCachePage

        self._prefs = keys_dialogs.PreferencesDialog(self.keys, self)
        self._prefs.add_page("Preview copies", MediaCachePage(keep=self._proxies_in_use))
        self._prefs.open()

    def shortcuts_dialog(self) -> None:
        from annotator.ui import keys_dialogs

        self._shortcuts_help = keys_dialogs.ShortcutsDialog(self.keys, self)
        self._shortcuts_help.show()

    def _store_keys(self, keymap: object) -> None:
        store_keymap(self.settings, keymap)  # type: ignore[arg-type]

    def _about(self) -> None:
        from annotator import __version__

        QtWidgets.QMessageBox.about(
            self, "About Facet", f"Facet {__version__}\nFrame-exact FACS and emotion annotation."
        )

    # ------------------------------------------------------------------ settings
    def _last_dir(self) -> str:
        recent = self.recent_projects()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def recent_projects(self) -> list[str]:
        from annotator.ui.document_save import recent_projects

        return recent_projects(self.ctx)

    def _add_recent(self, path: Path) -> None:
        from annotator.ui.document_save import add_recent

        add_recent(self.ctx, path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.recent_projects():
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _=False, p=p: self.open_path(Path(p), background=True))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none)").setEnabled(False)

    #: no saved window geometry: the app opens this window maximized
    first_run = False

    def _restore_layout(self) -> None:
        """Window geometry, then the docks' saved layout (both exist when this runs)."""
        self._restore_geometry()
        self._restore_docks()

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = self.screen().availableGeometry() if self.screen() else None
            if screen is not None and screen.width() >= 1000:
                self.setGeometry(screen)  # first run: the timeline needs all the room
            else:
                self.resize(1400, 900)
            # app.show_main_window shows it maximized then, so a window manager fits its
            # title bar in too (the geometry alone put the title bar above the top of a
            # 1366x768 screen under openbox)
            self.first_run = True

    def _restore_docks(self) -> None:
        """The saved dock layout (once the docks exist); small screens: docks as tabs."""
        from annotator.ui.layout_fit import fit_to_screen

        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:
            QTimer.singleShot(0, self._first_run_docks)
        QTimer.singleShot(0, lambda: fit_to_screen(self))

    def _first_run_docks(self) -> None:
        """Side panels the annotator reaches for less often share tabs, so the column on the
        right does not squeeze the timeline; a saved layout wins on later runs."""
        docks = {d.objectName(): d for d in self.findChildren(QtWidgets.QDockWidget)}
        if "EventsDock" in docks and "CandidatesDock" in docks:
            self.tabifyDockWidget(docks["EventsDock"], docks["CandidatesDock"])
            docks["EventsDock"].raise_()
        if "TimelineDock" in docks:
            self.resizeDocks(
                [docks["TimelineDock"]], [int(self.height() * 0.4)], Qt.Orientation.Vertical
            )

    def _update_title(self) -> None:
        ws = self.workspace
        name = ws.path.name if ws.path else f"{ws.project.title} (unsaved)"
        take = f" — {self.documents.take_label()}" if len(ws.project.media) > 1 else ""
        ro = " [read-only]" if ws.read_only else ""
        self.setWindowTitle(f"{name}{' *' if ws.dirty else ''}{ro}{take} — Facet")

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._maybe_save():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self._autosave_timer.stop()
        if self.components_ready:  # closed before finish_startup: no docks to remember
            self.settings.setValue("window/state", self.saveState())
            self.view_memory.save_now()
            self.analysis.cancel(wait=True)
            self.export_controller.cancel(wait=True)
            self.dialogue.close()  # the waveform worker, if one runs
        if self._documents is not None:  # joins the autosave in flight, releases the lock
            self._documents.close()
        if self._first_video is not None:  # closed before finish_startup made its project
            preopen.discard(self._first_video)
        self.controller.close()  # releases VLC and the decoder
        event.accept()
