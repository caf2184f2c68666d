"""Analysis in the GUI: Candidates, Statistics and Compare docks, wired to the window.

``install_analysis(ctx, timeline)`` is the only entry point main_window calls; everything
else follows ``workspace.events``. Spotting runs on an :class:`AnalysisWorker` thread.
Spotting and cut detection run on the take on screen (``workspace.media_id``); the
media a job ran on is kept with it, so accepted candidates and cut markers are stored on
that take even if the user switches takes meanwhile. When the coding workflow built a
timeline (passed in), the candidates also get a lane on it (``CandidatesLane``); detected
cuts show in the timeline's own Cuts lane.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from annotator.analysis.spotting import Candidate
from annotator.ui.analysis.candidates_lane import CandidatesLane
from annotator.ui.analysis.candidates_panel import CandidatesPanel, candidate_event
from annotator.ui.analysis.compare_panel import ComparePanel
from annotator.ui.analysis.stats_panel import StatisticsPanel
from annotator.ui.analysis.worker import AnalysisWorker
from annotator.ui.context import AppContext

if TYPE_CHECKING:
    from annotator.ui.timeline.widget import TimelineWidget

log = logging.getLogger(__name__)

__all__ = ["AnalysisController", "install_analysis"]


class AnalysisController:
    """Owns the analysis docks and the background spotting job of one window."""

    def __init__(self, ctx: AppContext, timeline: TimelineWidget | None = None) -> None:
        self.ctx = ctx
        self.worker: AnalysisWorker | None = None
        self.candidates = CandidatesPanel(self._accept)
        self.lane = CandidatesLane(self.candidates, lambda: self.ctx.project, self.candidates)
        if timeline is not None:
            timeline.add_overlay_lane(self.lane)
        self._project: Any = None
        self.job_media: str | None = None  # the take the running/last job analysed
        self.stats = StatisticsPanel()
        self.compare = ComparePanel()
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.candidates_dock = ctx.add_dock("Candidates", self.candidates, right, "CandidatesDock")
        ctx.add_dock("Statistics", self.stats, bottom, "StatisticsDock")
        ctx.add_dock("Compare", self.compare, bottom, "CompareDock")
        for panel in (self.candidates, self.compare):
            panel.seek_requested.connect(self._seek)
        self.compare.other_opened.connect(ctx.workspace.set_compared)
        self.candidates.spot_requested.connect(self.start_spotting)
        self.candidates.cancel_requested.connect(self.cancel)
        self._build_menu()
        ctx.workspace.events.project_replaced.connect(self._on_project_replaced)
        ctx.workspace.events.media_switched.connect(self._on_media_switched)
        self._on_project_replaced(ctx.project)

    # ------------------------------------------------------------------ wiring
    def _build_menu(self) -> None:
        from PySide6.QtGui import QAction

        bar = self.ctx.host.menuBar()
        menu = bar.addMenu("&Analysis")
        self.menu = menu
        for text, slot, tip in (
            (
                "Spot Candidates",
                self.start_spotting,
                "Find short facial movements in the background (Candidates dock)",
            ),
            ("Detect Cuts", self.start_cuts, "Add a cut marker at every hard cut of the video"),
            (
                "Compare with Coder…",
                self._on_compare_triggered,
                "Agreement with another coder's project of this video",
            ),
        ):
            act = QAction(text, self.ctx.host)
            act.setStatusTip(tip)
            act.triggered.connect(lambda _checked=False, f=slot: f())
            menu.addAction(act)

    def _on_compare_triggered(self) -> None:
        dock = self.compare.parentWidget()
        if dock is not None:
            dock.show()
            dock.raise_()
        self.compare._on_open_clicked()

    def _on_project_replaced(self, project: Any) -> None:
        self.cancel(wait=True)
        if self._project is not None:  # undo/redo of an accept reopens/re-accepts its row
            self._project.event_removed.disconnect(self.candidates.on_event_removed)
            self._project.event_added.disconnect(self.candidates.on_event_added)
        self._project = project
        project.event_removed.connect(self.candidates.on_event_removed)
        project.event_added.connect(self.candidates.on_event_added)
        self.stats.set_project(project)
        self.compare.set_project(project)
        self.candidates.set_result([])

    def _on_media_switched(self, media_id: str) -> None:
        """Candidates are frames of the take they were spotted on: drop them (and a job
        still running on the other take) rather than show them over another video."""
        if self.job_media is not None and self.job_media != media_id:
            self.cancel(wait=True)
            self.candidates.set_result([])

    def current_media_id(self) -> str | None:
        """The take on screen (the workspace's), else the project's first media."""
        return self.ctx.workspace.media_id

    def _seek(self, frame: int) -> None:
        controller = self.ctx.controller
        if controller is not None and getattr(controller, "source", True) is not None:
            try:
                controller.seek(frame)
            except Exception:
                log.debug("seek ignored", exc_info=True)

    def _accept(self, c: Candidate) -> int:
        """Push the event an accepted candidate becomes; its id lets undo reopen the row."""
        from annotator.commands.events import AddEventCommand

        project = self.ctx.project
        event = candidate_event(project, c, self.job_media or self.current_media_id())
        cmd = AddEventCommand(project, event, f"Accept candidate {c.onset_frame}")
        self.ctx.undo_stack.push(cmd)
        return cmd.event_id

    # ------------------------------------------------------------------ spotting job
    def video_path(self) -> Any:
        from annotator.io.media_link import resolve

        mid = self.current_media_id()
        if mid is None:
            return None
        return resolve(self.ctx.project.media[mid], self.ctx.project_file)

    def _video_for_job(self) -> Any:
        """The current take's video when a job may start now, else None (with a message)."""
        video = self.video_path()
        if video is None or not video.is_file():
            self.candidates.set_message("open a project with its video first")
            return None
        if self.worker is not None and self.worker.isRunning():
            return None
        self.job_media = self.current_media_id()
        return video

    def _run_job(self, job: Any, on_succeeded: Any, message: str = "") -> bool:
        """Run ``job(progress, should_stop)`` on a worker thread with cancellable progress."""
        self.worker = AnalysisWorker(job)
        self.worker.progressed.connect(self.candidates.on_progress)
        self.worker.succeeded.connect(on_succeeded)
        self.worker.failed.connect(self._on_spot_failed)
        self.worker.cancelled.connect(self._on_spot_cancelled)
        self.candidates.set_running(True)
        if message:
            self.candidates.set_message(message)
        self.worker.start()
        return True

    def start_spotting(self) -> bool:
        from annotator.analysis.faces import project_boxes
        from annotator.analysis.spotting import spot

        video = self._video_for_job()
        if video is None:
            return False
        project = self.ctx.project
        mid = self.job_media
        # face boxes keyed by hand on this take (take 1's boxes are not where take 2's faces
        # are); without them every face is tracked and its landmarks are used, the tracks
        # taking the ids of the faces whose tracked boxes they follow
        use_boxes = any(
            b.media == mid and not b.source for f in project.faces.values() for b in f.boxes
        )
        boxes_at = project_boxes(project, mid) if use_boxes else None
        faces = tuple(project.faces.values())

        def job(progress: Any, should_stop: Any) -> Any:
            if boxes_at is None:
                from annotator.analysis.face_models import models_available

                if models_available():
                    from annotator.analysis.spotting_tracks import spot_tracks

                    return spot_tracks(
                        video,
                        progress=progress,
                        should_stop=should_stop,
                        faces=faces,
                        media_id=mid or "m1",
                    )
            return spot(video, boxes_at=boxes_at, progress=progress, should_stop=should_stop)

        return self._run_job(job, self._on_spot_succeeded)

    def start_cuts(self) -> bool:
        """Detect hard cuts in the background; each becomes a cut marker (one undo step)."""
        from annotator.analysis.cuts import detect_cuts

        video = self._video_for_job()
        if video is None:
            return False

        def job(progress: Any, should_stop: Any) -> Any:
            return detect_cuts(video, progress=progress, should_stop=should_stop)[1]

        return self._run_job(job, self._on_cuts_succeeded, "detecting cuts…")

    def _on_cuts_succeeded(self, cuts: Any) -> None:
        from annotator.commands.misc import AddMarkerCommand
        from annotator.model import Marker, MarkerKind

        self.candidates.set_running(False)
        project = self.ctx.project
        mid = self.job_media or self.current_media_id() or "m1"
        have = {
            m.start_frame
            for m in project.markers.values()
            if m.kind is MarkerKind.CUT and m.media == mid
        }
        new = [c for c in cuts if c.frame not in have]
        stack = self.ctx.undo_stack
        if new:
            stack.beginMacro(f"Detect cuts ({len(new)})")
            for c in new:
                stack.push(
                    AddMarkerCommand(
                        project,
                        Marker(
                            0,
                            MarkerKind.CUT,
                            c.frame,
                            c.frame,
                            media=mid,
                            text=f"cut (score {c.score:.2f})",
                            author="cut detection",
                        ),
                    )
                )
            stack.endMacro()
        text = f"{len(cuts)} cuts found, {len(new)} new cut markers (Cuts lane)"
        self.candidates.set_message(text)
        self.ctx.show_message(f"Detect cuts: {text}", 10000)

    def step_candidate(self, step: int) -> None:
        """Ctrl+. / Ctrl+,: the next (previous) spotting candidate; the table's selection
        moves the playhead to its onset."""
        panel = self.candidates
        n = len(panel.candidates)
        if not n:
            self.ctx.show_message("No spotting candidates (Analysis > Spot Candidates)", 4000)
            return
        row = panel.current_row()
        panel.table.selectRow(min(max(row + step if row >= 0 else 0, 0), n - 1))

    def cancel(self, wait: bool = False) -> None:
        """Cancel the job in flight; ``wait`` (window close) also joins its thread, so no
        worker outlives the window that owns it."""
        worker = self.worker
        if worker is None:
            return
        try:
            running = worker.isRunning()
        except RuntimeError:  # its C++ object is gone already
            self.worker = None
            return
        if running:
            if wait:
                worker.stop()
            else:
                worker.cancel()
        if wait and not worker.isRunning():
            for sig in (worker.progressed, worker.succeeded, worker.failed, worker.cancelled):
                try:
                    sig.disconnect()
                except (RuntimeError, TypeError):
                    pass
            self.worker = None
            worker.deleteLater()

    def _on_spot_succeeded(self, result: Any) -> None:
        self.candidates.set_running(False)
        self.candidates.set_result(result)

    def _on_spot_failed(self, message: str) -> None:
        self.candidates.set_running(False)
        self.candidates.set_message(f"spotting failed: {message}")

    def _on_spot_cancelled(self) -> None:
        self.candidates.set_running(False)
        self.candidates.set_message("spotting cancelled")


def install_analysis(ctx: AppContext, timeline: TimelineWidget | None = None) -> AnalysisController:
    """Add the analysis docks (called by the main window while it builds)."""
    controller = AnalysisController(ctx, timeline)
    binder = ctx.key_binder()
    binder.shortcut("nav.next_candidate", ctx.host, lambda: controller.step_candidate(1))
    binder.shortcut("nav.prev_candidate", ctx.host, lambda: controller.step_candidate(-1))
    return controller
