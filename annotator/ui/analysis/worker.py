"""Background analysis jobs (spotting, cut detection) on a QThread, cancellable.

The job runs headless analysis code and only emits signals; the GUI thread receives them
queued and never waits. Cancel sets the thread's interruption flag, which the decode loop
polls every frame (``should_stop``), so cancelling takes effect within one frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal

from annotator.analysis.video import Cancelled

log = logging.getLogger(__name__)

Job = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class AnalysisWorker(QThread):
    """Runs ``job(progress, should_stop)`` and reports how it ended."""

    progressed = Signal(int, int)  # frames done, frames total
    succeeded = Signal(object)  # the job's result
    failed = Signal(str)  # one line
    cancelled = Signal()

    def __init__(self, job: Job, parent: Any = None) -> None:
        super().__init__(parent)
        self._job = job

    def run(self) -> None:
        try:
            result = self._job(self.progressed.emit, self.isInterruptionRequested)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:
            log.exception("analysis job failed")
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.succeeded.emit(result)

    def cancel(self) -> None:
        self.requestInterruption()

    def stop(self, timeout_ms: int = 5000) -> None:
        """Cancel and wait (window close, test teardown): no thread outlives its owner."""
        self.requestInterruption()
        self.wait(timeout_ms)
