"""View > Emotion During Dialogue…: every emotion event of the take that overlaps a dialogue
line, one row per overlap; choosing a row selects the event and goes to the first shared
frame."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.analysis.dialogue import DialogueOverlap, overlap_summary
from annotator.ui.context import AppContext

COLUMNS = ("Face", "Emotion", "Frames", "Event", "Dialogue")


class OverlapListDialog(QDialog):
    def __init__(
        self, ctx: AppContext, overlaps: Sequence[DialogueOverlap], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.overlaps = list(overlaps)
        self.setWindowTitle("Emotion during dialogue")
        self.resize(720, 360)
        project = ctx.project
        self.summary = QLabel(overlap_summary(self.overlaps, project), self)
        self.table = QTableWidget(len(self.overlaps), len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for r, o in enumerate(self.overlaps):
            face = project.faces.get(o.face)
            e = project.events.get(o.event_id)
            cells = (
                face.name if face else o.face,
                o.emotion,
                f"{o.start_frame}–{o.end_frame} ({o.frames})",
                f"#{o.event_id} {e.onset_frame}–{e.offset_frame}" if e else f"#{o.event_id}",
                " / ".join(o.text.splitlines()),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r)
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        self.table.cellActivated.connect(self._on_table_cell_activated)
        self.table.cellClicked.connect(self._on_table_cell_activated)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table)
        lay.addWidget(buttons)

    def _on_table_cell_activated(self, row: int, _col: int) -> None:
        self.go_to(row)

    def go_to(self, row: int) -> None:
        """Select the row's event and put the playhead on the first frame it shares with
        the line."""
        if not 0 <= row < len(self.overlaps):
            return
        o = self.overlaps[row]
        e = self.ctx.project.events.get(o.event_id)
        if e is not None:
            self.ctx.workspace.selection.set([e.id])
            self.ctx.workspace.selection.set_lane(e.lane_key)
        controller = self.ctx.controller
        if controller is not None and controller.source is not None:
            controller.seek(o.start_frame)
