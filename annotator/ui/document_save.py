"""The save side of a window's documents: save, save in the background, save as,
autosave, asking before work goes away, and the recent-projects list.

A mixin of :class:`annotator.ui.documents.DocumentController` (the workspace owns the
state; this code is the only code that writes it to disk). A large project's Save runs
on a worker (:class:`~annotator.ui.background_job.BackgroundJob`): the GUI thread takes a
snapshot, the worker validates, encodes and writes it, and the revision it wrote is what
is marked saved, so an edit made during the write leaves the window unsaved.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox

from annotator.commands.document import MergeFromDiskCommand
from annotator.io.media_link import resolve, stored_path
from annotator.io.project_file import (
    SUFFIX,
    ProjectFileError,
    discard_autosave,
    load_project,
    save_project,
    write_autosave,
)
from annotator.model import ModelError, Project
from annotator.ui.background import SYNC_EVENTS
from annotator.ui.context import AppContext
from annotator.ui.document_dialogs import MERGE, RELOAD, SAVE_AS
from annotator.workspace.apply import make_equal
from annotator.workspace.conflict import merged_project, plan_merge
from annotator.workspace.disk import Loaded, changed_since, read_version
from annotator.workspace.lock import acquire
from annotator.workspace.merge import MergeResult
from annotator.workspace.snapshot import snapshot

if TYPE_CHECKING:
    from annotator.ui.background_job import BackgroundJob
    from annotator.ui.documents import Questions
    from annotator.workspace.lock import ProjectLock
    from annotator.workspace.state import Workspace

log = logging.getLogger(__name__)

BACKGROUND_SAVE_EVENTS = SYNC_EVENTS  # more events: the Save action writes on a worker


class SaveFlow:
    """Save, save as and autosave of :class:`DocumentController` (see module doc)."""

    ctx: AppContext
    workspace: Workspace
    questions: Questions
    saved: Signal
    autosaved: Signal
    _lock: ProjectLock | None
    _base: Loaded | None
    _autosaved_revision: int
    _save_job: BackgroundJob
    _autosave_job: BackgroundJob
    _save_again: bool

    # ------------------------------------------------------------------ save
    def save(self, background: bool = False) -> bool:
        """Save to the project's file. ``background`` (the Save action): a large project
        is written by a worker and this returns once it started."""
        path = self.workspace.path
        if path is None:
            return False
        if self.workspace.read_only:
            self.ctx.show_error(
                f"{path.name} is open read-only (another window has it): "
                "use Save As, or reopen it and take the lock over"
            )
            return False
        if self._lock is not None and not self._lock.still_ours():
            self.ctx.show_error(
                f"Another window took {path.name} over: use Save As (your work is kept)"
            )
            return False
        if changed_since(path, self._base):
            return self._resolve_changed_on_disk(path)
        return self._write(path, background)

    def _resolve_changed_on_disk(self, path: Path) -> bool:
        """The file is not the version we loaded: never overwrite it silently."""
        if not path.exists():
            return self._write(path)  # deleted meanwhile: writing it back loses nothing
        project = self.workspace.project
        try:
            result = plan_merge(project, path, self._base)
        except ProjectFileError as e:
            result = None
            self.ctx.show_message(f"{path.name}: cannot merge ({e.problems[0]})", 10000)
        answer = self.questions.ask_changed_on_disk(
            path, result.conflicts if result else ["the file on disk cannot be read"]
        )
        if answer == MERGE and result is not None:
            if not self._merge(result, project, path):
                return False
            ok = self._write(path)
            if ok:
                self.ctx.show_message(
                    f"Merged your changes with {path.name}"
                    + (
                        f" ({len(result.conflicts)} conflicts kept the file's version)"
                        if result.conflicts
                        else ""
                    ),
                    10000,
                )
            return ok
        if answer == RELOAD:
            try:
                loaded = load_project(path)
            except ProjectFileError as e:
                self.ctx.show_error(e.problems[0])
                return False
            self._base = read_version(path)
            self._set_loaded(loaded)
            return False
        if answer == SAVE_AS:
            new = self.questions.ask_save_path()
            return self.save_as(new) if new is not None else False
        return False

    def _merge(self, result: MergeResult, project: Project, path: Path) -> bool:
        """The file's changes into the open project as one undoable command: the project,
        its views, the undo history and the take on screen stay; the revision moves."""
        try:
            merged = merged_project(result, project, path.name)
            make_equal(snapshot(project), merged)  # a refused step shows here, on a copy
        except ProjectFileError as e:
            self.ctx.show_error(e.problems[0])
            return False
        except ModelError as e:
            self.ctx.show_error(f"{path.name}: cannot merge ({e})")
            return False
        before = dict(project.events)
        self.ctx.undo_stack.push(MergeFromDiskCommand(project, merged, f"Merge {path.name}"))
        # an id the merge gave to another event (ours renumbered past the file's) is no
        # longer what the coder selected
        selection = self.workspace.selection
        selection.set(i for i in selection.ids if project.events.get(i) == before.get(i))
        self._base = read_version(path)  # what we merged is the version we build on
        return True

    def _write(self, path: Path, background: bool = False) -> bool:
        project = self.workspace.project
        revision = project.revision
        if background and len(project.events) > BACKGROUND_SAVE_EVENTS:
            return self._write_in_background(path)
        try:
            save_project(project, path)
        except ProjectFileError as e:
            self.ctx.show_error(str(e).splitlines()[0])
            return False
        self._saved(project, path, revision, read_version(path))
        return True

    def _saved(self, project: Project, path: Path, revision: int, base: Loaded | None) -> None:
        """``revision`` of ``project`` is in ``path`` (whose bytes are now ``base``). An
        edit made meanwhile keeps the project unsaved: the revision moved past it."""
        self._base = base
        discard_autosave(path)
        self.workspace.mark_saved(revision)
        self._autosaved_revision = max(self._autosaved_revision, revision)
        if project.revision == revision:
            self.ctx.undo_stack.setClean()
        add_recent(self.ctx, path)
        self.ctx.show_message(f"Saved {path.name}", 4000)
        self.saved.emit(path)

    def _write_in_background(self, path: Path) -> bool:
        """Save a large project without stalling the window: the GUI thread takes a
        snapshot (containers only), a worker validates, encodes and writes it (the same
        atomic write, ``.bak`` and all) and reads the written version back; the result is
        applied here. True: the save started (``saved`` is emitted when it is written)."""
        if self._save_job.running:
            self._save_again = True  # Ctrl+S during a save: once more after it
            return True
        project = self.workspace.project
        snap = snapshot(project)
        revision = project.revision

        def work() -> Loaded | None:
            save_project(snap, path)
            return read_version(path)

        def done(base: Loaded | None, error: BaseException | None) -> None:
            if self.workspace.project is not project:
                return  # another project was bound meanwhile (it waited for us)
            if isinstance(error, ProjectFileError):
                self.ctx.show_error(str(error).splitlines()[0])
            elif error is not None:
                log.error("save failed", exc_info=error)
                self.ctx.show_error(f"{path.name}: cannot save ({error})")
            else:
                self._saved(project, path, revision, base)
            if self._save_again:
                self._save_again = False
                if self.workspace.dirty and self.workspace.path == path:
                    self.save(background=True)

        self.ctx.show_message(f"Saving {path.name}…", 0)
        return self._save_job.start(work, done)

    def wait_save(self, timeout: float = 60) -> bool:
        """Finish a background save now (before the project goes away; tests), and the
        one more it may start (Ctrl+S during a save)."""
        for _ in range(3):
            if self._save_job.wait(timeout):
                return True
        return not self._save_job.running

    def save_as(self, path: Path) -> bool:
        """Write to ``path``; only a successful write switches the window to it (a failed
        Save As keeps the old path, its lock and autosave)."""
        path = Path(path)
        if not path.name.endswith(SUFFIX):
            path = path.with_name(path.name + SUFFIX)
        if path == self.workspace.path and not self.workspace.read_only:
            return self.save()
        lock, holder = acquire(path)
        if holder is not None:
            self.ctx.show_error(
                f"{path.name} is open in another window ({holder.describe()}): choose another name"
            )
            return False
        old = self.workspace.file
        project = self.workspace.project
        # Media paths are stored relative to the project file: re-anchor them, and put
        # them back when the write fails.
        before = {m.id: m.path for m in project.media.values()}
        for m in list(project.media.values()):
            p = resolve(m, old) if old else Path(m.path)
            if p.exists():
                project.update_media(m.id, path=stored_path(p, path))
        if not self._write(path):
            for mid, stored in before.items():
                if mid in project.media and project.media[mid].path != stored:
                    project.update_media(mid, path=stored)
            if lock is not None:
                lock.release()
            return False
        self._switch_lock(lock)
        self.workspace.set_read_only(False)
        self.workspace.set_path(path)
        return True

    def autosave(self) -> None:
        """Write a snapshot to the sidecar on a worker thread; never blocks the GUI, and
        only one autosave is in flight."""
        ws = self.workspace
        if not ws.dirty or ws.revision == self._autosaved_revision or ws.read_only:
            return
        target = ws.file
        if target is None or self._autosave_job.running or self._save_job.running:
            return  # a save in flight writes the same work (its revision or newer)
        project = ws.project
        snap = snapshot(project)  # cheap: containers only; values are frozen
        revision = ws.revision

        def done(_result: object, error: BaseException | None) -> None:
            if error is not None:
                if not isinstance(error, OSError | ProjectFileError | ModelError):
                    log.error("autosave failed", exc_info=error)
                self.autosaved.emit(f"Autosave failed: {error}")
                return
            if ws.project is project:
                self._autosaved_revision = max(self._autosaved_revision, revision)
            self.autosaved.emit(f"Autosaved {datetime.now():%H:%M:%S}")

        self._autosave_job.start(lambda: write_autosave(snap, target), done)

    def wait_autosave(self, timeout: float = 30) -> bool:
        """Join the autosave in flight and deliver its result (tests, close); True when
        none is left."""
        return self._autosave_job.wait(timeout)

    def maybe_save(self) -> bool:
        """Before the project goes away: ask when it has unsaved work."""
        self.wait_save()
        if not self.workspace.dirty:
            return True
        answer = self.questions.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save_or_ask()
        if answer == QMessageBox.StandardButton.Discard:
            target = self.workspace.file
            if target is not None:
                discard_autosave(target)  # the user chose to drop these changes
            return True
        return False

    def save_or_ask(self, background: bool = False) -> bool:
        """Save; an untitled project asks for a file (through the window's dialog)."""
        if self.workspace.path is None:
            path = self.questions.ask_save_path()
            return self.save_as(path) if path is not None else False
        return self.save(background)


MAX_RECENT = 10


def recent_projects(ctx: AppContext) -> list[str]:
    value = ctx.settings.value("recent_projects", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])]


def add_recent(ctx: AppContext, path: Path) -> None:
    resolved = str(Path(path).resolve())
    items = [resolved] + [p for p in recent_projects(ctx) if p != resolved]
    ctx.settings.setValue("recent_projects", items[:MAX_RECENT])
