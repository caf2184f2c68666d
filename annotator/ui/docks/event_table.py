"""Event table dock: every event, sortable and filterable; rows and bars are one selection.

The table model follows the project's signals row by row (no full reset per edit) and
edits cells only by pushing ``UpdateEventCommand``; selecting a row asks the player to
seek to the onset and selects the bar on the timeline.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.commands import UpdateEventCommand
from annotator.model.entities import Event, EventKind
from annotator.model.facs import Intensity, Side
from annotator.model.project import ModelError, Project
from annotator.ui.timeline.selection import EventSelection

COLUMNS = ("id", "face", "kind", "what", "intensity", "side", "onset", "apex", "offset",
           "frames", "scale", "annotator", "note", "check")
EDITABLE = {"intensity", "side", "onset", "apex", "offset", "annotator", "note", "what"}
_INT_COLS = {"id", "onset", "apex", "offset", "frames"}
_IDX = QModelIndex | QPersistentModelIndex


class EventTableModel(QAbstractTableModel):
    edit_failed = Signal(str)

    def __init__(self, project: Project, stack: QUndoStack) -> None:
        super().__init__()
        self.stack = stack
        self.project = project
        self._ids: list[int] = []
        self._row: dict[int, int] = {}
        self._dupes: set[int] = set()
        self.set_project(project)

    def set_project(self, project: Project) -> None:
        if self._ids or getattr(self, "_bound", False):
            self._disconnect()
        self.project = project
        p = project
        p.event_added.connect(self._on_project_event_added)
        p.event_changed.connect(self._on_project_event_changed)
        p.event_removed.connect(self._on_project_event_removed)
        p.face_changed.connect(self._on_project_face_changed)
        self._bound = True
        self.beginResetModel()
        self._ids = sorted(p.events)
        self._reindex()
        self._dupes = {i for pair in p.overlapping_duplicates() for i in pair}
        self.endResetModel()

    def _disconnect(self) -> None:
        p = self.project
        p.event_added.disconnect(self._on_project_event_added)
        p.event_changed.disconnect(self._on_project_event_changed)
        p.event_removed.disconnect(self._on_project_event_removed)
        p.face_changed.disconnect(self._on_project_face_changed)

    def _reindex(self) -> None:
        self._row = {eid: r for r, eid in enumerate(self._ids)}

    def row_of(self, event_id: int) -> int | None:
        return self._row.get(event_id)

    def event_at(self, row: int) -> Event | None:
        return self.project.events.get(self._ids[row]) if 0 <= row < len(self._ids) else None

    # ------------------------------------------------------------------ model signals
    def _refresh_dupes(self, ev: Event) -> None:
        """Re-check duplicates on the edited event's lane only."""
        if ev.kind is not EventKind.AU:
            return
        lane = sorted((e for e in self.project.events.values()
                       if e.face == ev.face and e.au == ev.au and e.media == ev.media
                       and e.kind is EventKind.AU), key=lambda e: (e.onset_frame, e.id))
        before = {e.id for e in lane} & self._dupes
        now: set[int] = set()
        active: list[Event] = []
        for e in lane:
            active = [a for a in active if a.offset_frame >= e.onset_frame]
            if active:
                now.add(e.id)
                now.update(a.id for a in active)
            active.append(e)
        self._dupes = (self._dupes - before) | now
        for eid in before ^ now:
            r = self._row.get(eid)
            if r is not None:
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    def _on_project_event_added(self, ev: Event) -> None:
        import bisect

        r = bisect.bisect_left(self._ids, ev.id)
        self.beginInsertRows(QModelIndex(), r, r)
        self._ids.insert(r, ev.id)
        self._reindex()
        self.endInsertRows()
        self._refresh_dupes(ev)

    def _on_project_event_removed(self, ev: Event) -> None:
        r = self._row.get(ev.id)
        if r is None:
            return
        self.beginRemoveRows(QModelIndex(), r, r)
        del self._ids[r]
        self._reindex()
        self.endRemoveRows()
        self._dupes.discard(ev.id)
        self._refresh_dupes(ev)

    def _on_project_event_changed(self, ev: Event, old: Event) -> None:
        r = self._row.get(ev.id)
        if r is not None:
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))
        self._refresh_dupes(old)
        self._refresh_dupes(ev)

    def _on_project_face_changed(self, *_args: Any) -> None:
        if self._ids:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self._ids) - 1, 1))

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: _IDX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _IDX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def flags(self, index: _IDX) -> Qt.ItemFlag:
        f = super().flags(index)
        if COLUMNS[index.column()] in EDITABLE:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def value(self, e: Event, col: str) -> Any:
        if col == "id":
            return e.id
        if col == "face":
            face = self.project.faces.get(e.face)
            return face.name if face else e.face
        if col == "kind":
            return e.kind.value
        if col == "what":
            return e.describe() if e.kind is EventKind.AU else e.label
        if col == "intensity":
            return e.intensity.value if e.intensity else ""
        if col == "side":
            return e.side.value if e.side else ""
        if col == "onset":
            return e.onset_frame
        if col == "apex":
            return e.apex_frame if e.apex_frame is not None else ""
        if col == "offset":
            return e.offset_frame
        if col == "frames":
            return e.duration_frames
        if col == "scale":
            return self.project.scale(e)
        if col == "annotator":
            return e.annotator
        if col == "note":
            return e.note
        if col == "check":
            return "overlaps same AU" if e.id in self._dupes else ""
        return ""

    def data(self, index: _IDX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        e = self.event_at(index.row())
        if e is None:
            return None
        col = COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if role == Qt.ItemDataRole.EditRole and col == "what":
                return e.au_code if e.kind is EventKind.AU else e.label
            return self.value(e, col)
        if role == Qt.ItemDataRole.UserRole:  # sort key
            v = self.value(e, col)
            return v if col in _INT_COLS and v != "" else str(v)
        if role == Qt.ItemDataRole.ForegroundRole and col == "check" and e.id in self._dupes:
            return QBrush(QColor("#d43b3b"))
        if role == Qt.ItemDataRole.ToolTipRole and col == "check" and e.id in self._dupes:
            return "Overlaps another event of the same AU on the same face"
        return None

    def setData(self, index: _IDX, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Inline edit: one command on the undo stack; refused edits say why."""
        e = self.event_at(index.row())
        col = COLUMNS[index.column()]
        if e is None or role != Qt.ItemDataRole.EditRole:
            return False
        try:
            changes = self._changes(e, col, value)
            if changes:
                self.stack.push(UpdateEventCommand(self.project, e.id, changes,
                                                   f"Edit {col} of {e.describe()}"))
        except (ModelError, ValueError) as exc:
            self.edit_failed.emit(str(exc))
            return False
        return True

    def _changes(self, e: Event, col: str, value: Any) -> dict[str, Any]:
        text = str(value).strip()
        if col in ("onset", "offset"):
            return {f"{col}_frame": int(text)}
        if col == "apex":
            return {"apex_frame": int(text) if text else None}
        if col == "intensity":
            return {"intensity": Intensity(text.upper()) if text else None}
        if col == "side":
            return {"side": Side(text.upper()) if text else None}
        if col in ("annotator", "note"):
            return {col: text}
        if col == "what":
            if e.kind is EventKind.EMOTION:
                return {"emotion": text}
            if e.kind is EventKind.NOTE:
                return {"note": text}
            from annotator.model.facs import parse_code

            units = parse_code(text).units
            if len(units) != 1:
                raise ValueError("type a single AU code, e.g. R12C")
            u = units[0]
            return {"au": u.number, "intensity": u.intensity, "side": u.side, "code": u.code}
        return {}


class EventFilterProxy(QSortFilterProxyModel):
    """Filters by face, kind, scale and free text (AU, emotion, annotator, note)."""

    def __init__(self) -> None:
        super().__init__()
        self.face = ""
        self.kind = ""
        self.scale = ""
        self.text = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_filters(self, **kw: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated
            self.beginFilterChange()
            for k, v in kw.items():
                setattr(self, k, v)
            self.endFilterChange()
            return
        for k, v in kw.items():
            setattr(self, k, v)
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: _IDX) -> bool:
        m = self.sourceModel()
        assert isinstance(m, EventTableModel)
        e = m.event_at(row)
        if e is None:
            return False
        if self.face and e.face != self.face:
            return False
        if self.kind and e.kind.value != self.kind:
            return False
        if self.scale and m.project.scale(e) != self.scale:
            return False
        if self.text:
            hay = " ".join(str(m.value(e, c)) for c in ("what", "annotator", "note", "face"))
            hay += f" AU{e.au} {e.au_code}" if e.au is not None else ""
            if self.text.lower() not in hay.lower():
                return False
        return True


class EventTableWidget(QWidget):
    seek_requested = Signal(int)
    message = Signal(str)

    def __init__(self, project: Project, stack: QUndoStack, selection: EventSelection,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.model = EventTableModel(project, stack)
        self.proxy = EventFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("onset"), Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
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
        self.proxy.set_filters(face=self.face_box.currentData() or "",
                               kind=self.kind_box.currentData() or "",
                               scale=self.scale_box.currentData() or "",
                               text=self.search.text().strip())

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
