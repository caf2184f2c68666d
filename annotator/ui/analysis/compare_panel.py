"""Compare view: two coders' FACS events interleaved per face, disagreements highlighted.

Lanes per face: coder A above coder B. A matched pair whose FACS agreement ratio passes
0.70 is green, a low-ratio pair red, an event only one coder scored orange. Clicking a
lane seeks to that frame; the agreement table below exports to CSV.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.analysis.agreement import AgreementReport, EventPair, compare
from annotator.analysis.report_text import write_agreement_csv
from annotator.model import Project

GOOD, LOW, ALONE = QColor("#4cb050"), QColor("#e6553a"), QColor("#e6a23a")
LANE_H, GAP, LEFT = 18, 6, 60


def pair_colour(p: EventPair) -> QColor:
    if p.a is None or p.b is None:
        return ALONE
    return LOW if p.flagged else GOOD


class CompareTimeline(QWidget):
    """Interleaved lanes; pure geometry in ``x_of``/``frame_at`` so clicks map to frames."""

    seek_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: AgreementReport | None = None
        self.faces: list[str] = []
        self.setMinimumHeight(2 * LANE_H + 2 * GAP)

    def set_report(self, report: AgreementReport | None) -> None:
        self.report = report
        self.faces = sorted({p.face for p in report.pairs}) if report else []
        self.setMinimumHeight(max(1, len(self.faces)) * (2 * LANE_H + GAP) + GAP)
        self.update()

    def _span(self) -> float:
        return max(1.0, self.width() - LEFT - 4)

    def x_of(self, frame: float) -> float:
        n = self.report.n_frames if self.report else 1
        return LEFT + frame / max(n, 1) * self._span()

    def frame_at(self, x: float) -> int:
        n = self.report.n_frames if self.report else 1
        return int(min(max((x - LEFT) / self._span() * n, 0), max(n - 1, 0)))

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor("#2a2e38"))
            if self.report is None:
                painter.setPen(QColor("#cccccc"))
                painter.drawText(
                    self.rect(),
                    Qt.AlignmentFlag.AlignCenter,
                    "Compare with another coder's project…",
                )
                return
            for k, face in enumerate(self.faces):
                y0 = GAP + k * (2 * LANE_H + GAP)
                painter.setPen(QColor("#dddddd"))
                painter.drawText(4, y0 + LANE_H - 4, f"{face} A")
                painter.drawText(4, y0 + 2 * LANE_H - 4, f"{face} B")
                for p in self.report.pairs:
                    if p.face != face:
                        continue
                    colour = pair_colour(p)
                    for lane, ev in ((0, p.a), (1, p.b)):
                        if ev is None:
                            continue
                        x0, x1 = self.x_of(ev.onset_frame), self.x_of(ev.offset_frame + 1)
                        rect = QRectF(x0, y0 + lane * LANE_H + 1, max(2.0, x1 - x0), LANE_H - 2)
                        painter.fillRect(rect, colour)
                        painter.setPen(QPen(QColor("#111111")))
                        painter.drawText(
                            rect.adjusted(2, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, ev.code
                        )
        finally:
            painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.report is not None and event.position().x() >= LEFT:
            self.seek_requested.emit(self.frame_at(event.position().x()))


class ComparePanel(QWidget):
    other_opened = Signal(object)  # (Path) the other coder's file, once loaded
    seek_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project_a: Project | None = None
        self.project_b: Project | None = None
        self.name_b = ""
        self.report: AgreementReport | None = None
        self.open_button = QPushButton("Compare with…")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.tolerance = QSpinBox()
        self.tolerance.setRange(0, 250)
        self.tolerance.setPrefix("tolerance ")
        self.tolerance.setSuffix(" frames")
        self.tolerance.valueChanged.connect(lambda _v: self.recompute())
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._on_export_clicked)
        self.export_button.setEnabled(False)
        self.summary = QLabel("")
        self.timeline = CompareTimeline()
        self.timeline.seek_requested.connect(self.seek_requested)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["face", "item", "kappa / IoU", "% / ratio", "flag"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        bar = QHBoxLayout()
        for w in (self.open_button, self.tolerance, self.export_button):
            bar.addWidget(w)
        bar.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.summary)
        lay.addWidget(self.timeline)
        lay.addWidget(self.table, 1)

    def set_project(self, project: Project) -> None:
        self.project_a = project
        self.recompute()

    def set_other(self, project: Project, name: str = "B") -> None:
        self.project_b = project
        self.name_b = name
        self.recompute()

    def recompute(self) -> None:
        if self.project_a is None or self.project_b is None:
            self.report = None
        else:
            try:
                self.report = compare(
                    self.project_a, self.project_b, tolerance_frames=self.tolerance.value()
                )
            except ValueError as exc:
                self.report = None
                self.summary.setText(str(exc))
        self.timeline.set_report(self.report)
        self.export_button.setEnabled(self.report is not None)
        self._fill_table()

    def _fill_table(self) -> None:
        r = self.report
        rows: list[tuple[str, str, str, str, str]] = []
        if r is not None:
            for a in r.aus:
                rows.append((a.face, f"AU{a.au} frames", f"{a.kappa:.3f}", f"{a.percent:.1f}", ""))
            for e in r.emotions:
                rows.append((e.face, "emotion frames", f"{e.kappa:.3f}", f"{e.percent:.1f}", ""))
            for p in r.pairs:
                a = f"{p.a.onset_frame}-{p.a.offset_frame} {p.a.code}" if p.a else "—"
                b = f"{p.b.onset_frame}-{p.b.offset_frame} {p.b.code}" if p.b else "—"
                rows.append(
                    (
                        p.face,
                        f"A {a} | B {b}",
                        f"{p.iou:.2f}",
                        f"{p.ratio:.2f}",
                        "LOW" if p.flagged else "",
                    )
                )
            ev = r.events
            self.summary.setText(
                f"vs {self.name_b}: overall FACS ratio {r.overall_ratio:.3f} · events P "
                f"{ev.precision:.2f} R {ev.recall:.2f} F1 {ev.f1:.2f} · "
                f"{len(r.flagged_pairs)} flagged"
            )
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                item = QTableWidgetItem(v)
                if row[4]:
                    item.setForeground(LOW)
                self.table.setItem(i, j, item)

    def _on_open_clicked(self) -> None:
        from annotator.io.project_file import ProjectFileError, load_project

        path, _ = QFileDialog.getOpenFileName(
            self, "Other coder's project", "", "Facet projects (*.facet.json);;All files (*)"
        )
        if not path:
            return
        try:
            self.set_other(load_project(path).project, Path(path).name)
        except (ProjectFileError, OSError, ValueError) as exc:
            self.summary.setText(str(exc).splitlines()[0])
        else:
            self.other_opened.emit(Path(path))

    def _on_export_clicked(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export agreement table", "agreement.csv", "CSV (*.csv)"
        )
        if path:
            write_agreement_csv(path, self.report)
