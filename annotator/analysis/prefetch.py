"""Run an iterator (video decoding) in a thread, a few items ahead of its consumer.

PyAV decodes and converts frames to RGB with the GIL released, so on a 2-core machine the
next frames are decoded while the tracker's models run on the current one. The queue is
bounded (``ahead`` items: a few decoded frames, never the whole video); an exception in the
producer (a cancelled run, a broken file) is raised again in the consumer; leaving the loop
early stops the producer and closes the source iterator in its own thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(source: Iterable[T], ahead: int = 3) -> Iterator[T]:
    """Items of ``source`` in order, produced by a daemon thread at most ``ahead`` items
    before they are consumed."""
    q: queue.Queue[object] = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        it = iter(source)
        try:
            for item in it:
                if not put(item):
                    break
            else:
                put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failed(exc))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=run, name="facet-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
