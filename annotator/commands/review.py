"""Undo commands of review mode: drawing on a note, and the sync frame of a take.

Adding, editing and removing notes use the marker commands (``commands/misc.py``); these
add the two edits that have no marker command: appending one shape to a note's drawing
(undo takes exactly that shape off again) and setting a take's sync frame.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from annotator.model import Media, ModelError, Project, Shape


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
        super().__init__(f"Sync {media_id} on frame {frame}" if frame is not None
                         else f"Clear sync of {media_id}")
        media: Media | None = project.media.get(media_id)
        if media is None:
            raise ModelError(f"no media {media_id!r}")
        if frame is not None and (frame < 0 or (media.frame_count
                                                and frame >= media.frame_count)):
            raise ModelError(f"sync frame {frame} is outside {media_id}")
        self._project = project
        self._media = media_id
        self._new = frame
        self._old = media.sync_frame

    def redo(self) -> None:
        self._project.update_media(self._media, sync_frame=self._new)

    def undo(self) -> None:
        self._project.update_media(self._media, sync_frame=self._old)
