"""Dialogue in the window: subtitles over the picture, the audio lane, emotion during dialogue.

- Subtitles: the take's dialogue markers (SRT cues, ELAN dialogue tiers) drawn over the
  frame on screen by a :class:`SubtitleOverlay`; **View > Show Subtitles** (key
  ``view.subtitles``, V) toggles them, remembered in QSettings ``view/subtitles``.
- Audio lane: when the player opens a video, its waveform peaks come from the cache
  (``annotator.media.waveform``) or are computed on a worker thread with progress in the
  lane's title; **View > Show Audio Waveform** (``view.waveform``, W; ``view/waveform``)
  shows or hides the lane. A video without audio has no lane and no message.
- Emotion during dialogue: the timeline marks it on the emotion lanes by itself
  (``timeline.dialogue_marks``); **View > Emotion During Dialogue…** lists every overlap of
  the take, and the status line says how many there are.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from annotator.analysis.dialogue import CueIndex, emotion_dialogue_overlaps, overlap_summary
from annotator.model.project import Project
from annotator.ui.context import AppContext
from annotator.ui.dialogue.subtitles import SubtitleOverlay, SubtitleStrip
from annotator.ui.timeline.waveform_lane import WaveformState

log = logging.getLogger(__name__)

SUBTITLES_KEY = "view/subtitles"
WAVEFORM_KEY = "view/waveform"


def _flag(value: Any, default: bool = True) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


class DialogueUi(QObject):
    """Owns the subtitle overlay, the audio lane's state and its worker, and the menu
    entries; follows the workspace (project, take) and the player (video opened)."""

    def __init__(self, ctx: AppContext, timeline: Any, parent: QObject | None = None) -> None:
        super().__init__(parent or ctx.host)
        self.ctx = ctx
        self.timeline = timeline
        self._project: Project | None = None
        self._cues: CueIndex | None = None
        self._cues_for: tuple[int, str] | None = None  # (project id, media id) of _cues
        self.worker: Any = None
        self._old_workers: list[Any] = []
        self._job_path = ""
        self.overlap_dialog: Any = None

        settings = ctx.settings
        self.wave = WaveformState()
        self.wave.shown = _flag(settings.value(WAVEFORM_KEY))
        canvas = getattr(timeline, "canvas", timeline)
        canvas.set_waveform(self.wave)
        self.subtitles: SubtitleOverlay | None = None
        if ctx.player_widget is not None:
            self.subtitles = SubtitleOverlay(ctx.player_widget.frame_view, self.text_at)
            self.subtitles.set_shown(_flag(settings.value(SUBTITLES_KEY)))
        self.strip: SubtitleStrip | None = None  # the line while VLC draws the picture
        self._vlc_shows = False
        surface = getattr(ctx.player_widget, "surface", None)
        if surface is not None and ctx.controller is not None:
            self.strip = SubtitleStrip(surface.parentWidget())
            ctx.controller.video_surface_changed.connect(self._on_controller_surface_changed)
            ctx.controller.frame_changed.connect(self._on_controller_frame_changed)
            ctx.controller.playing_changed.connect(self._on_controller_playing_changed)

        keys = ctx.key_binder()
        menu = ctx.menus.view
        menu.addSeparator()
        self.subtitles_action = QAction("Show &Subtitles", ctx.host)
        self.subtitles_action.setCheckable(True)
        self.subtitles_action.setChecked(self.subtitles_shown)
        self.subtitles_action.setStatusTip(
            "Dialogue lines (imported SRT, ELAN dialogue tiers) over the picture"
        )
        keys.bind_action("view.subtitles", self.subtitles_action)
        self.subtitles_action.toggled.connect(self.set_subtitles_shown)
        menu.addAction(self.subtitles_action)
        self.waveform_action = QAction("Show Audio &Waveform", ctx.host)
        self.waveform_action.setCheckable(True)
        self.waveform_action.setChecked(self.wave.shown)
        self.waveform_action.setStatusTip("The video's sound as a lane under the markers")
        keys.bind_action("view.waveform", self.waveform_action)
        self.waveform_action.toggled.connect(self.set_waveform_shown)
        menu.addAction(self.waveform_action)
        self.overlaps_action = QAction("&Emotion During Dialogue…", ctx.host)
        self.overlaps_action.setStatusTip(
            "Every emotion event of this take that overlaps a dialogue line"
        )
        self.overlaps_action.triggered.connect(self.show_overlaps)
        menu.addAction(self.overlaps_action)

        events = ctx.workspace.events
        events.project_replaced.connect(self._on_workspace_project_replaced)
        events.media_switched.connect(self._on_workspace_media_switched)
        controller = ctx.controller
        if controller is not None:
            controller.media_opened.connect(self._on_controller_media_opened)
            controller.media_closed.connect(self._on_controller_media_closed)
        self._bind_project(ctx.project)
        if controller is not None and controller.source is not None:
            self._on_controller_media_opened(controller.source)

    # ------------------------------------------------------------------ subtitles
    @property
    def subtitles_shown(self) -> bool:
        return self.subtitles.shown if self.subtitles is not None else False

    def set_subtitles_shown(self, on: bool) -> None:
        if self.subtitles is not None:
            self.subtitles.set_shown(on)
        self.ctx.settings.setValue(SUBTITLES_KEY, bool(on))
        self._update_strip()
        if self.subtitles_action.isChecked() != on:
            self.subtitles_action.setChecked(on)

    def _on_controller_surface_changed(self, vlc_shows: bool) -> None:
        self._vlc_shows = bool(vlc_shows)
        self._update_strip()

    def _on_controller_playing_changed(self, playing: bool) -> None:
        """Paused: the strip goes at once, before the controller grabs VLC's window to find
        the frame it stopped on (the band must not be part of that picture)."""
        if not playing and self._vlc_shows:
            self._vlc_shows = False
            self._update_strip()

    def _on_controller_frame_changed(self, _frame: int) -> None:
        if self._vlc_shows:
            self._update_strip()

    def _update_strip(self) -> None:
        if self.strip is None:
            return
        controller = self.ctx.controller
        on = self._vlc_shows and self.subtitles_shown and controller is not None
        self.strip.set_text(self.text_at(int(controller.current_frame)) if on else "")  # type: ignore[union-attr]

    def cues(self) -> CueIndex:
        """The take's dialogue lines, rebuilt after a marker change."""
        project = self.ctx.project
        media = self.ctx.workspace.media_id or ""
        key = (id(project), media)
        if self._cues is None or self._cues_for != key:
            self._cues = CueIndex.of(project, media)
            self._cues_for = key
        return self._cues

    def text_at(self, frame: int) -> str:
        return self.cues().text_at(frame)

    def _on_project_markers_changed(self, *_args: Any) -> None:
        self._cues = None
        if self.subtitles is not None:
            self.subtitles.update()

    def _bind_project(self, project: Project) -> None:
        old = self._project
        if old is not None:
            for sig in (old.marker_added, old.marker_removed, old.marker_changed):
                sig.disconnect(self._on_project_markers_changed)
        self._project = project
        for sig in (project.marker_added, project.marker_removed, project.marker_changed):
            sig.connect(self._on_project_markers_changed)
        self._on_project_markers_changed()

    def _on_workspace_project_replaced(self, project: Project) -> None:
        self._bind_project(project)

    def _on_workspace_media_switched(self, _media_id: str) -> None:
        self._on_project_markers_changed()

    # ------------------------------------------------------------------ waveform
    def set_waveform_shown(self, on: bool) -> None:
        self.wave.set_shown(on)
        self.ctx.settings.setValue(WAVEFORM_KEY, bool(on))
        if self.waveform_action.isChecked() != on:
            self.waveform_action.setChecked(on)
        self.timeline.update()

    def _on_controller_media_opened(self, src: Any) -> None:
        path = getattr(src, "path", None)
        if path is None:
            return
        self.load_waveform(str(path))

    def _on_controller_media_closed(self) -> None:
        self._cancel_job()
        self.wave.set_wave("", None)

    def load_waveform(self, path: str) -> None:
        """The peaks of ``path``: from the cache at once, else computed on a worker."""
        from annotator.media.waveform import load_cached

        if path == self.wave.path and self.wave.wave is not None:
            return
        self._cancel_job()
        cached = load_cached(path)
        if cached is not None:
            self.wave.set_wave(path, cached)
            return
        self.wave.set_wave(path, None)
        self.wave.set_status("computing…")
        self._start_job(path)

    def _start_job(self, path: str) -> None:
        from annotator.analysis.video import Cancelled
        from annotator.media.waveform import WaveformCancelled, load_or_compute
        from annotator.ui.analysis.worker import AnalysisWorker

        def job(progress: Any, should_stop: Any) -> Any:
            try:
                return load_or_compute(path, progress=progress, cancelled=should_stop)
            except WaveformCancelled:
                raise Cancelled() from None

        worker = AnalysisWorker(job)
        self.worker, self._job_path = worker, path
        worker.progressed.connect(self._on_worker_progressed)
        worker.succeeded.connect(self._on_worker_succeeded)
        worker.failed.connect(self._on_worker_failed)
        worker.cancelled.connect(self._on_worker_cancelled)
        worker.start()

    def _is_current(self) -> bool:
        return self.sender() is self.worker

    def _on_worker_progressed(self, done: int, total: int) -> None:
        if self._is_current() and total > 0:
            self.wave.set_status(f"computing {min(100, done * 100 // total)} %")

    def _on_worker_succeeded(self, wave: Any) -> None:
        if not self._is_current():
            return
        self.worker = None
        self.wave.set_wave(self._job_path, wave)  # None: no audio, no lane

    def _on_worker_failed(self, message: str) -> None:
        if not self._is_current():
            return
        self.worker = None
        self.wave.set_wave(self._job_path, None)
        self.ctx.show_message(f"audio waveform: {message}", 10000)

    def _on_worker_cancelled(self) -> None:
        if self._is_current():
            self.worker = None
            self.wave.set_status("")

    def _cancel_job(self) -> None:
        """Stop the job in flight without waiting; it finishes (and is dropped) on its own."""
        worker, self.worker = self.worker, None
        if worker is None:
            return
        worker.cancel()
        self._old_workers = [w for w in self._old_workers if w.isRunning()] + [worker]
        self.wave.set_status("")

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Tests: block until the job in flight ended; True when none is left running."""
        worker = self.worker
        return worker is None or bool(worker.wait(timeout_ms))

    def close(self) -> None:
        """Window close and fixtures: no worker outlives the window."""
        for worker in [self.worker, *self._old_workers]:
            if worker is not None and worker.isRunning():
                worker.stop()
        self.worker = None
        self._old_workers = []

    # ------------------------------------------------------------------ overlaps
    def overlaps(self) -> list[Any]:
        return emotion_dialogue_overlaps(self.ctx.project, self.ctx.workspace.media_id or "")

    def show_overlaps(self) -> None:
        from annotator.ui.dialogue.overlap_list import OverlapListDialog

        found = self.overlaps()
        self.ctx.show_message(
            f"Emotion during dialogue: {overlap_summary(found, self.ctx.project)}"
        )
        self.overlap_dialog = OverlapListDialog(self.ctx, found, self.ctx.host)
        self.overlap_dialog.show()


def install_dialogue(ctx: AppContext, timeline: Any) -> DialogueUi:
    """Subtitles, the audio lane and the emotion-during-dialogue list, wired to ``ctx``."""
    return DialogueUi(ctx, timeline)
