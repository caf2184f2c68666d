"""The timeline's length while the video's frame index is built (issue 17 item 4, 19 item 1).

The player announces the frames reachable so far (``frame_count_changed``, from
:mod:`annotator.playback.indexing`); a new video's media record keeps ``frame_count`` 0
(unknown) until the index is done (:mod:`annotator.ui.media_index`), so the project's
timebase is one frame long meanwhile. :class:`IndexExtent` hands the player's table so far
to the timeline (``TimelineWidget.set_indexing_timebase``): ruler, extent, scroll bar and
Fit grow with the index, and the project never sees a partial count.

Reports come several times a second (every packet-scan report, 0.25 s, and each one moves
the table): they are coalesced to one timeline refresh per :data:`INTERVAL_MS`. A
project's stored length wins (the timeline already shows it); at done the project gets
the real table and this hands back ``None``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer

from annotator.ui.media_index import shown_media
from annotator.workspace import Workspace

#: At most one timeline refresh per this many ms while the index grows.
INTERVAL_MS = 200


class IndexExtent(QObject):
    """Follows the player's index for the timeline; owns nothing but its timer."""

    def __init__(
        self, timeline: Any, controller: Any, workspace: Workspace, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.controller = controller
        self.workspace = workspace
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.apply)
        controller.frame_count_changed.connect(self._on_controller_frame_count_changed)
        controller.index_progressed.connect(self._on_controller_index_progressed)
        controller.media_opened.connect(self._soon)
        controller.media_closed.connect(self._soon)
        workspace.events.media_switched.connect(self._soon)
        workspace.events.project_replaced.connect(self._soon)
        self.apply()  # the timeline may come while an index is already on its way

    def indexing_timebase(self) -> Any:
        """The player's table so far when the timeline shows the video being indexed and
        the project does not know its length; else ``None``."""
        c = self.controller
        if c.source is None or c.index_complete:
            return None
        mid = shown_media(self.workspace, c)
        if mid is None or mid != self.timeline.media_id:
            return None
        project = self.workspace.project
        media = project.media.get(mid)
        if media is None or media.frame_count > 0 or project.has_real_timebase(mid):
            return None
        return c.timebase

    def apply(self) -> None:
        self._timer.stop()
        self.timeline.set_indexing_timebase(self.indexing_timebase())

    # -- reactions ---------------------------------------------------------------------------
    def _on_controller_frame_count_changed(self, _n: int) -> None:
        if not self._timer.isActive():  # coalesce: the first change of a burst starts it
            self._timer.start(INTERVAL_MS)

    def _on_controller_index_progressed(self, progress: Any) -> None:
        if getattr(progress, "done", False):
            self._soon()

    def _soon(self, *_args: object) -> None:
        """After the other listeners of this change (the timeline binds a new project or
        take in its own slot): in this turn's end, not a coalescing interval later."""
        self._timer.start(0)
