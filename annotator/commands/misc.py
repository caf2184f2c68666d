"""Commands on markers (the notes lane) and the emotion vocabulary."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from annotator.model.entities import Marker
from annotator.model.project import Project


class AddMarkerCommand(QUndoCommand):
    def __init__(self, project: Project, marker: Marker) -> None:
        super().__init__(f"Add {marker.kind.value}")
        self._project = project
        self._marker = marker

    def redo(self) -> None:
        self._marker = self._project.add_marker(self._marker)

    def undo(self) -> None:
        self._project.remove_marker(self._marker.id)


class UpdateMarkerCommand(QUndoCommand):
    def __init__(self, project: Project, marker_id: int, changes: dict[str, Any]) -> None:
        super().__init__(f"Edit marker {marker_id}")
        old = project.markers[marker_id]
        self._project = project
        self._id = marker_id
        self._new = dict(changes)
        self._old = {k: getattr(old, k) for k in changes}

    def redo(self) -> None:
        self._project.update_marker(self._id, **self._new)

    def undo(self) -> None:
        self._project.update_marker(self._id, **self._old)


class RemoveMarkerCommand(QUndoCommand):
    def __init__(self, project: Project, marker_id: int) -> None:
        super().__init__(f"Delete marker {marker_id}")
        self._project = project
        self._marker = project.markers[marker_id]

    def redo(self) -> None:
        self._project.remove_marker(self._marker.id)

    def undo(self) -> None:
        self._project.add_marker(self._marker)


class AddEmotionLabelCommand(QUndoCommand):
    """Add a project-specific emotion label to the vocabulary."""

    def __init__(self, project: Project, label: str) -> None:
        super().__init__(f"Add emotion label {label}")
        self._project = project
        self._label = label.strip()
        self._added = False

    def redo(self) -> None:
        self._added = self._label not in self._project.vocabulary.emotions
        self._project.add_emotion_label(self._label)

    def undo(self) -> None:
        if self._added:
            self._project.remove_emotion_label(self._label)
