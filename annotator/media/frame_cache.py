"""LRU cache of decoded frames bounded by bytes, shared by the caller and the prefetch worker."""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

log = logging.getLogger(__name__)
_M_MMAP_THRESHOLD = -3


def _pin_mmap_threshold() -> None:
    """Serve frame-sized allocations by mmap so evicted frames go back to the OS.

    glibc raises its mmap threshold each time a large mmapped block is freed; after the
    first evictions, 6 MB frames then come from the (per-thread) heaps, which fragment
    and never shrink: measured, RSS sat 350 MB above the cache budget and stayed there
    after close(). Pinning the threshold at 1 MB keeps RSS at cache + decoders.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 1 << 20)
    except (OSError, AttributeError) as exc:  # musl or no glibc: harmless to skip
        log.debug("mallopt unavailable: %s", exc)


_pin_mmap_threshold()


class FrameCache:
    """Thread-safe LRU of ``key -> value with .nbytes`` whose total stays within a budget.

    Values are RGB ndarrays, or raw decoded frames (see ``decoder.RawFrame``).

    A byte budget (not a frame count) because the same source is cached at full size and
    at display sizes: one 1080p RGB frame weighs as much as sixteen 480x270 ones. The lock
    is held only for dictionary work, never while decoding, so the caller never waits
    behind the prefetch worker's decode.
    """

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = max(int(budget_bytes), 0)
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._added = threading.Condition(self._lock)
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            arr = self._items.get(key)
            if arr is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return arr

    def has_frame(self, size: object, index: int) -> bool:
        """Frame ``index`` is cached at ``size`` or as a raw decoded picture."""
        with self._lock:
            return (size, index) in self._items or ("raw", index) in self._items

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: Hashable, arr: Any) -> None:
        """Insert (most recent) and evict least-recently-used entries beyond the budget."""
        size = int(arr.nbytes)
        if size > self.budget_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= int(old.nbytes)
            self._items[key] = arr
            self._bytes += size
            while self._bytes > self.budget_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= int(evicted.nbytes)
            self._added.notify_all()

    def wait_frame(self, size: object, index: int, timeout: float) -> bool:
        """Wait up to ``timeout`` s for frame ``index`` (at ``size`` or raw) to be put."""
        with self._added:
            return self._added.wait_for(
                lambda: (size, index) in self._items or ("raw", index) in self._items, timeout
            )

    def discard(self, key: Hashable) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= int(old.nbytes)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
