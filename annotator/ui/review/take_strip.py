"""A compact timeline under each take: that take's events, markers and playhead only.

"Each take keeps its own timeline lanes": the strip is the main timeline's canvas
(``TimelineCanvas``) bound to one media id, so geometry, painting, hit testing and edits
are the timeline's own code, not a copy. It only differs in being small: every face is
collapsed to its one summary row and the height fits the rows. Edits made on it are the
timeline's undo commands, stamped with this take's media id.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.model import Face, Project
from annotator.ui.timeline.canvas import TimelineCanvas
from annotator.ui.timeline.lanes import content_height
from annotator.ui.timeline.selection import EventSelection
from annotator.ui.timeline.view import RULER_PX
from annotator.ui.timeline.widget import smpte_or_seconds


class TakeStrip(TimelineCanvas):
    """One take's lanes, every face collapsed, as tall as its rows."""

    def __init__(
        self, project: Project, stack: QUndoStack, media_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(project, stack, EventSelection(), parent, media_id=media_id)
        self.setObjectName(f"takeStrip_{media_id}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(RULER_PX + 20)
        self.timecode = smpte_or_seconds(self.view.fps)  # the ruler label, as the timeline's
        project.face_added.connect(self._on_project_face_added)
        project.changed.connect(self._fit_height)
        self._collapse_all()

    def _collapse_all(self) -> None:
        for face in self.project.faces:
            self.cache.set_collapsed(face, True)
        self._fit_height()

    def _on_project_face_added(self, face: Face) -> None:
        self.cache.set_collapsed(face.id, True)
        self._fit_height()

    def _fit_height(self, *_args: Any) -> None:
        self.ensure()
        self.setFixedHeight(RULER_PX + content_height(self.cache.lanes) + 2)

    def set_playhead(self, frame: int) -> None:
        """The take's own frame (not the lead's): the strip is in this take's frames."""
        if frame != self.playhead:
            self.playhead = int(frame)
            self.update()

    def event_xs(self) -> dict[int, float]:
        """Event id -> x of its onset, for the events this strip shows (tests, tooltips)."""
        self.ensure()
        out: dict[int, float] = {}
        for key, index in self.cache.indexes.items():
            if key[1] == "face":
                out.update(
                    (int(eid), self.view.x_of(on))
                    for on, eid in zip(index.onsets, index.ids, strict=True)
                )
        return out

    def close_strip(self) -> None:
        """Stop following the project (the window closes or the take goes away)."""
        self.project.face_added.disconnect(self._on_project_face_added)
        self.project.changed.disconnect(self._fit_height)
        self.project.changed.disconnect(self._on_project_changed)
        self.cache.close()
