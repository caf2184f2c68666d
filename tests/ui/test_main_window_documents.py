"""Documents in the main window: open, autosave, recover, relink, save, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from annotator.io.project_file import autosave_path, load_project
from annotator.model import Event, EventKind
from annotator.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.setProperty("quiet_errors", True)
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    w.ask_recover = lambda path: True
    qtbot.addWidget(w)
    yield w
    if w.controller is not None:
        w.controller.close()


def add_au(window: MainWindow, onset: int, offset: int) -> Event:
    return window.project.add_event(Event(0, "A", EventKind.AU, onset, offset, au=9, code="9"))


def test_open_demo_binds_project_and_real_timestamps(window, demo_copy):
    assert window.open_path(demo_copy)
    assert window.project_path == demo_copy
    assert len(window.project.faces) == 2
    assert window.project.has_real_timebase("m1")
    assert "demo.facet.json" in window.windowTitle() and "*" not in window.windowTitle()


def test_autosave_then_recover_after_crash(qtbot, window, demo_copy):
    window.open_path(demo_copy)
    saved_events = len(window.project.events)
    e = add_au(window, 30, 33)
    assert window.project.dirty and "*" in window.windowTitle()
    window.autosave(wait=True)
    assert autosave_path(demo_copy).exists()
    assert "Autosaved" in window.autosave_label.text()
    # the project file itself is untouched; a "crash" now loses nothing autosaved
    assert len(load_project(demo_copy).project.events) == saved_events

    other = MainWindow()
    qtbot.addWidget(other)
    other.setProperty("quiet_errors", True)
    asked = []
    other.ask_recover = lambda path: asked.append(path) or True
    assert other.open_path(demo_copy)
    assert asked == [demo_copy]
    assert other.project.events[e.id].onset_frame == 30
    other.controller.close()


def test_declining_recovery_opens_saved_version(qtbot, window, demo_copy):
    window.open_path(demo_copy)
    add_au(window, 30, 33)
    window.autosave(wait=True)
    window.ask_recover = lambda path: False
    window.project.saved_revision = window.project.revision  # nothing to ask about
    assert window.open_path(demo_copy)
    assert len(window.project.events) == len(load_project(demo_copy).project.events)


def test_save_writes_atomically_and_clears_autosave(window, demo_copy):
    window.open_path(demo_copy)
    e = add_au(window, 40, 44)
    window.autosave(wait=True)
    assert window.save()
    assert not window.project.dirty
    assert not autosave_path(demo_copy).exists()
    assert load_project(demo_copy).project.events[e.id].offset_frame == 44
    assert (demo_copy.parent / "demo.facet.json.bak").exists()


def test_save_as_reanchors_relative_media_path(window, demo_copy, tmp_path):
    window.open_path(demo_copy)
    target = tmp_path / "elsewhere" / "copy.facet.json"
    target.parent.mkdir()
    assert window.save_as(target)
    media = load_project(target).project.media["m1"]
    assert (target.parent / media.path).resolve() == (demo_copy.parent / "demo.mp4").resolve()


def test_moved_video_asks_to_relink(window, demo_copy, tmp_path):
    moved = tmp_path / "moved.mp4"
    (demo_copy.parent / "demo.mp4").rename(moved)
    problems = []
    window.ask_relink = lambda problem: problems.append(problem) or str(moved)
    assert window.open_path(demo_copy)
    assert [p.problem for p in problems] == ["missing"]
    assert Path(window.project.media["m1"].path).name == "moved.mp4"
    assert window.controller.frame_count == 250


def test_changed_video_is_never_used_silently(qtbot, window, demo_copy):
    video = demo_copy.parent / "demo.mp4"
    with open(video, "ab") as f:
        f.write(b"\0" * 16)  # same name, other content
    problems = []
    window.ask_relink = lambda problem: problems.append(problem.problem) or None
    window.open_path(demo_copy)
    # The picture comes first; the full sha256 is computed in the background, then asked.
    qtbot.waitUntil(lambda: problems == ["changed"], timeout=30_000)


def test_new_video_is_hashed_after_the_picture_and_stays_clean(qtbot, window, demo_copy):
    from annotator.io.media_link import file_sha256

    video = demo_copy.parent / "demo.mp4"
    other = demo_copy.parent / "fresh.mp4"
    other.write_bytes(video.read_bytes() + b"\0" * 8)  # a video no cache knows
    assert window.open_path(other)
    assert window.controller.frame_count > 0  # the picture is there, hash or not
    qtbot.waitUntil(lambda: window.project.media["m1"].sha256 != "", timeout=30_000)
    assert window.project.media["m1"].sha256 == file_sha256(other)
    assert not window.project.dirty  # filling in the hash is not an edit


def test_invalid_project_keeps_current_work(window, demo_copy, tmp_path):
    window.open_path(demo_copy)
    before = window.project
    bad = tmp_path / "bad.facet.json"
    bad.write_text('{"schema_version": 2}')
    assert not window.open_path(bad)
    assert window.project is before
    msg = window.statusBar().currentMessage()
    assert msg.startswith("bad.facet.json: /: ") and "\n" not in msg


def test_unsaved_changes_cancel_keeps_window(qtbot, window, demo_copy):
    window.open_path(demo_copy)
    add_au(window, 50, 52)
    window.ask_save_changes = lambda: QMessageBox.StandardButton.Cancel
    assert not window.open_path(demo_copy)
    assert window.project.dirty


def test_untitled_video_work_is_autosaved_and_offered_back(qtbot, window, demo_dir, tmp_path):
    video = tmp_path / "take.mp4"
    shutil.copy(demo_dir / "demo.mp4", video)
    assert window.new_from_video(video)
    assert window.project_path is None and not window.project.dirty
    e = add_au(window, 12, 14)
    window.autosave(wait=True)
    assert autosave_path(tmp_path / "take.facet.json").exists()

    other = MainWindow()
    qtbot.addWidget(other)
    other.setProperty("quiet_errors", True)
    other.ask_recover = lambda path: True
    assert other.new_from_video(video)
    assert other.project.events[e.id].onset_frame == 12
    assert other.project.dirty and other.project_path is None
    other.controller.close()


def test_video_with_existing_project_opens_the_project(window, demo_copy):
    video = demo_copy.with_name("demo.mp4")
    assert window.new_from_video(video)
    assert window.project_path == demo_copy


def test_saved_state_is_one_revision_comparison(window, demo_copy):
    """Saved = the revision last written. Undo moves the revision like any edit, so undoing
    back is still unsaved work (the undo stack's clean index is no second owner)."""
    from annotator.commands import AddEventCommand

    window.open_path(demo_copy)
    assert not window.project.dirty and not window.workspace.dirty
    window.undo_stack.push(
        AddEventCommand(window.project, Event(0, "A", EventKind.AU, 3, 6, au=9, code="9"))
    )
    assert window.workspace.dirty and "*" in window.windowTitle()
    window.undo_stack.undo()
    assert window.workspace.dirty and "*" in window.windowTitle()
    assert window.save()
    assert not window.workspace.dirty and "*" not in window.windowTitle()
    window.undo_stack.redo()
    assert window.workspace.dirty and window.project.dirty


def test_recovered_work_stays_unsaved_after_switching_projects(qtbot, window, demo_dir, tmp_path):
    from annotator.commands import AddEventCommand

    take1, take2 = tmp_path / "take1.mp4", tmp_path / "take2.mp4"
    shutil.copy(demo_dir / "demo.mp4", take1)
    shutil.copy(demo_dir / "demo.mp4", take2)
    crashed = MainWindow()  # a session that autosaved work on take2, then died
    qtbot.addWidget(crashed)
    crashed.new_from_video(take2)
    crashed.project.add_event(Event(0, "A", EventKind.AU, 3, 6, au=9, code="9"))
    crashed.autosave(wait=True)
    crashed.controller.close()

    window.new_from_video(take1)
    window.undo_stack.push(
        AddEventCommand(window.project, Event(0, "A", EventKind.AU, 7, 8, au=4, code="4"))
    )  # unsaved, discarded on switching
    window.ask_recover = lambda path: True
    assert window.new_from_video(take2)
    assert len(window.project.events) == 1
    assert window.project.dirty, "recovered work must not look saved"


def test_project_with_missing_video_does_not_show_the_previous_video(window, demo_copy, tmp_path):
    window.open_path(demo_copy)
    assert window.controller.frame_count == 250
    other = tmp_path / "other"
    shutil.copytree(demo_copy.parent, other)
    (other / "demo.mp4").unlink()
    window.ask_relink = lambda problem: None  # "Open without video"
    assert window.open_path(other / "demo.facet.json")
    assert window.controller.source is None
    assert len(window.project.events) == 16  # the events are there, without a picture
