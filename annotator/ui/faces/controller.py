"""The Faces menu and its parts: tracking in a worker, curve lanes, landmarks and the box tool.

- Faces > Detect and track faces: ``tracking_job.run_tracking`` on a snapshot of the project
  in a worker thread with a cancellable progress dialog; the result is one undo step
  (``ApplyTrackingCommand``). Cancelling leaves the project and its folder unchanged.
- Curves: a ``CurveStore`` (imported AU curves + landmark signals of the media on screen)
  feeds the timeline's curve lanes and the Curves dock; "Candidates from threshold" hands
  runs above a threshold to the Candidates dock.
- Over the picture: landmarks and head pose of the tracked faces (toggles), and the box tool
  (B) that keys the selected face's box by hand.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QProgressDialog

from annotator.model.entities import FaceBox
from annotator.model.project import Project
from annotator.ui.analysis.worker import AnalysisWorker
from annotator.ui.context import AppContext
from annotator.ui.faces.canvas import FaceCanvas
from annotator.ui.timeline.curves import CurveStore

if TYPE_CHECKING:
    from annotator.ui.analysis import AnalysisController
    from annotator.ui.docks.install import CodingUi

log = logging.getLogger(__name__)


class FacesController(QObject):
    """Built with what it uses, explicitly: the context (workspace, undo stack, player,
    menus, status line), the coding UI (the timeline's curve lanes, the Faces dock's
    selected face) and the analysis controller (the Candidates dock)."""

    def __init__(
        self,
        ctx: AppContext,
        coding: CodingUi | None = None,
        analysis: AnalysisController | None = None,
    ) -> None:
        super().__init__(ctx.host)
        self.ctx = ctx
        self.coding = coding
        self.analysis = analysis
        self.store = CurveStore()
        self.worker: AnalysisWorker | None = None
        self.progress: QProgressDialog | None = None
        self.canvas: FaceCanvas | None = None
        self._build_menu()
        self._build_dock()
        if coding is not None:
            coding.timeline.canvas.set_curve_store(self.store)
        self._build_canvas()
        events = ctx.workspace.events
        events.project_replaced.connect(self._on_project_replaced)
        events.media_switched.connect(lambda _mid: self.reload())
        events.path_changed.connect(lambda _path: self.reload())  # the cache sits beside it
        events.saved_changed.connect(self._on_saved_changed)
        self._project: Project | None = None
        self._on_project_replaced(ctx.project)
        if ctx.controller is not None:
            ctx.controller.frame_changed.connect(self.update_marks)

    def _on_saved_changed(self, dirty: bool) -> None:
        if not dirty:  # just written (or opened): the landmark cache may be new
            self.reload()

    # ------------------------------------------------------------------ building
    def _build_menu(self) -> None:
        w = self.ctx.host
        menu = w.menuBar().addMenu("Fa&ces")
        self.menu = menu
        self.track_action = QAction("&Detect and track faces…", w)
        self.track_action.setStatusTip(
            "Find every face, follow it and key its boxes; landmark signals become curve lanes"
        )
        self.track_action.triggered.connect(self.start_tracking)
        menu.addAction(self.track_action)
        menu.addSeparator()
        self.box_action = QAction("&Box tool", w)
        self.box_action.setCheckable(True)
        self.ctx.key_binder().bind_action("faces.box_tool", self.box_action)
        self.box_action.setStatusTip(
            "Drag on the picture to draw the selected face's box at "
            "this frame; drag inside to move, corners to resize; "
            "Delete removes the keyframe"
        )
        self.box_action.toggled.connect(self.set_box_tool)
        menu.addAction(self.box_action)
        w.addAction(self.box_action)
        self.landmarks_action = QAction("Show &landmarks", w)
        self.landmarks_action.setCheckable(True)
        self.landmarks_action.setChecked(True)
        self.landmarks_action.toggled.connect(self._on_show_toggled)
        menu.addAction(self.landmarks_action)
        self.pose_action = QAction("Show head &pose", w)
        self.pose_action.setCheckable(True)
        self.pose_action.setChecked(True)
        self.pose_action.toggled.connect(self._on_show_toggled)
        menu.addAction(self.pose_action)
        menu.addSeparator()
        self.cands_action = QAction("&Candidates from threshold", w)
        self.cands_action.triggered.connect(lambda: self.candidates_from_threshold([]))
        menu.addAction(self.cands_action)

    def _build_dock(self) -> None:
        from annotator.ui.faces.curves_dock import CurvesDock

        self.dock_widget = CurvesDock(self.store, self._face_name)
        self.dock_widget.candidates_requested.connect(self.candidates_from_threshold)
        self.dock = self.ctx.add_dock(
            "Curves", self.dock_widget, Qt.DockWidgetArea.RightDockWidgetArea, "CurvesDock"
        )

    def _build_canvas(self) -> None:
        player = self.ctx.player_widget
        if player is None:
            return
        self.canvas = FaceCanvas(player.frame_view, self._selected_box)
        self.canvas.box_edited.connect(self.key_box)
        self.canvas.box_delete_requested.connect(self.unkey_box)
        self.canvas.message.connect(self._message)

    # ------------------------------------------------------------------ project
    def _face_name(self, face_id: str) -> str:
        f = self.ctx.project.faces.get(face_id)
        return f"{f.name} ({face_id})" if f else face_id

    def media_id(self) -> str:
        """The take on screen (the workspace's), else the project's first media."""
        return self.ctx.workspace.media_id or "m1"

    def _on_project_replaced(self, project: Project) -> None:
        if self._project is not None:
            for sig in (
                self._project.curves_changed,
                self._project.media_changed,
                self._project.face_changed,
            ):
                sig.disconnect(self._on_project_data_changed)
        self._project = project
        for sig in (project.curves_changed, project.media_changed, project.face_changed):
            sig.connect(self._on_project_data_changed)
        self.reload()

    def _on_project_data_changed(self, *_args: Any) -> None:
        self.reload()

    def reload(self) -> None:
        ws = self.ctx.workspace
        for problem in self.store.load(ws.project, ws.path, self.media_id()):
            self._message(problem)
        if self.canvas is not None:
            media = ws.project.media.get(self.media_id())
            self.canvas.video_size = (media.width, media.height) if media else None
        self.update_marks()

    def _message(self, text: str) -> None:
        self.ctx.show_message(text, 8000)

    # ------------------------------------------------------------------ overlay
    def _frame(self) -> int:
        c = self.ctx.controller
        return int(c.current_frame) if c is not None else 0

    def _on_show_toggled(self, *_args: Any) -> None:
        if self.canvas is not None:
            self.canvas.show_landmarks = self.landmarks_action.isChecked()
            self.canvas.show_pose = self.pose_action.isChecked()
            self.update_marks()

    def update_marks(self, *_args: Any) -> None:
        from annotator.ui.faces.canvas import FaceMarks

        if self.canvas is None:
            return
        cache = self.store.cache
        marks = []
        if cache is not None:
            faces = self.ctx.project.faces
            names = cache.signal_names
            yaw_i = names.index("head_yaw") if "head_yaw" in names else None
            for row in cache.rows_at(self._frame()).tolist():
                fid = cache.face_of(row)
                colour = faces[fid].colour if fid in faces else "#c9a227"
                pose = None
                if yaw_i is not None:
                    pose = tuple(float(v) for v in cache.signals[row, yaw_i : yaw_i + 3])
                marks.append(FaceMarks(colour, cache.landmarks(row), pose))  # type: ignore[arg-type]
        self.canvas.set_marks(tuple(marks))

    # ------------------------------------------------------------------ box tool
    def _selected_face(self) -> str | None:
        """The selected face (the workspace's: the Faces dock and the timeline set it);
        the only face when there is just one."""
        fid = self.ctx.workspace.selection.face
        faces = self.ctx.project.faces
        return fid if fid in faces else (next(iter(faces)) if len(faces) == 1 else None)

    def _selected_box(self) -> tuple[float, float, float, float] | None:
        fid = self._selected_face()
        face = self.ctx.project.faces.get(fid) if fid else None
        return face.box_at(self.media_id(), self._frame()) if face else None

    def set_box_tool(self, on: bool) -> None:
        if self.canvas is None:
            return
        if on and self._selected_face() is None:
            self._message("box tool: select a face in the Faces dock first")
        self.canvas.set_armed(on)
        if on:
            self._message(
                "box tool: drag to draw the selected face's box at this frame; "
                "drag inside to move, corners to resize; Delete removes the key"
            )

    def key_box(self, box: tuple[float, float, float, float]) -> None:
        from annotator.commands.faces import SetFaceBoxCommand

        fid = self._selected_face()
        if fid is None:
            self._message("box tool: select a face in the Faces dock first")
            return
        fb = FaceBox(self.media_id(), self._frame(), *box)
        self.ctx.undo_stack.push(SetFaceBoxCommand(self.ctx.project, fid, fb))

    def unkey_box(self) -> None:
        from annotator.commands.faces import SetFaceBoxCommand

        fid = self._selected_face()
        if fid is None:
            return
        mid, frame = self.media_id(), self._frame()
        face = self.ctx.project.faces[fid]
        if not any(b.media == mid and b.frame == frame for b in face.boxes):
            self._message(f"no box keyframe of {face.name} on frame {frame}")
            return
        self.ctx.undo_stack.push(
            SetFaceBoxCommand(self.ctx.project, fid, None, media=mid, frame=frame)
        )

    # ------------------------------------------------------------------ tracking
    def start_tracking(self) -> bool:
        from annotator.io.media_link import resolve
        from annotator.model.serialize import project_from_dict, project_to_dict
        from annotator.tracking_job import run_tracking

        ws = self.ctx.workspace
        if self.worker is not None and self.worker.isRunning():
            return False
        if ws.path is None:
            self._message("save the project first: the landmark cache is written beside it")
            return False
        mid = self.media_id()
        media = ws.project.media.get(mid)
        if media is None or not resolve(media, ws.path).is_file():
            self._message("open a project with its video first")
            return False
        snapshot = project_from_dict(project_to_dict(ws.project))  # the worker never reads
        path = ws.path  # the live model

        def job(progress: Any, should_stop: Any) -> Any:
            return run_tracking(snapshot, path, mid, progress=progress, should_stop=should_stop)

        self.progress = QProgressDialog(
            "Detecting and tracking faces…", "Cancel", 0, 100, self.ctx.host
        )
        self.progress.setWindowTitle("Detect and track faces")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.setValue(0)
        self.worker = AnalysisWorker(job, self)
        self.worker.progressed.connect(self._on_progress)
        self.worker.succeeded.connect(self._on_tracked)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.progress.canceled.connect(self.worker.cancel)
        self.worker.start()
        return True

    def _on_progress(self, done: int, total: int) -> None:
        dlg = self.progress
        if dlg is not None:
            # setValue() of a modal dialog runs the event loop: a Cancel handled there
            # closes the dialog and clears self.progress, so the label goes first
            dlg.setLabelText(f"Detecting and tracking faces… frame {done} of {total}")
            dlg.setMaximum(max(total, 1))
            dlg.setValue(min(done, total))

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress = None

    def _on_tracked(self, outcome: Any) -> None:
        from annotator.commands.tracking import ApplyTrackingCommand
        from annotator.tracking_job import commit_cache

        self._close_progress()
        project = self.ctx.project
        try:
            commit_cache(outcome)
        except OSError as exc:
            outcome.discard()
            self._message(f"{outcome.cache_final}: cannot write ({exc.strerror or exc})")
            return
        if outcome.faces or project.media[outcome.media.id] != outcome.media:
            self.ctx.undo_stack.push(ApplyTrackingCommand(project, outcome.faces, outcome.media))
        self.reload()
        for note in outcome.notes:
            self._message(note)
        if outcome.track_count:
            self._message(outcome.summary())

    def _on_failed(self, message: str) -> None:
        self._close_progress()
        self._message(f"tracking failed: {message}")

    def _on_cancelled(self) -> None:
        self._close_progress()
        self._message("tracking cancelled; nothing changed")

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    # ------------------------------------------------------------------ candidates
    def candidates_from_threshold(self, keys: list[Any]) -> int:
        if not keys:
            lane = self.ctx.workspace.selection.lane
            if lane and lane[1].startswith("curve:"):
                keys = [(lane[0], lane[1][len("curve:") :])]
            else:
                keys = self.dock_widget.selected_keys()
        if not keys:
            self._message("select a curve (in the Curves dock or its lane) first")
            return 0
        cands = self.store.candidates(keys)
        if self.analysis is not None:
            self.analysis.candidates.set_result(cands)
            self.analysis.candidates_dock.raise_()
        self._message(
            f"{len(cands)} candidates from the threshold of {', '.join(n for _f, n in keys)}"
        )
        return len(cands)
