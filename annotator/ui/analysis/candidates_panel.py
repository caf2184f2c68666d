"""The Candidates list: spotted movements to accept (A) or reject (R) with one key.

Accepting turns a candidate into a note event on its face, from onset to offset with the
apex, through ``AddEventCommand`` so it is one undo step; the coder then scores its AUs.
Rejected candidates stay listed (greyed) so the decision is visible and reversible; undoing
an accept puts the candidate back to open. Selecting a row moves the player to the
candidate's onset. ``changed`` lets the timeline's Candidates lane mirror the list.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.analysis.spotting import Candidate, SpotResult
from annotator.model import Event, EventKind, Project


class Decision(enum.Enum):
    OPEN = ""
    ACCEPTED = "accepted"
    REJECTED = "rejected"


_COLUMNS = ("face", "onset", "apex", "offset", "score", "decision")


def candidate_event(project: Project, c: Candidate, media_id: str | None = None) -> Event:
    """The event an accepted candidate becomes (a note on its face, else the first face)."""
    face = c.face if c.face in project.faces else next(iter(project.faces), c.face)
    mid = media_id or (project.primary_media.id if project.primary_media else "m1")
    if c.au is not None:  # a blink: the AU itself
        return Event(
            0,
            face,
            EventKind.AU,
            c.onset_frame,
            c.offset_frame,
            c.apex_frame,
            media=mid,
            au=c.au,
            code=str(c.au),
            annotator=project.annotator,
            note=f"spotted {c.label} (score {c.score:.1f})",
        )
    return Event(
        0,
        face,
        EventKind.NOTE,
        c.onset_frame,
        c.offset_frame,
        c.apex_frame,
        media=mid,
        note=f"spotted {c.label or 'movement'} (score {c.score:.1f})",
        confidence=None,
        annotator=project.annotator,
    )


class CandidatesPanel(QWidget):
    seek_requested = Signal(int)
    changed = Signal()  # candidates, decisions or the current row changed
    spot_requested = Signal()
    cancel_requested = Signal()

    def __init__(
        self, push_accept: Callable[[Candidate], Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._push_accept = push_accept
        self.candidates: list[Candidate] = []
        self.decisions: list[Decision] = []
        self.event_ids: dict[int, int] = {}  # row -> id of the event its accept created
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels([c.title() for c in _COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.currentCellChanged.connect(self._on_table_current)
        self.table.installEventFilter(self)
        self.spot_button = QPushButton("Spot candidates")
        self.spot_button.setToolTip("Find short facial movements in the video (background)")
        self.spot_button.clicked.connect(self.spot_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel("A accept · R reject · click to jump")
        top = QHBoxLayout()
        top.addWidget(self.spot_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.progress, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)

    # ------------------------------------------------------------------ job state
    def set_running(self, running: bool) -> None:
        self.spot_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, 0)
            self.status.setText("spotting…")

    def on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def set_result(self, result: SpotResult | list[Candidate]) -> None:
        cands = result.candidates if isinstance(result, SpotResult) else list(result)
        self.candidates = sorted(cands, key=lambda c: (c.onset_frame, c.face))
        self.decisions = [Decision.OPEN] * len(self.candidates)
        self.event_ids = {}
        self.table.setRowCount(len(self.candidates))
        for row, c in enumerate(self.candidates):
            for col, value in enumerate(
                (
                    f"{c.face} {c.label}".strip(),
                    c.onset_frame,
                    c.apex_frame,
                    c.offset_frame,
                    f"{c.score:.2f}",
                    "",
                )
            ):
                item = QTableWidgetItem(str(value))
                if col:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, col, item)
        self.status.setText(f"{len(self.candidates)} candidates · A accept · R reject")
        if self.candidates:
            self.table.selectRow(0)
        self.changed.emit()

    def set_message(self, text: str) -> None:
        self.status.setText(text)

    # ------------------------------------------------------------------ decisions
    def current_row(self) -> int:
        return self.table.currentRow()

    def accept(self, row: int | None = None) -> bool:
        row = self.current_row() if row is None else row
        if not 0 <= row < len(self.candidates) or self.decisions[row] is Decision.ACCEPTED:
            return False
        event_id = self._push_accept(self.candidates[row])
        if isinstance(event_id, int):
            self.event_ids[row] = event_id
        self._decide(row, Decision.ACCEPTED)
        return True

    def reject(self, row: int | None = None) -> bool:
        row = self.current_row() if row is None else row
        if not 0 <= row < len(self.candidates) or self.decisions[row] is not Decision.OPEN:
            return False
        self._decide(row, Decision.REJECTED)
        return True

    def on_event_removed(self, event: Event) -> None:
        """Undo of an accept (or deleting its event): the candidate is open again."""
        for row, eid in self.event_ids.items():
            if eid == event.id and self.decisions[row] is Decision.ACCEPTED:
                self._decide(row, Decision.OPEN, advance=False)

    def on_event_added(self, event: Event) -> None:
        """Redo of an accept: the same event id comes back."""
        for row, eid in self.event_ids.items():
            if eid == event.id and self.decisions[row] is Decision.OPEN:
                self._decide(row, Decision.ACCEPTED, advance=False)

    def _decide(self, row: int, decision: Decision, advance: bool = True) -> None:
        self.decisions[row] = decision
        self.table.item(row, len(_COLUMNS) - 1).setText(decision.value)
        brush = {
            Decision.ACCEPTED: QBrush(QColor("#2e7d32")),
            Decision.REJECTED: QBrush(QColor("#9e9e9e")),
        }.get(decision, QBrush())
        for col in range(len(_COLUMNS)):
            self.table.item(row, col).setForeground(brush)
        if advance and row + 1 < len(self.candidates):  # one key per candidate: go on
            self.table.selectRow(row + 1)
        self.changed.emit()

    def eventFilter(self, obj: Any, event: Any) -> bool:
        if (
            obj is self.table
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
        ):
            if event.key() == Qt.Key.Key_A:
                self.accept()
                return True
            if event.key() in (Qt.Key.Key_R, Qt.Key.Key_Delete):
                self.reject()
                return True
        return super().eventFilter(obj, event)

    def _on_table_current(self, row: int, *_: int) -> None:
        if 0 <= row < len(self.candidates):
            self.seek_requested.emit(self.candidates[row].onset_frame)
        self.changed.emit()

    def save_csv(self, path: str | Path, timebase: Any = None) -> None:
        from annotator.analysis.candidates_io import write_candidates

        write_candidates(path, self.candidates, timebase=timebase)
