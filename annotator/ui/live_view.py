"""One view's incremental model (``LiveStats``, ``LiveBreakdown``): built once, then told
every event edit, never rebuilt per edit (issue 18).

The build is the only pass over the whole project. It runs through a
:class:`~annotator.ui.background.ViewRefresh`: on the GUI thread for small projects, else
on the view worker from a snapshot and only while the view is on screen. Edits made while
a build runs are kept, with the revision they were made at, and replayed onto the build
when it lands (the snapshot has every edit made before its revision, none after). Changes
that the model cannot follow by itself (the view says which: cut markers, faces, ...)
start a new build. Redraws from the model run on the GUI thread, coalesced.

The model needs ``revision`` (of the project it was built from), a writable ``project``
(pointed at the live project when it lands) and ``add``/``remove``/``change`` for events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from annotator.model.project import Project
from annotator.ui.background import ViewRefresh


class LiveFollower(QObject):
    def __init__(
        self,
        view: QWidget,
        build: Callable[[Project], Any],
        show: Callable[[Any], None],
        structure: Callable[[Project], Iterable[Any]] = lambda _p: (),
        interval_ms: int = 250,
    ) -> None:
        super().__init__(view)
        self.project: Project | None = None
        self.live: Any = None
        self._show_live = show
        self._structure = structure
        self._pending: list[tuple[int, str, tuple[Any, ...]]] = []  # (revision, method, args)
        self._structure_revision = -1  # a build of a revision above this one is current
        self.refresher = ViewRefresh(  # a new build (busy label follows this one)
            view, lambda: self.project, build, self._adopt, interval_ms=interval_ms
        )
        self.redraw = ViewRefresh(  # an edit or a change shown from the model as it is
            view,
            lambda: self.project,
            lambda _p: self.live,
            self._show,
            interval_ms=interval_ms,
            offthread=False,
        )

    def bind(self, project: Project) -> None:
        """Show ``project``: follow its edits and build its model."""
        if project is not self.project:
            if self.project is not None:
                self._follow(self.project, False)
            self._follow(project, True)
        self.project = project
        self.rebuild()

    def rebuild(self) -> None:
        """A new build of the project as it is now (the view's own choice changed)."""
        self.refresher.cancel()
        self.live = None
        self._pending.clear()
        self._structure_revision = self.project.revision - 1 if self.project else -1
        self.refresher.request(now=True)

    def _follow(self, project: Project, on: bool) -> None:
        pairs = [
            (project.event_added, self._on_project_event_added),
            (project.event_removed, self._on_project_event_removed),
            (project.event_changed, self._on_project_event_changed),
        ] + [(sig, self._on_project_structure_changed) for sig in self._structure(project)]
        for sig, slot in pairs:
            (sig.connect if on else sig.disconnect)(slot)

    def _edit(self, method: str, *args: Any) -> None:
        if self.live is not None:
            getattr(self.live, method)(*args)
        elif self.project is not None:  # a build is under way: replayed onto it
            self._pending.append((self.project.revision, method, args))

    def _on_project_event_added(self, event: Any) -> None:
        self._edit("add", event)

    def _on_project_event_removed(self, event: Any) -> None:
        self._edit("remove", event)

    def _on_project_event_changed(self, new: Any, old: Any) -> None:
        self._edit("change", new, old)

    def _on_project_structure_changed(self, *_args: object) -> None:
        """Told before the revision moves: a build of a later revision has the change."""
        self.live = None
        self._structure_revision = self.project.revision if self.project else -1
        self.refresher.request()

    def _adopt(self, live: Any) -> None:
        project = self.project
        if project is None:
            return
        if live.revision <= self._structure_revision:
            self.refresher.request()  # built before the last change it cannot follow
            return
        live.project = project
        for revision, method, args in self._pending:
            if revision >= live.revision:
                getattr(live, method)(*args)
        self._pending.clear()
        self.live = live
        self._show_live(live)

    def _show(self, live: Any) -> None:
        if live is not None and live is self.live:
            self._show_live(live)
