"""Applying a tracking run (``annotator track`` / Faces > Detect and track faces) as one undo
step: the faces it changed or added and the media's landmark cache reference."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from annotator.model.entities import Face, Media
from annotator.model.project import Project


class ApplyTrackingCommand(QUndoCommand):
    """Replace the boxes of tracked faces, add new faces, point the media at its cache.

    Undo restores the boxes, removes the faces the run added and points the media back at
    its previous cache file; redo at the run's file. Both files stay on disk: a run never
    overwrites the cache the media references (tracking_job.new_cache_path).
    """

    def __init__(
        self,
        project: Project,
        faces: list[Face],
        media: Media,
        text: str = "Detect and track faces",
    ) -> None:
        super().__init__(text)
        self._project = project
        self._faces = list(faces)
        self._old = {f.id: project.faces.get(f.id) for f in faces}
        self._media = media
        self._old_media = project.media[media.id]

    def redo(self) -> None:
        p = self._project
        for f in self._faces:
            if f.id in p.faces:
                p.update_face(f.id, boxes=f.boxes)
            else:
                p.add_face(f)
        if p.media[self._media.id].landmarks != self._media.landmarks:
            p.update_media(self._media.id, landmarks=self._media.landmarks)

    def undo(self) -> None:
        p = self._project
        if p.media[self._media.id].landmarks != self._old_media.landmarks:
            p.update_media(self._media.id, landmarks=self._old_media.landmarks)
        for f in reversed(self._faces):
            old = self._old[f.id]
            if old is None:
                p.remove_face(f.id)
            else:
                p.update_face(f.id, boxes=old.boxes)
