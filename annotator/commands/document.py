"""A merge on save as one undo step (issue 11: the revision counter and the undo history
stay the project's own when the file on disk changed under us).

Redo makes the live project equal to the merged one, undo makes it equal to what it was
before (a snapshot), both through :func:`annotator.workspace.apply.make_equal`, so the
views follow every change and the revision moves both ways (after the merge is saved,
undoing it is an unsaved change: the file holds the merge).
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from annotator.model.project import Project
from annotator.workspace.apply import make_equal
from annotator.workspace.snapshot import snapshot


class MergeFromDiskCommand(QUndoCommand):
    def __init__(self, project: Project, merged: Project, text: str = "Merge from disk") -> None:
        super().__init__(text)
        self._project = project
        self._before = snapshot(project)
        self._after = snapshot(merged)
        self.changes = 0  # how many model changes the last redo made

    def redo(self) -> None:
        self.changes = make_equal(self._project, self._after)

    def undo(self) -> None:
        make_equal(self._project, self._before)
