"""Stand-ins and small helpers the widget tests share (no video, no player)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPoint, Signal


class FakeController(QObject):
    """The player controller's seek/frame_changed contract without a video: a seek moves
    the current frame at once and announces it."""

    frame_changed = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.current_frame = 0

    def seek(self, frame: int) -> None:
        self.current_frame = frame
        self.frame_changed.emit(frame)


def bar_centre(w: Any, event_id: int) -> QPoint:
    """Where event ``event_id``'s bar is on ``w``'s timeline canvas (``w.coding``, ``w.project``:
    the real window or the coding tests' FakeWindow): the middle of its frames, mid-lane."""
    canvas = w.coding.timeline.canvas
    canvas.ensure()
    e = w.project.events[event_id]
    lane = canvas.cache.lane(e.lane_key)
    assert lane is not None
    v = canvas.view
    return QPoint(
        int(v.x_of((e.onset_frame + e.offset_frame) / 2)),
        int(v.y_of_lane(lane) + lane.height_px // 2),
    )
