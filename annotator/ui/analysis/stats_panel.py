"""Statistics panel: AU frequency, duration histogram with the 0.5 s micro line, AU
co-occurrence and emotion timeline, drawn with pyqtgraph from ``analysis.stats``.

The numbers are kept by :class:`~annotator.analysis.stats_live.LiveStats`, told each
event added, changed or removed (:class:`~annotator.ui.live_view.LiveFollower`: built
once, off the GUI thread from a snapshot for large projects); reading them costs frames x
lanes, not a pass over the events, so the panel redraws on the GUI thread: at most every
300 ms after a change, and for large projects only while the panel is on screen.
They equal the pure :func:`compute_stats` (tests), which the report path still uses.
Every plot draws aggregated geometry, one item per series: the emotion timeline is one
bar set per emotion label (not one item per event), and text labels are made only for the
segments in view, when few enough to read.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from annotator.analysis.stats import (
    au_frequency,
    cooccurrence,
    duration_histogram,
    durations_s,
)
from annotator.analysis.stats_live import EmotionSegments, LiveStats, StatsData
from annotator.model import EventKind, Project
from annotator.model.timebase import MICRO_MAX_S
from annotator.ui.background import BusyLabel
from annotator.ui.live_view import LiveFollower

MAX_LABELS = 60  # text labels on the emotion timeline, only when this few are in view


def emotion_segments(project: Project) -> EmotionSegments:
    faces = list(project.faces)
    labels = list(project.vocabulary.emotions)
    rows = {f: i for i, f in enumerate(faces)}
    index = {lab: i for i, lab in enumerate(labels)}
    spans = []
    for e in project.events.values():
        if e.kind is EventKind.EMOTION:
            if e.face not in rows:
                rows[e.face] = len(faces)
                faces.append(e.face)
            lab = e.emotion or ""
            if lab not in index:
                index[lab] = len(labels)
                labels.append(lab)
            spans.append((e.onset_frame, e.offset_frame, rows[e.face], index[lab]))
    seg = EmotionSegments(faces, labels)
    if spans:
        a = np.asarray(spans, np.int64)
        a = a[np.lexsort((a[:, 1], a[:, 0]))]
        seg.onset, seg.offset, seg.row, seg.label = (a[:, i].copy() for i in range(4))
    return seg


def compute_stats(project: Project) -> StatsData:
    """Everything the panel draws; pure, so it runs on a snapshot off the GUI thread."""
    edges, counts = duration_histogram(durations_s(project))
    aus, mat = cooccurrence(project)
    return StatsData(
        [(f.id, f.colour) for f in project.faces.values()],
        au_frequency(project),
        edges,
        counts,
        aus,
        mat,
        emotion_segments(project),
    )


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
        self.follower = LiveFollower(
            self, LiveStats, lambda live: self.show_stats(live.numbers()), interval_ms=300
        )
        self.refresher = self.follower.refresher
        self.busy = BusyLabel(self)
        self.busy.follow(self.refresher)
        self.micro_line = pg.InfiniteLine(
            pos=MICRO_MAX_S,
            angle=90,
            pen=pg.mkPen("#e6553a", width=2),
            label="micro 0.5 s",
            labelOpts={"position": 0.9},
        )
        self.dur_plot.addItem(self.micro_line)
        self.dur_bars: pg.BarGraphItem | None = None
        self.co_image: pg.ImageItem | None = None
        self.data: StatsData | None = None
        self._drawn: set[int] = set()  # tabs drawn from ``data`` (the others on showing)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self._labels: list[pg.TextItem] = []  # pool, reused as the view pans
        self.emotion_bars: list[pg.BarGraphItem] = []
        self.emo_plot.getViewBox().sigXRangeChanged.connect(self._on_emo_range_changed)

    def set_project(self, project: Project) -> None:
        if self._project is not None:
            self._project.changed.disconnect(self._on_project_changed)
        self._project = project
        project.changed.connect(self._on_project_changed)
        self.follower.bind(project)

    def _on_project_changed(self) -> None:
        self.follower.redraw.request()  # faces, vocabulary, media: read when drawn

    @property
    def live(self) -> LiveStats | None:
        live: LiveStats | None = self.follower.live
        return live

    def refresh(self) -> None:
        """Recompute now, on this thread (tests, the report)."""
        if self._project is not None:
            self.show_stats(compute_stats(self._project))

    def show_stats(self, data: StatsData) -> None:
        """New numbers: the tab on screen redraws now, the others when shown."""
        self.data = data
        self._drawn.clear()
        self._draw_tab(self.tabs.currentIndex())

    def _on_tabs_current_changed(self, index: int) -> None:
        self._draw_tab(index)

    def _draw_tab(self, index: int) -> None:
        if self.data is None or index in self._drawn or index < 0:
            return
        self._drawn.add(index)
        (self._draw_frequency, self._draw_durations, self._draw_cooccurrence, self._draw_emotions)[
            index
        ](self.data)

    def draw_all(self) -> None:
        """Every tab from the current numbers (tests, screenshots)."""
        for i in range(self.tabs.count()):
            self._draw_tab(i)

    def _draw_frequency(self, d: StatsData) -> None:
        self.freq_plot.clear()
        rows = d.frequency
        labels = sorted({r.au for r in rows})
        pos = {a: i for i, a in enumerate(labels)}
        width = 0.8 / max(1, len(d.faces))
        for k, (face, colour) in enumerate(d.faces):
            xs = [pos[r.au] + k * width for r in rows if r.face == face]
            hs = [r.events for r in rows if r.face == face]
            if xs:
                self.freq_plot.addItem(
                    pg.BarGraphItem(x=xs, height=hs, width=width, brush=colour, name=face)
                )
        self.freq_plot.getAxis("bottom").setTicks([[(i, f"AU{a}") for i, a in enumerate(labels)]])

    def _draw_durations(self, d: StatsData) -> None:
        """One bar set, updated in place (the micro line stays)."""
        if self.dur_bars is None:
            self.dur_bars = pg.BarGraphItem(
                x0=d.edges[:-1], x1=d.edges[1:], height=d.counts, brush="#3a8ee6"
            )
            self.dur_plot.addItem(self.dur_bars)
        else:
            self.dur_bars.setOpts(x0=d.edges[:-1], x1=d.edges[1:], height=d.counts)

    def _draw_cooccurrence(self, d: StatsData) -> None:
        if self.co_image is None:
            self.co_image = pg.ImageItem()
            self.co_image.setColorMap(pg.colormap.get("viridis"))
            self.co_plot.addItem(self.co_image)
        if not d.co_aus:
            self.co_image.clear()
            return
        self.co_image.setImage(d.co_mat.astype(np.float64).T)
        ticks = [(i + 0.5, str(a)) for i, a in enumerate(d.co_aus)]
        self.co_plot.getAxis("bottom").setTicks([ticks])
        self.co_plot.getAxis("left").setTicks([ticks])

    def _draw_emotions(self, d: StatsData) -> None:
        """One bar set per label (all its segments on all face rows)."""
        self.emo_plot.clear()
        self._labels = []
        self.emotion_bars = []
        seg = d.emotions
        vocab = seg.labels
        hues = max(len(vocab), 1)
        for i, _label in enumerate(vocab):
            mask = seg.label == i
            if not mask.any():
                continue
            rows = seg.row[mask].astype(np.float64)
            bar = pg.BarGraphItem(
                x0=seg.onset[mask],
                x1=seg.offset[mask] + 1,
                y0=rows - 0.4,
                y1=rows + 0.4,
                brush=pg.intColor(i, hues=hues),
                pen=None,
            )
            self.emo_plot.addItem(bar)
            self.emotion_bars.append(bar)
        self.emo_plot.getAxis("left").setTicks([[(i, f) for i, f in enumerate(seg.faces)]])
        self.emo_plot.setLabel("bottom", "frame")
        self._update_emotion_labels()

    def _on_emo_range_changed(self, *_args: object) -> None:
        self._update_emotion_labels()

    def visible_segments(self) -> np.ndarray:
        """Indexes of the emotion segments overlapping the x range in view."""
        if self.data is None:
            return np.zeros(0, np.int64)
        seg = self.data.emotions
        (x0, x1), _ = self.emo_plot.getViewBox().viewRange()
        return np.flatnonzero((seg.offset + 1 >= x0) & (seg.onset <= x1))

    def _update_emotion_labels(self) -> None:
        """Text only for the segments on screen, and only when few enough to read."""
        shown = self.visible_segments()
        if len(shown) > MAX_LABELS:
            shown = shown[:0]
        left = self.emo_plot.getViewBox().viewRange()[0][0]
        seg = self.data.emotions if self.data is not None else None
        for k, i in enumerate(shown):
            assert seg is not None
            if k == len(self._labels):
                item = pg.TextItem("", anchor=(0, 0.5))
                self.emo_plot.addItem(item, ignoreBounds=True)
                self._labels.append(item)
            item = self._labels[k]
            item.setText(seg.labels[int(seg.label[i])])
            item.setPos(max(float(seg.onset[i]), left), float(seg.row[i]))  # readable
            item.show()
        for item in self._labels[len(shown) :]:
            item.hide()

    def label_texts(self) -> list[str]:
        """The emotion labels drawn now (tests)."""
        return [t.toPlainText() for t in self._labels if t.isVisible()]
