"""Removing a media (undo of adding a take): refused while anything references it or when
it is the only one; order and signals are kept so undo restores the project exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

from annotator.model import (
    Curve,
    Event,
    EventKind,
    Face,
    FaceBox,
    Marker,
    MarkerKind,
    Media,
    ModelError,
    Project,
)


def two_takes() -> Project:
    p = Project("t")
    p.add_media(Media("m1", "a.mp4", frame_count=100, fps=Fraction(25)))
    p.add_media(Media("m2", "b.mp4", frame_count=120, fps=Fraction(30000, 1001)))
    p.add_face(Face("A", "Ada"))
    return p


def test_remove_media_signals_and_restores_in_place() -> None:
    p = two_takes()
    p.add_media(Media("m3", "c.mp4", frame_count=50, fps=Fraction(25)))
    seen: list[str] = []
    p.media_removed.connect(lambda m: seen.append(m.id))
    media, index = p.remove_media("m2")
    assert seen == ["m2"] and index == 1 and list(p.media) == ["m1", "m3"]
    assert p.dirty
    p.add_media(media, index=index)
    assert list(p.media) == ["m1", "m2", "m3"] and p.media["m2"] == media


def test_remove_only_media_is_refused() -> None:
    p = Project("t")
    p.add_media(Media("m1", "a.mp4", frame_count=10, fps=Fraction(25)))
    with pytest.raises(ModelError, match="only media"):
        p.remove_media("m1")
    with pytest.raises(ModelError, match="no media"):
        p.remove_media("m9")


@pytest.mark.parametrize("what", ["event", "marker", "face box", "curve"])
def test_remove_referenced_media_is_refused(what: str) -> None:
    p = two_takes()
    if what == "event":
        p.add_event(Event(0, "A", EventKind.AU, 1, 5, media="m2", au=12))
    elif what == "marker":
        p.add_marker(Marker(0, MarkerKind.NOTE, 3, 3, "m2", text="blink"))
    elif what == "face box":
        p.set_face_box("A", FaceBox("m2", 4, 0.1, 0.1, 0.2, 0.2))
    else:
        p.set_curves([Curve("A", "AU12_r", 0, (0.5, 0.7), media="m2")])
    assert p.media_references("m2") == [f"1 {what}"]
    with pytest.raises(ModelError, match=f"still used by 1 {what}"):
        p.remove_media("m2")
    assert "m2" in p.media
    assert p.media_references("m1") == []
    p.remove_media("m1")  # the other take has nothing on it
    assert list(p.media) == ["m2"]
