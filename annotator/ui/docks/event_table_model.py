"""The event table's model: one row per event, following the project's signals row by row.

Sorting and filtering happen here, on plain Python keys, not in a QSortFilterProxyModel:
a proxy calls back into Python for every row and every comparison, seconds at 100,000
events, and again on every reset. The rows are one list of event ids sorted ascending by
(key, id); a descending order reads it backwards. An edit costs O(log n) key lookups (a
bisection) plus the duplicate check of the edited lane only, never a pass over the project.

The full build (a new project, another sort column or filter) is a pure function of a
snapshot (:func:`build_rows`); for large projects it runs off the GUI thread through
:class:`~annotator.ui.background.ViewRefresh` while the table shows "computing…".
Cells are edited only by pushing ``UpdateEventCommand``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QUndoStack
from PySide6.QtWidgets import QWidget

from annotator.commands import UpdateEventCommand
from annotator.model.entities import Event, EventKind
from annotator.model.facs import Intensity, Side, parse_code
from annotator.model.project import ModelError, Project
from annotator.pacing import pace
from annotator.ui.background import ViewRefresh, is_large, yielding_sort
from annotator.ui.lane_overlaps import LaneOverlaps

COLUMNS = (
    "id",
    "face",
    "kind",
    "what",
    "intensity",
    "side",
    "onset",
    "apex",
    "offset",
    "frames",
    "scale",
    "annotator",
    "note",
    "check",
    "provenance",
)
EDITABLE = {"intensity", "side", "onset", "apex", "offset", "annotator", "note", "what"}
_INT_COLS = {"id", "onset", "apex", "offset", "frames"}
_IDX = QModelIndex | QPersistentModelIndex
LaneId = tuple[str, str, int | None]  # (media, face, AU)


@dataclass(frozen=True, slots=True)
class Filters:
    face: str = ""
    kind: str = ""
    scale: str = ""
    text: str = ""


def value(
    project: Project, e: Event, col: str, dupes: set[int] | frozenset[int] = frozenset()
) -> Any:
    """What column ``col`` shows for ``e``."""
    if col == "id":
        return e.id
    if col == "face":
        face = project.faces.get(e.face)
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
        return project.scale(e)
    if col == "annotator":
        return e.annotator
    if col == "note":
        return e.note
    if col == "check":
        return "overlaps same AU" if e.id in dupes else ""
    if col == "provenance":  # gold projects: which coders, which decision, who decided
        return e.provenance.describe() if e.provenance else ""
    return ""


def sort_key(
    project: Project, e: Event, col: str, dupes: set[int] | frozenset[int]
) -> tuple[Any, int]:
    v = value(project, e, col, dupes)
    if col in _INT_COLS:
        v = -1 if v == "" else v
    else:
        v = str(v).lower()
    return (v, e.id)


def accepts(project: Project, e: Event, f: Filters) -> bool:
    """Filters by face, kind, scale and free text (AU, emotion, annotator, note)."""
    if f.face and e.face != f.face:
        return False
    if f.kind and e.kind.value != f.kind:
        return False
    if f.scale and project.scale(e) != f.scale:
        return False
    if f.text:
        hay = " ".join(str(value(project, e, c)) for c in ("what", "annotator", "note", "face"))
        hay += f" AU{e.au} {e.au_code}" if e.au is not None else ""
        if f.text.lower() not in hay.lower():
            return False
    return True


def lane_of(e: Event) -> LaneId | None:
    return (e.media, e.face, e.au) if e.kind is EventKind.AU else None


@dataclass(slots=True)
class Rows:
    """A full build: the sorted, filtered ids, the AU lanes and their duplicates."""

    revision: int
    column: str
    filters: Filters
    ids: list[int]
    lanes: dict[LaneId, LaneOverlaps]
    dupes: set[int]


def build_rows(project: Project, column: str, filters: Filters) -> Rows:
    spans: dict[LaneId, list[tuple[int, int, int]]] = {}
    evs = project.events
    for i, e in enumerate(evs.values()):
        if not i & 1023:
            pace()  # a worker's loop: the GUI thread's long turns go first
        lane = lane_of(e)
        if lane is not None:
            spans.setdefault(lane, []).append((e.onset_frame, e.offset_frame, e.id))
    lanes = {lane: LaneOverlaps(items) for lane, items in spans.items()}
    for overlaps in lanes.values():
        pace()
        overlaps.prepare()  # here (a worker, for a large project), not at the first edit
    dupes: set[int] = set()
    for index in lanes.values():
        dupes |= index.flagged()
    if column in _FRAME_COLS and filters == Filters():  # how the dock opens: numpy
        n = len(evs)
        ids = np.fromiter(evs.keys(), np.int64, n)
        by = np.fromiter(map(attrgetter(_FRAME_COLS[column]), evs.values()), np.int64, n)
        order = np.lexsort((ids, by))  # by (value, id), as sort_key orders them
        return Rows(project.revision, column, filters, ids[order].tolist(), lanes, dupes)
    shown = [e for e in evs.values() if accepts(project, e, filters)]
    shown = yielding_sort(shown, lambda e: sort_key(project, e, column, dupes))
    return Rows(project.revision, column, filters, [e.id for e in shown], lanes, dupes)


# columns whose sort key is one int attribute of every event (then built in numpy)
_FRAME_COLS = {"id": "id", "onset": "onset_frame", "offset": "offset_frame"}


class EventTableModel(QAbstractTableModel):
    edit_failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, project: Project, stack: QUndoStack, view: QWidget | None = None) -> None:
        """``view``: the widget showing the table; large builds then run off the GUI thread
        while it is on screen (without one, every build is immediate)."""
        super().__init__()
        self.stack = stack
        self.project = project
        self._ids: list[int] = []  # ascending by (key, id)
        self._sort_col = COLUMNS.index("id")
        self._sort_desc = False
        self.filters = Filters()
        self._lanes: dict[LaneId, LaneOverlaps] = {}
        self._dupes: set[int] = set()
        self._built: int | None = None  # revision of the last full build; None: none yet
        # edits while a build runs: (revision, event id, the event before or None), so a
        # build from an older snapshot is brought up to date instead of started again
        self._pending: list[tuple[int, int, Event | None]] = []
        self._bound = False
        self.refresher: ViewRefresh | None = None
        if view is not None:
            self.refresher = ViewRefresh(
                view, lambda: self.project, self.compute, self.apply_rows, interval_ms=100
            )
            self.refresher.busy_changed.connect(self.busy_changed)
        self.set_project(project)

    # ------------------------------------------------------------------ building

    def compute(self, project: Project) -> Rows:
        return build_rows(project, COLUMNS[self._sort_col], self.filters)

    def apply_rows(self, rows: Rows) -> None:
        if rows.column != COLUMNS[self._sort_col] or rows.filters != self.filters:
            self._rebuild()  # re-sorted or filtered meanwhile: once more, from now
            return
        if rows.revision != self.project.revision:
            if COLUMNS[self._sort_col] == "check":
                self._rebuild()  # other rows' keys (their flags) moved: from now
                return
            self._catch_up(rows)
            return
        self._apply(rows)

    def _catch_up(self, rows: Rows) -> None:
        """Bring a build from an older snapshot up to date with the edits made since
        (rebuilding instead would start over after every edit of a 1M-event project,
        whose build takes seconds): the edited events leave the list and the lanes, then
        go back in from the live project by bisection; every other event's key is the
        same in the snapshot and now."""
        touched: dict[int, Event | None] = {}
        for revision, eid, before in self._pending:
            if revision >= rows.revision:
                touched.setdefault(eid, before)
        ids = [i for i in rows.ids if i not in touched] if touched else rows.ids
        for eid, before in touched.items():
            lane = lane_of(before) if before is not None else None
            if lane is not None and lane in rows.lanes:
                rows.lanes[lane].remove(eid)
                rows.dupes.discard(eid)
        evs = self.project.events
        now = [e for e in map(evs.get, touched) if e is not None]
        for e in now:
            if accepts(self.project, e, self.filters):
                key = self._key(e)
                ids.insert(bisect.bisect_left(ids, key, key=lambda i: self._key(evs[i])), e.id)
        rows.ids = ids
        rows.revision = self.project.revision
        self._apply(rows)
        for e in now:
            self._lane_edit(lane_of(e), e, None)

    def _apply(self, rows: Rows) -> None:
        self._pending.clear()
        self.beginResetModel()
        self._ids = rows.ids
        self._lanes = rows.lanes
        self._dupes = rows.dupes
        self._built = rows.revision
        self.endResetModel()

    def _rebuild(self, now: bool = False) -> None:
        """A full build: at once for a small project, else off the GUI thread."""
        if self.refresher is None:
            self._apply(self.compute(self.project))
            return
        if is_large(self.project) and self._built is not None:
            self.beginResetModel()
            self._ids = []
            self._built = None  # edits until the build lands are in the build
            self.endResetModel()
        self.refresher.request(now=True)

    def set_project(self, project: Project) -> None:
        if self._bound:
            self._disconnect()
        self.project = project
        p = project
        p.event_added.connect(self._on_project_event_added)
        p.event_changed.connect(self._on_project_event_changed)
        p.event_removed.connect(self._on_project_event_removed)
        p.face_changed.connect(self._on_project_face_changed)
        self._bound = True
        if self.refresher is not None:
            self.refresher.cancel()
        self.beginResetModel()
        self._ids = []
        self._built = None
        self.endResetModel()
        self._rebuild(now=True)

    def _disconnect(self) -> None:
        p = self.project
        p.event_added.disconnect(self._on_project_event_added)
        p.event_changed.disconnect(self._on_project_event_changed)
        p.event_removed.disconnect(self._on_project_event_removed)
        p.face_changed.disconnect(self._on_project_face_changed)

    @property
    def ready(self) -> bool:
        return self._built is not None

    # ------------------------------------------------------------------ rows
    def _view_row(self, pos: int) -> int:
        return len(self._ids) - 1 - pos if self._sort_desc else pos

    def _key(self, e: Event) -> tuple[Any, int]:
        return sort_key(self.project, e, COLUMNS[self._sort_col], self._dupes)

    def _pos(self, event_id: int, key: tuple[Any, int]) -> int | None:
        """Where ``event_id`` (sorting as ``key``) sits in ``_ids``, by bisection."""
        evs = self.project.events

        def k(i: int) -> tuple[Any, int]:
            if i == event_id:
                return key
            e = evs.get(i)
            return self._key(e) if e is not None else ("", i)

        p = bisect.bisect_left(self._ids, key, key=k)
        if p < len(self._ids) and self._ids[p] == event_id:
            return p
        try:  # keys that moved under us (a renamed face): look it up the slow way
            return self._ids.index(event_id)
        except ValueError:
            return None

    def _insert_pos(self, e: Event) -> int:
        evs = self.project.events
        return bisect.bisect_left(self._ids, self._key(e), key=lambda i: self._key(evs[i]))

    def row_of(self, event_id: int) -> int | None:
        e = self.project.events.get(event_id)
        if e is None or not self.ready:
            return None
        p = self._pos(event_id, self._key(e))
        return None if p is None else self._view_row(p)

    def event_at(self, row: int) -> Event | None:
        if not 0 <= row < len(self._ids):
            return None
        return self.project.events.get(self._ids[self._view_row(row)])

    def _insert(self, e: Event) -> None:
        p = self._insert_pos(e)
        r = len(self._ids) - p if self._sort_desc else p
        self.beginInsertRows(QModelIndex(), r, r)
        self._ids.insert(p, e.id)
        self.endInsertRows()

    def _remove_at(self, p: int) -> None:
        r = self._view_row(p)
        self.beginRemoveRows(QModelIndex(), r, r)
        del self._ids[p]
        self.endRemoveRows()

    def _move(self, p: int, e: Event) -> None:
        """The edit moved the event's sort key: move its row (the selection follows)."""
        n = len(self._ids)
        r = self._view_row(p)
        del self._ids[p]
        q = self._insert_pos(e)
        self._ids.insert(p, e.id)
        rf = (n - 1 - q) if self._sort_desc else q
        if rf != r:
            self.beginMoveRows(QModelIndex(), r, r, QModelIndex(), rf + 1 if rf > r else rf)
            del self._ids[p]
            self._ids.insert(q, e.id)
            self.endMoveRows()
        self._row_changed(e.id)

    def _row_changed(self, event_id: int) -> None:
        r = self.row_of(event_id)
        if r is not None:
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    # ------------------------------------------------------------------ duplicates
    def _lane_edit(self, lane: LaneId | None, add: Event | None, drop: int | None) -> None:
        """Update one AU lane: only the events that can overlap the edit are looked at."""
        if lane is None:
            return
        index = self._lanes.get(lane)
        if index is None:
            index = self._lanes[lane] = LaneOverlaps()
        changed: set[int] = set()
        if drop is not None:
            changed |= index.remove(drop)
        if add is not None:
            changed |= index.add(add.onset_frame, add.offset_frame, add.id)
        for eid in changed:
            if eid in index.flags:
                self._dupes.add(eid)
            else:
                self._dupes.discard(eid)
        if not len(index):
            del self._lanes[lane]
        if COLUMNS[self._sort_col] == "check" and changed:
            self._rebuild()  # the sort keys of other rows changed
            return
        for eid in changed:
            if eid != (add.id if add is not None else None):
                self._row_changed(eid)

    # ------------------------------------------------------------------ model signals
    def _held(self, eid: int, before: Event | None) -> bool:
        """Not built yet: remember the edit for the build in flight (see _catch_up)."""
        if self.ready:
            return False
        self._pending.append((self.project.revision, eid, before))
        return True

    def _on_project_event_added(self, ev: Event) -> None:
        if self._held(ev.id, None):
            return  # the build in flight catches up with it
        if accepts(self.project, ev, self.filters):
            self._insert(ev)
        self._lane_edit(lane_of(ev), ev, None)

    def _on_project_event_removed(self, ev: Event) -> None:
        if self._held(ev.id, ev):
            return
        p = self._pos(ev.id, self._key(ev))
        if p is not None:
            self._remove_at(p)
        self._lane_edit(lane_of(ev), None, ev.id)

    def _on_project_event_changed(self, ev: Event, old: Event) -> None:
        if self._held(ev.id, old):
            return
        p = self._pos(ev.id, self._key(old))
        keep = accepts(self.project, ev, self.filters)
        if p is not None:
            ids, k = self._ids, self._key(ev)
            evs = self.project.events
            in_place = (
                keep
                and (p == 0 or self._key(evs[ids[p - 1]]) <= k)
                and (p == len(ids) - 1 or k <= self._key(evs[ids[p + 1]]))
            )
            if in_place:
                self._row_changed(ev.id)
            elif keep:
                self._move(p, ev)
            else:
                self._remove_at(p)
        elif keep:
            self._insert(ev)
        if lane_of(old) != lane_of(ev):
            self._lane_edit(lane_of(old), None, old.id)
            self._lane_edit(lane_of(ev), ev, None)
        else:
            self._lane_edit(lane_of(ev), ev, old.id)

    def _on_project_face_changed(self, *_args: Any) -> None:
        if COLUMNS[self._sort_col] == "face" or self.filters.text:
            self._rebuild()
        elif self._ids:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self._ids) - 1, 1))

    # ------------------------------------------------------------------ sorting, filters
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder rows (persistent indexes, the selection, follow). The same column the
        other way round only reads the list backwards; another column rebuilds."""
        desc = order == Qt.SortOrder.DescendingOrder
        if column == self._sort_col and desc == self._sort_desc:
            return
        same_col = column == self._sort_col
        large = self._large()
        if not same_col and large:
            self._sort_col, self._sort_desc = column, desc
            self._rebuild()
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [
            (
                self._ids[self._view_row(i.row())] if 0 <= i.row() < len(self._ids) else None,
                i.column(),
            )
            for i in persistent
        ]
        self._sort_col, self._sort_desc = column, desc
        if not same_col:
            evs = self.project.events
            self._ids.sort(key=lambda i: self._key(evs[i]))
        pos = {eid: p for p, eid in enumerate(self._ids)} if persistent else {}
        self.changePersistentIndexList(
            persistent,
            [
                self.index(self._view_row(pos[eid]), c) if eid in pos else QModelIndex()
                for eid, c in held
            ],
        )
        self.layoutChanged.emit()

    def _large(self) -> bool:
        return self.refresher is not None and is_large(self.project)

    def set_filters(self, filters: Filters) -> None:
        if filters == self.filters:
            return
        self.filters = filters
        if self._large():
            self._rebuild()
            return
        self._apply(self.compute(self.project))

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: _IDX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _IDX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def flags(self, index: _IDX) -> Qt.ItemFlag:
        f = super().flags(index)
        if COLUMNS[index.column()] in EDITABLE:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def value(self, e: Event, col: str) -> Any:
        return value(self.project, e, col, self._dupes)

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
                self.stack.push(
                    UpdateEventCommand(self.project, e.id, changes, f"Edit {col} of {e.describe()}")
                )
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


__all__ = ["COLUMNS", "EventTableModel", "Filters", "build_rows"]
