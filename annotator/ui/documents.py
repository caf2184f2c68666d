"""Documents: open, new, save, save as, autosave, recovery and the take switch of a window.

The open project, its path and its saved/unsaved state belong to the workspace; this
controller is the only code that changes them, and asks the user through a
:class:`Questions` object (the main window's replaceable ``ask_*`` hooks), so tests answer.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from annotator.commands.document import MergeFromDiskCommand
from annotator.io.media_link import (
    MediaProblem,
    check_media_quick,
    media_from_video,
    relink,
    resolve,
    stored_path,
)
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
from annotator.ui.document_dialogs import MERGE, READ_ONLY, RELOAD, SAVE_AS, TAKE_OVER
from annotator.workspace.apply import make_equal
from annotator.workspace.conflict import merged_project, plan_merge
from annotator.workspace.disk import Loaded, changed_since, read_version
from annotator.workspace.lock import LockInfo, ProjectLock, acquire, take_over
from annotator.workspace.merge import MergeResult
from annotator.workspace.snapshot import snapshot

log = logging.getLogger(__name__)


class Questions(Protocol):
    """What the documents controller asks the user (the window's replaceable hooks)."""

    def ask_recover(self, path: Path) -> bool: ...

    def ask_relink(self, problem: object) -> str | None: ...

    def ask_save_changes(self) -> QMessageBox.StandardButton: ...

    def ask_save_path(self) -> Path | None: ...

    def ask_locked(self, path: Path, holder: LockInfo) -> str: ...

    def ask_changed_on_disk(self, path: Path, conflicts: list[str]) -> str: ...


def put_aside(path: Path) -> Path | None:
    """Rename a declined autosave out of the way (kept, never deleted): the next open does
    not offer it again, and the work is still there if the choice was a mistake."""
    from annotator.io.project_file import autosave_path

    auto = autosave_path(path)
    if not auto.exists():
        return None
    aside = auto.with_name(
        auto.name.replace(".autosave.json", f".declined-{datetime.now():%Y%m%d-%H%M%S}.json")
    )
    try:
        auto.rename(aside)
    except OSError as e:
        log.warning("%s: cannot put the autosave aside (%s)", auto, e)
        return None
    return aside


class DocumentController(QObject):
    """Owns the document operations of one window (the workspace owns the state)."""

    saved = Signal(object)  # (Path) after a successful save
    autosaved = Signal(str)  # status text ("Autosaved 12:00:01" / "Autosave failed")
    _autosave_done = Signal(int, str)  # (revision or -1, error) from the autosave thread

    def __init__(self, ctx: AppContext, questions: Questions) -> None:
        super().__init__(ctx.host)
        self.ctx = ctx
        self.workspace = ctx.workspace
        self.questions = questions
        self._autosaved_revision = self.workspace.revision
        self._lock: ProjectLock | None = None
        self._base: Loaded | None = None  # the file's version our content is based on
        self._autosave_thread: threading.Thread | None = None
        self._autosave_done.connect(self._on_autosave_done)
        # Full sha256 of videos after the first picture, never before it (issue 19).
        from annotator.ui.background_hash import BackgroundHasher

        self._hasher = BackgroundHasher(self)
        self._hasher.hashed.connect(self._on_video_hashed)

    # ------------------------------------------------------------------ lock
    def _lock_for(self, path: Path) -> tuple[bool, ProjectLock | None, bool]:
        """(go on, our new lock, read-only) for opening ``path``."""
        if self._lock is not None and self._lock.project == path and self._lock.still_ours():
            return True, self._lock, False  # reopening our own file
        lock, holder = acquire(path)
        if holder is None:
            return True, lock, False
        answer = self.questions.ask_locked(path, holder)
        if answer == READ_ONLY:
            return True, None, True
        if answer == TAKE_OVER:
            return True, take_over(path), False
        return False, None, False

    def _switch_lock(self, lock: ProjectLock | None) -> None:
        if self._lock is not None and self._lock is not lock:
            self._lock.release()
        self._lock = lock

    def close(self) -> None:
        """The window closes: wait for an autosave in flight, release the lock."""
        thread = self._autosave_thread
        if thread is not None:
            thread.join(30)
        self._switch_lock(None)

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
        go, lock, read_only = self._lock_for(path)
        if not go:
            return False
        recovered = False
        try:
            if not read_only and newer_autosave(path) is not None:
                if self.questions.ask_recover(path):
                    loaded = recover_autosave(path)
                    recovered = True
                else:
                    put_aside(path)
                    loaded = load_project(path)
            else:
                loaded = load_project(path)
        except ProjectFileError as e:
            if lock is not None and lock is not self._lock:
                lock.release()
            self.ctx.show_error(
                e.problems[0]
                if len(e.problems) == 1
                else f"{e.problems[0]} (and {len(e.problems) - 1} more problems)"
            )
            return False
        self._switch_lock(lock)
        self._base = read_version(path)
        self.workspace.set_read_only(read_only)
        self._set_loaded(loaded, recovered=recovered)
        if read_only:
            self.ctx.show_message(f"{path.name} is open read-only (another window has it)", 10000)
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
        self._switch_lock(None)
        self._base = None
        self.workspace.set_read_only(False)
        if newer_autosave(suggested) is not None:
            if self.questions.ask_recover(suggested):
                try:
                    loaded = recover_autosave(suggested)
                except ProjectFileError as e:
                    self.ctx.show_error(e.problems[0])
                else:
                    self._set_loaded(loaded, untitled=True, recovered=True)
                    return True
            else:
                put_aside(suggested)
        annotator = str(self.ctx.settings.value("annotator", ""))
        project = Project(title=video.stem, annotator=annotator)
        try:
            media, timebase = media_from_video(video, None, "m1", sha256=False)
        except Exception as e:  # noqa: BLE001 - MediaError and any decoder failure
            self.ctx.show_error(str(e))
            return False
        project.add_media(media)
        project.set_timebase("m1", timebase)
        project.add_face(name="Face A")
        self._set_loaded(LoadedProject(project, suggested), untitled=True)
        if not media.sha256:
            self._hasher.start(video)
        return True

    def _set_loaded(
        self, loaded: LoadedProject, *, untitled: bool = False, recovered: bool = False
    ) -> None:
        """Bind ``loaded``. Recovered work and relinked videos are unsaved until saved."""
        relinked = self._check_media(loaded.project, loaded.path)
        self.ctx.undo_stack.clear()  # before the switch: its commands are the old project's
        self.workspace.set_project(
            loaded.project,
            None if untitled else loaded.path,
            suggested=loaded.path,
            saved=not (recovered or relinked),
        )
        self._autosaved_revision = loaded.project.revision if not recovered else -1
        self.open_first_media()
        if not untitled:
            add_recent(self.ctx, loaded.path)
        for note in loaded.notes:
            self.ctx.show_message(note, 8000)

    def _check_media(self, project: Project, path: Path) -> bool:
        """Never open silently against a moved or changed video: ask to relink. True when
        a video was relinked (the file on disk still names the old one)."""
        problems, pending = check_media_quick(project, path)
        for _, video in pending:  # hashed in the background, checked when known
            self._hasher.start(video)
        return self._relink(project, path, problems)

    def _relink(self, project: Project, path: Path | None, problems: list[MediaProblem]) -> bool:
        changed = False
        for problem in problems:
            new = self.questions.ask_relink(problem)
            if new:
                try:
                    relink(project, problem.media_id, new, path)
                except Exception as e:  # noqa: BLE001
                    self.ctx.show_error(str(e))
                else:
                    changed = True
        return changed

    def _on_video_hashed(self, video: str, digest: str) -> None:
        """A background sha256 is in: fill an empty hash (not an edit: the saved state
        stays), or ask to relink a video that changed since the project was made."""
        ws = self.workspace
        project = ws.project
        base = ws.path or ws.suggested_path
        changed: list[MediaProblem] = []
        for m in list(project.media.values()):
            if str(resolve(m, base).resolve()) != video:
                continue
            if not m.sha256:
                clean = not ws.dirty
                project.update_media(m.id, sha256=digest)
                if clean:
                    ws.mark_saved()
            elif m.sha256 != digest:
                changed.append(MediaProblem(m.id, Path(video), "changed"))
        if changed and self._relink(project, base, changed):
            ws.mark_unsaved()

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
        return self._write(path)

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
        self.ctx.undo_stack.push(MergeFromDiskCommand(project, merged, f"Merge {path.name}"))
        self._base = read_version(path)  # what we merged is the version we build on
        return True

    def _write(self, path: Path) -> bool:
        project = self.workspace.project
        revision = project.revision
        try:
            save_project(project, path)
        except ProjectFileError as e:
            self.ctx.show_error(str(e).splitlines()[0])
            return False
        self._base = read_version(path)
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
        if target is None:
            return
        if self._autosave_thread is not None and self._autosave_thread.is_alive():
            return
        snap = snapshot(ws.project)  # cheap: containers only; values are frozen
        revision = ws.revision

        def work() -> None:
            try:
                write_autosave(snap, target)
            except (OSError, ProjectFileError, ModelError) as e:
                self._autosave_done.emit(-1, str(e))
            except Exception as e:
                log.exception("autosave failed")
                self._autosave_done.emit(-1, str(e))
            else:
                self._autosave_done.emit(revision, "")

        self._autosave_thread = threading.Thread(target=work, name="facet-autosave", daemon=True)
        self._autosave_thread.start()

    def wait_autosave(self, timeout: float = 30) -> bool:
        """Join the autosave in flight (tests, close); True when none is left."""
        thread = self._autosave_thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _on_autosave_done(self, revision: int, error: str) -> None:
        if revision < 0:
            self.autosaved.emit(f"Autosave failed: {error}")
            return
        self._autosaved_revision = revision
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
