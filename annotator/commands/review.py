"""Undo commands of review mode: drawing on a note, the sync frame of a take, and adding
or removing a take.

Adding, editing and removing notes use the marker commands (``commands/misc.py``); these
add the edits that have no marker command: appending one shape to a note's drawing (undo
takes exactly that shape off again), setting a take's sync frame, and adding or removing a
take (a ``Media``). The take commands keep the ``Media`` value, its position and the real
timestamps the decoder read, so undo and redo restore the project exactly.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from annotator.model import Media, ModelError, Project, Shape, Timebase


class AddShapeCommand(QUndoCommand):
    """Append ``shape`` to the drawing of note ``marker_id``."""

    def __init__(self, project: Project, marker_id: int, shape: Shape) -> None:
        super().__init__(f"Draw {shape.type} on note {marker_id}")
        if marker_id not in project.markers:
            raise ModelError(f"no marker {marker_id}")  # refuse before push(), not in redo()
        self._project = project
        self._id = marker_id
        self._shape = shape
        self._before = project.markers[marker_id].drawing

    def redo(self) -> None:
        self._project.update_marker(self._id, drawing=(*self._before, self._shape))

    def undo(self) -> None:
        self._project.update_marker(self._id, drawing=self._before)


class SetSyncFrameCommand(QUndoCommand):
    """Set (or clear with ``None``) the frame a take is aligned on."""

    def __init__(self, project: Project, media_id: str, frame: int | None) -> None:
        super().__init__(
            f"Sync {media_id} on frame {frame}"
            if frame is not None
            else f"Clear sync of {media_id}"
        )
        media: Media | None = project.media.get(media_id)
        if media is None:
            raise ModelError(f"no media {media_id!r}")
        if frame is not None and (frame < 0 or (media.frame_count and frame >= media.frame_count)):
            raise ModelError(f"sync frame {frame} is outside {media_id}")
        self._project = project
        self._media = media_id
        self._new = frame
        self._old = media.sync_frame

    def redo(self) -> None:
        self._project.update_media(self._media, sync_frame=self._new)

    def undo(self) -> None:
        self._project.update_media(self._media, sync_frame=self._old)


class AddMediaCommand(QUndoCommand):
    """Add a take to the project; undo removes it again (refused while anything coded on
    it remains, which can only be later work that undo has not reached yet)."""

    def __init__(self, project: Project, media: Media, timebase: Timebase | None = None) -> None:
        super().__init__(f"Add take {media.id}")
        if media.id in project.media:
            raise ModelError(f"media id {media.id!r} already exists")
        self._project = project
        self._media = media
        self._timebase = timebase

    @property
    def media_id(self) -> str:
        return self._media.id

    def redo(self) -> None:
        self._project.add_media(self._media)
        if self._timebase is not None:
            self._project.set_timebase(self._media.id, self._timebase)

    def undo(self) -> None:
        self._project.remove_media(self._media.id)


class RemoveMediaCommand(QUndoCommand):
    """Remove a take nothing references any more; undo puts it back in its place."""

    def __init__(self, project: Project, media_id: str) -> None:
        super().__init__(f"Remove take {media_id}")
        media = project.media.get(media_id)
        if media is None:
            raise ModelError(f"no media {media_id!r}")
        refs = project.media_references(media_id)
        if refs:  # refuse before push(), not in redo()
            raise ModelError(f"media {media_id!r} is still used by {', '.join(refs)}")
        if len(project.media) == 1:
            raise ModelError(f"{media_id!r} is the project's only media")
        self._project = project
        self._media = media
        self._index = list(project.media).index(media_id)
        self._timebase = project.timebase(media_id) if project.has_real_timebase(media_id) else None

    def redo(self) -> None:
        self._media, self._index = self._project.remove_media(self._media.id)

    def undo(self) -> None:
        self._project.add_media(self._media, index=self._index)
        if self._timebase is not None:
            self._project.set_timebase(self._media.id, self._timebase)
