"""Workspace state: the open project, its file, the take on screen, selection, pending mark,
A-B loop, compared coder file and saved/unsaved state.

Saved/unsaved is ONE comparison: ``project.revision`` (moved by every change of what would
be written: edits, imports, relink, undo and redo alike) against the revision last written
(``saved_revision``). Recovered work has no written revision, so it is unsaved until saved.
The undo stack's clean index is deliberately not consulted: it would be a second owner.

Every setter announces its change on ``workspace.events`` (Qt-free, failure-isolated
signals from :mod:`annotator.model.signals`), the way napari's evented models do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from annotator.model.project import Project
from annotator.model.signals import Signal

LaneKey = tuple[str, str]  # (face id, "au:12" | "emotion" | "face" | ...)
Loop = tuple[int | None, int | None]  # loop A, loop B (frames; None = not set)


@dataclass(frozen=True, slots=True)
class PendingMark:
    """An event being marked with I / P / O: the frames so far and, when known, what it is.

    Frozen: a change is a new value handed to :meth:`Workspace.set_pending`, so every view
    hears about it (a mutated-in-place mark used to leave the timeline drawing an old one).
    """

    onset: int | None = None
    apex: int | None = None
    offset: int | None = None
    lane: LaneKey | None = None
    emotion: str | None = None

    def frames(self, now: int) -> tuple[int, int | None, int]:
        """Onset, apex, offset to commit: missing ends default to the current frame."""
        on = self.onset if self.onset is not None else now
        off = self.offset if self.offset is not None else max(now, on)
        on, off = min(on, off), max(on, off)
        apex = self.apex if self.apex is not None and on <= self.apex <= off else None
        return on, apex, off

    def replace(self, **changes: object) -> PendingMark:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


class WorkspaceEvents:
    """The workspace's signals; each carries the new value."""

    __slots__ = (
        "compared_changed",
        "lane_changed",
        "loop_changed",
        "media_switched",
        "path_changed",
        "pending_changed",
        "project_replaced",
        "read_only_changed",
        "saved_changed",
        "selection_changed",
    )

    def __init__(self) -> None:
        self.project_replaced = Signal("project_replaced")  # (Project)
        self.path_changed = Signal("path_changed")  # (Path | None)
        self.media_switched = Signal("media_switched")  # (media id)
        self.selection_changed = Signal("selection_changed")  # (frozenset[int])
        self.lane_changed = Signal("lane_changed")  # (LaneKey | None)
        self.pending_changed = Signal("pending_changed")  # (PendingMark | None)
        self.loop_changed = Signal("loop_changed")  # (Loop)
        self.compared_changed = Signal("compared_changed")  # (Path | None)
        self.saved_changed = Signal("saved_changed")  # (dirty: bool) after revision moves
        self.read_only_changed = Signal("read_only_changed")  # (bool)


class Selection:
    """Selected events (ids) and the one selected lane; its face is the selected face."""

    __slots__ = ("_events", "_ids", "_lane")

    def __init__(self, events: WorkspaceEvents) -> None:
        self._events = events
        self._ids: frozenset[int] = frozenset()
        self._lane: LaneKey | None = None

    @property
    def ids(self) -> frozenset[int]:
        return self._ids

    @property
    def lane(self) -> LaneKey | None:
        return self._lane

    @property
    def face(self) -> str | None:
        return self._lane[0] if self._lane and self._lane[0] else None

    def set(self, ids: Iterable[int]) -> None:
        new = frozenset(ids)
        if new != self._ids:
            self._ids = new
            self._events.selection_changed.emit(new)

    def set_lane(self, lane: LaneKey | None) -> None:
        if lane != self._lane:
            self._lane = lane
            self._events.lane_changed.emit(lane)


class Workspace:
    """What one window works on. Qt-free, so it is unit-tested without a display."""

    def __init__(self, project: Project | None = None) -> None:
        self.events = WorkspaceEvents()
        self.selection = Selection(self.events)
        self._project = project if project is not None else Project()
        self._path: Path | None = None
        self._suggested_path: Path | None = None
        self._media_id: str | None = None
        self._pending: PendingMark | None = None
        self._loop: Loop = (None, None)
        self._compared: Path | None = None
        self._read_only = False
        self._last_dirty = False
        self._project.changed.connect(self._on_project_changed)

    # ------------------------------------------------------------------ project, file
    @property
    def project(self) -> Project:
        return self._project

    @property
    def path(self) -> Path | None:
        """The file the project is saved to (None: untitled)."""
        return self._path

    @property
    def suggested_path(self) -> Path | None:
        """Where an untitled project would be saved; media paths are resolved against it."""
        return self._suggested_path

    @property
    def file(self) -> Path | None:
        """The project's file, or where it would go: the base for media and autosave."""
        return self._path or self._suggested_path

    def set_project(
        self,
        project: Project,
        path: Path | None,
        *,
        suggested: Path | None = None,
        saved: bool = True,
    ) -> None:
        """Make ``project`` the open one. ``saved=False``: its content was never written to
        ``path`` (recovered work, a relinked video), so it is unsaved until saved."""
        self._project.changed.disconnect(self._on_project_changed)
        self._project = project
        self._path = Path(path) if path is not None else None
        self._suggested_path = Path(suggested) if suggested is not None else self._path
        project.saved_revision = project.revision if saved else -1
        self._media_id = None
        # announced, so a view showing the old project's mark or loop (label, ruler) clears
        self.set_pending(None)
        self.selection.set(())
        self.selection.set_lane(None)
        self.set_loop(None, None)
        self._compared = None  # the other coder's file was of the previous project
        project.changed.connect(self._on_project_changed)
        self.events.project_replaced.emit(project)
        self.events.path_changed.emit(self._path)
        self._announce_saved(force=True)

    def set_path(self, path: Path | None) -> None:
        """A new file for the same content (Save As); only after the write succeeded."""
        self._path = Path(path) if path is not None else None
        if self._path is not None:
            self._suggested_path = self._path
        self.events.path_changed.emit(self._path)

    # ------------------------------------------------------------------ saved / unsaved
    @property
    def revision(self) -> int:
        return self._project.revision

    @property
    def saved_revision(self) -> int | None:
        """The revision last written to :attr:`path` (None: never written). Stored on the
        project (``saved_revision``, -1 = never) so the file functions that write it and
        the workspace read one number."""
        rev = self._project.saved_revision
        return rev if rev >= 0 else None

    @property
    def dirty(self) -> bool:
        return self._project.saved_revision != self._project.revision

    def mark_saved(self, revision: int | None = None) -> None:
        """The file now holds ``revision`` (default: the current one)."""
        self._project.saved_revision = self._project.revision if revision is None else revision
        self._announce_saved(force=True)

    def mark_unsaved(self) -> None:
        """What is shown was never written (recovered work): unsaved until saved."""
        self._project.saved_revision = -1
        self._announce_saved(force=True)

    def _on_project_changed(self) -> None:
        self._announce_saved()

    def _announce_saved(self, force: bool = False) -> None:
        dirty = self.dirty
        if force or dirty != self._last_dirty:
            self._last_dirty = dirty
            self.events.saved_changed.emit(dirty)

    # ------------------------------------------------------------------ read-only
    @property
    def read_only(self) -> bool:
        """Opened read-only (another window holds the lock): saves are refused."""
        return self._read_only

    def set_read_only(self, value: bool) -> None:
        if value != self._read_only:
            self._read_only = value
            self.events.read_only_changed.emit(value)

    # ------------------------------------------------------------------ the take on screen
    @property
    def media_id(self) -> str | None:
        """The take on screen (set by the window's take switch), else the first media."""
        if self._media_id is not None and self._media_id in self._project.media:
            return self._media_id
        primary = self._project.primary_media
        return primary.id if primary is not None else None

    @property
    def current_media_id(self) -> str | None:
        """The take explicitly opened (None before one is), without the first-media fallback."""
        return self._media_id

    def set_media(self, media_id: str) -> None:
        """Switch the take; pending marks were frames of the other take, so they go."""
        if media_id != self._media_id:
            self.set_pending(None)
            self.set_loop(None, None)
        self._media_id = media_id
        self.events.media_switched.emit(media_id)

    # ------------------------------------------------------------------ pending mark
    @property
    def pending(self) -> PendingMark | None:
        return self._pending

    def set_pending(self, pending: PendingMark | None) -> None:
        if pending != self._pending:
            self._pending = pending
            self.events.pending_changed.emit(pending)

    # ------------------------------------------------------------------ A-B loop
    @property
    def loop(self) -> Loop:
        return self._loop

    def set_loop(self, a: int | None, b: int | None) -> None:
        if (a, b) != self._loop:
            self._loop = (a, b)
            self.events.loop_changed.emit(self._loop)

    # ------------------------------------------------------------------ compared coder file
    @property
    def compared(self) -> Path | None:
        """The other coder's project open in Compare."""
        return self._compared

    def set_compared(self, path: Path | None) -> None:
        if path != self._compared:
            self._compared = path
            self.events.compared_changed.emit(path)
