"""IndexStatus: "Indexing video… 42 %" in the status bar while the frame index is built.

A view of the player controller (:mod:`annotator.playback.indexing`): it follows
``media_opened``, ``index_progressed`` and ``media_closed`` and shows nothing while the
open video's index is complete. The tooltip says how many frames are reachable so far.
A file whose index stopped early keeps a short "Indexed N frames (damaged file)" here,
its one-line note in the tooltip (the controller also reports that line once through
``error_occurred``, which the window shows in the status bar).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from annotator.playback.player_controller import PlayerController


class IndexStatus(QLabel):
    def __init__(self, controller: PlayerController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctl = controller
        self.setObjectName("index_status")
        self.hide()
        controller.media_opened.connect(self._on_controller_media_opened)
        controller.media_closed.connect(self._on_controller_media_closed)
        controller.index_progressed.connect(self._on_controller_index_progressed)

    def _name(self) -> str:
        return Path(self._ctl.path).name if self._ctl.path else "the video"

    def _on_controller_media_opened(self, _src: object) -> None:
        if self._ctl.index_complete:
            self.hide()
            return
        progress = self._ctl.index_progress
        if progress is not None:
            self._on_controller_index_progressed(progress)

    def _on_controller_media_closed(self) -> None:
        self.hide()

    def _on_controller_index_progressed(self, progress: Any) -> None:
        if progress.done:
            note = progress.error or progress.note
            if not note:
                self.hide()
                return
            self.setText(f"Indexed {self._ctl.frame_count:,} frames (damaged file)")
            self.setToolTip(note)
            self.show()
            return
        percent = int(min(max(progress.fraction, 0.0), 1.0) * 100)
        n = self._ctl.frame_count
        self.setText(f"Indexing video… {percent} %")
        self.setToolTip(
            f"Building the frame index of {self._name()}: {n:,} "
            f"frame{'s' if n != 1 else ''} reachable so far (0–{n - 1}). Steps and seeks "
            "stop there until the index is complete; every frame shown is exact."
        )
        self.show()
