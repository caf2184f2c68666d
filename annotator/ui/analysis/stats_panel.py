"""Statistics panel: AU frequency, duration histogram with the 0.5 s micro line, AU
co-occurrence and emotion timeline, drawn with pyqtgraph from ``analysis.stats``.

Recomputed at most every 300 ms after the project changes (an edit burst, such as
undoing a macro, redraws once), and only while the panel is visible.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from annotator.analysis.stats import (
    au_frequency,
    cooccurrence,
    duration_histogram,
    durations_s,
    emotion_timeline,
)
from annotator.model import Project
from annotator.model.timebase import MICRO_MAX_S


class StatisticsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self.tabs = QTabWidget()
        self.freq_plot = pg.PlotWidget(title="AU events per face")
        self.dur_plot = pg.PlotWidget(title="Event durations (s)")
        self.co_plot = pg.PlotWidget(title="AU co-occurrence (frames)")
        self.emo_plot = pg.PlotWidget(title="Emotions")
        for w, name in (
            (self.freq_plot, "AU frequency"),
            (self.dur_plot, "Durations"),
            (self.co_plot, "Co-occurrence"),
            (self.emo_plot, "Emotion timeline"),
        ):
            self.tabs.addTab(w, name)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh)
        self.micro_line: pg.InfiniteLine | None = None

    def set_project(self, project: Project) -> None:
        if self._project is not None:
            self._project.changed.disconnect(self._on_project_changed)
        self._project = project
        project.changed.connect(self._on_project_changed)
        self.refresh()

    def _on_project_changed(self) -> None:
        self._timer.start()

    def refresh(self) -> None:
        p = self._project
        if p is None:
            return
        self._draw_frequency(p)
        self._draw_durations(p)
        self._draw_cooccurrence(p)
        self._draw_emotions(p)

    def _draw_frequency(self, p: Project) -> None:
        self.freq_plot.clear()
        rows = au_frequency(p)
        faces = list(p.faces)
        labels = sorted({r.au for r in rows})
        width = 0.8 / max(1, len(faces))
        for k, face in enumerate(faces):
            xs = [labels.index(r.au) + k * width for r in rows if r.face == face]
            hs = [r.events for r in rows if r.face == face]
            if xs:
                colour = p.faces[face].colour
                self.freq_plot.addItem(
                    pg.BarGraphItem(x=xs, height=hs, width=width, brush=colour, name=face)
                )
        self.freq_plot.getAxis("bottom").setTicks([[(i, f"AU{a}") for i, a in enumerate(labels)]])

    def _draw_durations(self, p: Project) -> None:
        self.dur_plot.clear()
        edges, counts = duration_histogram(durations_s(p))
        self.dur_plot.addItem(
            pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush="#3a8ee6")
        )
        self.micro_line = pg.InfiniteLine(
            pos=MICRO_MAX_S,
            angle=90,
            pen=pg.mkPen("#e6553a", width=2),
            label="micro 0.5 s",
            labelOpts={"position": 0.9},
        )
        self.dur_plot.addItem(self.micro_line)

    def _draw_cooccurrence(self, p: Project) -> None:
        self.co_plot.clear()
        aus, mat = cooccurrence(p)
        if not aus:
            return
        img = pg.ImageItem(mat.astype(np.float64).T)
        img.setColorMap(pg.colormap.get("viridis"))
        self.co_plot.addItem(img)
        ticks = [(i + 0.5, str(a)) for i, a in enumerate(aus)]
        self.co_plot.getAxis("bottom").setTicks([ticks])
        self.co_plot.getAxis("left").setTicks([ticks])

    def _draw_emotions(self, p: Project) -> None:
        self.emo_plot.clear()
        rows = emotion_timeline(p)
        labels = p.vocabulary.emotions
        palette = [pg.intColor(i, hues=max(len(labels), 1)) for i in range(len(labels))]
        for r, (face, segs) in enumerate(rows.items()):
            for on, off, label in segs:
                colour = palette[labels.index(label)] if label in labels else pg.mkColor("w")
                bar = pg.BarGraphItem(
                    x0=[on], x1=[off + 1], y0=[r - 0.4], y1=[r + 0.4], brush=colour
                )
                self.emo_plot.addItem(bar)
                text = pg.TextItem(label, anchor=(0, 0.5))
                text.setPos(on, r)
                self.emo_plot.addItem(text)
        self.emo_plot.getAxis("left").setTicks([[(i, f) for i, f in enumerate(rows)]])
        self.emo_plot.setLabel("bottom", "frame")
