"""Event table dock: every event, sortable and filterable; rows and bars are one selection.

Selecting a row asks the player to seek to the onset and selects the bar on the timeline;
selecting bars selects the rows. Editing goes through the model (commands).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QIdentityProxyModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.model.entities import EventKind
from annotator.model.project import Project
from annotator.ui.background import BusyLabel
from annotator.ui.docks.event_table_model import COLUMNS, EventTableModel
from annotator.ui.timeline.selection import EventSelection

__all__ = ["COLUMNS", "EventFilterProxy", "EventTableModel", "EventTableWidget"]

_IDX = QModelIndex | QPersistentModelIndex


class EventFilterProxy(QIdentityProxyModel):
    """What the table view shows: the model's rows as they are. Filtering (face, kind,
    scale, free text) and sorting live in :class:`EventTableModel`, in plain Python over
    its id list; a QSortFilterProxyModel would call Python once per row on every reset."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None and column >= 0:
            source.sort(column, order)

    def set_filters(self, **kw: str) -> None:
        source = self.sourceModel()
        assert isinstance(source, EventTableModel)
        source.set_filters(replace(source.filters, **kw))


class EventTableWidget(QWidget):
    seek_requested = Signal(int)
    message = Signal(str)

    def __init__(
        self,
        project: Project,
        stack: QUndoStack,
        selection: EventSelection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.selection = selection
        self.model = EventTableModel(project, stack, self)
        self.proxy = EventFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("onset"), Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.face_box = QComboBox(self)
        self.kind_box = QComboBox(self)
        self.kind_box.addItem("all kinds", "")
        for k in EventKind:
            self.kind_box.addItem(k.value, k.value)
        self.scale_box = QComboBox(self)
        for label, data in (("micro + macro", ""), ("micro", "micro"), ("macro", "macro")):
            self.scale_box.addItem(label, data)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter: AU12, happiness, annotator…")
        self.search.setClearButtonEnabled(True)
        top = QHBoxLayout()
        for w in (self.face_box, self.kind_box, self.scale_box, self.search):
            top.addWidget(w)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addWidget(self.table)
        self._fill_faces()
        self.face_box.currentIndexChanged.connect(self._on_filter_changed)
        self.kind_box.currentIndexChanged.connect(self._on_filter_changed)
        self.scale_box.currentIndexChanged.connect(self._on_filter_changed)
        self.search.textChanged.connect(self._on_filter_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        selection.changed.connect(self._on_selection_changed)
        self.model.edit_failed.connect(self.message)
        self._syncing = False
        self._hook_faces(project)
        self.busy = BusyLabel(self, "loading events…")
        self.model.busy_changed.connect(self.busy.set_busy)

    def set_project(self, project: Project) -> None:
        self.model.set_project(project)
        self._hook_faces(project)
        self._fill_faces()

    def _hook_faces(self, project: Project) -> None:
        for sig in (project.face_added, project.face_removed, project.face_changed):
            sig.connect(self._on_project_faces_changed)

    def _on_project_faces_changed(self, *_args: Any) -> None:
        self._fill_faces()

    def _fill_faces(self) -> None:
        current = self.face_box.currentData()
        self.face_box.blockSignals(True)
        self.face_box.clear()
        self.face_box.addItem("all faces", "")
        for f in self.model.project.faces.values():
            self.face_box.addItem(f.name, f.id)
        i = self.face_box.findData(current)
        self.face_box.setCurrentIndex(max(i, 0))
        self.face_box.blockSignals(False)

    def _on_filter_changed(self, *_args: Any) -> None:
        self.proxy.set_filters(
            face=self.face_box.currentData() or "",
            kind=self.kind_box.currentData() or "",
            scale=self.scale_box.currentData() or "",
            text=self.search.text().strip(),
        )

    def selected_ids(self) -> list[int]:
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return [e.id for r in sorted(rows) if (e := self.model.event_at(r)) is not None]

    def _on_table_selection_changed(self, *_args: Any) -> None:
        if self._syncing:
            return
        ids = self.selected_ids()
        self._syncing = True
        try:
            self.selection.set(ids)
            if len(ids) == 1:
                e = self.model.project.events[ids[0]]
                self.selection.set_lane(e.lane_key)
                self.seek_requested.emit(e.onset_frame)
        finally:
            self._syncing = False

    def _on_selection_changed(self) -> None:
        """Follow a selection made on the timeline."""
        if self._syncing:
            return
        self._syncing = True
        try:
            sm = self.table.selectionModel()
            sel = QItemSelection()
            for eid in self.selection.ids:
                r = self.model.row_of(eid)
                if r is None:
                    continue
                pi = self.proxy.mapFromSource(self.model.index(r, 0))
                if pi.isValid():
                    sel.select(pi, pi.siblingAtColumn(len(COLUMNS) - 1))
            sm.select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if not sel.isEmpty():
                self.table.scrollTo(sel.indexes()[0])
        finally:
            self._syncing = False
