"""Adding and removing a take are undo steps that restore the project exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtGui import QUndoStack

from annotator.commands.review import AddMediaCommand, RemoveMediaCommand
from annotator.model import Event, EventKind, Face, Media, ModelError, Project, Timebase


def _project() -> Project:
    p = Project("t")
    p.add_media(Media("m1", "a.mp4", frame_count=100, fps=Fraction(25)))
    p.add_face(Face("A", "Ada"))
    return p


def test_add_take_undo_redo_keeps_timebase() -> None:
    p, stack = _project(), QUndoStack()
    take = Media("m2", "b.mp4", frame_count=60, fps=Fraction(30000, 1001))
    tb = Timebase.nominal(60, Fraction(30000, 1001))
    stack.push(AddMediaCommand(p, take, tb))
    assert list(p.media) == ["m1", "m2"] and p.has_real_timebase("m2")
    stack.undo()
    assert list(p.media) == ["m1"] and not p.has_real_timebase("m2")
    stack.redo()
    assert p.media["m2"] == take and p.timebase("m2") is tb
    with pytest.raises(ModelError):
        AddMediaCommand(p, take)


def test_remove_take_undo_puts_it_back_in_place() -> None:
    p, stack = _project(), QUndoStack()
    for mid in ("m2", "m3"):
        p.add_media(Media(mid, f"{mid}.mp4", frame_count=50, fps=Fraction(25)))
    tb = Timebase.nominal(50, Fraction(25))
    p.set_timebase("m2", tb)
    stack.push(RemoveMediaCommand(p, "m2"))
    assert list(p.media) == ["m1", "m3"]
    stack.undo()
    assert list(p.media) == ["m1", "m2", "m3"] and p.timebase("m2") is tb


def test_remove_refused_before_push() -> None:
    p = _project()
    p.add_media(Media("m2", "b.mp4", frame_count=50, fps=Fraction(25)))
    p.add_event(Event(0, "A", EventKind.AU, 1, 4, media="m2", au=6))
    with pytest.raises(ModelError, match="1 event"):
        RemoveMediaCommand(p, "m2")
    with pytest.raises(ModelError, match="no media"):
        RemoveMediaCommand(p, "m7")
