"""The takes window: two barcode videos at 25 and 29.97 fps in one project, aligned on
sync frames, stepped and looped; each pane's picture is read back by its barcode."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack

from annotator.io.media_link import media_from_video
from annotator.media.barcode import read_index, write_barcode_video
from annotator.model import Project
from annotator.ui.player.frame_view import qimage_to_ndarray
from annotator.ui.review.takes_window import TakesWindow


@pytest.fixture
def takes(qtbot, tmp_path: Path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    write_barcode_video(a, 80, fps=Fraction(25), size=(160, 120), gop=25)
    write_barcode_video(b, 110, fps=Fraction(30000, 1001), size=(160, 120), gop=30)
    project = Project("takes")
    media, tb = media_from_video(a, tmp_path / "p.facet.json", "m1")
    project.add_media(media)
    project.set_timebase("m1", tb)  # type: ignore[arg-type]
    stack = QUndoStack()
    w = TakesWindow(project, stack, tmp_path / "p.facet.json")
    qtbot.addWidget(w)
    w.resize(900, 500)
    w.show()
    qtbot.waitExposed(w)
    assert w.add_take(b) == "m2"
    yield w, project, stack
    w.close()


def _shown(w: TakesWindow) -> dict[str, int | None]:
    return {mid: read_index(qimage_to_ndarray(p.view.image())) for mid, p in w.panes.items()}


def _b_for(a_frame: int, sync_a: int, sync_b: int) -> int:
    t = Fraction(a_frame - sync_a, 25)
    return min(max(sync_b + math.floor(t * Fraction(30000, 1001)), 0), 109)


def test_sync_step_and_loop_in_the_window(qtbot, takes) -> None:
    w, project, stack = takes
    assert list(w.panes) == ["m1", "m2"]
    w.panes["m2"].sync.setValue(30)  # nudge take B's sync frame (an undo command)
    assert project.media["m2"].sync_frame == 30
    w.set_sync("m1", 10)
    assert w.clock.lead_frame == 0  # the lead stays where it was
    w._seek(10)
    assert _shown(w) == {"m1": 10, "m2": 30}
    for n in (1, 1, 5, -3, 20):
        w.buttons["forward" if n > 0 else "back"].click() if abs(n) == 1 else w.step(n)
        a = w.clock.lead_frame
        assert _shown(w) == {"m1": a, "m2": _b_for(a, 10, 30)}, a
    w._seek(40)
    w.buttons["loop_a"].click()
    w._seek(47)
    w.buttons["loop_b"].click()
    assert w.clock.loop == (40, 47)
    w.buttons["slower"].click()
    assert w.clock.rate == 0.5
    w.clock.playing = True
    for _ in range(100):  # 1.5 s of wall time at half speed: more than two loop passes
        w.advance(0.015)
        a, b = _shown(w).values()
        assert 40 <= a <= 47
        want_b = 30 + math.floor((w.clock.pos_s) * Fraction(30000, 1001) + 1e-6)
        assert b == want_b
    w.clock.playing = False
    stack.undo()
    stack.undo()
    assert project.media["m2"].sync_frame is None  # undo restored the first sync too


def test_sync_all_here_is_one_undo_step(qtbot, takes) -> None:
    w, project, stack = takes
    w._seek(20)
    shown = _shown(w)
    w.buttons["sync_here"].click()
    assert project.media["m1"].sync_frame == shown["m1"] == 20
    assert project.media["m2"].sync_frame == shown["m2"]
    assert _shown(w) == shown
    stack.undo()
    assert project.media["m1"].sync_frame is None and project.media["m2"].sync_frame is None


def test_each_pane_shows_its_own_takes_notes(qtbot, takes) -> None:
    from annotator.model import Marker, MarkerKind, Shape

    w, project, _stack = takes
    project.add_marker(
        Marker(
            0,
            MarkerKind.NOTE,
            3,
            3,
            "m2",
            text="take 2 blinks",
            drawing=(Shape("circle", ((10.0, 10.0), (40.0, 40.0))),),
        )
    )
    w._seek(3)  # no sync frames: both takes at their own frame 3 (0.12 s / 0.1001 s)
    assert [n.text for n in w.panes["m2"].notes.notes()] == ["take 2 blinks"]
    assert w.panes["m1"].notes.notes() == ()
