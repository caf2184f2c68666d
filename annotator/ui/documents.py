"""Documents: open, new, save, save as, autosave, recovery and the take switch of a window.

The open project, its path and its saved/unsaved state belong to the workspace; this
controller is the only code that changes them, and asks the user through a
:class:`Questions` object (the main window's replaceable ``ask_*`` hooks), so tests answer.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from annotator.io.media_link import check_media, media_from_video, relink, resolve, stored_path
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
from annotator.model import ModelError, Project
from annotator.ui.context import AppContext

log = logging.getLogger(__name__)


class Questions(Protocol):
    """What the documents controller asks the user (the window's replaceable hooks)."""

    def ask_recover(self, path: Path) -> bool: ...

    def ask_relink(self, problem: object) -> str | None: ...

    def ask_save_changes(self) -> QMessageBox.StandardButton: ...

    def ask_save_path(self) -> Path | None: ...


class DocumentController(QObject):
    """Owns the document operations of one window (the workspace owns the state)."""

    saved = Signal(object)  # (Path) after a successful save
    autosaved = Signal(str)  # status text ("Autosaved 12:00:01" / "Autosave failed")

    def __init__(self, ctx: AppContext, questions: Questions) -> None:
        super().__init__(ctx.host)
        self.ctx = ctx
        self.workspace = ctx.workspace
        self.questions = questions
        self._autosaved_revision = self.workspace.revision

    # ------------------------------------------------------------------ open / new
    def open_path(self, path: Path) -> bool:
        path = Path(path)
        if path.name.endswith(SUFFIX) or path.suffix.lower() == ".json":
            return self.open_project(path)
        return self.new_from_video(path)

    def open_project(self, path: Path) -> bool:
        path = Path(path)
        if not self.maybe_save():
            return False
        recovered = False
        try:
            if newer_autosave(path) is not None and self.questions.ask_recover(path):
                loaded = recover_autosave(path)
                recovered = True
            else:
                loaded = load_project(path)
        except ProjectFileError as e:
            self.ctx.show_error(e.problems[0] if len(e.problems) == 1 else
                                f"{e.problems[0]} (and {len(e.problems) - 1} more problems)")
            return False
        self._set_loaded(loaded, recovered=recovered)
        return True

    def new_from_video(self, video: Path) -> bool:
        """A new, untitled project on ``video``; its suggested file sits next to the video.

        When that project file already exists it is opened instead (the work on this video
        is there), and unsaved work autosaved for an untitled project is offered back.
        """
        video = Path(video)
        suggested = video.with_name(video.stem + SUFFIX)
        if suggested.is_file():
            self.ctx.show_message(f"Opened the existing project {suggested.name}", 8000)
            return self.open_project(suggested)
        if not self.maybe_save():
            return False
        if not video.is_file():
            self.ctx.show_error(f"{video}: no such video file")
            return False
        if newer_autosave(suggested) is not None and self.questions.ask_recover(suggested):
            try:
                loaded = recover_autosave(suggested)
            except ProjectFileError as e:
                self.ctx.show_error(e.problems[0])
            else:
                self._set_loaded(loaded, untitled=True, recovered=True)
                return True
        annotator = str(self.ctx.settings.value("annotator", ""))
        project = Project(title=video.stem, annotator=annotator)
        try:
            media, timebase = media_from_video(video, None, "m1")
        except Exception as e:  # noqa: BLE001 - MediaError and any decoder failure
            self.ctx.show_error(str(e))
            return False
        project.add_media(media)
        project.set_timebase("m1", timebase)
        project.add_face(name="Face A")
        self._set_loaded(LoadedProject(project, suggested), untitled=True)
        return True

    def _set_loaded(self, loaded: LoadedProject, *, untitled: bool = False,
                    recovered: bool = False) -> None:
        """Bind ``loaded``. Recovered work and relinked videos are unsaved until saved."""
        relinked = self._check_media(loaded.project, loaded.path)
        self.ctx.undo_stack.clear()  # before the switch: its commands are the old project's
        self.workspace.set_project(loaded.project, None if untitled else loaded.path,
                                   suggested=loaded.path, saved=not (recovered or relinked))
        self._autosaved_revision = loaded.project.revision if not recovered else -1
        self.open_first_media()
        if not untitled:
            add_recent(self.ctx, loaded.path)
        for note in loaded.notes:
            self.ctx.show_message(note, 8000)

    def _check_media(self, project: Project, path: Path) -> bool:
        """Never open silently against a moved or changed video: ask to relink. True when
        a video was relinked (the file on disk still names the old one)."""
        changed = False
        for problem in check_media(project, path):
            new = self.questions.ask_relink(problem)
            if new:
                try:
                    relink(project, problem.media_id, new, path)
                except Exception as e:  # noqa: BLE001
                    self.ctx.show_error(str(e))
                else:
                    changed = True
        return changed

    # ------------------------------------------------------------------ takes
    def open_first_media(self) -> None:
        first = self._remembered_media(self.workspace.project)
        if first is None:
            return
        try:
            self.open_media(first)
        except ModelError as e:  # a missing video must not stop the project opening
            # (status bar only: the user has just declined to relink it)
            self.ctx.show_message(str(e), 8000)
            if self.ctx.controller is not None:
                self.ctx.controller.close()  # never leave the previous project's video up
            # Components still follow the take, so its events show without a picture.
            self.set_current_media(first)

    def open_media(self, media_id: str) -> None:
        """Show take ``media_id``: open its video in the player, attach its real timebase,
        make it the current media (``workspace.events.media_switched``).

        The one place that switches takes, so the player, the timeline, new events, face
        boxes, notes and analysis can never disagree about which video they work on.
        Raises ``ModelError`` when the take is unknown or its video cannot be opened (the
        player and every component keep the take they had)."""
        project = self.workspace.project
        media = project.media.get(media_id)
        if media is None:
            raise ModelError(f"no media {media_id!r}")
        controller = self.ctx.controller
        if controller is not None:
            video = resolve(media, self.workspace.file)
            if not video.is_file():
                raise ModelError(f"{video}: video not found")
            controller.pause()
            try:
                opened = controller.open(str(video))
            except Exception as e:  # a broken decoder raises anything: one error type out
                raise ModelError(f"{video}: {e}") from e
            if not opened:
                raise ModelError(f"{video}: cannot open")
            if controller.source is not None:
                project.set_timebase(media_id, controller.source.timebase)
        self.set_current_media(media_id)

    def set_current_media(self, media_id: str) -> None:
        self._remember_media(media_id)
        self.workspace.set_media(media_id)
        if len(self.workspace.project.media) > 1:
            self.ctx.show_message(f"Showing {self.take_label()}", 6000)

    def take_label(self) -> str:
        """'take m2 (b.mp4)': which video is open, for the title and status bar."""
        mid = self.workspace.media_id
        media = self.workspace.project.media.get(mid) if mid else None
        return f"take {media.id} ({Path(media.path).name})" if media else ""

    def _media_settings_key(self) -> str | None:
        if self.workspace.path is None:
            return None
        digest = hashlib.sha1(str(Path(self.workspace.path).resolve()).encode()).hexdigest()
        return f"last_media/{digest[:16]}"

    def _remember_media(self, media_id: str) -> None:
        key = self._media_settings_key()
        if key is not None:
            self.ctx.settings.setValue(key, media_id)

    def _remembered_media(self, project: Project) -> str | None:
        """The take last open for this project file (if it still has it), else the first."""
        key = self._media_settings_key()
        last = self.ctx.settings.value(key) if key is not None else None
        if isinstance(last, str) and last in project.media:
            return last
        primary = project.primary_media
        return primary.id if primary is not None else None

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        path = self.workspace.path
        if path is None:
            return False
        return self._write(path)

    def _write(self, path: Path) -> bool:
        project = self.workspace.project
        revision = project.revision
        try:
            save_project(project, path)
        except ProjectFileError as e:
            self.ctx.show_error(str(e).splitlines()[0])
            return False
        discard_autosave(path)
        self.workspace.mark_saved(revision)
        self._autosaved_revision = revision
        self.ctx.undo_stack.setClean()
        add_recent(self.ctx, path)
        self.ctx.show_message(f"Saved {path.name}", 4000)
        self.saved.emit(path)
        return True

    def save_as(self, path: Path) -> bool:
        """Write to ``path``; only a successful write switches the window to it (a failed
        Save As keeps the old path, and with it autosave)."""
        path = Path(path)
        if not path.name.endswith(SUFFIX):
            path = path.with_name(path.name + SUFFIX)
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
            return False
        self.workspace.set_path(path)
        return True

    def autosave(self) -> None:
        ws = self.workspace
        if not ws.dirty or ws.revision == self._autosaved_revision:
            return
        target = ws.file
        if target is None:
            return
        try:
            write_autosave(ws.project, target)
        except (OSError, ProjectFileError, ModelError) as e:
            self.autosaved.emit(f"Autosave failed: {e}")
            return
        self._autosaved_revision = ws.revision
        self.autosaved.emit(f"Autosaved {datetime.now():%H:%M:%S}")

    def maybe_save(self) -> bool:
        """Before the project goes away: ask when it has unsaved work."""
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

    def save_or_ask(self) -> bool:
        """Save; an untitled project asks for a file (through the window's dialog)."""
        if self.workspace.path is None:
            path = self.questions.ask_save_path()
            return self.save_as(path) if path is not None else False
        return self.save()


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
