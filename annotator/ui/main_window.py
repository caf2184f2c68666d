"""The main window: builds and wires the player, timeline, docks and menus; owns no logic.

Documents: one project at a time, with its path, its QUndoStack and its autosave timer.
Components follow ``project_replaced`` to re-bind when another project is opened.

Media: a project may hold several videos (takes). The window has ONE current media
(``current_media_id``), the video on screen; ``open_media`` switches it and emits
``media_switched`` so every component that works on "the video on screen" (timeline,
coding, face boxes, notes, breakdown, analysis, exports) follows the same take instead of
assuming the project's first media.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from annotator.io.media_link import check_media, media_from_video, relink
from annotator.io.project_file import (
    SUFFIX,
    LoadedProject,
    ProjectFileError,
    discard_autosave,
    load_project,
    newer_autosave,
    recover_autosave,
    save_project,
    write_autosave,
)
from annotator.model import Media, ModelError, Project

log = logging.getLogger(__name__)

VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.m4v *.webm *.mts *.mpg *.wmv);;All files (*)"
PROJECT_FILTER = f"Facet projects (*{SUFFIX});;All files (*)"
AUTOSAVE_SECONDS = 10
MAX_RECENT = 10


class MainWindow(QMainWindow):
    project_replaced = Signal(object)  # (Project) after open/new; views re-bind
    saved = Signal(object)  # (Path)
    # (media id) the video on screen changed; emitted after project_replaced on open
    media_switched = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("FacetMainWindow")
        self.project = Project()
        self.project_path: Path | None = None
        self.current_media_id: str | None = None  # the take on screen (see open_media)
        self.undo_stack = QUndoStack(self)
        self.settings = QSettings()
        self._autosaved_revision = 0
        # Questions to the user go through these, so tests can answer them.
        self.ask_recover = self._ask_recover
        self.ask_relink = self._ask_relink
        self.ask_save_changes = self._ask_save_changes

        self.controller = self._make_controller()
        self._build_central()
        self._build_menus()
        self._build_status()
        self._install_components()

        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(int(self.settings.value("autosave_s", AUTOSAVE_SECONDS)) * 1000)
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()
        self.undo_stack.cleanChanged.connect(self._on_undo_clean_changed)
        self._restore_layout()
        self._bind_project(self.project)

    # ------------------------------------------------------------------ building
    def _make_controller(self):  # type: ignore[no-untyped-def]
        try:
            from annotator.playback.player_controller import PlayerController
        except ImportError:
            log.warning("player controller not available")
            return None
        return PlayerController(self)

    def _build_central(self) -> None:
        widget: QWidget
        try:
            from annotator.ui.player import PlayerWidget
        except ImportError:
            widget = QLabel("Open a video or a project (File menu).")
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.player_widget = None
        else:
            widget = PlayerWidget(self.controller)
            self.player_widget = widget
        self.setCentralWidget(widget)

    def add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea,
                 object_name: str) -> QDockWidget:
        """Docks get object names so the saved window layout can restore them."""
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self._action(self.file_menu, "&New Project from Video…", self.new_from_video_dialog,
                     QKeySequence.StandardKey.New, "Start a project on a video file")
        self._action(self.file_menu, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                     "Open a project (.facet.json) or a video")
        self.recent_menu = self.file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.file_menu.addSeparator()
        self.save_action = self._action(self.file_menu, "&Save", self.save,
                                        QKeySequence.StandardKey.Save, "Save the project (atomic)")
        self._action(self.file_menu, "Save &As…", self.save_as_dialog,
                     QKeySequence.StandardKey.SaveAs, "Save the project under a new name")
        self.file_menu.addSeparator()
        self.import_menu = self.file_menu.addMenu("&Import")
        self.export_menu = self.file_menu.addMenu("&Export")
        self.file_menu.addSeparator()
        self._action(self.file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        self.edit_menu = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.edit_menu.addAction(undo)
        self.edit_menu.addAction(redo)
        self.edit_menu.addSeparator()

        self.play_menu = bar.addMenu("&Playback")
        self.view_menu = bar.addMenu("&View")
        self.help_menu = bar.addMenu("&Help")
        self._action(self.help_menu, "&About Facet", self._about)

    def _build_status(self) -> None:
        self.autosave_label = QLabel("")
        self.autosave_label.setToolTip(
            f"Autosave writes a sidecar file every {AUTOSAVE_SECONDS} s while there are unsaved changes"
        )
        self.statusBar().addPermanentWidget(self.autosave_label)

    def _install_components(self) -> None:
        """Player keys, timeline, coding workflow and docks, each wired by its own module."""
        if self.controller is not None:
            try:
                from annotator.ui.player import install_player_shortcuts
            except ImportError:
                pass
            else:
                install_player_shortcuts(self, self.controller)
            # open() reports an unreadable video here (one line) instead of raising.
            self.controller.error_occurred.connect(self.show_error)
        try:
            from annotator.ui.coding import install_coding
        except ImportError:
            pass
        else:
            install_coding(self)
        from annotator.ui.analysis import install_analysis  # Candidates, Statistics, Compare

        install_analysis(self)
        from annotator.ui.analysis.adjudication import install_adjudication  # gold projects

        install_adjudication(self)
        from annotator.ui.export_menu import install_export_menu  # File > Import / Export

        install_export_menu(self)
        from annotator.ui.review import install_review  # notes, takes, breakdown

        install_review(self)

    # ------------------------------------------------------------------ documents
    def open_path(self, path: Path) -> bool:
        path = Path(path)
        if path.name.endswith(SUFFIX) or path.suffix.lower() == ".json":
            return self.open_project(path)
        return self.new_from_video(path)

    def open_project(self, path: Path) -> bool:
        if not self._maybe_save():
            return False
        try:
            if newer_autosave(path) is not None and self.ask_recover(path):
                loaded = recover_autosave(path)
            else:
                loaded = load_project(path)
        except ProjectFileError as e:
            self.show_error(e.problems[0] if len(e.problems) == 1 else
                            f"{e.problems[0]} (and {len(e.problems) - 1} more problems)")
            return False
        self._set_loaded(loaded)
        return True

    def new_from_video(self, video: Path) -> bool:
        """A new, untitled project on ``video``; its suggested file sits next to the video.

        When that project file already exists it is opened instead (the work on this video
        is there), and unsaved work autosaved for an untitled project is offered back.
        """
        video = Path(video)
        suggested = video.with_name(video.stem + SUFFIX)
        if suggested.is_file():
            self.statusBar().showMessage(f"Opened the existing project {suggested.name}", 8000)
            return self.open_project(suggested)
        if not self._maybe_save():
            return False
        if not video.is_file():
            self.show_error(f"{video}: no such video file")
            return False
        if newer_autosave(suggested) is not None and self.ask_recover(suggested):
            try:
                loaded = recover_autosave(suggested)
            except ProjectFileError as e:
                self.show_error(e.problems[0])
            else:
                loaded.project.saved_revision = -1  # recovered work is unsaved work
                self._set_loaded(loaded, untitled=True)
                return True
        project = Project(title=video.stem, annotator=str(self.settings.value("annotator", "")))
        try:
            media, timebase = media_from_video(video, None, "m1")
        except Exception as e:  # noqa: BLE001 - MediaError and any decoder failure
            self.show_error(str(e))
            return False
        project.add_media(media)
        project.set_timebase("m1", timebase)
        project.add_face(name="Face A")
        project.saved_revision = project.revision
        self._set_loaded(LoadedProject(project, suggested), untitled=True)
        return True

    def _set_loaded(self, loaded: LoadedProject, *, untitled: bool = False) -> None:
        self.project_path = None if untitled else loaded.path
        self._suggested_path = loaded.path
        self._check_media(loaded.project, loaded.path)
        self._bind_project(loaded.project)
        if not untitled:
            self._add_recent(loaded.path)
        for note in loaded.notes:
            self.statusBar().showMessage(note, 8000)

    def _check_media(self, project: Project, path: Path) -> None:
        """Never open silently against a moved or changed video: ask to relink."""
        for problem in check_media(project, path):
            new = self.ask_relink(problem)
            if new:
                try:
                    relink(project, problem.media_id, new, path)
                except Exception as e:  # noqa: BLE001
                    self.show_error(str(e))

    def _bind_project(self, project: Project) -> None:
        self.undo_stack.clear()  # before the switch: its cleanChanged is about the old project
        self.project = project
        self._autosaved_revision = project.revision
        project.changed.connect(self._on_project_changed)
        self.current_media_id = None
        self.project_replaced.emit(project)
        first = self._remembered_media(project)
        if first is not None:
            try:
                self.open_media(first)
            except ModelError as e:  # a missing video must not stop the project opening
                # (status bar only: the user has just declined to relink it)
                self.statusBar().showMessage(str(e), 8000)
                if self.controller is not None:
                    self.controller.close()  # never leave the previous project's video up
                # Components still follow the take, so its events show without a picture.
                self._set_current_media(first)
        self._update_title()
        if self.player_widget is not None:
            self.player_widget.setFocus()

    # ------------------------------------------------------------------ media (takes)
    @property
    def current_media(self) -> Media | None:
        """The media on screen; the project's first one until a take is opened."""
        if self.current_media_id is not None and self.current_media_id in self.project.media:
            return self.project.media[self.current_media_id]
        return self.project.primary_media

    def open_media(self, media_id: str) -> None:
        """Show take ``media_id``: open its video in the player, attach its real timebase,
        make it the current media and emit ``media_switched``.

        The one place that switches takes, so the player, the timeline, new events, face
        boxes, notes and analysis can never disagree about which video they work on.
        Raises ``ModelError`` when the take is unknown or its video cannot be opened (the
        player and every component keep the take they had)."""
        from annotator.io.media_link import resolve

        media = self.project.media.get(media_id)
        if media is None:
            raise ModelError(f"no media {media_id!r}")
        if self.controller is not None:
            video = resolve(media, self.project_path or getattr(self, "_suggested_path", None))
            if not video.is_file():
                raise ModelError(f"{video}: video not found")
            self.controller.pause()
            try:
                opened = self.controller.open(str(video))
            except Exception as e:  # a broken decoder raises anything: one error type out
                raise ModelError(f"{video}: {e}") from e
            if not opened:
                raise ModelError(f"{video}: cannot open")
            source = getattr(self.controller, "source", None)
            if source is not None:
                self.project.set_timebase(media_id, source.timebase)
        self._set_current_media(media_id)

    def _set_current_media(self, media_id: str) -> None:
        self.current_media_id = media_id
        self._remember_media(media_id)
        self.media_switched.emit(media_id)
        self._update_title()
        if len(self.project.media) > 1:
            self.statusBar().showMessage(f"Showing {self._take_label()}", 6000)

    def _take_label(self) -> str:
        """'take m2 (b.mp4)': which video is open, for the title and status bar."""
        media = self.current_media
        return f"take {media.id} ({Path(media.path).name})" if media else ""

    def _media_settings_key(self) -> str | None:
        if self.project_path is None:
            return None
        digest = hashlib.sha1(str(Path(self.project_path).resolve()).encode()).hexdigest()
        return f"last_media/{digest[:16]}"

    def _remember_media(self, media_id: str) -> None:
        key = self._media_settings_key()
        if key is not None:
            self.settings.setValue(key, media_id)

    def _remembered_media(self, project: Project) -> str | None:
        """The take last open for this project file (if it still has it), else the first."""
        key = self._media_settings_key()
        last = self.settings.value(key) if key is not None else None
        if isinstance(last, str) and last in project.media:
            return last
        primary = project.primary_media
        return primary.id if primary is not None else None

    def _on_undo_clean_changed(self, clean: bool) -> None:
        """Undoing back to the saved state makes the project unmodified again (every edit
        goes through the undo stack, so its clean index is the saved content)."""
        if clean:
            self.project.saved_revision = self.project.revision
        self._update_title()

    def _on_project_changed(self) -> None:
        self._update_title()

    def save(self) -> bool:
        if self.project_path is None:
            return self.save_as_dialog()
        try:
            save_project(self.project, self.project_path)
        except ProjectFileError as e:
            self.show_error(str(e).splitlines()[0])
            return False
        discard_autosave(self.project_path)
        self._autosaved_revision = self.project.revision
        self.undo_stack.setClean()
        self._add_recent(self.project_path)
        self.statusBar().showMessage(f"Saved {self.project_path.name}", 4000)
        self.saved.emit(self.project_path)
        self._update_title()
        return True

    def save_as(self, path: Path) -> bool:
        path = Path(path)
        if not path.name.endswith(SUFFIX):
            path = path.with_name(path.name + SUFFIX)
        old = self.project_path or getattr(self, "_suggested_path", None)
        # Media paths are stored relative to the project file: re-anchor them.
        from annotator.io.media_link import resolve, stored_path

        for m in list(self.project.media.values()):
            p = resolve(m, old) if old else Path(m.path)
            if p.exists():
                self.project.update_media(m.id, path=stored_path(p, path))
        self.project_path = path
        return self.save()

    def autosave(self) -> None:
        if not self.project.dirty or self.project.revision == self._autosaved_revision:
            return
        target = self.project_path or getattr(self, "_suggested_path", None)
        if target is None:
            return
        try:
            write_autosave(self.project, target)
        except (OSError, ProjectFileError, ModelError) as e:
            self.autosave_label.setText("Autosave failed")
            self.autosave_label.setToolTip(str(e))
            return
        self._autosaved_revision = self.project.revision
        from datetime import datetime

        self.autosave_label.setText(f"Autosaved {datetime.now():%H:%M:%S}")

    # ------------------------------------------------------------------ dialogs
    def show_error(self, message: str) -> None:
        log.warning("%s", message)
        self.statusBar().showMessage(message, 10000)
        if self.isVisible() and not self.property("quiet_errors"):
            QMessageBox.warning(self, "Facet", message)

    def _ask_recover(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self, "Recover unsaved work?",
            f"{path.name} has autosaved changes newer than the saved file.\n"
            "Recover them? (Choosing No keeps the autosave until you save.)",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_relink(self, problem) -> str | None:  # type: ignore[no-untyped-def]
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Relink video")
        box.setText(problem.message())
        relink_btn = box.addButton("Relink…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Open without video", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not relink_btn:
            return None
        new, _ = QFileDialog.getOpenFileName(self, "Find the video", str(problem.path.parent),
                                             VIDEO_FILTER)
        return new or None

    def _ask_save_changes(self) -> QMessageBox.StandardButton:
        return QMessageBox.question(
            self, "Unsaved changes", f"Save changes to {self.project.title}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )

    def _maybe_save(self) -> bool:
        if not self.project.dirty:
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            target = self.project_path or getattr(self, "_suggested_path", None)
            if target is not None:
                discard_autosave(target)  # the user chose to drop these changes
            return True
        return False

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open", self._last_dir(), f"{PROJECT_FILTER};;{VIDEO_FILTER}"
        )
        if path:
            self.open_path(Path(path))

    def new_from_video_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "New project from video", self._last_dir(),
                                              VIDEO_FILTER)
        if path:
            self.new_from_video(Path(path))

    def save_as_dialog(self) -> bool:
        start = str(self.project_path or getattr(self, "_suggested_path", "") or self._last_dir())
        path, _ = QFileDialog.getSaveFileName(self, "Save project as", start, PROJECT_FILTER)
        return self.save_as(Path(path)) if path else False

    def _about(self) -> None:
        from annotator import __version__

        QMessageBox.about(self, "About Facet",
                          f"Facet {__version__}\nFrame-exact FACS and emotion annotation.")

    # ------------------------------------------------------------------ settings
    def _last_dir(self) -> str:
        recent = self.recent_projects()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def recent_projects(self) -> list[str]:
        value = self.settings.value("recent_projects", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: Path) -> None:
        items = [str(Path(path).resolve())] + [
            p for p in self.recent_projects() if p != str(Path(path).resolve())
        ]
        self.settings.setValue("recent_projects", items[:MAX_RECENT])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.recent_projects():
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _=False, p=p: self.open_path(Path(p)))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = self.screen().availableGeometry() if self.screen() else None
            if screen is not None and screen.width() >= 1000:
                self.setGeometry(screen)  # first run: the timeline needs all the room
            else:
                self.resize(1400, 900)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:
            QTimer.singleShot(0, self._first_run_docks)

    def _first_run_docks(self) -> None:
        """Side panels the annotator reaches for less often share tabs, so the column on the
        right does not squeeze the timeline; a saved layout wins on later runs."""
        docks = {d.objectName(): d for d in self.findChildren(QDockWidget)}
        if "EventsDock" in docks and "CandidatesDock" in docks:
            self.tabifyDockWidget(docks["EventsDock"], docks["CandidatesDock"])
            docks["EventsDock"].raise_()
        if "TimelineDock" in docks:
            self.resizeDocks([docks["TimelineDock"]], [int(self.height() * 0.4)],
                             Qt.Orientation.Vertical)

    def _update_title(self) -> None:
        name = self.project_path.name if self.project_path else f"{self.project.title} (unsaved)"
        take = f" — {self._take_label()}" if len(self.project.media) > 1 else ""
        self.setWindowTitle(f"{name}{' *' if self.project.dirty else ''}{take} — Facet")

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._maybe_save():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self._autosave_timer.stop()
        if self.controller is not None and hasattr(self.controller, "close"):
            self.controller.close()
        event.accept()
