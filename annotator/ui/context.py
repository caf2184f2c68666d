"""What every GUI component is built with: the workspace, the undo stack, the player and
the window's docks, menus and status line, passed explicitly and typed.

Components used to be wired by ``install_*(window: Any)`` functions that reached into ~30
main-window attributes (17 through ``getattr``). Now each receives an :class:`AppContext`
(and the other components it works with) in its constructor, so what it depends on is
visible in its signature, and a test builds one with :func:`standalone_context` instead of
a fake window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

from annotator.model.project import Project
from annotator.workspace import Workspace

if TYPE_CHECKING:
    from annotator.playback.player_controller import PlayerController
    from annotator.ui.keys import KeyBinder
    from annotator.ui.player import PlayerWidget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Menus:
    """The window's menus that components add their actions to."""

    file: QMenu
    import_: QMenu
    export: QMenu
    edit: QMenu
    play: QMenu
    view: QMenu
    help: QMenu


@dataclass(eq=False)  # no slots: Qt connects to bound methods through weak references
class AppContext:
    """The explicit, typed handles a component may use. Nothing else of the window."""

    workspace: Workspace
    undo_stack: QUndoStack
    host: QMainWindow  # parent of dialogs and docks; components never read its attributes
    menus: Menus
    settings: QSettings
    controller: PlayerController | None = None
    player_widget: PlayerWidget | None = None
    show_error: Callable[[str], None] = field(default=lambda message: log.warning("%s", message))
    keys: KeyBinder | None = None  # the live key map (None: components make a default one)

    def key_binder(self) -> KeyBinder:
        """The window's key map, or one with the default keys (tests, embedding)."""
        if self.keys is None:
            from annotator.ui.keymap import KeyMap
            from annotator.ui.keys import KeyBinder

            self.keys = KeyBinder(KeyMap(), self.host)
        return self.keys

    @property
    def project(self) -> Project:
        """The open project (it changes on open: follow ``workspace.events.project_replaced``)."""
        return self.workspace.project

    @property
    def project_file(self) -> Path | None:
        """The project's file or, while untitled, where it would be saved."""
        return self.workspace.file

    def show_message(self, text: str, ms: int = 6000) -> None:
        self.host.statusBar().showMessage(text, ms)

    def add_dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, object_name: str
    ) -> QDockWidget:
        """Docks get object names so the saved window layout can restore them."""
        dock = QDockWidget(title, self.host)
        dock.setObjectName(object_name)
        dock.setWidget(widget)
        self.host.addDockWidget(area, dock)
        self.menus.view.addAction(dock.toggleViewAction())
        return dock


def make_menus(host: QMainWindow) -> Menus:
    bar = host.menuBar()
    file = bar.addMenu("&File")
    return Menus(
        file=file,
        import_=file.addMenu("&Import"),
        export=file.addMenu("&Export"),
        edit=bar.addMenu("&Edit"),
        play=bar.addMenu("&Playback"),
        view=bar.addMenu("&View"),
        help=bar.addMenu("&Help"),
    )


def standalone_context(
    project: Project,
    *,
    path: Path | None = None,
    controller: PlayerController | None = None,
    player_widget: PlayerWidget | None = None,
    host: QMainWindow | None = None,
    errors: list[str] | None = None,
) -> AppContext:
    """A context on a plain QMainWindow (tests, embedding): the project opened at ``path``."""
    host = host if host is not None else QMainWindow()
    workspace = Workspace()
    workspace.set_project(project, path)
    sink = errors if errors is not None else []
    return AppContext(
        workspace=workspace,
        undo_stack=QUndoStack(host),
        host=host,
        menus=make_menus(host),
        settings=QSettings(),
        controller=controller,
        player_widget=player_widget,
        show_error=sink.append,
    )
