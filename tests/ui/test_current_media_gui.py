"""One current media in the main window: after ``open_media("m2")`` the player, timeline,
notes, face boxes, analysis and the per-frame export all work on take 2, and switching back
restores take 1 (two tiny barcode videos at different rates, one project)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from docwindows import shown_window
from PySide6.QtCore import Qt

from annotator.io.media_link import media_from_video
from annotator.io.project_file import save_project
from annotator.media.barcode import write_barcode_video
from annotator.model import Event, EventKind, Face, MarkerKind, Project
from annotator.ui.timeline.lanes import au_lane_key


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    a, b = tmp_path / "take1.mp4", tmp_path / "take2.mp4"
    write_barcode_video(a, 80, fps=Fraction(25), size=(160, 120), gop=25)
    write_barcode_video(b, 110, fps=Fraction(30000, 1001), size=(160, 120), gop=30)
    path = tmp_path / "takes.facet.json"
    project = Project("takes")
    for mid, video in (("m1", a), ("m2", b)):
        media, tb = media_from_video(video, path, mid)
        project.add_media(media)
        project.set_timebase(mid, tb)  # type: ignore[arg-type]
    project.add_face(Face("A", "Ada"))
    project.add_face(Face("B", "Ben"))
    project.add_event(Event(0, "A", EventKind.AU, 5, 9, media="m1", au=12))
    project.add_event(Event(0, "A", EventKind.AU, 60, 70, media="m2", au=12))
    save_project(project, path)
    return path


@pytest.fixture
def window(qtbot, project_file: Path):
    w = shown_window(qtbot)
    assert w.open_project(project_file)
    yield w
    w.analysis.cancel(wait=True)
    w.controller.close()


def _timeline_event_ids(window: Any) -> set[int]:
    canvas = window.coding.timeline.canvas
    canvas.ensure()
    index = canvas.cache.indexes.get(au_lane_key("A", 12))
    return set(index.ids) if index is not None else set()


def test_open_media_switches_every_component(qtbot, window, monkeypatch, tmp_path: Path) -> None:
    project, ctl = window.project, window.controller
    on_m1 = {e.id for e in project.events.values() if e.media == "m1"}
    on_m2 = {e.id for e in project.events.values() if e.media == "m2"}
    assert window.current_media_id == "m1" and ctl.frame_count == 80
    assert _timeline_event_ids(window) == on_m1
    assert "take m1" in window.windowTitle()

    with qtbot.waitSignal(window.media_switched) as switched:
        window.open_media("m2")
    assert switched.args == ["m2"]
    assert window.current_media_id == "m2" and ctl.frame_count == 110
    assert "take m2 (take2.mp4)" in window.windowTitle()
    assert "take m2" in window.statusBar().currentMessage()
    assert window.coding.timeline.view.frame_count == 110
    assert _timeline_event_ids(window) == on_m2  # only take 2's events

    # N: a note on take 2, drawn over take 2's picture only
    ctl.seek(30)
    qtbot.keyClick(window.player_widget, Qt.Key.Key_N)
    note = project.markers[max(project.markers)]
    assert (note.kind, note.media, note.start_frame) == (MarkerKind.NOTE, "m2", 30)
    assert len(window.review.canvas.notes()) == 1
    assert [m.id for m in window.review.notes()] == [note.id]

    # a face box keyed now is on take 2's frames, and drawn on take 2
    faces = window.coding.faces
    faces.select_face("A")
    faces.key_box()
    (box,) = project.faces["A"].boxes
    assert (box.media, box.frame) == ("m2", 30)
    assert len(window.player_widget.frame_view._overlays) == 1

    # analysis runs on take 2's file; its results are stored on take 2
    seen: list[Path] = []

    def fake_spot(video: Any, **_k: Any) -> list[Any]:
        seen.append(Path(video))
        return []

    def fake_cuts(video: Any, **_k: Any) -> tuple[None, list[Any]]:
        seen.append(Path(video))
        return None, [SimpleNamespace(frame=50, score=0.9)]

    monkeypatch.setattr("annotator.analysis.spotting.spot", fake_spot)
    monkeypatch.setattr("annotator.analysis.cuts.detect_cuts", fake_cuts)
    assert window.analysis.start_spotting()
    qtbot.waitUntil(lambda: len(seen) == 1 and not window.analysis.worker.isRunning())
    assert seen[0].name == "take2.mp4"
    assert window.analysis.start_cuts()
    qtbot.waitUntil(lambda: any(m.kind is MarkerKind.CUT for m in project.markers.values()))
    assert seen[1].name == "take2.mp4"
    (cut,) = [m for m in project.markers.values() if m.kind is MarkerKind.CUT]
    assert (cut.media, cut.start_frame) == ("m2", 50)
    breakdown = window.review.breakdown  # debounced: recomputed shortly after the edit
    qtbot.waitUntil(lambda: len(breakdown.summaries) == 2)  # take 2's shots, cut at 50
    assert breakdown.summaries[-1].shot.end_frame == 109
    from annotator.analysis.spotting import Candidate

    event_id = window.analysis._accept(Candidate("A", 10, 12, 14, 3.0))
    assert project.events[event_id].media == "m2"

    # the per-frame export is of take 2 (two faces x 110 frames)
    out = tmp_path / "t2.frames.csv"
    job = window.export_controller.export_to("frames-csv", out)
    qtbot.waitUntil(lambda: job.done, timeout=30000)  # decodes both takes: slow when loaded
    assert len(out.read_text().splitlines()) == 1 + 2 * 110
    assert "take m2" in window.statusBar().currentMessage()
    assert "first take m1 only" in window.export_controller.take_note("eaf")

    # back to take 1: its length, its events, no take-2 notes or boxes on its picture
    window.open_media("m1")
    assert ctl.frame_count == 80 and window.coding.timeline.view.frame_count == 80
    assert _timeline_event_ids(window) == on_m1
    ctl.seek(30)
    assert window.review.canvas.notes() == () and window.review.notes() == []
    assert window.player_widget.frame_view._overlays == ()
    assert "take m1" in window.windowTitle()


def test_last_open_take_is_remembered_per_project(window, project_file: Path) -> None:
    window.open_media("m2")
    assert window.open_project(project_file)  # reopen: the take last shown comes back
    assert window.current_media_id == "m2" and window.controller.frame_count == 110
    assert window.coding.timeline.media_id == "m2"
    assert window.review.media_id == "m2"
    window.open_media("m1")


def test_unknown_or_missing_take_keeps_the_current_one(window, project_file: Path) -> None:
    from annotator.model import ModelError
    from annotator.ui.review.open_take import code_take

    with pytest.raises(ModelError):
        code_take(window, "m9")
    (project_file.parent / "take2.mp4").unlink()
    with pytest.raises(ModelError, match="not found"):
        code_take(window, "m2")
    assert window.current_media_id == "m1" and window.controller.frame_count == 80
    assert window.coding.timeline.media_id == "m1"
