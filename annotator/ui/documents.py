"""Documents: open, new, save, save as, autosave, recovery and the take switch of a window.

The open project, its path and its saved/unsaved state belong to the workspace; this
controller is the only code that changes them, and asks the user through a
:class:`Questions` object (the main window's replaceable ``ask_*`` hooks), so tests answer.
"""

from __future__ import annotations

import gc
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from annotator.io.media_link import (
    MediaProblem,
    check_media_quick,
    media_from_source,
    media_from_video,
    relink,
    resolve,
)
from annotator.io.project_file import (
    SUFFIX,
    LoadedProject,
    ProjectFileError,
    autosave_path,
    load_project,
    newer_autosave,
    recover_autosave,
)
from annotator.io.project_slices import load_project_sliced
from annotator.model import Project
from annotator.playback import preopen
from annotator.ui.background import builds_in_turns, hold_builds, is_large, release_builds
from annotator.ui.background_job import BackgroundJob, Pacer, freeze_large, unfreeze_garbage
from annotator.ui.context import AppContext
from annotator.ui.document_dialogs import READ_ONLY, TAKE_OVER
from annotator.ui.document_save import SaveFlow, add_recent
from annotator.ui.document_takes import TakeSwitch, first_media
from annotator.ui.media_index import unknown_while_indexing
from annotator.workspace.disk import Loaded, read_version
from annotator.workspace.lock import LockInfo, ProjectLock, acquire, take_over

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


_WARM_MS = 300
# a large project's view builds wait for its picture and its video index (at most this
# long; after the index they start PAINTED_MS after the open, the first paint done)
HOLD_BUILDS_S = 2.0
PAINTED_MS = 150
BACKGROUND_OPEN_BYTES = 1 << 20  # larger files (~5000 events): sliced read, GC paused


def _large_file(path: Path) -> bool:
    try:
        return path.stat().st_size > BACKGROUND_OPEN_BYTES
    except OSError:
        return False  # the loader words the problem


@dataclass(frozen=True, slots=True)
class _OpenRequest:
    """What the GUI thread settled before the file is read (lock, recovery answer) and the
    project on screen then (a different or edited one at the end stops the switch)."""

    path: Path
    lock: ProjectLock | None
    read_only: bool
    recovered: bool
    previous: Project
    previous_revision: int


class DocumentController(SaveFlow, TakeSwitch, QObject):
    """Owns the document operations of one window (the workspace owns the state)."""

    saved = Signal(object)  # (Path) after a successful save
    autosaved = Signal(str)  # status text ("Autosaved 12:00:01" / "Autosave failed")
    # (media id) the video on screen finished indexing; its real length and timestamps are
    # attached to the project (annotator.ui.media_index): views re-read them
    media_indexed = Signal(str)

    def __init__(self, ctx: AppContext, questions: Questions) -> None:
        super().__init__(ctx.host)
        self.ctx = ctx
        self.workspace = ctx.workspace
        self.questions = questions
        self._autosaved_revision = self.workspace.revision
        # (video, source) opened by new_from_video for open_media to show: opened once
        self._pending_source: tuple[str, Any] | None = None
        self._lock: ProjectLock | None = None
        self._base: Loaded | None = None  # the file's version our content is based on
        self._autosave_job = BackgroundJob(self, "autosave")
        self._save_job = BackgroundJob(self, "save")
        self._save_again = False
        self._open_job = BackgroundJob(self, "open")
        self._closed = False
        # Full sha256 of videos after the first picture, never before it (issue 19).
        from annotator.ui.background_hash import BackgroundHasher

        self._hasher = BackgroundHasher(self)
        self._hasher.hashed.connect(self._on_video_hashed)
        if ctx.controller is not None:
            ctx.controller.index_progressed.connect(self._on_index_progressed)
            # the index worker paces itself against the GUI thread's beat (annotator.pacing)
            ctx.controller.media_opened.connect(lambda _src: Pacer.wake())
            # the decoding modules, imported once the window is idle: a project opened
            # later opens its video on a worker, and must not import them on the GUI
            # thread first (0.1-0.2 s, the longest stall of a first open)
            QTimer.singleShot(_WARM_MS, self, self._preopens)

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
        """The window closes: drop an open in flight, wait for a save and an autosave in
        flight, release the lock."""
        self._closed = True
        self.wait_open()
        self.wait_save()
        self.wait_autosave()
        self._switch_lock(None)

    # ------------------------------------------------------------------ open / new
    def open_path(self, path: Path, background: bool = False) -> bool:
        path = Path(path)
        if path.name.endswith(SUFFIX) or path.suffix.lower() == ".json":
            return self.open_project(path, background)
        return self.new_from_video(path, background)

    def open_project(self, path: Path, background: bool = False) -> bool:
        """Open a project file. ``background`` (the Open dialog, recent files): the file is
        read and checked, and the video it shows first opened (container, frame 0), on a
        worker while the window keeps answering; True then means the open started, and
        the project is bound when it is read."""
        path = Path(path)
        if self._open_job.running:
            self.ctx.show_message("Still opening the previous project…", 4000)
            return False
        if not self.maybe_save():
            return False
        go, lock, read_only = self._lock_for(path)
        if not go:
            return False
        recovered = False
        if not read_only and newer_autosave(path) is not None:
            if self.questions.ask_recover(path):
                recovered = True
            else:
                put_aside(path)
        source = autosave_path(path) if recovered else path
        request = _OpenRequest(
            path, lock, read_only, recovered, self.workspace.project, self.workspace.revision
        )
        if background:
            return self._open_in_background(source, request)
        try:
            loaded = load_project(source)
        except ProjectFileError as e:
            return self._open_failed(request, e)
        return self._opened(request, loaded, read_version(path))

    def _open_in_background(self, source: Path, request: _OpenRequest) -> bool:
        """Read, parse and check the file on a worker, in slices (no long GIL hold), with
        the cyclic GC paused (a full collection over the objects being made is 0.3 s that
        nobody may interrupt); the GUI thread then binds the project."""
        large = _large_file(source)
        gc_was = gc.isenabled()
        if large:
            gc.disable()
            unfreeze_garbage()
        remembered = self._remembered_id(request.path)
        opens_video = self._preopens()
        video: list[Path] = []  # the video opened on the worker, if any

        def work() -> tuple[LoadedProject, Loaded | None]:
            import numpy.ma  # noqa: F401 - numpy imports it lazily on the first median

            loaded = load_project_sliced(source) if large else load_project(source)
            from annotator.ui.timeline.cache import prebuild as prebuild_timeline

            prebuild_timeline(loaded.project)
            first = first_media(loaded.project, remembered)
            if opens_video and first is not None:
                path = resolve(loaded.project.media[first], request.path)
                if preopen.open_here(path):
                    video.append(path)
            return loaded, read_version(request.path)

        def done(
            result: tuple[LoadedProject, Loaded | None] | None, error: BaseException | None
        ) -> None:
            self.ctx.show_message(f"Opened {request.path.name}", 3000)  # not "Opening…"
            try:
                if result is None:
                    if not isinstance(error, ProjectFileError):
                        log.error("opening %s failed", source, exc_info=error)
                        error = ProjectFileError([f"{source.name}: cannot open ({error})"])
                    self._open_failed(request, error)
                elif not self._opened(request, *result, in_turns=True, video=video):
                    for v in video:
                        preopen.discard(v)
            finally:
                if result is not None and self.workspace.project is result[0].project:
                    # before the GC runs again: everything loaded is in its youngest
                    # generation, and the first collection would walk all of it
                    freeze_large(result[0].project)
                if gc_was:
                    gc.enable()

        self.ctx.show_message(f"Opening {request.path.name}…", 0)
        return self._open_job.start(work, done)

    def _open_failed(self, request: _OpenRequest, e: ProjectFileError) -> bool:
        if request.lock is not None and request.lock is not self._lock:
            request.lock.release()
        self.ctx.show_error(
            e.problems[0]
            if len(e.problems) == 1
            else f"{e.problems[0]} (and {len(e.problems) - 1} more problems)"
        )
        return False

    def _opened(
        self,
        request: _OpenRequest,
        loaded: LoadedProject,
        base: Loaded | None,
        in_turns: bool = False,
        video: list[Path] | None = None,
    ) -> bool:
        path = request.path
        if self._closed or (
            self.workspace.project is not request.previous
            or (self.workspace.revision != request.previous_revision and not self.maybe_save())
        ):  # the window closed, another project came, or edits made meanwhile are kept
            if request.lock is not None and request.lock is not self._lock:
                request.lock.release()
            from annotator.ui.timeline.cache import drop_prebuilt  # on use: start-up

            drop_prebuilt()
            self.ctx.show_message(f"Did not open {path.name}", 6000)
            return False
        if request.recovered:
            loaded = LoadedProject(loaded.project, path, loaded.notes + ["recovered from autosave"])
        self._switch_lock(request.lock)
        self._base = base
        self.workspace.set_read_only(request.read_only)
        self._set_loaded(loaded, recovered=request.recovered, in_turns=in_turns, video=video)
        if request.read_only:
            self.ctx.show_message(f"{path.name} is open read-only (another window has it)", 10000)
        return True

    def wait_open(self, timeout: float = 120) -> bool:
        """Finish a background open now (tests, benches)."""
        return self._open_job.wait(timeout)

    def new_from_video(self, video: Path, background: bool = False) -> bool:
        """A new, untitled project on ``video``; its suggested file sits next to the video.

        When that project file already exists it is opened instead (the work on this video
        is there), and unsaved work autosaved for an untitled project is offered back.
        ``background`` (the Open dialog): the video is opened (container, frame 0) on a
        worker first; True then means the open started.
        """
        video = Path(video)
        suggested = video.with_name(video.stem + SUFFIX)
        if suggested.is_file():
            self.ctx.show_message(f"Opened the existing project {suggested.name}", 8000)
            return self.open_project(suggested, background)
        if self._open_job.running:
            self.ctx.show_message("Still opening the previous project…", 4000)
            return False
        if not self.maybe_save():
            return False
        if not video.is_file():
            self.ctx.show_error(f"{video}: no such video file")
            return False
        if background and self._preopens():
            return self._video_in_background(video)
        return self._new_from_video(video, suggested)

    def _video_in_background(self, video: Path) -> bool:
        """Open ``video`` on a worker, then make its project on the GUI thread with the
        source already open (unless the window closed or the project changed meanwhile)."""
        previous, revision = self.workspace.project, self.workspace.revision

        def done(_result: object, _error: BaseException | None) -> None:
            self.ctx.show_message(f"Opened {video.name}", 3000)  # not "Opening…"
            try:
                if (
                    self._closed
                    or self.workspace.project is not previous
                    or (self.workspace.revision != revision and not self.maybe_save())
                ):
                    self.ctx.show_message(f"Did not open {video.name}", 6000)
                else:
                    self._new_from_video(video, video.with_name(video.stem + SUFFIX))
            finally:
                preopen.discard(video)  # not taken: the open failed or did not happen

        self.ctx.show_message(f"Opening {video.name}…", 0)
        return self._open_job.start(lambda: preopen.open_here(video), done)

    def _new_from_video(self, video: Path, suggested: Path) -> bool:
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
        controller = self.ctx.controller
        try:
            if controller is not None:  # the player's source describes the video too
                src = controller.open_source(video)
                self._pending_source = (str(video), src)
                media, timebase = media_from_source(src, video, None, "m1", sha256=False)
                media = unknown_while_indexing(media, src)
            else:
                media, timebase = media_from_video(video, None, "m1", sha256=False)
        except Exception as e:  # noqa: BLE001 - MediaError and any decoder failure
            self._drop_pending_source()
            self.ctx.show_error(str(e))
            return False
        project.add_media(media)
        if media.frame_count:  # else attached when the index is done (media_index)
            project.set_timebase("m1", timebase)
        project.add_face(name="Face A")
        try:
            self._set_loaded(LoadedProject(project, suggested), untitled=True)
        finally:
            self._drop_pending_source()  # not shown after all (open_media failed): close it
        if not media.sha256:
            self._hasher.start(video)
        return True

    def _set_loaded(
        self,
        loaded: LoadedProject,
        *,
        untitled: bool = False,
        recovered: bool = False,
        in_turns: bool = False,
        video: list[Path] | None = None,
    ) -> None:
        """Bind ``loaded``. Recovered work and relinked videos are unsaved until saved.

        ``in_turns`` (a project read in the background): the views bind in this
        turn of the event loop and the video opens in the next, so neither waits for the
        other and the window paints in between."""
        relinked = self._check_media(loaded.project, loaded.path)
        holding = in_turns and is_large(loaded.project) and self.ctx.controller is not None
        if holding:
            hold_builds(HOLD_BUILDS_S)
        self.ctx.undo_stack.clear()  # before the switch: its commands are the old project's
        unfreeze_garbage()
        with builds_in_turns() if in_turns else nullcontext():
            self.workspace.set_project(
                loaded.project,
                None if untitled else loaded.path,
                suggested=loaded.path,
                saved=not (recovered or relinked),
            )
        self._autosaved_revision = loaded.project.revision if not recovered else -1
        project = loaded.project

        def then_media() -> None:
            if self.workspace.project is project:
                self.open_first_media()
            for v in video or ():
                preopen.discard(v)  # opened on the worker for a take not shown after all
            freeze_large(project)
            controller = self.ctx.controller
            if holding and (controller is None or controller.index_complete):
                QTimer.singleShot(PAINTED_MS, release_builds)  # else when indexed

        if in_turns:
            QTimer.singleShot(0, self, then_media)
        else:
            then_media()
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

    def _preopens(self) -> bool:
        """Whether a worker may open the video the player will show (:mod:`preopen`); the
        decoding modules are imported here first (never on two threads at once)."""
        controller = self.ctx.controller
        if controller is None or not getattr(controller, "takes_preopened", False):
            return False
        preopen.warm_imports()
        return True
