"""Open the video of ``python run.py VIDEO`` on a thread while the GUI libraries import.

``run.py`` calls :func:`preopen_argv` first thing, before PySide6 and the window are
imported (issue 19 item 1): a thread builds the ``FrameSource`` (container open, header,
frame 0 decoded on FFmpeg's threads). The index worker it starts waits until the player
has shown frame 0 (the event loop's first turn after the open): its table reading holds
the GIL and made the imports and the open slower. When the player asks for that video
(:meth:`annotator.playback.indexing.IndexFollow._make_source`), :func:`take` hands the
source over, with the index reports it made before the controller existed replayed.

Project opens and File > Open of a video use the same hand-over (issue 18): the document
worker that reads the project calls :func:`open_here` for the take it will show, so the
container open and the frame-0 decode happen off the GUI thread too; a source opened that
way and never taken (the project was not bound, the video was relinked) is closed by
:func:`discard`.

Imports nothing of Qt (the decoding modules it needs are imported before the thread
starts, :func:`warm_imports`: concurrent imports of one package tree can deadlock); a
failure is raised again by :func:`take`, i.e. where the player's own open would have
raised it (one line in the window, as for any bad file).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

_PROJECT_SUFFIXES = (".facet.json", ".json")


class DeferredProgress:
    """An ``index_progress`` callback whose target is set later; the latest report made
    before that is replayed to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: Callable[[Any], None] | None = None
        self._last: Any = None

    def __call__(self, progress: Any) -> None:
        with self._lock:
            target = self._target
            if target is None:
                self._last = progress
                return
        target(progress)

    def bind(self, target: Callable[[Any], None]) -> None:
        with self._lock:
            self._target = target
            last, self._last = self._last, None
        if last is not None:
            target(last)


class _Preopen:
    def __init__(self, path: str) -> None:
        self.key = _key(path)
        self.progress = DeferredProgress()
        self.src: Any = None
        self.error: BaseException | None = None
        # the index worker starts when the player takes the source (not during imports)
        self.gate = threading.Event()
        self.opened = threading.Event()  # _run finished (on the thread or in open_here)
        self.thread = threading.Thread(target=self._run, name="facet-preopen", daemon=True)

    def _run(self) -> None:
        try:
            self._open()
        finally:
            self.opened.set()

    def _open(self) -> None:
        try:
            from annotator.media import FrameSource

            gate = self.gate

            class GatedSource(FrameSource):  # type: ignore[misc]
                _index_gate = gate  # read by the index worker when it starts

                def close(self) -> None:
                    gate.set()  # a worker still waiting must not hold up the close
                    super().close()

            self.src = GatedSource(self.key, index_progress=self.progress)
        except BaseException as exc:  # noqa: BLE001 - raised again by take()
            self.error = exc


_lock = threading.Lock()
_pending: _Preopen | None = None


def _key(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


def warm_imports() -> None:
    """Import everything opening a video imports, on the calling thread. Two threads
    importing the same packages (annotator.model by the window, through annotator.media by
    the thread) deadlocked the import locks (_DeadlockError, 2 runs in 3 of a start-up
    trace): call this on the GUI thread before a thread opens a video."""
    import av.stream  # noqa: F401 - pts_index imports it on use
    import platformdirs  # noqa: F401 - the index cache folder

    import annotator.media  # noqa: F401
    import annotator.media.mp4_tables  # noqa: F401 - imported on use by pts_index
    import annotator.media.proxy  # noqa: F401 - imported on use by FrameSource


def _set_pending(job: _Preopen) -> None:
    global _pending
    with _lock:
        old, _pending = _pending, job
    if old is not None:
        _close(old)


def preopen(path: str | os.PathLike[str]) -> None:
    """Start opening ``path`` on a thread (a video file; anything else is ignored)."""
    p = os.fspath(path)
    if p.lower().endswith(_PROJECT_SUFFIXES) or not os.path.isfile(p):
        return
    warm_imports()
    job = _Preopen(p)
    _set_pending(job)
    job.thread.start()


def open_here(path: str | os.PathLike[str]) -> bool:
    """Open ``path`` now, on the calling thread (a worker: :func:`warm_imports` ran on the
    GUI thread first), for the player's next open of that file to :func:`take`. False when
    it cannot be opened: nothing is kept, and the player's own open words the problem."""
    p = os.fspath(path)
    if not os.path.isfile(p):
        return False
    job = _Preopen(p)
    job._run()
    if job.error is not None:
        return False
    _set_pending(job)
    return True


def _close(job: _Preopen) -> None:
    job.opened.wait()
    job.gate.set()
    if job.src is not None:
        try:
            job.src.close()
        except Exception:  # noqa: BLE001 - closing a source nobody shows must not fail an open
            pass


def discard(path: str | os.PathLike[str] | None = None) -> None:
    """Close the source opened for ``path`` (any, when ``None``) if the player never took
    it (the project it was opened for was not bound, or shows another take)."""
    global _pending
    with _lock:
        job = _pending
        if job is None or (path is not None and job.key != _key(path)):
            return
        _pending = None
    _close(job)


def peek(path: str | os.PathLike[str]) -> Any:
    """The source opened for ``path`` (waits for it), left for the player to :func:`take`;
    ``None`` when none was (or its open failed: :func:`take` raises that). ``run.py``
    paints its frame 0 before the player and the project exist."""
    with _lock:
        job = _pending
    if job is None or job.key != _key(path):
        return None
    job.opened.wait()
    return job.src if job.error is None else None


def preopen_argv(argv: list[str]) -> None:
    """``run.py``'s arguments: the first one that is not an option."""
    for arg in argv:
        if not arg.startswith("-"):
            preopen(arg)
            return


def take(
    path: str | os.PathLike[str],
) -> tuple[Any, DeferredProgress, Callable[[], None]] | None:
    """The source opened for ``path`` by :func:`preopen` (waits for it), its deferred
    progress callback and the function that lets its index worker start; or ``None``.
    Raises what opening it raised."""
    global _pending
    with _lock:
        job = _pending
        if job is None or job.key != _key(path):
            return None
        _pending = None
    job.opened.wait()
    if job.error is not None:
        job.gate.set()
        raise job.error
    return job.src, job.progress, job.gate.set
