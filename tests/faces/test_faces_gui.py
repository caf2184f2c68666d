"""Faces in the GUI: curve lanes, threshold drag, candidates, box tool, tracking worker."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from annotator.io.openface import plan_openface_import
from annotator.ui.faces.canvas import Mode, box_from_drag
from annotator.ui.timeline.curves import CurveStore
from annotator.ui.timeline.lanes import LaneKind

from .conftest import needs_models

pytestmark = needs_models


@pytest.fixture
def tracked_copy(tracked_single: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "gui"
    shutil.copytree(tracked_single.parent, folder)
    return folder / tracked_single.name


def test_box_from_drag_draws_moves_and_resizes_inside_the_picture() -> None:
    box = (10.0, 10.0, 20.0, 30.0)
    assert box_from_drag(Mode.DRAW, (50, 60), (20, 10), box, (0, 0), None) == (20, 10, 30, 50)
    assert box_from_drag(Mode.MOVE, (15, 15), (25, 20), box, (0, 0), None) == (20, 15, 20, 30)
    assert box_from_drag(Mode.MOVE, (15, 15), (-100, 15), box, (0, 0), (640, 360))[0] == 0
    assert box_from_drag(Mode.RESIZE, (30, 40), (50, 60), box, (10, 10), None) == (10, 10, 40, 50)
    assert box_from_drag(Mode.DRAW, (600, 300), (700, 400), box, (0, 0), (640, 360)) == (
        600,
        300,
        40,
        60,
    )


def test_curve_store_candidates_from_threshold(tracked_copy: Path) -> None:
    from annotator.io.project_file import load_project

    p = load_project(tracked_copy).project
    store = CurveStore()
    assert store.load(p, tracked_copy, "m1") == []
    assert ("A", "mouth_open") in store.shown and ("A", "head_yaw") not in store.shown
    store.set_threshold("A", "mouth_open", 0.1)
    runs = store.runs_above("A", "mouth_open")
    assert len(runs) == 1 and runs[0][0] <= 22 and runs[0][2] >= 60  # the open-mouthed smile
    cands = store.candidates([("A", "mouth_open")])
    assert [c.label for c in cands] == ["mouth_open"] and cands[0].au is None
    store.set_shown("A", "mouth_open", False)
    assert "mouth_open" not in store.shown_names("A")


def test_imported_openface_curves_are_lanes(tmp_path: Path, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from samples_dir import sample

    from annotator.io.importing import apply_plan
    from annotator.io.media_link import media_from_video
    from annotator.io.project_file import save_project
    from annotator.model import Project

    video = sample("third_party/ACT409_clip1.mp4")
    csv_path = sample("third_party/openface_multi_ACT409_clip1.csv")
    path = tmp_path / "act.facet.json"
    p = Project("act")
    p.add_media(media_from_video(video, path, "m1")[0])
    p.add_face(name="Face A")
    apply_plan(p, plan_openface_import(p, csv_path))
    save_project(p, path)
    w = make_window(path)
    lanes = [ln for ln in w.coding.timeline.canvas.cache.lanes if ln.kind is LaneKind.CURVE]
    names = {(ln.face, ln.label) for ln in lanes}
    assert ("A", "AU12_r") in names and ("B", "AU45_r") in names
    assert not any(n.endswith("_c") for _f, n in names)
    # drawn: the curve lane's pixels are not all background
    w.coding.timeline.canvas.view.scroll_y_px = 0
    img = w.coding.timeline.canvas.grab().toImage()
    assert img.width() > 0


def test_threshold_drag_and_candidates_from_threshold(
    tracked_copy: Path,
    make_window,  # type: ignore[no-untyped-def]
    qtbot,
) -> None:
    w = make_window(tracked_copy, size=(1400, 1000))
    tl = w.coding.timeline
    canvas = tl.canvas
    canvas.ensure()
    lane = next(ln for ln in canvas.cache.lanes if ln.label == "mouth_open")
    canvas.view.scroll_y_px = max(0, lane.top_px - 40)
    canvas.update()
    y = canvas.view.y_of_lane(lane) + lane.height_px // 2
    x = canvas.view.x_of(30)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y)))
    qtbot.mouseMove(canvas, QPoint(int(x), int(y) + 8))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y) + 8))
    store = w.faces_ui.store
    c = store.curves[("A", "mouth_open")]
    thr = store.thresholds[("A", "mouth_open")]
    assert c.lo < thr < c.lo + 0.5 * (c.hi - c.lo)  # a bit under the middle of the lane
    assert tl.selection.lane == ("A", "curve:mouth_open")
    n = w.faces_ui.candidates_from_threshold([])
    assert n >= 1
    assert w.analysis.candidates.candidates[0].label == "mouth_open"


def test_box_tool_keys_moves_and_deletes_hand_boxes(
    tracked_copy: Path,
    make_window,  # type: ignore[no-untyped-def]
    qtbot,
) -> None:
    w = make_window(tracked_copy, size=(1400, 1000))
    fu = w.faces_ui
    w.coding.faces.select_face("A")
    assert w.workspace.selection.face == "A"  # one owner: the box tool asks the workspace
    w.controller.seek(30)
    qtbot.waitUntil(lambda: w.controller.current_frame == 30)
    fu.box_action.setChecked(True)
    cv = fu.canvas
    assert cv.armed
    t = cv.transform()
    a = QPointF(*t.to_widget(20, 20))
    b = QPointF(*t.to_widget(120, 140))
    qtbot.mousePress(cv, Qt.MouseButton.LeftButton, pos=a.toPoint())
    qtbot.mouseMove(cv, b.toPoint())
    qtbot.mouseRelease(cv, Qt.MouseButton.LeftButton, pos=b.toPoint())
    face = w.project.faces["A"]
    hand = [bx for bx in face.boxes if bx.frame == 30 and bx.source == ""]
    assert len(hand) == 1
    assert np.allclose([hand[0].x, hand[0].y, hand[0].w, hand[0].h], [20, 20, 100, 120], atol=2)
    # drag inside moves it
    m0 = QPointF(*t.to_widget(60, 60))
    m1 = QPointF(*t.to_widget(90, 70))
    qtbot.mousePress(cv, Qt.MouseButton.LeftButton, pos=m0.toPoint())
    qtbot.mouseMove(cv, m1.toPoint())
    qtbot.mouseRelease(cv, Qt.MouseButton.LeftButton, pos=m1.toPoint())
    moved = next(bx for bx in w.project.faces["A"].boxes if bx.frame == 30)
    assert moved.x == pytest.approx(50, abs=2) and moved.w == pytest.approx(100, abs=2)
    qtbot.keyClick(cv, Qt.Key.Key_Delete)
    assert not any(bx.frame == 30 for bx in w.project.faces["A"].boxes)
    w.undo_stack.undo()
    assert any(bx.frame == 30 for bx in w.project.faces["A"].boxes)
    fu.box_action.setChecked(False)
    assert not cv.armed


def test_track_in_the_gui_is_one_undo_step(tmp_path: Path, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from samples_dir import sample

    from annotator.io.media_link import media_from_video
    from annotator.io.project_file import save_project
    from annotator.model import Project

    video = sample("video/pyfeat_single_face.mp4")
    path = tmp_path / "new.facet.json"
    p = Project("new")
    p.add_media(media_from_video(video, path, "m1")[0])
    p.add_face(name="Face A")
    save_project(p, path)
    w = make_window(path)
    fu = w.faces_ui
    before = w.undo_stack.count()
    with qtbot.waitSignal(w.undo_stack.indexChanged, timeout=180_000):
        assert fu.start_tracking()
    qtbot.waitUntil(lambda: not fu.worker.isRunning(), timeout=10_000)
    assert w.undo_stack.count() == before + 1
    assert w.project.media["m1"].landmarks == "new.m1.landmarks.npz"
    assert all(b.source == "track" for b in w.project.faces["A"].boxes)
    assert ("A", "mouth_open") in fu.store.curves
    w.undo_stack.undo()
    assert not w.project.faces["A"].boxes and not w.project.media["m1"].landmarks


def test_cancelled_gui_tracking_changes_nothing(tmp_path: Path, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from samples_dir import sample

    from annotator.io.media_link import media_from_video
    from annotator.io.project_file import save_project
    from annotator.model import Project

    video = sample("video/pyfeat_WolfgangLanger_Pexels.mp4")
    path = tmp_path / "c.facet.json"
    p = Project("c")
    p.add_media(media_from_video(video, path, "m1")[0])
    save_project(p, path)
    w = make_window(path)
    fu = w.faces_ui
    assert fu.start_tracking()
    from PySide6.QtWidgets import QPushButton

    qtbot.waitUntil(lambda: fu.progress is not None and fu.progress.value() > 0, timeout=60_000)
    with qtbot.waitSignal(fu.worker.cancelled, timeout=60_000):
        fu.progress.findChild(QPushButton).click()  # the dialog's Cancel button
    assert w.undo_stack.count() == 0
    # nothing but the project (and the open project's lock file)
    assert sorted(f.name for f in tmp_path.iterdir() if not f.name.endswith(".lock")) == [
        "c.facet.json"
    ]
