"""Commands on faces: add, rename/recolour, remove, merge, and keyframe face boxes.

Merging moves every event of one face onto another and folds its box keyframes in; undo
moves exactly those events back and restores the face at its old position.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from annotator.model.entities import Face, FaceBox
from annotator.model.project import Project


class AddFaceCommand(QUndoCommand):
    """Add a face; the id chosen on first redo is reused on later redos."""

    def __init__(self, project: Project, name: str = "", colour: str = "") -> None:
        super().__init__(f"Add face {name}".strip())
        self._project = project
        self._name = name
        self._colour = colour
        self._face: Face | None = None

    @property
    def face_id(self) -> str:
        return self._face.id if self._face else ""

    def redo(self) -> None:
        if self._face is None:
            self._face = self._project.add_face(name=self._name, colour=self._colour)
        else:
            self._project.add_face(self._face)

    def undo(self) -> None:
        assert self._face is not None
        self._project.remove_face(self._face.id)


class UpdateFaceCommand(QUndoCommand):
    """Rename or recolour a face (only the given fields are stored)."""

    def __init__(
        self, project: Project, face_id: str, changes: dict[str, Any], text: str = ""
    ) -> None:
        super().__init__(text or f"Edit face {face_id}")
        old = project.faces[face_id]
        self._project = project
        self._face_id = face_id
        self._new = dict(changes)
        self._old = {k: getattr(old, k) for k in changes}

    def redo(self) -> None:
        self._project.update_face(self._face_id, **self._new)

    def undo(self) -> None:
        self._project.update_face(self._face_id, **self._old)


class RemoveFaceCommand(QUndoCommand):
    """Remove a face without events; undo puts it back in its old place."""

    def __init__(self, project: Project, face_id: str) -> None:
        super().__init__(f"Remove face {project.faces[face_id].name}")
        self._project = project
        self._face = project.faces[face_id]
        self._index = list(project.faces).index(face_id)

    def redo(self) -> None:
        self._project.remove_face(self._face.id)

    def undo(self) -> None:
        self._project.restore_face(self._face, self._index)


class MergeFacesCommand(QUndoCommand):
    """Fold face ``gone_id`` into ``keep_id``: its events and box keyframes move over.

    On a frame where both faces have a keyframe the kept face's box wins.
    """

    def __init__(self, project: Project, keep_id: str, gone_id: str) -> None:
        super().__init__(f"Merge {project.faces[gone_id].name} into {project.faces[keep_id].name}")
        self._project = project
        self._keep_id = keep_id
        self._gone_id = gone_id
        self._gone: Face = project.faces[gone_id]
        self._index = 0
        self._moved: list[int] = []
        self._keep_boxes: tuple[FaceBox, ...] = ()

    def redo(self) -> None:
        p = self._project
        self._gone = p.faces[self._gone_id]
        self._index = list(p.faces).index(self._gone_id)
        self._moved = sorted(e.id for e in p.events.values() if e.face == self._gone_id)
        for eid in self._moved:
            p.update_event(eid, face=self._keep_id)
        keep = p.faces[self._keep_id]
        self._keep_boxes = keep.boxes
        taken = {(b.media, b.frame) for b in keep.boxes}
        extra = [b for b in self._gone.boxes if (b.media, b.frame) not in taken]
        if extra:
            boxes = sorted((*keep.boxes, *extra), key=lambda b: (b.media, b.frame))
            p.update_face(self._keep_id, boxes=tuple(boxes))
        p.remove_face(self._gone_id)

    def undo(self) -> None:
        p = self._project
        p.restore_face(self._gone, self._index)
        if p.faces[self._keep_id].boxes != self._keep_boxes:
            p.update_face(self._keep_id, boxes=self._keep_boxes)
        for eid in self._moved:
            p.update_event(eid, face=self._gone_id)


class SetFaceBoxCommand(QUndoCommand):
    """Set (or with ``box=None`` delete) the box keyframe of a face on one frame."""

    def __init__(
        self,
        project: Project,
        face_id: str,
        box: FaceBox | None,
        *,
        media: str = "",
        frame: int = -1,
    ) -> None:
        key_media = box.media if box else media
        key_frame = box.frame if box else frame
        super().__init__(f"{'Key' if box else 'Unkey'} face box at frame {key_frame}")
        self._project = project
        self._face_id = face_id
        self._box = box
        self._media = key_media
        self._frame = key_frame
        self._old = next(
            (
                b
                for b in project.faces[face_id].boxes
                if b.media == key_media and b.frame == key_frame
            ),
            None,
        )

    def redo(self) -> None:
        self._project.set_face_box(self._face_id, self._box, media=self._media, frame=self._frame)

    def undo(self) -> None:
        self._project.set_face_box(self._face_id, self._old, media=self._media, frame=self._frame)
