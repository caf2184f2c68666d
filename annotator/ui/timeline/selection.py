"""What the user has selected: events (ids) and one lane; shared by timeline, table, coding.

One object owned by the coding workflow, so selecting a row in the event table and clicking
a bar on the timeline are the same act and every view follows it.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from annotator.ui.timeline.lanes import LaneKey


class EventSelection(QObject):
    changed = Signal()  # event ids changed
    lane_changed = Signal(object)  # (LaneKey | None)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
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
            self.changed.emit()

    def toggle(self, event_id: int) -> None:
        self.set(self._ids ^ {event_id})

    def add(self, event_id: int) -> None:
        self.set(self._ids | {event_id})

    def discard(self, event_id: int) -> None:
        if event_id in self._ids:
            self.set(self._ids - {event_id})

    def clear(self) -> None:
        self.set(())

    def set_lane(self, lane: LaneKey | None) -> None:
        if lane != self._lane:
            self._lane = lane
            self.lane_changed.emit(lane)
