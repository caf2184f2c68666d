"""Where the coder was, per project file and take: playhead, timeline zoom and the A-B loop,
kept in QSettings and put back when the project is opened again (the take itself is
remembered by the main window, ``last_media/``).

Stored as one JSON value per project file and take, so a damaged entry is ignored (logged
once) instead of breaking the open.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, QTimer

from annotator.workspace import Loop

if TYPE_CHECKING:
    from annotator.ui.context import AppContext

log = logging.getLogger(__name__)

PREFIX = "view_state"


@dataclass(frozen=True, slots=True)
class ViewState:
    frame: int = 0
    px_per_frame: float | None = None
    left_frame: float | None = None
    loop_a: int | None = None
    loop_b: int | None = None


def _key(project_path: Path, media_id: str) -> str:
    digest = hashlib.sha1(str(Path(project_path).resolve()).encode()).hexdigest()[:16]
    return f"{PREFIX}/{digest}/{media_id}"


def save_view(
    settings: QSettings, project_path: Path | None, media_id: str | None, state: ViewState
) -> None:
    if project_path is None or media_id is None:
        return
    settings.setValue(_key(project_path, media_id), json.dumps(asdict(state)))


def load_view(
    settings: QSettings, project_path: Path | None, media_id: str | None
) -> ViewState | None:
    if project_path is None or media_id is None:
        return None
    raw = settings.value(_key(project_path, media_id))
    if not raw:
        return None
    try:
        data = json.loads(str(raw))
        return ViewState(**{k: data[k] for k in ViewState.__slots__ if k in data})
    except (ValueError, TypeError) as e:
        log.warning("settings %s: %s (ignored)", _key(project_path, media_id), e)
        return None


def capture(controller: Any, timeline: Any, loop: Loop = (None, None)) -> ViewState:
    """The state now: the controller's frame, the workspace's loop, the timeline's zoom."""
    a, b = loop
    frame = int(controller.current_frame) if controller is not None else 0
    view = timeline.canvas.view if timeline is not None else None
    return ViewState(
        frame, view.px_per_frame if view else None, view.left_frame if view else None, a, b
    )


def restore(state: ViewState, controller: Any, timeline: Any) -> None:
    """Put ``state`` back (clamped to the video that is open now)."""
    if controller is not None and controller.source is not None:
        last = controller.frame_count - 1
        controller.seek(min(max(state.frame, 0), last))
        if state.loop_a is not None and 0 <= state.loop_a <= last:
            controller.set_loop_a(state.loop_a)
        if state.loop_b is not None and 0 <= state.loop_b <= last:
            controller.set_loop_b(state.loop_b)
    if timeline is not None and state.px_per_frame:
        view = timeline.canvas.view
        view.px_per_frame = float(state.px_per_frame)
        view.left_frame = float(state.left_frame or 0.0)
        view.clamp()
        view.ensure_visible(int(timeline.canvas.playhead))
        timeline._changed()


class ViewMemory(QObject):
    """Saves the state of the take on screen shortly after it changes (and on close), and
    puts it back when a take is shown (``workspace.events.media_switched``)."""

    def __init__(self, ctx: AppContext, timeline: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.timeline = timeline
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.save_now)
        self._restoring = False
        c = ctx.controller
        if c is not None:
            c.frame_changed.connect(self._changed)
        ctx.workspace.events.loop_changed.connect(self._changed)
        if timeline is not None:
            timeline.canvas.view_changed.connect(self._changed)
        ctx.workspace.events.media_switched.connect(self._on_media_switched)
        # a remembered frame past the frames indexed so far waits for the index
        self._pending: ViewState | None = None
        if c is not None and hasattr(c, "index_progressed"):
            c.index_progressed.connect(self._on_index_progressed)
            c.media_closed.connect(self._drop_pending)
            c.frame_changed.connect(self._drop_pending)  # the user moved first: theirs wins

    def _changed(self, *_args: object) -> None:
        if not self._restoring:
            self._timer.start()

    def save_now(self) -> None:
        self._timer.stop()
        c = self.ctx.controller
        if c is not None and c.source is not None:
            save_view(
                self.ctx.settings,
                self.ctx.workspace.path,
                self.ctx.workspace.current_media_id,
                capture(c, self.timeline, self.ctx.workspace.loop),
            )

    def _on_media_switched(self, media_id: str) -> None:
        self._pending = None
        state = load_view(self.ctx.settings, self.ctx.workspace.path, media_id)
        if state is None:
            return
        c = self.ctx.controller
        if c is not None and not getattr(c, "index_complete", True) and _past(state, c):
            self._pending = state  # restored when the index reaches it (or is done)
            return
        self._restore(state)

    def _on_index_progressed(self, progress: object) -> None:
        state = self._pending
        c = self.ctx.controller
        if state is None or c is None:
            return
        if getattr(progress, "done", False) or not _past(state, c):
            self._pending = None
            self._restore(state)

    def _drop_pending(self, *_args: object) -> None:
        if not self._restoring:
            self._pending = None

    def _restore(self, state: ViewState) -> None:
        self._restoring = True
        try:
            restore(state, self.ctx.controller, self.timeline)
        finally:
            self._restoring = False


def _past(state: ViewState, controller: Any) -> bool:
    """Whether ``state`` needs frames the controller cannot reach yet."""
    last = max(state.frame, state.loop_a or 0, state.loop_b or 0)
    return bool(last >= controller.frame_count)
