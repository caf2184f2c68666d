"""The workspace owns the open project, its file, the take, selection, pending mark, loop,
compared file and saved state; every change is announced."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from annotator.model import Event, EventKind, Media, Project
from annotator.workspace import PendingMark, Workspace


def _project() -> Project:
    p = Project()
    p.add_media(Media("m1", "a.mp4", frame_count=100, fps=Fraction(25)))
    p.add_media(Media("m2", "b.mp4", frame_count=100, fps=Fraction(25)))
    p.add_face(name="A")
    return p


def test_saved_is_the_revision_last_written() -> None:
    ws = Workspace()
    heard: list[bool] = []
    ws.events.saved_changed.connect(heard.append)
    p = _project()
    ws.set_project(p, Path("x.facet.json"))
    assert not ws.dirty and heard[-1] is False
    p.add_event(Event(0, "A", EventKind.AU, 1, 4, au=12, media="m1"))
    assert ws.dirty and heard[-1] is True and p.dirty
    ws.mark_saved()
    assert not ws.dirty and not p.dirty
    rev = ws.revision
    p.remove_event(next(iter(p.events)))  # undo-like change back: still a change
    assert ws.dirty and ws.saved_revision == rev


def test_recovered_work_is_unsaved_until_saved() -> None:
    ws = Workspace()
    ws.set_project(_project(), Path("x.facet.json"), saved=False)
    assert ws.dirty and ws.saved_revision is None
    ws.mark_saved()
    assert not ws.dirty


def test_take_switch_drops_the_pending_mark_and_loop() -> None:
    ws = Workspace(_project())
    seen: list[object] = []
    ws.events.pending_changed.connect(seen.append)
    ws.events.media_switched.connect(seen.append)
    ws.set_media("m1")
    ws.set_pending(PendingMark(onset=3))
    ws.set_loop(2, 9)
    ws.set_media("m2")
    assert ws.pending is None and ws.loop == (None, None) and ws.media_id == "m2"
    assert seen == ["m1", PendingMark(onset=3), None, "m2"]


def test_new_project_resets_selection_and_announces() -> None:
    ws = Workspace(_project())
    ws.selection.set({1, 2})
    ws.selection.set_lane(("A", "au:12"))
    got: list[object] = []
    ws.events.project_replaced.connect(got.append)
    ws.events.selection_changed.connect(got.append)
    p2 = _project()
    ws.set_project(p2, None, suggested=Path("y.facet.json"))
    assert got == [frozenset(), p2]
    assert ws.selection.ids == frozenset() and ws.selection.lane is None
    assert ws.path is None and ws.file == Path("y.facet.json")


def test_compared_file_and_read_only_are_announced() -> None:
    ws = Workspace(_project())
    got: list[object] = []
    ws.events.compared_changed.connect(got.append)
    ws.events.read_only_changed.connect(got.append)
    ws.set_compared(Path("other.facet.json"))
    ws.set_read_only(True)
    assert got == [Path("other.facet.json"), True] and ws.read_only
