"""Start-up (issue 19 item 1): the player shows frame 0 before the timeline, docks and
analysis are built (``MainWindow(defer_components=True)``, as ``run.py`` does), and the
components built afterwards work on the project and take already open."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from docwindows import shown_window
from PySide6.QtWidgets import QDockWidget

from annotator.io.media_link import media_from_video
from annotator.io.project_file import save_project
from annotator.media.barcode import read_index, write_barcode_video
from annotator.model import Event, EventKind, Face, Project
from annotator.ui.timeline.lanes import au_lane_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_saved_layout():  # type: ignore[no-untyped-def]
    """Closing a window saves its geometry and docks: later tests must not inherit them."""
    yield
    from PySide6.QtCore import QSettings

    settings = QSettings()
    settings.remove("window/geometry")
    settings.remove("window/state")


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    video = tmp_path / "take1.mp4"
    write_barcode_video(video, 80, fps=Fraction(25), size=(160, 120), gop=25)
    path = tmp_path / "one.facet.json"
    project = Project("one")
    media, tb = media_from_video(video, path, "m1")
    project.add_media(media)
    project.set_timebase("m1", tb)  # type: ignore[arg-type]
    project.add_face(Face("A", "Ada"))
    project.add_event(Event(0, "A", EventKind.AU, 5, 9, media="m1", au=12))
    save_project(project, path)
    return path


def _deferred_window(qtbot):  # type: ignore[no-untyped-def]
    return shown_window(qtbot, defer=True)


def test_first_picture_before_the_docks_then_components_follow_the_open_project(
    qtbot, project_file: Path
) -> None:
    w = _deferred_window(qtbot)
    try:
        assert w.open_project(project_file)
        # the picture: frame 0 decoded through the exact path, no docks yet
        assert w.player_widget.shown_frame == 0
        image = w.player_widget.frame_view.image()
        assert image is not None
        assert not w.components_ready
        assert w.findChildren(QDockWidget) == []
        w.controller.step(1)  # stepping works from the first picture
        assert w.player_widget.shown_frame == 1
        assert read_index(w.controller.current_image()) == 1

        with qtbot.waitSignal(w.components_installed, timeout=30000):
            w.finish_startup()
        assert w.components_ready
        docks = {d.objectName() for d in w.findChildren(QDockWidget)}
        assert "TimelineDock" in docks and "EventsDock" in docks
        # the timeline, built after the open, shows the open take and its events
        canvas = w.coding.timeline.canvas
        canvas.ensure()
        index = canvas.cache.indexes.get(au_lane_key("A", 12))
        assert index is not None and set(index.ids) == set(w.project.events)
        assert w.coding.timeline.view.frame_count == 80
        assert "one.facet.json" in w.windowTitle()
        w.finish_startup()  # a second call changes nothing
        assert len(w.findChildren(QDockWidget)) == len(docks)
    finally:
        w.close()
        w.controller.close()


def test_transport_labels_are_selectable_once_started(qtbot, project_file: Path) -> None:
    """The frame / timecode labels can be selected (copied); a deferred start makes them
    so after the first picture, and they never take the player's keys."""
    from PySide6.QtCore import Qt

    selectable = Qt.TextInteractionFlag.TextSelectableByMouse
    w = _deferred_window(qtbot)
    try:
        assert w.open_project(project_file)
        labels = w.player_widget.transport._labels()
        with qtbot.waitSignal(w.components_installed, timeout=30000):
            w.finish_startup()
        for label in labels:
            assert label.textInteractionFlags() & selectable
            assert label.focusPolicy() == Qt.FocusPolicy.NoFocus
    finally:
        w.close()
        w.controller.close()


def test_closing_before_the_components_exist(qtbot, project_file: Path) -> None:
    w = _deferred_window(qtbot)
    assert w.open_project(project_file)
    assert w.close()  # no view memory, analysis or docks to save yet: closes cleanly
    assert w.controller.source is None


def test_new_from_video_opens_the_file_once(qtbot, tmp_path: Path, monkeypatch) -> None:
    """The player's source describes the new project's video (no second open/index)."""
    video = tmp_path / "clip.mp4"
    write_barcode_video(video, 30, fps=Fraction(25), size=(160, 120), gop=10)
    w = _deferred_window(qtbot)
    calls: list[str] = []
    real = w.controller._source_factory

    def counting(path: str):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(path)

    monkeypatch.setattr(w.controller, "_source_factory", counting)
    monkeypatch.setattr(
        "annotator.ui.documents.media_from_video",
        lambda *a, **k: pytest.fail("media_from_video opened the video a second time"),
    )
    try:
        assert w.new_from_video(video)
        assert calls == [str(video)]
        assert w.project.media["m1"].frame_count == 30
        assert w.player_widget.shown_frame == 0
    finally:
        w.close()
        w.controller.close()


def test_main_window_import_leaves_heavy_modules_for_later() -> None:
    """Importing the window (what run.py does before the first picture) loads none of the
    analysis, plotting or table libraries; building the components does."""
    code = (
        "import sys\n"
        "import annotator.ui.main_window\n"
        "heavy = ['pyqtgraph', 'pandas', 'scipy', 'cv2', 'dask', 'pyarrow', 'openpyxl',\n"
        "         'annotator.ui.analysis', 'annotator.ui.timeline.canvas', 'annotator.ui.faces']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_remembered_playhead_and_loop_come_back_after_a_deferred_start(
    make_window, qtbot, project_file: Path, monkeypatch
) -> None:
    """The view memory is built after the open: it still restores the take's view."""
    monkeypatch.setenv("FACET_NO_VLC", "1")
    w = make_window(project_file)
    w.controller.seek(20)
    w.controller.set_loop_a()
    w.controller.seek(40)
    w.controller.set_loop_b()
    w.controller.seek(30)
    w.close()  # saves the view state

    w2 = _deferred_window(qtbot)
    try:
        assert w2.open_project(project_file)
        assert w2.controller.current_frame == 0  # the first picture: frame 0
        with qtbot.waitSignal(w2.components_installed, timeout=30000):
            w2.finish_startup()
        assert w2.controller.current_frame == 30
        assert w2.controller.loop == (20, 40)
        assert w2.coding.timeline.canvas.loop == (20, 40)
        assert w2.player_widget.shown_frame == 30
    finally:
        w2.close()
        w2.controller.close()


_RUN_PY_START = """
import sys
from fractions import Fraction
from pathlib import Path
from PySide6.QtCore import QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from annotator.media.barcode import read_index, write_barcode_video
from annotator.playback import preopen

video = Path(sys.argv[1]) / "clip.mp4"
write_barcode_video(video, 60, fps=Fraction(25), size=(320, 240), gop=10)
if len(sys.argv) > 2:  # a project next to the video: run.py VIDEO opens it
    from annotator.io.media_link import media_from_video
    from annotator.io.project_file import save_project
    from annotator.model import Project
    project = Project("beside")
    media, tb = media_from_video(video, video.with_name("clip.facet.json"), "m1")
    project.add_media(media)
    project.set_timebase("m1", tb)
    save_project(project, video.with_name("clip.facet.json"))
preopen.preopen(video)  # as run.py does, before the window's modules
from annotator.ui.main_window import MainWindow
from annotator.ui.player.frame_view import qimage_to_ndarray
from annotator.ui.player.shortcuts import SLOW_SHUTTLE

app = QApplication([])
w = MainWindow(defer_components=True)
w.show()
peeked = preopen.peek(video)
print("opened", w.open_path(video))
pw = w.player_widget
print("picture", pw.shown_frame, read_index(qimage_to_ndarray(pw.frame_view.image())))
print("before", "annotator.ui.documents" in sys.modules, w.controller.source is None)
tracker = lambda: app.findChild(QObject, "facet-held-keys")
print("held", tracker() is not None and tracker().watching)
w.finish_startup()
print("after", w.controller.source is peeked, w.windowTitle(), w.project.title)
print("held", tracker() is not None and tracker().watching)
QTest.keyPress(pw, Qt.Key.Key_K)
QTest.keyClick(pw, Qt.Key.Key_L)
print("rate", w.controller.rate == SLOW_SHUTTLE, w.controller.is_playing)
QTest.keyRelease(pw, Qt.Key.Key_K)
w.controller.pause()
w.controller.wait_index(60)  # the index worker started after the picture
w.controller.seek(0)
QTest.keyClick(pw, Qt.Key.Key_Right)
print("step", w.controller.current_frame, pw.shown_frame, pw.transport.frame_label.text())
w.controller.close()
"""


def _app_env(home: Path) -> dict[str, str]:
    """A fresh process of the app: offscreen, no VLC, its own home and caches."""
    return dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
        FACET_NO_VLC="1",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        FACET_CACHE_DIR=str(home / "facet-cache"),
    )


def _run_py_start(tmp_path: Path, *extra: str) -> list[str]:
    env = _app_env(tmp_path / "home")
    out = subprocess.run(
        [sys.executable, "-c", _RUN_PY_START, str(tmp_path), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.splitlines()


def test_run_py_video_paints_frame_0_then_makes_the_project_keys_wait(tmp_path: Path) -> None:
    """run.py VIDEO (a fresh process, as run.py starts): frame 0 of the pre-opened source
    is painted (the exact decode: its barcode reads 0) before the documents' modules are
    imported; finish_startup makes the project on that video with the player taking the
    same source over (one open). No application event filter is installed before or
    after (the held-keys filter watches only while K is down; its first events made
    PySide6 build most of QtWidgets' Python enums): K+L works from the first keys on."""
    lines = _run_py_start(tmp_path)
    assert lines[0] == "opened True"
    assert lines[1] == "picture 0 0"
    assert lines[2] == "before False True"  # no documents, the player not open yet
    assert lines[3] == "held False"
    assert lines[4].startswith("after True clip (unsaved)") and lines[4].endswith(" clip")
    assert lines[5] == "held False"
    assert lines[6] == "rate True True"
    assert lines[7] == "step 1 1 Frame 1 / 59"


def test_run_py_video_with_a_project_beside_it_opens_that_project(tmp_path: Path) -> None:
    """The documents still decide what a video opens: the project file next to it."""
    lines = _run_py_start(tmp_path, "with-project")
    assert lines[1] == "picture 0 0"
    assert lines[4].startswith("after True clip.facet.json") and lines[4].endswith(" beside")
    assert lines[7] == "step 1 1 Frame 1 / 59"


def test_run_py_turns_the_gc_back_on_with_the_start_up_frozen(tmp_path: Path) -> None:
    """run.py starts without the cyclic GC (its ~90 collections during the imports cost
    30-55 ms before the first picture); once the components are built it is on again,
    with what start-up made frozen (never walked again)."""
    video = tmp_path / "clip.mp4"
    write_barcode_video(video, 30, fps=Fraction(25), size=(160, 120), gop=10)
    code = (
        "import gc, runpy, sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "seen = []\n"
        "def check():\n"
        "    ready = [w for w in app.topLevelWidgets() if getattr(w, 'components_ready', 0)]\n"
        "    seen.append(bool(ready))\n"
        "    if seen[-2:] == [True, True]:\n"  # twice: in the event loop, not in start-up
        "        print('gc', gc.isenabled(), gc.get_freeze_count() > 0, flush=True)\n"
        "        ready[0].close()\n"
        "        app.quit()\n"
        "        return\n"
        "    QTimer.singleShot(50, check)\n"
        "QTimer.singleShot(0, check)\n"
        f"sys.argv = ['run.py', {str(video)!r}]\n"
        f"runpy.run_path({str(ROOT / 'run.py')!r}, run_name='__main__')\n"
    )
    env = _app_env(tmp_path / "home")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert "gc True True" in out.stdout.splitlines(), (out.stdout, out.stderr[-2000:])


def test_a_frame_0_that_fails_at_once_goes_through_the_documents_open(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    """The pre-opened source's frame 0 raising (a broken frame) must not take the start
    down: the documents' open shows the video (and words a problem) as always."""
    video = tmp_path / "clip.mp4"
    write_barcode_video(video, 30, fps=Fraction(25), size=(160, 120), gop=10)

    class Broken:
        width, height = 160, 120

        def frame(self, index: int, size: object = None) -> object:
            raise RuntimeError("broken frame")

    monkeypatch.setattr("annotator.ui.first_picture.preopen.peek", lambda path: Broken())
    w = _deferred_window(qtbot)
    try:
        assert w.open_path(video)
        assert w.controller.source is not None  # opened by the documents, at once
        assert w.project.media["m1"].path.endswith("clip.mp4")
        assert w.player_widget.shown_frame == 0
    finally:
        w.close()
        w.controller.close()
