"""The views' shared snapshot lives only while a view reads it (copy on write, issue 17)."""

from __future__ import annotations

import gc
from fractions import Fraction

from annotator.model import Event, EventKind, Media, Project
from annotator.ui.background import shared_snapshot


def test_shared_snapshot_is_reused_while_read_and_then_let_go() -> None:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=100, fps=Fraction(25)))
    p.add_face(name="A")
    p.add_event(Event(0, "A", EventKind.AU, 1, 5, au=12))
    a = shared_snapshot(p)
    assert shared_snapshot(p) is a  # same revision, still read: one copy for every view
    p.add_event(Event(0, "A", EventKind.AU, 6, 9, au=4))  # copies once: a still holds them
    assert len(a.events) == 1 and len(p.events) == 2
    b = shared_snapshot(p)
    assert b is not a and len(b.events) == 2
    del a, b
    gc.collect()
    events = p.events
    p.add_event(Event(0, "A", EventKind.AU, 20, 30, au=6))
    assert p.events is events  # nobody reads a snapshot any more: no copy
