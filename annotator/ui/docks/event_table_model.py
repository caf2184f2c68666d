"""The event table's model: one row per event, following the project's signals row by row.

Sorting happens here, on plain Python keys (one ``list.sort``), not in the proxy: a proxy
sort calls back into Python for every comparison, which takes seconds at 100,000 events.
Cells are edited only by pushing ``UpdateEventCommand``.
"""

from __future__ import annotations

import bisect
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QUndoStack

from annotator.commands import UpdateEventCommand
from annotator.model.entities import Event, EventKind
from annotator.model.facs import Intensity, Side, parse_code
from annotator.model.project import ModelError, Project

COLUMNS = ("id", "face", "kind", "what", "intensity", "side", "onset", "apex", "offset",
           "frames", "scale", "annotator", "note", "check", "provenance")
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
        self._sort_col = COLUMNS.index("id")
        self._sort_desc = False
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
        self._ids = sorted(p.events, key=self._key, reverse=self._sort_desc)
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

    def _ordered(self, a: Any, b: Any) -> bool:
        return b <= a if self._sort_desc else a <= b

    def _reposition(self, event_id: int) -> None:
        """An edit moved the event's sort key: move its row (selection follows)."""
        r = self._row.get(event_id)
        if r is None:
            return
        ids, k = self._ids, self._key(event_id)
        if (r == 0 or self._ordered(self._key(ids[r - 1]), k)) and (
                r == len(ids) - 1 or self._ordered(k, self._key(ids[r + 1]))):
            return
        del ids[r]
        p = self._insert_row(event_id)
        ids.insert(r, event_id)
        dest = p + 1 if p >= r else p
        self.beginMoveRows(QModelIndex(), r, r, QModelIndex(), dest)
        del ids[r]
        ids.insert(p, event_id)
        self._reindex()
        self.endMoveRows()

    # ------------------------------------------------------------------ sorting
    def _key(self, event_id: int) -> tuple[Any, int]:
        e = self.project.events.get(event_id)
        if e is None:
            return ("", event_id)
        v = self.value(e, COLUMNS[self._sort_col])
        if COLUMNS[self._sort_col] in _INT_COLS:
            v = -1 if v == "" else v
        else:
            v = str(v).lower()
        return (v, event_id)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder rows by one plain-key sort; persistent indexes (selection) follow."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(self._ids[i.row()] if 0 <= i.row() < len(self._ids) else None, i.column())
                for i in persistent]
        self._sort_col = column
        self._sort_desc = order == Qt.SortOrder.DescendingOrder
        self._ids.sort(key=self._key, reverse=self._sort_desc)
        self._reindex()
        self.changePersistentIndexList(
            persistent,
            [self.index(self._row[eid], c) if eid in self._row else QModelIndex()
             for eid, c in held])
        self.layoutChanged.emit()

    def _insert_row(self, event_id: int) -> int:
        keys = self._key(event_id)
        if self._sort_desc:
            return bisect.bisect_left(self._ids, _neg(keys), key=lambda i: _neg(self._key(i)))
        return bisect.bisect_left(self._ids, keys, key=self._key)

    def _on_project_event_added(self, ev: Event) -> None:
        r = self._insert_row(ev.id)
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
        self._reposition(ev.id)
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
        if col == "provenance":  # gold projects: which coders, which decision, who decided
            return e.provenance.describe() if e.provenance else ""
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
            units = parse_code(text).units
            if len(units) != 1:
                raise ValueError("type a single AU code, e.g. R12C")
            u = units[0]
            return {"au": u.number, "intensity": u.intensity, "side": u.side, "code": u.code}
        return {}




class _neg:
    """Reverses the order of a key so a descending list can be bisected."""

    __slots__ = ("k",)

    def __init__(self, k: Any) -> None:
        self.k = k

    def __lt__(self, other: _neg) -> bool:
        return other.k < self.k

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _neg) and other.k == self.k
