"""Lane indexes and overlap flags edited in place agree with building them from scratch."""

from __future__ import annotations

import random

from annotator.ui.lane_overlaps import LaneOverlaps
from annotator.ui.timeline.lanes import LaneIndex


def _brute_flagged(spans: dict[int, tuple[int, int]]) -> set[int]:
    return {
        a
        for a, (a0, a1) in spans.items()
        for b, (b0, b1) in spans.items()
        if a != b and a0 <= b1 and b0 <= a1
    }


def test_random_edits_match_a_rebuild() -> None:
    rng = random.Random(5)
    spans: dict[int, tuple[int, int]] = {}
    for i in range(1, 60):
        on = rng.randrange(500)
        spans[i] = (on, on + rng.randrange(30))
    index = LaneIndex((on, off, i) for i, (on, off) in spans.items())
    lane = LaneOverlaps((on, off, i) for i, (on, off) in spans.items())
    assert lane.flagged() == _brute_flagged(spans)
    next_id = 100
    for step in range(400):
        if spans and rng.random() < 0.5:
            eid = rng.choice(sorted(spans))
            on, off = spans.pop(eid)
            assert index.remove(on, off, eid)
            lane.remove(eid)
        else:
            on = rng.randrange(500)
            off = on + rng.choice([0, 1, 5, 40, 120])
            next_id += 1
            spans[next_id] = (on, off)
            index.insert(on, off, next_id)
            lane.add(on, off, next_id)
        fresh = LaneIndex((on, off, i) for i, (on, off) in spans.items())
        assert (index.onsets, index.offsets, index.ids, index.max_offsets) == (
            fresh.onsets,
            fresh.offsets,
            fresh.ids,
            fresh.max_offsets,
        ), step
        assert lane.flagged() == _brute_flagged(spans), step
    assert not index.remove(1, 2, 999_999)


def test_add_and_remove_report_changed_flags() -> None:
    lane = LaneOverlaps([(0, 10, 1)])
    assert lane.add(20, 30, 2) == set()
    assert lane.add(5, 25, 3) == {1, 2, 3}
    assert lane.flagged() == {1, 2, 3}
    assert lane.remove(3) == {1, 2, 3}
    assert lane.flagged() == set()
