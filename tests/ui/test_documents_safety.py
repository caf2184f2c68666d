"""Editing never loses work: locks, a file changed on disk, recovery, failed Save As and
autosave off the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from docwindows import add_au, windows
from PySide6.QtWidgets import QMessageBox

from annotator.io import project_file
from annotator.io.project_file import autosave_path, load_project, save_project
from annotator.model import Event, EventKind
from annotator.ui import document_save as documents  # the save flow lives there
from annotator.workspace.lock import lock_path, read_lock


@pytest.fixture
def make(qtbot):
    yield from windows(qtbot)


def test_open_takes_a_lock_and_close_releases_it(make, demo_copy: Path) -> None:
    w = make()
    assert w.open_path(demo_copy)
    held = read_lock(demo_copy)
    assert held is not None and held.pid > 0
    w.close()
    assert not lock_path(demo_copy).exists()


def test_second_window_is_offered_read_only_and_read_only_refuses_saves(
    make, demo_copy: Path
) -> None:
    first = make()
    assert first.open_path(demo_copy)
    second = make()
    asked = []
    second.ask_locked = lambda path, holder: asked.append(holder) or "read-only"
    assert second.open_path(demo_copy)
    assert len(asked) == 1 and asked[0].pid == read_lock(demo_copy).pid
    assert second.workspace.read_only and "read-only" in second.windowTitle()
    before = demo_copy.read_bytes()
    add_au(second, 100)
    assert not second.save()
    assert demo_copy.read_bytes() == before  # really refused
    second.close()
    assert read_lock(demo_copy) is not None  # the read-only window never held the lock


def test_cancel_on_a_locked_project_keeps_the_window_as_it_was(make, demo_copy) -> None:
    first = make()
    assert first.open_path(demo_copy)
    second = make()
    second.ask_locked = lambda path, holder: "cancel"
    assert not second.open_path(demo_copy)
    assert second.project_path is None


def test_save_after_the_file_changed_on_disk_merges_both(make, demo_copy: Path) -> None:
    w = make()
    assert w.open_path(demo_copy)
    n = len(w.project.events)
    # another writer (the command line) adds an event to the file
    other = load_project(demo_copy).project
    theirs = other.add_event(Event(0, "B", EventKind.NOTE, 5, 9, note="from the CLI"))
    save_project(other, demo_copy)
    mine = add_au(w, 120, au=6)
    asked = []
    w.ask_changed_on_disk = lambda path, conflicts: asked.append(conflicts) or "merge"
    assert w.save()
    assert asked == [[]]
    on_disk = load_project(demo_copy).project
    notes = [e for e in on_disk.events.values() if e.note == "from the CLI"]
    sixes = [e for e in on_disk.events.values() if e.au == 6 and e.onset_frame == 120]
    assert len(on_disk.events) == n + 2 and len(notes) == 1 and len(sixes) == 1
    assert notes[0].id == theirs.id and mine.id != 0
    assert not w.workspace.dirty and len(w.project.events) == n + 2


def test_merge_on_save_is_one_undo_step_and_keeps_the_history(make, demo_copy: Path) -> None:
    """The merge changes the open project in place (one command on top of our own edits),
    so the title, the revision and undo stay right: after the save the title is clean;
    undoing the merge takes the file's event out again and is unsaved; the edit made
    before the merge can still be undone."""
    w = make()
    assert w.open_path(demo_copy)
    project = w.project
    other = load_project(demo_copy).project
    other.add_event(Event(0, "B", EventKind.NOTE, 5, 9, note="from the CLI"))
    save_project(other, demo_copy)
    w.controller.seek(40)
    w.coding.timeline.select_event(next(iter(project.events)))
    mine = w.coding.session  # code one AU through the real workflow: an undo command
    w.coding.on_au_chosen(6)
    w.controller.seek(120)
    mine.mark_onset()
    w.controller.seek(126)
    mine.mark_offset()
    ids = mine.commit()
    assert ids and w.undo_stack.count() >= 1
    assert w.workspace.selection.ids == {ids[0]}  # the new event is selected
    steps = w.undo_stack.count()
    w.ask_changed_on_disk = lambda path, conflicts: "merge"
    assert w.save()
    assert w.project is project  # merged in place: views, selection and take kept
    assert w.undo_stack.count() == steps + 1
    assert w.undo_stack.undoText().startswith("Merge")
    assert not w.workspace.dirty and "*" not in w.windowTitle()

    def held(p) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
        evs = p.events.values()
        return (
            any(e.au == 6 and e.onset_frame == 120 for e in evs),  # ours
            any(e.note == "from the CLI" for e in evs),  # the file's
        )

    assert held(project) == (True, True)
    # ours was renumbered past the file's event: the selection does not follow the old id
    # onto the file's event
    assert all(project.events[i].note != "from the CLI" for i in w.workspace.selection.ids)
    w.undo_stack.undo()  # the merge: the file's note goes, our AU stays (with its own id:
    assert held(project) == (True, False)  # the merge had renumbered it past the file's)
    assert ids[0] in project.events
    assert w.workspace.dirty and "*" in w.windowTitle()
    w.undo_stack.redo()
    assert held(project) == (True, True)
    w.undo_stack.undo()
    w.undo_stack.undo()  # our own edit, from before the merge, still undoes
    assert held(project) == (False, False)
    w.undo_stack.redo()
    w.undo_stack.redo()
    assert held(project) == (True, True)
    assert w.save()  # the file holds what we built on: no question, no second merge
    assert held(load_project(demo_copy).project) == (True, True)
    assert len(load_project(demo_copy).project.events) == len(project.events)
    assert not w.workspace.dirty and "*" not in w.windowTitle()


def test_cancel_on_changed_on_disk_never_overwrites(make, demo_copy: Path) -> None:
    w = make()
    assert w.open_path(demo_copy)
    other = load_project(demo_copy).project
    other.add_event(Event(0, "B", EventKind.NOTE, 5, 9, note="theirs"))
    save_project(other, demo_copy)
    written = demo_copy.read_bytes()
    add_au(w, 120)
    w.ask_changed_on_disk = lambda path, conflicts: "cancel"
    assert not w.save()
    assert demo_copy.read_bytes() == written and w.workspace.dirty


def test_recovered_work_is_unsaved_and_a_declined_autosave_is_kept_aside(
    make, demo_copy: Path
) -> None:
    crashed = make()
    assert crashed.open_path(demo_copy)
    add_au(crashed, 77)
    crashed.autosave(wait=True)
    assert autosave_path(demo_copy).exists()
    crashed.documents._switch_lock(None)  # as if killed: the sidecar stays

    w = make()
    w.ask_recover = lambda path: True
    assert w.open_path(demo_copy)
    assert w.workspace.dirty and "*" in w.windowTitle()
    asked = []
    w.ask_save_changes = lambda: asked.append(1) or QMessageBox.StandardButton.Cancel
    w.close()
    assert asked == [1]  # closing asked
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard

    other = make()
    other.ask_recover = lambda path: False
    assert other.open_path(demo_copy)
    assert not autosave_path(demo_copy).exists()
    aside = list(demo_copy.parent.glob(".demo.facet.declined-*.json"))
    assert len(aside) == 1  # renamed, not deleted
    assert any(e.onset_frame == 77 for e in load_project(aside[0]).project.events.values())


def test_a_failed_save_as_keeps_the_old_path_and_autosave(
    make, demo_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    w = make()
    assert w.open_path(demo_copy)
    add_au(w, 50)

    def refuse(project, path):  # a read-only folder
        raise project_file.ProjectFileError([f"{path}: cannot save (Permission denied)"])

    monkeypatch.setattr(documents, "save_project", refuse)
    assert not w.save_as(tmp_path / "ro" / "x.facet.json")
    assert w.project_path == demo_copy and w.workspace.dirty
    assert w.project.primary_media.path == "demo.mp4"  # media paths put back
    w.autosave(wait=True)
    assert autosave_path(demo_copy).exists()


def test_autosave_runs_off_the_gui_thread_one_at_a_time(make, demo_copy: Path, monkeypatch) -> None:
    w = make()
    assert w.open_path(demo_copy)
    add_au(w, 60)
    release = threading.Event()
    calls: list[str] = []

    def slow_write(project, path):
        calls.append(threading.current_thread().name)
        release.wait(20)
        return real(project, path)

    real = documents.write_autosave
    monkeypatch.setattr(documents, "write_autosave", slow_write)
    w.autosave()  # returns while the writer waits
    assert not autosave_path(demo_copy).exists()
    add_au(w, 70)  # the user keeps editing meanwhile
    w.autosave()  # one in flight: no second writer
    release.set()
    assert w.documents.wait_autosave()
    assert calls == ["facet-autosave"]
    events = load_project(autosave_path(demo_copy)).project.events.values()
    assert any(e.onset_frame == 60 for e in events)
    assert not any(e.onset_frame == 70 for e in events)  # the snapshot, not the live model


def test_quit_during_detect_cuts_cancels_and_joins_the_worker(
    make, demo_copy: Path, caplog
) -> None:
    from PySide6.QtWidgets import QApplication

    w = make()
    assert w.open_path(demo_copy)
    assert w.analysis.start_cuts()
    worker = w.analysis.worker
    assert worker is not None and worker.isRunning()
    assert w.close()
    assert not worker.isRunning() and w.analysis.worker is None  # joined, owned no more
    assert w.controller.source is None  # the player (VLC, decoder) released
    for _ in range(3):
        QApplication.processEvents()
    assert not any("already deleted" in r.getMessage() for r in caplog.records)
    assert not lock_path(demo_copy).exists()


def test_after_a_take_over_the_first_window_no_longer_saves(make, demo_copy: Path) -> None:
    first = make()
    assert first.open_path(demo_copy)
    second = make()
    second.ask_locked = lambda path, holder: "take-over"
    assert second.open_path(demo_copy) and not second.workspace.read_only
    add_au(first, 90)
    before = demo_copy.read_bytes()
    assert not first.save()
    assert demo_copy.read_bytes() == before and first.workspace.dirty
    add_au(second, 95)
    assert second.save()


def test_the_workspace_owns_the_loop_the_player_plays(make, demo_copy: Path) -> None:
    w = make()
    assert w.open_path(demo_copy)
    w.controller.seek(5)
    w.controller.set_loop_a()  # the [ key
    assert w.workspace.loop == (5, None)
    w.workspace.set_loop(10, 20)  # any view setting it on the workspace
    assert w.controller.loop == (10, 20)
    w.workspace.set_loop(None, None)
    assert w.controller.loop == (None, None)
    # one copy: the controller holds no loop of its own, it reads and re-announces the
    # workspace's (the transport label and the ruler follow the workspace)
    assert w.controller.workspace is w.workspace
    assert [n for n in vars(w.controller) if "loop" in n and n != "loop_changed"] == []
    heard: list[tuple[object, object]] = []
    w.controller.loop_changed.connect(lambda a, b: heard.append((a, b)))
    w.workspace.set_loop(30, 40)
    assert heard == [(30, 40)]
    assert w.player_widget.transport.loop_label.text() == "A 30 B 40"
    assert w.coding.timeline.canvas.loop == (30, 40)
    w.controller.set_loop_b(12)  # ] before A: the ends are put in order, in the workspace
    assert w.workspace.loop == (12, 30)
    # a new project clears the loop and says so (no label left from the previous one)
    w.project.saved_revision = w.project.revision
    w.workspace.set_project(load_project(demo_copy).project, demo_copy)
    assert w.workspace.loop == (None, None) and heard[-1] == (None, None)
    assert w.player_widget.transport.loop_label.text() == ""
