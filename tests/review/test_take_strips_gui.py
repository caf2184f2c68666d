"""Each take keeps its own timeline lanes: two barcode videos in one project with events
on each; every pane's strip shows only its take's events, at the x of their onsets and
with that take's playhead; adding a take is undoable; coding in the main window on take 2
stores its events on "m2"."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack

from annotator.io.media_link import media_from_video
from annotator.media.barcode import write_barcode_video
from annotator.model import Event, EventKind, Face, Project
from annotator.ui.review.takes_window import TakesWindow


@pytest.fixture
def videos(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    write_barcode_video(a, 80, fps=Fraction(25), size=(160, 120), gop=25)
    write_barcode_video(b, 110, fps=Fraction(30000, 1001), size=(160, 120), gop=30)
    return a, b


def _project(a: Path, tmp_path: Path) -> Project:
    project = Project("takes")
    media, tb = media_from_video(a, tmp_path / "p.facet.json", "m1")
    project.add_media(media)
    project.set_timebase("m1", tb)  # type: ignore[arg-type]
    project.add_face(Face("A", "Ada"))
    project.add_face(Face("B", "Ben"))
    return project


def test_each_pane_strip_shows_its_own_takes_events(qtbot, videos, tmp_path: Path) -> None:
    a, b = videos
    project, stack = _project(a, tmp_path), QUndoStack()
    w = TakesWindow(project, stack, tmp_path / "p.facet.json")
    qtbot.addWidget(w)
    w.resize(1000, 600)
    w.show()
    qtbot.waitExposed(w)
    assert w.add_take(b) == "m2"
    assert stack.count() == 1 and list(w.panes) == ["m1", "m2"]
    e1 = project.add_event(Event(0, "A", EventKind.AU, 10, 20, media="m1", au=12))
    e2 = project.add_event(Event(0, "B", EventKind.AU, 60, 90, media="m2", au=4))
    e3 = project.add_event(
        Event(0, "A", EventKind.EMOTION, 30, 40, media="m2", emotion=project.vocabulary.emotions[0])
    )
    s1, s2 = w.panes["m1"].strip, w.panes["m2"].strip
    assert s1 is not None and s2 is not None
    xs1, xs2 = s1.event_xs(), s2.event_xs()
    assert set(xs1) == {e1.id} and set(xs2) == {e2.id, e3.id}
    assert xs1[e1.id] == pytest.approx(s1.view.x_of(10))
    assert xs2[e2.id] == pytest.approx(s2.view.x_of(60))
    assert s1.view.frame_count == 80 and s2.view.frame_count == 110  # own lengths
    assert s1.view.x_of(10) < xs2[e3.id] < xs2[e2.id]
    w._seek(25)  # no sync frames: take 2 shows its frame at 1.0 s
    assert s1.playhead == 25 and s2.playhead == w.clock.frames()[1].frame == 29
    s2.seek_requested.emit(60)  # a click on take 2's strip moves everything there
    assert w.clock.frames()[1].frame == 60
    assert w.panes["m2"].height() < 600 and s2.height() < 120  # compact
    # Removing a take with events is refused; undo of adding it needs it empty again.
    w.remove_take("m2")
    assert "m2" in project.media and "still used" in w.status.text()
    project.remove_event(e2.id)
    project.remove_event(e3.id)
    stack.undo()  # undo "Add take m2"
    assert list(project.media) == ["m1"] and list(w.panes) == ["m1"]
    stack.redo()
    assert list(w.panes) == ["m1", "m2"] and w.panes["m2"].strip is not None
    w.close()


def test_coding_on_take_two_stores_m2(qtbot, videos, tmp_path: Path) -> None:
    """The timeline and coding session follow a take switch (what the main window's
    ``media_switched`` drives, see tests/ui/test_current_media_gui.py): the lanes show
    only that take's events and new events are stored on it."""
    from annotator.ui.coding import CodingSession
    from annotator.ui.timeline.lanes import au_lane_key
    from annotator.ui.timeline.widget import TimelineWidget
    from annotator.workspace import Workspace

    a, b = videos
    project, stack = _project(a, tmp_path), QUndoStack()
    media, tb = media_from_video(b, tmp_path / "p.facet.json", "m2")
    project.add_media(media)
    project.set_timebase("m2", tb)  # type: ignore[arg-type]
    on_1 = project.add_event(Event(0, "A", EventKind.AU, 5, 9, media="m1", au=12))
    timeline = TimelineWidget(project, stack)
    qtbot.addWidget(timeline)
    workspace = Workspace(project)
    session = CodingSession(workspace, stack, timeline.selection)

    def code_take(media_id: str) -> None:  # the window's media_switched wiring, headless
        workspace.set_media(media_id)
        timeline.set_media(media_id)

    assert timeline.media_id == "m1"
    code_take("m2")
    assert timeline.media_id == "m2" and timeline.view.frame_count == 110
    timeline.canvas.ensure()
    key = au_lane_key("A", 12)
    assert key not in timeline.canvas.cache.indexes  # take 1's event is not on take 2
    timeline.selection.set_lane(key)
    session.set_frame(40)
    session.mark_onset()
    session.set_frame(50)
    session.mark_offset()
    (new_id,) = session.commit()
    assert project.events[new_id].media == "m2"
    timeline.canvas.ensure()
    lane = timeline.canvas.cache.lane(key)
    assert lane is not None
    drawn = timeline.canvas.create_on_lane(lane, 60, 70)  # the mouse path: same media
    assert drawn is not None and project.events[drawn].media == "m2"
    timeline.canvas.ensure()
    assert set(timeline.canvas.cache.indexes[key].ids) == {new_id, drawn}
    assert project.events[on_1.id].media == "m1"
    code_take("m1")
    timeline.canvas.ensure()
    assert set(timeline.canvas.cache.indexes[key].ids) == {on_1.id}
