"""Full sha256 of videos off the GUI thread, after the first picture is on screen.

``file_sha256`` reads the whole file (3.9 s for a 1.4 GB video); the window opens the
video with an empty or remembered hash and asks this helper for the real one. Results
come back on the GUI thread through ``hashed(path, digest)`` (a queued signal).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from annotator.io.media_link import file_sha256

log = logging.getLogger(__name__)

# Reading the whole file takes a core and the disk: not while the window starts and the
# first picture and the frame index are made (a 680 MB hash slowed the first picture).
START_DELAY_MS = 2000


class BackgroundHasher(QObject):
    hashed = Signal(str, str)  # resolved path, sha256
    failed = Signal(str, str)  # path, one-line problem

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def start(self, path: Path) -> None:
        key = str(Path(path).resolve())
        with self._lock:
            if key in self._running:
                return
            self._running.add(key)
        QTimer.singleShot(START_DELAY_MS, self, lambda: self._start_now(key))

    def _start_now(self, key: str) -> None:
        threading.Thread(target=self._run, args=(key,), name="facet-sha256", daemon=True).start()

    def _run(self, key: str) -> None:
        try:
            digest = file_sha256(key)
        except OSError as exc:
            self.failed.emit(key, f"{key}: cannot read the video to hash it ({exc})")
        else:
            self.hashed.emit(key, digest)
        finally:
            with self._lock:
                self._running.discard(key)
