"""Stand-ins the widget tests share (no video, no player)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


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
