"""Scene breakdown: one row per shot (from the cut markers) with its summary, and under it
the dialogue lines and expression events of that shot; click to jump there.

Display only: the summaries come from :mod:`annotator.review.shots`; marking a cut by hand
is forwarded as ``cut_requested`` and becomes an ``AddMarkerCommand`` in the installer.

A 100,000-event project has tens of thousands of moments under its shots, so the tree is a
model/view pair: :func:`compute_breakdown` (pure, run off the GUI thread from a snapshot by
:class:`~annotator.ui.background.ViewRefresh`, coalesced, only while the dock is on screen)
hands the rows to :class:`BreakdownModel`, which formats timecodes only for the rows the
view asks for (the ones on screen).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from annotator.model import EventKind, MarkerKind, Project
from annotator.model.timecode import frame_to_smpte
from annotator.review.breakdown_live import LiveBreakdown, Moment
from annotator.review.shots import ShotSummary, breakdown
from annotator.ui.background import BusyLabel
from annotator.ui.live_view import LiveFollower

COLUMNS = ("Shot / line", "Start", "Duration", "Faces", "Dominant", "Micro")
_IDX = QModelIndex | QPersistentModelIndex
FETCH_ROWS = 500  # children of a shot handed to the view at a time (more on scrolling)


@dataclass(slots=True)
class Breakdown:
    media: str
    fps: Fraction
    summaries: list[ShotSummary]
    face_names: dict[str, str]
    children: list[list[Any]]  # per shot, in frame order: Moments, or line keys of ``live``
    live: LiveBreakdown | None = None  # makes a line's Moment from its key when shown

    def line(self, shot: int, row: int) -> Moment:
        item = self.children[shot][row]
        return item if self.live is None else self.live.line(item)

    def frame(self, shot: int, row: int) -> int:
        item = self.children[shot][row]
        return item.frame if self.live is None else LiveBreakdown.frame_of(item)


def live_view(live: LiveBreakdown) -> Breakdown:
    """What the model shows of ``live`` now: the shot lists copied (C-level, no objects
    made) so edits arriving before the next model reset do not change rows under it."""
    return Breakdown(
        live.mid,
        live.fps,
        live.summaries(),
        {f.id: f.name for f in live.project.faces.values()},
        [list(keys) for keys in live.lines],
        live,
    )


def compute_breakdown(project: Project, media_id: str | None = None) -> Breakdown:
    """The shots of ``media_id`` (default: the first video) and the moments under each, in
    one pass over the markers and events (each lands in its shot by bisection). The full
    recompute :class:`LiveBreakdown` is checked against; the dock shows a LiveBreakdown."""
    media = project.media.get(media_id) if media_id else project.primary_media
    fps = media.fps if media else Fraction(25)
    mid = media.id if media else "m1"
    summaries = breakdown(project, media.id if media else None)
    starts = [s.shot.start_frame for s in summaries]
    children: list[list[tuple[int, str, str]]] = [[] for _ in summaries]

    def shot_of(frame: int) -> int | None:
        i = bisect_right(starts, frame) - 1
        return i if i >= 0 and frame <= summaries[i].shot.end_frame else None

    for m in project.markers.values():
        if m.media == mid and m.kind in (MarkerKind.DIALOGUE, MarkerKind.NOTE):
            i = shot_of(m.start_frame)
            if i is not None:
                icon = "“" if m.kind is MarkerKind.DIALOGUE else "✎ "
                colour = "#3a8ee6" if m.kind is MarkerKind.DIALOGUE else "#c98a00"
                children[i].append((m.start_frame, f"{icon}{m.text}", colour))
    moments: dict[tuple[str, int, int], list[Any]] = {}
    for e in project.events.values():
        if e.media == mid and e.kind is not EventKind.NOTE:
            moments.setdefault((e.face, e.onset_frame, e.offset_frame), []).append(e)
    faces = project.faces
    spans = list(moments)
    lasting = (
        project.timebase(mid).durations_s([k[1] for k in spans], [k[2] for k in spans]).tolist()
    )
    for k, ((face, on, _off), evs) in enumerate(moments.items()):
        i = shot_of(on)
        if i is None:
            continue
        emotions = sorted({e.emotion or "" for e in evs if e.kind is EventKind.EMOTION})
        aus = sorted((e for e in evs if e.kind is EventKind.AU), key=lambda e: e.au or 0)
        labels = [*filter(None, emotions), "+".join(e.au_code for e in aus)]
        name = faces[face].name if face in faces else face
        micro = lasting[k] <= 0.5
        text = f"{name}: {' '.join(filter(None, labels))}" + ("  (micro)" if micro else "")
        colour = faces[face].colour if face in faces else "#888"
        children[i].append((on, text, colour))
    rows = []
    for lines in children:
        lines.sort(key=lambda t: t[0])
        rows.append([Moment(*t) for t in lines])
    return Breakdown(mid, fps, summaries, {f.id: f.name for f in faces.values()}, rows)


class BreakdownModel(QAbstractItemModel):
    """Shots at the top level, their moments as children; internal id 0 marks a shot,
    ``k + 1`` a child of shot ``k``."""

    def __init__(self) -> None:
        super().__init__()
        self.data_: Breakdown | None = None
        self.fetched: list[int] = []  # children of each shot handed to the view so far

    def set_breakdown(self, data: Breakdown) -> None:
        self.beginResetModel()
        self.data_ = data
        self.fetched = [min(len(c), FETCH_ROWS) for c in data.children]
        self.endResetModel()

    def follow(self, live: LiveBreakdown) -> None:
        """Apply ``live``'s logged line changes row by row (its shots are the ones shown):
        a view keeps its layout, only the rows around the edit are laid out again."""
        d = self.data_
        log, live.log = live.log, []
        assert d is not None and d.live is live
        for op, shot, key in log:
            keys = d.children[shot]
            parent = self.index(shot, 0)
            k = bisect_left(keys, key)
            shown = k < self.fetched[shot] or (
                k == self.fetched[shot] and self.fetched[shot] == len(keys)
            )
            if op == "insert":
                if shown:
                    self.beginInsertRows(parent, k, k)
                keys.insert(k, key)
                if shown:
                    self.fetched[shot] += 1
                    self.endInsertRows()
            elif k < len(keys) and keys[k] == key:
                if op == "text":
                    if k < self.fetched[shot]:
                        self.dataChanged.emit(self.index(k, 0, parent), self.index(k, 1, parent))
                    continue
                if k < self.fetched[shot]:
                    self.beginRemoveRows(parent, k, k)
                del keys[k]
                if k < self.fetched[shot]:
                    self.fetched[shot] -= 1
                    self.endRemoveRows()
        d.summaries = live.summaries()
        if d.summaries:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(d.summaries) - 1, len(COLUMNS) - 1)
            )

    def canFetchMore(self, parent: _IDX) -> bool:
        """Children come in pages (Qt's fetchMore): a view laying out an expanded shot asks
        every child row for its index, 85,000 Python calls for one shot of 100k events."""
        if not parent.isValid() or parent.internalId() != 0 or self.data_ is None:
            return False
        k = parent.row()
        return self.fetched[k] < len(self.data_.children[k])

    def fetchMore(self, parent: _IDX) -> None:
        if not self.canFetchMore(parent):
            return
        k = parent.row()
        assert self.data_ is not None
        more = min(len(self.data_.children[k]) - self.fetched[k], FETCH_ROWS)
        self.beginInsertRows(parent, self.fetched[k], self.fetched[k] + more - 1)
        self.fetched[k] += more
        self.endInsertRows()

    @property
    def summaries(self) -> list[ShotSummary]:
        return self.data_.summaries if self.data_ is not None else []

    def index(self, row: int, column: int, parent: _IDX = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        if parent.internalId() == 0:
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    def parent(self, index: _IDX = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(int(index.internalId()) - 1, 0, 0)

    def rowCount(self, parent: _IDX = QModelIndex()) -> int:  # noqa: B008
        d = self.data_
        if d is None:
            return 0
        if not parent.isValid():
            return len(d.summaries)
        if parent.internalId() == 0 and parent.column() == 0:
            return self.fetched[parent.row()]
        return 0

    def columnCount(self, parent: _IDX = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def frame_at(self, index: _IDX) -> int | None:
        d = self.data_
        if d is None or not index.isValid():
            return None
        if index.internalId() == 0:
            return d.summaries[index.row()].shot.start_frame
        return d.frame(int(index.internalId()) - 1, index.row())

    def data(self, index: _IDX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        d = self.data_
        if d is None or not index.isValid():
            return None
        col = index.column()
        if index.internalId() == 0:
            s = d.summaries[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                names = ", ".join(d.face_names.get(f, f) for f in s.faces) or "—"
                return (
                    f"Shot {s.shot.index}",
                    frame_to_smpte(s.shot.start_frame, d.fps),
                    f"{s.duration_s:.2f} s",
                    names,
                    s.dominant_emotion or "—",
                    str(s.micro_expressions),
                )[col]
            if role == Qt.ItemDataRole.UserRole and col == 0:
                return s.shot.start_frame
            if role == Qt.ItemDataRole.ForegroundRole and col == 5 and s.micro_expressions:
                return QColor("#d0453a")
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.UserRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            return None
        m = d.line(int(index.internalId()) - 1, index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return m.text if col == 0 else frame_to_smpte(m.frame, d.fps) if col == 1 else None
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return m.text
        if role == Qt.ItemDataRole.UserRole and col == 0:
            return m.frame
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return QColor(m.colour)
        return None


class BreakdownDock(QWidget):
    seek_requested = Signal(int)
    cut_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breakdownDock")
        self.model = BreakdownModel()
        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)  # layout of 100k rows without asking each
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        self.tree.clicked.connect(self._on_tree_clicked)
        self.tree.activated.connect(self._on_tree_clicked)
        self.summary = QLabel("")
        cut = QPushButton("Mark cut here", self)
        cut.setToolTip("A shot boundary at the current frame (a cut marker)")
        cut.clicked.connect(self.cut_requested.emit)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(cut)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.tree, 1)
        self._project: Project | None = None
        self._media_id: str | None = None
        self.follower = LiveFollower(
            self,
            lambda p: LiveBreakdown(p, self._media_id),
            self._show_live,
            lambda p: (
                p.marker_added,
                p.marker_changed,
                p.marker_removed,
                p.face_added,
                p.face_changed,
                p.face_removed,
                p.media_added,
                p.media_changed,
                p.media_removed,
            ),
        )
        self.refresher = self.follower.refresher
        self.redraw = self.follower.redraw
        self.busy = BusyLabel(self)
        self.busy.follow(self.refresher)

    @property
    def summaries(self) -> list[ShotSummary]:
        return self.model.summaries

    @property
    def live(self) -> LiveBreakdown | None:
        live: LiveBreakdown | None = self.follower.live
        return live

    def show_project(self, project: Project, media_id: str | None = None) -> None:
        """Show the breakdown of ``media_id`` (default: the first video); the main window
        passes the take on screen, and calls this after every change (then only a redraw
        of what the live breakdown already follows)."""
        if project is self._project and media_id == self._media_id:
            self.redraw.request()
            return
        if project is not self._project and self._project is not None:
            self._project.vocabulary_changed.disconnect(self._on_project_vocabulary_changed)
        if project is not self._project:
            project.vocabulary_changed.connect(self._on_project_vocabulary_changed)
        new_project = project is not self._project
        self._project = project
        self._media_id = media_id
        if new_project:
            self.follower.bind(project)
        else:
            self.follower.rebuild()

    def _on_project_vocabulary_changed(self, *_args: object) -> None:
        if self.live is not None:
            self.live.vocabulary_changed()

    def _show_live(self, live: LiveBreakdown) -> None:
        if not live.follow_timebase():  # the video's frame count moved the shots
            self.follower.rebuild()
            return
        d = self.model.data_
        if d is not None and d.live is live:  # an edit: rows updated in place
            self.model.follow(live)
            self._show_summary(d)
            return
        live.log.clear()
        self.show_breakdown(live_view(live))

    def show_breakdown(self, data: Breakdown) -> None:
        open_shots = {
            self.model.frame_at(self.model.index(i, 0))
            for i in range(self.model.rowCount())
            if self.tree.isExpanded(self.model.index(i, 0))
        }
        self.model.set_breakdown(data)
        for i, s in enumerate(data.summaries):
            if s.shot.start_frame in open_shots or len(data.summaries) <= 3:
                self.tree.setExpanded(self.model.index(i, 0), True)
        self._fit_columns(data)
        self._show_summary(data)

    def _show_summary(self, data: Breakdown) -> None:
        micro = sum(s.micro_expressions for s in data.summaries)
        self.summary.setText(f"{len(data.summaries)} shots · {micro} micro expressions")

    def _fit_columns(self, data: Breakdown) -> None:
        """Column widths from the shot rows and the first lines under them: fitting to
        contents would measure every one of 100,000 moments. Long dialogue lines would
        push the numbers out of a narrow dock, so the first column is capped (the full
        text is in the tooltip)."""
        fm = self.tree.fontMetrics()
        top = [
            [self.model.index(r, c).data() or "" for c in range(len(COLUMNS))]
            for r in range(min(self.model.rowCount(), 200))
        ]
        lines = [
            data.line(k, r).text
            for k, rows in enumerate(data.children)
            for r in range(min(len(rows), 20))
        ]
        for c, title in enumerate(COLUMNS):
            texts = [title] + [row[c] for row in top] + (lines if c == 0 else [])
            width = max(fm.horizontalAdvance(t) for t in texts) + 24 + (20 if c == 0 else 0)
            self.tree.setColumnWidth(c, min(width, 240) if c == 0 else width)

    # ------------------------------------------------------------------ reading (tests)
    def shot_count(self) -> int:
        return self.model.rowCount()

    def child_texts(self, shot_row: int) -> list[str]:
        parent = self.model.index(shot_row, 0)
        while self.model.canFetchMore(parent):
            self.model.fetchMore(parent)
        return [self.model.index(i, 0, parent).data() for i in range(self.model.rowCount(parent))]

    def child_index(self, shot_row: int, row: int) -> QModelIndex:
        return self.model.index(row, 0, self.model.index(shot_row, 0))

    def _on_tree_clicked(self, index: QModelIndex) -> None:
        frame = self.model.frame_at(index)
        if frame is not None:
            self.seek_requested.emit(int(frame))
