"""Which events of one lane overlap another event of the same lane, kept per edit.

Both the event table ("overlaps same AU") and the timeline (duplicate marks) flag AU events
that overlap another event of the same AU on the same face. Re-checking the whole lane on
every edit costs O(lane), 25,000 events per lane in a 1,000,000-event project; here an edit
looks only at the events that can overlap it: those starting in
``[onset - longest, offset]``, found by bisection in the lane's onset order, where
``longest`` is the longest duration ever added to the lane (never lowered, so the window
stays safe). The first build is vectorised: in onset order, an event overlaps another iff
it starts before the running maximum of the earlier offsets ends, or ends at or after the
next onset.

Pure Python and numpy, no Qt.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable

import numpy as np

_INF = float("inf")


def flagged_ids(items: list[tuple[int, int, int]]) -> set[int]:
    """Ids of the (onset, offset, id) items sharing a frame with another item."""
    rows = sorted(items)
    return flagged_sorted([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def flagged_sorted(onsets: list[int], offsets: list[int], ids: list[int]) -> set[int]:
    """:func:`flagged_ids` of parallel lists already in onset order (a LaneIndex)."""
    if len(ids) < 2:
        return set()
    on = np.asarray(onsets, np.int64)
    off = np.asarray(offsets, np.int64)
    reach = np.maximum.accumulate(off)
    hit = np.zeros(len(on), bool)
    hit[1:] |= on[1:] <= reach[:-1]
    hit[:-1] |= off[:-1] >= on[1:]
    return set(np.asarray(ids, np.int64)[hit].tolist())


class LaneOverlaps:
    """Events of one lane as (onset, offset, id), and the flagged ones."""

    __slots__ = ("_items", "_keys", "_longest", "_spans", "flags")

    def __init__(
        self, items: Iterable[tuple[int, int, int]] = (), flags: set[int] | None = None
    ) -> None:
        """``flags``: the flagged ids when the caller has them (see ``flagged_sorted``)."""
        self._items: list[tuple[int, int, int]] | None = list(items)
        self.flags: set[int] = flags if flags is not None else flagged_ids(self._items)
        self._keys: list[tuple[int, int]] = []
        self._spans: dict[int, tuple[int, int]] = {}
        self._longest = 0

    def prepare(self) -> None:
        """Build the edit index now (a worker does it for a large project, so the first
        edit of each lane does not sort the lane on the GUI thread)."""
        self._index()

    def _index(self) -> None:
        """The bisection order, built on the lane's first edit (most lanes never get one)."""
        items = self._items
        if items is None:
            return
        self._items = None
        self._keys = sorted((on, eid) for on, _off, eid in items)
        self._spans = {eid: (on, off) for on, off, eid in items}
        self._longest = max((off - on for on, off, _ in items), default=0)

    def __len__(self) -> int:
        return len(self._items) if self._items is not None else len(self._spans)

    def flagged(self) -> set[int]:
        return set(self.flags)

    def overlapping(self, on: int, off: int, skip: int | None = None) -> list[int]:
        """Ids of the lane's events sharing a frame with [on, off] (except ``skip``)."""
        self._index()
        lo = bisect_left(self._keys, (on - self._longest, -_INF))
        hi = bisect_right(self._keys, (off, _INF))
        spans = self._spans
        return [i for _, i in self._keys[lo:hi] if i != skip and spans[i][1] >= on]

    def add(self, on: int, off: int, eid: int) -> set[int]:
        """Add an event; returns the ids whose flag changed."""
        self._index()
        changed = self.remove(eid) if eid in self._spans else set()
        partners = self.overlapping(on, off)
        insort(self._keys, (on, eid))
        self._spans[eid] = (on, off)
        self._longest = max(self._longest, off - on)
        if partners:
            for i in [eid, *partners]:
                if i not in self.flags:
                    self.flags.add(i)
                    changed.add(i)
        return changed

    def remove(self, eid: int) -> set[int]:
        """Remove an event; returns the ids whose flag changed (itself, if it was
        flagged, and former partners that overlap nothing else now)."""
        self._index()
        span = self._spans.pop(eid, None)
        if span is None:
            return set()
        on, off = span
        del self._keys[bisect_left(self._keys, (on, eid))]
        changed = {eid} if eid in self.flags else set()
        self.flags.discard(eid)
        for i in self.overlapping(on, off):
            if i in self.flags and not self.overlapping(*self._spans[i], skip=i):
                self.flags.discard(i)
                changed.add(i)
        return changed
