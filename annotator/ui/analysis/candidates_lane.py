"""The timeline's Candidates lane: the Candidates dock seen against time.

An ``OverlaySource`` over ``CandidatesPanel``: the panel keeps the candidates, the
decisions and the current row, and accepting still goes through its ``accept`` (the one
command path that creates the event), so the lane and the dock can never disagree; the
lane only maps rows to items and keys to the panel's accept/reject.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from annotator.model import Project
from annotator.ui.analysis.candidates_panel import CandidatesPanel, Decision
from annotator.ui.timeline.overlays import ItemState, OverlayItem, Style

_STATES = {
    Decision.OPEN: ItemState.PENDING,
    Decision.ACCEPTED: ItemState.ACCEPTED,
    Decision.REJECTED: ItemState.REJECTED,
}


class CandidatesLane(QObject):
    """Row ``i`` of the panel is item ``i`` of the lane."""

    name = "candidates"
    style = Style.BARS
    changed = Signal()

    def __init__(
        self, panel: CandidatesPanel, project: Callable[[], Project], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.panel = panel
        self._project = project  # the window's current project (faces give the colours)
        self._items: list[OverlayItem] | None = None
        panel.changed.connect(self.refresh)

    def refresh(self) -> None:
        self._items = None
        self.changed.emit()

    def title(self) -> str:
        open_ = sum(d is Decision.OPEN for d in self.panel.decisions)
        return f"Candidates ({open_} open)  A/R"

    def items(self) -> Sequence[OverlayItem]:
        if self._items is None:
            faces = self._project().faces
            self._items = [
                OverlayItem(
                    c.onset_frame,
                    c.offset_frame,
                    c.apex_frame,
                    faces[c.face].name if c.face in faces else c.face,
                    _STATES[d],
                    faces[c.face].colour if c.face in faces else "#c9a227",
                )
                for c, d in zip(self.panel.candidates, self.panel.decisions, strict=True)
            ]
        return self._items

    def current(self) -> int | None:
        row = self.panel.current_row()
        return row if 0 <= row < len(self.panel.candidates) else None

    def select(self, index: int) -> None:
        if index != self.panel.current_row():
            self.panel.table.selectRow(index)

    def handle_key(self, index: int | None, key: str) -> bool:
        """A accepts, R rejects the item (the panel's current row when none is given)."""
        if key not in ("a", "r") or not self.panel.candidates:
            return False
        if key == "a":
            self.panel.accept(index)
        else:
            self.panel.reject(index)
        return True
