"""File > Export / Import in the GUI: worker thread, progress, cancel, one undo step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow

from annotator.io.project_file import load_project
from annotator.model.serialize import project_to_dict
from annotator.ui.context import standalone_context
from annotator.ui.export_menu import EXPORT_ITEMS, install_export_menu


class FakeWindow(QMainWindow):
    """A plain window with the explicit context the menus are built with (no player)."""

    def __init__(self, project, project_path) -> None:
        super().__init__()
        self.errors: list[str] = []
        self.ctx = standalone_context(project, path=project_path, host=self, errors=self.errors)
        self.undo_stack = self.ctx.undo_stack
        self.import_menu = self.ctx.menus.import_
        self.export_menu = self.ctx.menus.export
        self.selection = self.ctx.workspace.selection
        self.export_controller = None

    @property
    def project(self):
        return self.ctx.project


@pytest.fixture
def window(qtbot, demo_dir, tmp_path):
    for name in ("demo.mp4", "demo.facet.json"):
        shutil.copy(demo_dir / name, tmp_path / name)
    loaded = load_project(tmp_path / "demo.facet.json")
    w = FakeWindow(loaded.project, loaded.path)
    qtbot.addWidget(w)
    w.export_controller = install_export_menu(w.ctx)
    return w


def run(qtbot, job):
    """Wait for the worker, then for its queued signals to reach the GUI thread."""
    assert job.wait(30)
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    return job


def test_menus_list_every_format(window):
    exports = [a.text() for a in window.export_menu.actions()]
    imports = [a.text() for a in window.import_menu.actions()]
    assert len(exports) == len(EXPORT_ITEMS) == 11 and any("ELAN" in t for t in exports)
    assert any("TextGrid" in t for t in exports)
    assert any("signals" in t.replace("&", "") for t in exports)
    assert len(imports) == 11 and any("OpenFace" in t for t in imports)
    assert any("BORIS" in t for t in imports) and any("Datavyu" in t for t in imports)


@pytest.mark.parametrize("fmt,name", [("csv", "e.csv"), ("report", "r.html"), ("eaf", "x.eaf")])
def test_export_runs_in_background(window, qtbot, tmp_path, fmt, name):
    ctl = window.export_controller
    ctl.ask_save_path = lambda f, ff: tmp_path / name
    index = [f for f, *_ in EXPORT_ITEMS].index(fmt)
    window.export_menu.actions()[index].trigger()
    run(qtbot, ctl.job)
    assert (tmp_path / name).exists() and not window.errors
    assert window.statusBar().currentMessage().startswith("Exported")


def test_clips_of_selected_events(window, qtbot, tmp_path):

    ctl = window.export_controller
    ctl.ask_save_path = lambda f, ff: tmp_path / "sel"
    index = [o.get("selected", False) for *_, o in EXPORT_ITEMS].index(True)
    window.export_menu.actions()[index].trigger()
    assert window.errors == ["Select events on the timeline first"]
    window.selection.set({9, 10})
    window.export_menu.actions()[index].trigger()
    run(qtbot, ctl.job)
    assert sorted(p.name for p in (tmp_path / "sel").glob("*.mp4")) == [
        "event0009_A_AU4.mp4",
        "event0010_A_anger.mp4",
    ]


def test_cancelled_clip_export_leaves_no_clips(window, qtbot, tmp_path):
    ctl = window.export_controller
    job = ctl.export_to("clips", tmp_path / "clips")
    job.cancel()
    run(qtbot, job)
    assert not list(tmp_path.glob("clips/*.mp4"))
    assert window.statusBar().currentMessage() == "Cancelled"


def test_import_is_one_undo_step(window, qtbot, tmp_path):
    p = window.project
    before = project_to_dict(p)
    srt = tmp_path / "a.srt"
    srt.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nBye\n",
        encoding="utf-8",
    )
    run(qtbot, window.export_controller.import_file("srt", srt))
    assert len(p.markers) == len(before["markers"]) + 2 and window.undo_stack.count() == 1
    eaf = Path(__file__).resolve().parents[2] / "exports" / "demo.eaf"
    # the demo's own events again: every one is detected and skipped, nothing is pushed
    run(qtbot, window.export_controller.import_file("eaf", eaf))
    assert len(p.events) == len(before["events"]) and window.undo_stack.count() == 1
    assert window.errors[-1] == (
        f"demo.eaf: nothing new to import ({len(before['events'])}"
        " events or markers already in the project)"
    )
    window.undo_stack.undo()
    assert project_to_dict(p) | {"modified": ""} == before | {"modified": ""}
    window.undo_stack.redo()
    assert len(p.events) == len(before["events"]) and len(p.markers) == 4


def test_bad_import_changes_nothing(window, qtbot, tmp_path):
    before = project_to_dict(window.project)
    bad = tmp_path / "bad.csv"
    bad.write_text("frame, AU12_r\n1, 0.5\n9999, 1\n", encoding="utf-8")
    run(qtbot, window.export_controller.import_file("openface", bad))
    assert window.errors == [
        ("bad.csv: line 3: frame 9999 is outside the video (1-250, OpenFace frames are 1-based)")
    ]
    assert project_to_dict(window.project) == before and window.undo_stack.count() == 0


def main_window_or_skip(qtbot):
    """The real main window (a broken import in our own modules fails, never skips)."""
    from annotator.ui import main_window

    w = main_window.MainWindow()
    w.setProperty("quiet_errors", True)
    # closing with unsaved changes must not open a modal question in tests
    from PySide6.QtWidgets import QMessageBox

    w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(w)
    return w


def test_main_window_installs_the_menus(qtbot):
    w = main_window_or_skip(qtbot)
    assert hasattr(w, "export_controller")
    exports = [a for a in w.export_menu.actions() if not a.isSeparator()]
    # every registered format once, plus a second sheet layout and clips of the selection
    from annotator.io.exporting import FORMATS

    assert len(exports) == len(FORMATS) + 2
    from annotator.ui.export_menu import IMPORT_ITEMS

    assert len(w.import_menu.actions()) == len(IMPORT_ITEMS) == 11


def test_main_window_export_and_import_round_trip(qtbot, demo_dir, tmp_path):
    """The real window: export ELAN, undo-able import of it back, with the demo open."""
    for name in ("demo.mp4", "demo.facet.json"):
        shutil.copy(demo_dir / name, tmp_path / name)
    w = main_window_or_skip(qtbot)
    assert w.open_project(tmp_path / "demo.facet.json")
    n = len(w.project.events)
    ctl = w.export_controller
    run(qtbot, ctl.export_to("eaf", tmp_path / "demo.eaf"))
    run(qtbot, ctl.import_file("eaf", tmp_path / "demo.eaf"))  # all already there: skipped
    assert len(w.project.events) == n and w.undo_stack.count() == 0
    for eid in list(w.project.events):  # test setup: an empty project to import into
        w.project.remove_event(eid)
    run(qtbot, ctl.import_file("eaf", tmp_path / "demo.eaf"))
    assert len(w.project.events) == n and w.undo_stack.count() == 1
    w.undo_stack.undo()
    assert len(w.project.events) == 0 and w.undo_stack.isClean()
