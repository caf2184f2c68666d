"""The nominal timebase is built once per media, and rebuilt when its length or rate changes."""

from __future__ import annotations

from fractions import Fraction

from annotator.model import Media, Project


def test_nominal_timebase_is_cached_and_follows_media_changes() -> None:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=100, fps=Fraction(25)))
    tb = p.timebase("m1")
    assert p.timebase("m1") is tb
    p.update_media("m1", frame_count=200)
    tb2 = p.timebase("m1")
    assert tb2 is not tb and tb2.frame_count == 200
    p.update_media("m1", fps=Fraction(30000, 1001))
    assert p.timebase("m1").fps == Fraction(30000, 1001)
