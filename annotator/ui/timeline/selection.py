"""What the user has selected: events (ids) and one lane; shared by timeline, table, coding.

The selection itself is owned by the workspace (:class:`annotator.workspace.Selection`);
this QObject is its Qt face, re-announcing its changes as Qt signals for the views, so
selecting a row in the event table and clicking a bar on the timeline are the same act.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from annotator.ui.timeline.lanes import LaneKey
from annotator.workspace import Selection, WorkspaceEvents


class EventSelection(QObject):
    changed = Signal()  # event ids changed
    lane_changed = Signal(object)  # (LaneKey | None)

    def __init__(
        self,
        parent: QObject | None = None,
        state: Selection | None = None,
        events: WorkspaceEvents | None = None,
    ) -> None:
        super().__init__(parent)
        if state is None or events is None:
            events = WorkspaceEvents()
            state = Selection(events)
        self._state = state
        events.selection_changed.connect(self._on_ids)
        events.lane_changed.connect(self._on_lane)

    def _on_ids(self, _ids: frozenset[int]) -> None:
        self.changed.emit()

    def _on_lane(self, lane: LaneKey | None) -> None:
        self.lane_changed.emit(lane)

    @property
    def ids(self) -> frozenset[int]:
        return self._state.ids

    @property
    def lane(self) -> LaneKey | None:
        return self._state.lane

    @property
    def face(self) -> str | None:
        return self._state.face

    def set(self, ids: Iterable[int]) -> None:
        self._state.set(ids)

    def toggle(self, event_id: int) -> None:
        self.set(self.ids ^ {event_id})

    def add(self, event_id: int) -> None:
        self.set(self.ids | {event_id})

    def discard(self, event_id: int) -> None:
        if event_id in self.ids:
            self.set(self.ids - {event_id})

    def clear(self) -> None:
        self.set(())

    def set_lane(self, lane: LaneKey | None) -> None:
        self._state.set_lane(lane)
