"""Analysis docks offscreen: background spotting, one-key accept/reject with undo,
cancellation, statistics and the Compare view."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMainWindow

from annotator.analysis.video import Cancelled
from annotator.model import EventKind, Project
from annotator.ui.analysis import install_analysis
from annotator.ui.analysis.worker import AnalysisWorker
from annotator.ui.context import standalone_context


class FakeController:
    def __init__(self) -> None:
        self.seeks: list[int] = []

    def seek(self, frame: int) -> int:
        self.seeks.append(frame)
        return frame


class FakeWindow(QMainWindow):
    """A plain window with the explicit context the analysis docks are built with."""

    def __init__(self, project: Project, path: Path) -> None:
        super().__init__()
        self.controller = FakeController()
        self.ctx = standalone_context(project, path=path, controller=self.controller, host=self)
        self.undo_stack = self.ctx.undo_stack
        self.analysis: Any = None

    @property
    def project(self) -> Project:
        return self.ctx.project

    @property
    def project_path(self) -> Path | None:
        return self.ctx.workspace.path


@pytest.fixture()
def window(qtbot: Any, demo_project_path: Path) -> Any:
    from annotator.io.project_file import load_project

    w = FakeWindow(load_project(demo_project_path).project, demo_project_path)
    qtbot.addWidget(w)
    ctl = w.analysis = install_analysis(w.ctx)
    yield w
    ctl.cancel(wait=True)


def test_spotting_in_background_then_accept_and_reject_with_one_key(
    qtbot: Any, window: Any
) -> None:
    ctl = window.analysis
    panel = ctl.candidates
    assert ctl.start_spotting()
    with qtbot.waitSignal(ctl.worker.succeeded, timeout=60000):
        pass
    assert len(panel.candidates) >= 5
    assert not panel.cancel_button.isEnabled()
    n_events = len(window.project.events)
    panel.table.setFocus()
    panel.table.selectRow(0)
    first = panel.candidates[0]
    assert window.controller.seeks[-1] == first.onset_frame  # selecting jumps
    qtbot.keyClick(panel.table, Qt.Key.Key_A)
    assert len(window.project.events) == n_events + 1
    new = max(window.project.events.values(), key=lambda e: e.id)
    assert (new.kind, new.face, new.onset_frame, new.offset_frame, new.apex_frame) == (
        EventKind.NOTE,
        first.face,
        first.onset_frame,
        first.offset_frame,
        first.apex_frame,
    )
    assert panel.current_row() == 1  # moved on to the next candidate
    qtbot.keyClick(panel.table, Qt.Key.Key_R)
    assert panel.decisions[1].value == "rejected"
    assert len(window.project.events) == n_events + 1
    window.undo_stack.undo()
    assert len(window.project.events) == n_events


def test_worker_cancel_stops_the_job(qtbot: Any) -> None:
    started = threading.Event()

    def job(progress: Any, should_stop: Any) -> None:
        progress(1, 100)
        started.set()
        while not should_stop():  # a long job polling its flag, as the decode loop does
            time.sleep(0.005)  # worker thread, not the GUI thread
        raise Cancelled()

    worker = AnalysisWorker(job)
    worker.start()
    assert started.wait(5)
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.cancel()
    worker.wait(5000)
    assert worker.isFinished()


def test_worker_failure_is_one_line(qtbot: Any) -> None:
    def job(progress: Any, should_stop: Any) -> None:
        raise ValueError("clip.mp4: cannot open")

    worker = AnalysisWorker(job)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    worker.wait(5000)
    assert blocker.args == ["clip.mp4: cannot open"]


def test_statistics_panel_draws_micro_line(window: Any) -> None:
    stats = window.analysis.stats
    assert stats.micro_line is not None and stats.micro_line.value() == 0.5
    assert stats.freq_plot.getPlotItem().listDataItems() is not None


def test_compare_view_flags_disagreement_and_seeks(qtbot: Any, window: Any) -> None:
    from annotator.io.project_file import load_project

    other = load_project(window.project_path).project
    # coder B drops AU5 and AU26 from Ada's surprise: 2 x 2 / (4 + 2) = 0.67 < 0.70
    for e in list(other.events.values()):
        if e.face == "A" and e.au in (5, 26):
            other.remove_event(e.id)
    cmp_panel = window.analysis.compare
    cmp_panel.set_other(other, "B.facet.json")
    report = cmp_panel.report
    assert report is not None and len(report.flagged_pairs) == 1
    assert cmp_panel.table.rowCount() > 0
    timeline = cmp_panel.timeline
    timeline.resize(600, 120)
    x = int(timeline.x_of(105)) + 1
    with qtbot.waitSignal(cmp_panel.seek_requested) as blocker:
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    assert abs(blocker.args[0] - 105) <= 1
    out = Path(window.project_path).parent / "agreement-test.csv"
    from annotator.analysis.report_text import write_agreement_csv

    write_agreement_csv(out, report)
    assert "LOW" not in out.read_text() and ",1\n" in out.read_text()
    assert dataclasses.is_dataclass(report)


def test_detect_cuts_adds_cut_markers_in_one_undo_step(qtbot: Any, tmp_path: Path) -> None:
    from analysis_videos import write_shots_video

    from annotator.model import Face, MarkerKind, Media

    video = tmp_path / "shots.mp4"
    write_shots_video(video, [12, 30], 45)
    project = Project()
    project.add_media(Media("m1", "shots.mp4", frame_count=45))
    project.add_face(Face("A", "A"))
    w = FakeWindow(project, tmp_path / "shots.facet.json")
    qtbot.addWidget(w)
    ctl = w.analysis = install_analysis(w.ctx)
    assert ctl.start_cuts()
    with qtbot.waitSignal(ctl.worker.succeeded, timeout=60000):
        pass
    cuts = sorted(m.start_frame for m in project.markers.values() if m.kind is MarkerKind.CUT)
    assert cuts == [12, 30]
    w.undo_stack.undo()
    assert not project.markers
    ctl.cancel(wait=True)
