"""Save and open of large projects on a worker (issue 18): the window keeps answering, and
what is saved, the title's unsaved mark, the changed-on-disk check and the lock stay right
when the user edits while the worker writes or reads.

The size limits are set to 0 so the demo project takes the background paths."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from docwindows import add_au, windows
from PySide6.QtWidgets import QMessageBox

from annotator.io.project_file import load_project, save_project
from annotator.model import Event, EventKind
from annotator.ui import document_save, documents
from annotator.workspace.lock import read_lock


@pytest.fixture
def make(qtbot, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(document_save, "BACKGROUND_SAVE_EVENTS", 0)
    monkeypatch.setattr(documents, "BACKGROUND_OPEN_BYTES", 0)
    yield from windows(qtbot)


def held_save(monkeypatch):  # type: ignore[no-untyped-def]
    """The worker's write waits for ``release`` (so the test edits while it runs)."""
    release, started = threading.Event(), threading.Event()
    real = document_save.save_project

    def slow(project, path):  # type: ignore[no-untyped-def]
        started.set()
        assert release.wait(30)
        return real(project, path)

    monkeypatch.setattr(document_save, "save_project", slow)
    return release, started


def test_an_edit_during_a_background_save_stays_unsaved(make, demo_copy: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    w = make()
    assert w.open_path(demo_copy)
    saved_one = add_au(w, 100)
    release, started = held_save(monkeypatch)
    saved: list[Path] = []
    w.documents.saved.connect(saved.append)
    assert w.save_in_background()
    assert started.wait(10) and w.documents._save_job.running
    late = add_au(w, 200, au=6)  # the GUI thread is free: edit while the worker writes
    release.set()
    assert w.documents.wait_save()
    assert saved == [demo_copy]
    on_disk = load_project(demo_copy).project
    assert saved_one.id in on_disk.events and late.id not in on_disk.events  # the snapshot
    assert w.workspace.dirty and "*" in w.windowTitle()  # the late edit is not saved
    assert w.workspace.saved_revision == w.project.revision - 1
    assert read_lock(demo_copy) is not None and w.documents._lock.still_ours()
    # the written version is the base: saving again does not see a change on disk
    w.ask_changed_on_disk = lambda path, conflicts: pytest.fail("asked about our own write")
    assert w.save_in_background() and w.documents.wait_save()
    assert not w.workspace.dirty and "*" not in w.windowTitle()
    assert late.id in load_project(demo_copy).project.events


def test_a_background_save_still_sees_another_writer(make, demo_copy: Path) -> None:  # type: ignore[no-untyped-def]
    w = make()
    assert w.open_path(demo_copy)
    add_au(w, 100)
    assert w.save_in_background() and w.documents.wait_save()
    other = load_project(demo_copy).project
    other.add_event(Event(0, "B", EventKind.NOTE, 5, 9, note="from the CLI"))
    save_project(other, demo_copy)
    written = demo_copy.read_bytes()
    add_au(w, 150)
    asked: list[list[str]] = []
    w.ask_changed_on_disk = lambda path, conflicts: asked.append(conflicts) or "cancel"
    assert not w.save_in_background()
    assert asked == [[]] and demo_copy.read_bytes() == written and w.workspace.dirty


def test_save_during_a_save_runs_once_more_after_it(make, demo_copy: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    w = make()
    assert w.open_path(demo_copy)
    add_au(w, 100)
    release, started = held_save(monkeypatch)
    assert w.save_in_background() and started.wait(10)
    late = add_au(w, 200)
    assert w.save_in_background()  # Ctrl+S again while writing
    release.set()
    assert w.documents.wait_save()  # the first, and the second it starts
    assert not w.workspace.dirty and late.id in load_project(demo_copy).project.events


def test_a_failed_background_save_keeps_the_work_unsaved(
    make, demo_copy: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from annotator.io.project_file import ProjectFileError

    w = make()
    assert w.open_path(demo_copy)
    add_au(w, 100)
    before = demo_copy.read_bytes()
    errors: list[str] = []
    w.ctx.show_error = errors.append  # type: ignore[method-assign]

    def refuse(project, path):  # type: ignore[no-untyped-def]
        raise ProjectFileError([f"{path}: cannot save (Permission denied)"])

    monkeypatch.setattr(document_save, "save_project", refuse)
    assert w.save_in_background() and w.documents.wait_save()
    assert errors == [f"{demo_copy}: cannot save (Permission denied)"]
    assert w.workspace.dirty and demo_copy.read_bytes() == before


def test_background_open_binds_the_same_project_when_read(make, demo_copy: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make()
    expected = load_project(demo_copy).project
    assert w.open_project(demo_copy, background=True)
    assert w.project_path is None  # not bound yet: the worker reads it
    qtbot.waitUntil(lambda: w.project_path == demo_copy, timeout=30000)
    assert w.project_path == demo_copy and not w.workspace.dirty
    assert set(w.project.events) == set(expected.events)
    assert all(w.project.events[i] == e for i, e in expected.events.items())
    assert read_lock(demo_copy) is not None


def test_an_edit_during_a_background_open_is_asked_about(
    make, demo_copy: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    w = make()
    other = tmp_path / "other.facet.json"
    other.write_bytes(demo_copy.read_bytes().replace(b'"title": "', b'"title": "other ', 1))
    assert w.open_path(demo_copy)
    assert w.open_project(other, background=True)
    mine = add_au(w, 100)  # edited while the other file is read
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Cancel
    w.documents.wait_open()
    assert w.project_path == demo_copy and mine.id in w.project.events  # nothing lost
    assert read_lock(other) is None  # the lock taken for the other file was let go


def test_a_bad_file_opened_in_the_background_is_one_line_and_keeps_the_project(
    make, demo_copy: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    w = make()
    assert w.open_path(demo_copy)
    bad = tmp_path / "bad.facet.json"
    bad.write_bytes(demo_copy.read_bytes().replace(b'"onset_frame":', b'"onset_frame":-', 1))
    errors: list[str] = []
    w.ctx.show_error = errors.append  # type: ignore[method-assign]
    assert w.open_project(bad, background=True)
    w.documents.wait_open()
    assert len(errors) == 1 and errors[0].startswith("bad.facet.json: ") and "\n" not in errors[0]
    assert w.project_path == demo_copy and read_lock(bad) is None


def test_background_open_builds_the_timeline_off_the_gui_thread(
    make, demo_copy: Path, qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from annotator.ui.timeline import cache as timeline_cache

    built: list[str] = []
    real = timeline_cache.TimelineCache.__init__

    def record(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(threading.current_thread().name)
        real(self, *args, **kwargs)

    monkeypatch.setattr(timeline_cache.TimelineCache, "__init__", record)
    w = make()
    built.clear()  # the empty project's, made with the window
    assert w.open_project(demo_copy, background=True)
    qtbot.waitUntil(lambda: w.project_path == demo_copy, timeout=30000)
    qtbot.waitUntil(lambda: w.current_media_id is not None, timeout=30000)
    cache = w.coding.timeline.canvas.cache
    assert cache.project is w.project
    assert built[0] == "facet-open" and threading.main_thread().name not in built
    before = cache.event_count("A")
    add_au(w, 100)  # the prebuilt cache follows edits like one built here
    assert cache.event_count("A") == before + 1


@pytest.fixture
def opened_on(monkeypatch):  # type: ignore[no-untyped-def]
    """The thread name of every FrameSource opened (and the sources, to check closes)."""
    from annotator.media import FrameSource

    names: list[str] = []
    sources: list[FrameSource] = []
    real = FrameSource.__init__

    def record(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        names.append(threading.current_thread().name)
        sources.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(FrameSource, "__init__", record)
    return names, sources


def test_a_background_open_opens_the_video_on_the_worker_once(
    make, demo_copy: Path, qtbot, opened_on
) -> None:  # type: ignore[no-untyped-def]
    names, sources = opened_on
    w = make()
    assert w.open_project(demo_copy, background=True)
    qtbot.waitUntil(lambda: w.controller.source is not None, timeout=30000)
    # the container open and the frame-0 decode ran off the GUI thread, and only there
    assert names == ["facet-open"]
    assert w.controller.source is sources[0]
    assert w.player_widget.shown_frame == 0 and w.player_widget.frame_view.image() is not None
    assert w.current_media_id == "m1" and w.project_path == demo_copy
    assert not w.statusBar().currentMessage().startswith("Opening")  # not left saying so
    from annotator.playback import preopen

    assert preopen._pending is None  # taken by the player, nothing left over


def test_a_video_opened_for_a_project_not_bound_is_closed(
    make, demo_copy: Path, tmp_path: Path, opened_on
) -> None:  # type: ignore[no-untyped-def]
    names, sources = opened_on
    w = make()
    other = tmp_path / "other.facet.json"
    other.write_bytes(demo_copy.read_bytes())
    (tmp_path / "demo.mp4").symlink_to(demo_copy.with_name("demo.mp4"))
    assert w.open_path(demo_copy)
    shown = w.controller.source
    assert w.open_project(other, background=True)
    mine = add_au(w, 100)  # edited meanwhile; the user keeps the edit
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Cancel
    w.documents.wait_open()
    assert w.project_path == demo_copy and mine.id in w.project.events
    assert names[-1] == "facet-open" and len(sources) == 2
    assert sources[-1]._closed and w.controller.source is shown and not shown._closed
    from annotator.playback import preopen

    assert preopen._pending is None


def test_the_open_dialog_opens_a_video_on_the_worker(
    make, demo_copy: Path, tmp_path: Path, qtbot, opened_on
) -> None:  # type: ignore[no-untyped-def]
    names, sources = opened_on
    video = tmp_path / "take.mp4"  # no project next to it: a new project on the video
    video.symlink_to(demo_copy.with_name("demo.mp4"))
    w = make()
    assert w.open_path(video, background=True)
    assert w.documents._open_job.running or names == ["facet-open"]
    qtbot.waitUntil(lambda: w.controller.source is not None, timeout=30000)
    assert names == ["facet-open"] and w.controller.source is sources[0]
    assert w.project.primary_media is not None and w.workspace.path is None  # untitled
    assert w.player_widget.shown_frame == 0
    assert not w.statusBar().currentMessage().startswith("Opening")


@pytest.fixture(autouse=True)
def _no_hold_left():  # type: ignore[no-untyped-def]
    """No test leaves view builds held for the next one."""
    from annotator.ui import background

    yield
    background.release_builds()


@pytest.mark.index_in_background
def test_a_large_projects_view_builds_wait_for_its_video_index(
    qtbot, demo_copy: Path, tmp_path: Path, monkeypatch, hold_index
) -> None:  # type: ignore[no-untyped-def]
    """While the video of a large project opens (picture, index on its worker) no view
    build competes for the GIL; they start when the index is done."""
    from docwindows import shown_window
    from PySide6.QtWidgets import QDockWidget

    from annotator.ui import background

    monkeypatch.setenv("FACET_CACHE_DIR", str(tmp_path / "cache"))  # no index cached
    monkeypatch.setattr(documents, "BACKGROUND_OPEN_BYTES", 0)
    monkeypatch.setattr(background, "SYNC_EVENTS", 0)  # the demo counts as large
    monkeypatch.setattr(documents, "HOLD_BUILDS_S", 60.0)
    w = shown_window(qtbot)
    dock = w.findChild(QDockWidget, "StatisticsDock")
    dock.show()
    refresher = w.analysis.stats.refresher
    assert w.open_project(demo_copy, background=True)
    qtbot.waitUntil(lambda: w.controller.source is not None, timeout=30000)
    runs = refresher.runs
    qtbot.wait(600)  # the index is held: no build starts
    assert refresher.runs == runs and refresher.stale and background.builds_held()
    hold_index.set()
    qtbot.waitUntil(lambda: refresher.runs > runs, timeout=30000)
    assert not background.builds_held()
    qtbot.waitUntil(lambda: w.analysis.stats.follower.live is not None, timeout=30000)


@pytest.mark.index_in_background
def test_held_view_builds_start_after_the_hold_at_the_latest(
    qtbot, demo_copy: Path, tmp_path: Path, monkeypatch, hold_index
) -> None:  # type: ignore[no-untyped-def]
    from docwindows import shown_window
    from PySide6.QtWidgets import QDockWidget

    from annotator.ui import background

    monkeypatch.setenv("FACET_CACHE_DIR", str(tmp_path / "cache"))  # no index cached
    monkeypatch.setattr(documents, "BACKGROUND_OPEN_BYTES", 0)
    monkeypatch.setattr(background, "SYNC_EVENTS", 0)
    monkeypatch.setattr(documents, "HOLD_BUILDS_S", 0.3)
    w = shown_window(qtbot)
    w.findChild(QDockWidget, "StatisticsDock").show()
    follower = w.analysis.stats.follower
    assert w.open_project(demo_copy, background=True)
    qtbot.waitUntil(lambda: w.controller.source is not None, timeout=30000)
    qtbot.waitUntil(lambda: follower.live is not None, timeout=30000)
    assert follower.project is w.project and not w.controller.index_complete  # still held


def test_the_pacer_beats_while_a_job_works_and_stops_after(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The GUI side of annotator.pacing: a timer beats while a worker is working (so the
    worker's pace() sees long GUI turns) and stops when none is (no timer while idle)."""
    from PySide6.QtWidgets import QWidget

    from annotator import pacing
    from annotator.ui.background_job import BackgroundJob, Pacer

    host = QWidget()
    qtbot.addWidget(host)
    job = BackgroundJob(host, "test")
    release = threading.Event()
    beats: list[float] = []

    def work() -> str:
        while not release.is_set():
            beats.append(pacing._last[0])
            time.sleep(0.01)
        return "done"

    results: list[object] = []
    assert job.start(work, lambda r, e: results.append(r))
    qtbot.waitUntil(lambda: len(beats) > 10, timeout=10000)
    qtbot.wait(100)
    assert Pacer._instance is not None and Pacer._instance.active
    assert pacing.busy() and time.monotonic() - pacing._last[0] < 0.1  # beating now
    release.set()
    qtbot.waitUntil(lambda: results == ["done"], timeout=10000)
    qtbot.waitUntil(lambda: not Pacer._instance.active, timeout=10000)
    assert pacing._last[0] == 0.0  # stopped: pace() never waits


def test_a_small_projects_views_build_in_turns_after_a_background_open(
    qtbot, demo_copy: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Bound from the background, a small project's view builds (each a few to 30 ms)
    run one per event-loop turn after the binding, not all inside it."""
    from docwindows import shown_window
    from PySide6.QtWidgets import QDockWidget

    w = shown_window(qtbot)
    w.findChild(QDockWidget, "StatisticsDock").show()
    refresher = w.analysis.stats.refresher
    follower = w.analysis.stats.follower
    real = documents.DocumentController._set_loaded
    at_bind: list[tuple[int, bool]] = []

    def bind(self, loaded, **kw):  # type: ignore[no-untyped-def]
        before = refresher.runs
        real(self, loaded, **kw)
        at_bind.append((refresher.runs - before, refresher.stale))

    monkeypatch.setattr(documents.DocumentController, "_set_loaded", bind)
    assert w.open_project(demo_copy, background=True)
    qtbot.waitUntil(lambda: bool(at_bind), timeout=30000)
    assert at_bind == [(0, True)]  # nothing built inside the binding's turn
    qtbot.waitUntil(lambda: follower.project is w.project and not refresher.stale, timeout=30000)
    assert refresher.runs >= 1 and follower.live is not None
    assert follower.live.project is w.project
