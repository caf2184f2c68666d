"""Scene breakdown: one row per shot (from the cut markers) with its summary, and under it
the dialogue lines and expression events of that shot; click to jump there.

Display only: the summaries come from :mod:`annotator.review.shots`; marking a cut by hand
is forwarded as ``cut_requested`` and becomes an ``AddMarkerCommand`` in the installer.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.model import EventKind, MarkerKind, Project
from annotator.model.timecode import frame_to_smpte
from annotator.review.shots import ShotSummary, breakdown

COLUMNS = ("Shot / line", "Start", "Duration", "Faces", "Dominant", "Micro")


class BreakdownDock(QWidget):
    seek_requested = Signal(int)
    cut_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breakdownDock")
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        self.tree.itemClicked.connect(self._on_tree_item_clicked)
        self.tree.itemActivated.connect(self._on_tree_item_clicked)
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
        self.summaries: list[ShotSummary] = []

    def show_project(self, project: Project, media_id: str | None = None) -> None:
        """Recompute and show the breakdown of ``media_id`` (default: the first video);
        the main window passes the take on screen."""
        media = project.media.get(media_id) if media_id else project.primary_media
        fps = media.fps if media else Fraction(25)
        self.summaries = breakdown(project, media.id if media else None)
        open_shots = {self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                      for i in range(self.tree.topLevelItemCount())
                      if self.tree.topLevelItem(i).isExpanded()}
        self.tree.clear()
        faces = project.faces
        for s in self.summaries:
            names = ", ".join(faces[f].name for f in s.faces) or "—"
            row = QTreeWidgetItem([
                f"Shot {s.shot.index}", frame_to_smpte(s.shot.start_frame, fps),
                f"{s.duration_s:.2f} s", names, s.dominant_emotion or "—",
                str(s.micro_expressions)])
            row.setData(0, Qt.ItemDataRole.UserRole, s.shot.start_frame)
            if s.micro_expressions:
                row.setForeground(5, QColor("#d0453a"))
            self.tree.addTopLevelItem(row)
            for frame, text, colour in self._children(project, s, media.id if media else "m1"):
                child = QTreeWidgetItem([text, frame_to_smpte(frame, fps)])
                child.setToolTip(0, text)
                child.setData(0, Qt.ItemDataRole.UserRole, frame)
                child.setForeground(0, QColor(colour))
                row.addChild(child)
            row.setExpanded(s.shot.start_frame in open_shots or len(self.summaries) <= 3)
        for i in range(len(COLUMNS)):
            self.tree.resizeColumnToContents(i)
        # Long dialogue lines would push the numbers out of a narrow dock: cap the first
        # column (the full text is in the tooltip).
        self.tree.setColumnWidth(0, min(self.tree.columnWidth(0), 240))
        micro = sum(s.micro_expressions for s in self.summaries)
        self.summary.setText(f"{len(self.summaries)} shots · {micro} micro expressions")

    @staticmethod
    def _children(project: Project, s: ShotSummary, media: str) -> list[tuple[int, str, str]]:
        """Dialogue lines, notes and emotion/AU moments of ``media`` that start in the shot,
        in order."""
        a, b = s.shot.start_frame, s.shot.end_frame
        out: list[tuple[int, str, str]] = []
        for m in project.markers.values():
            if m.media == media and a <= m.start_frame <= b and m.kind in (
                    MarkerKind.DIALOGUE, MarkerKind.NOTE):
                icon = "“" if m.kind is MarkerKind.DIALOGUE else "✎ "
                colour = "#3a8ee6" if m.kind is MarkerKind.DIALOGUE else "#c98a00"
                out.append((m.start_frame, f"{icon}{m.text}", colour))
        moments: dict[tuple[str, int, int], list[str]] = {}
        for e in project.events.values():
            if e.media == media and a <= e.onset_frame <= b and e.kind is not EventKind.NOTE:
                moments.setdefault((e.face, e.onset_frame, e.offset_frame), []).append(e)
        for (face, on, off), evs in moments.items():
            emotions = sorted({e.emotion or "" for e in evs if e.kind is EventKind.EMOTION})
            aus = sorted((e for e in evs if e.kind is EventKind.AU), key=lambda e: e.au or 0)
            labels = [*filter(None, emotions), "+".join(e.au_code for e in aus)]
            name = project.faces[face].name if face in project.faces else face
            micro = project.timebase(media).duration_s(on, off) <= 0.5
            text = f"{name}: {' '.join(filter(None, labels))}" + (
                "  (micro)" if micro else "")
            colour = project.faces[face].colour if face in project.faces else "#888"
            out.append((on, text, colour))
        out.sort(key=lambda t: t[0])
        return out

    def _on_tree_item_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        frame = item.data(0, Qt.ItemDataRole.UserRole)
        if frame is not None:
            self.seek_requested.emit(int(frame))
