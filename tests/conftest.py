"""Shared test setup: offscreen Qt and private user folders (settings, cache, data, logs)."""

from __future__ import annotations

import faulthandler
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = Path(tempfile.mkdtemp(prefix="facet-test-home-"))
for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[var] = str(_HOME / var.lower())

ROOT = Path(__file__).resolve().parents[1]
from samples_dir import SAMPLES, SKIPPED, sample  # noqa: E402,F401


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say once, at the end, that real-sample tests were skipped and where they looked."""
    if SKIPPED:
        terminalreporter.write_line(
            f"real-sample tests skipped: {len(SKIPPED)} sample files not found "
            f"under {SAMPLES} (set FACET_SAMPLES to the samples folder)"
        )


@pytest.fixture(autouse=True)
def _indexed_before_use(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The app shows frame 0 while the frame index is built in a worker (issue 17 item 4):
    steps and seeks reach only the frames indexed so far. Tests of everything else start
    from an indexed video (the player's ``open`` waits for the index, as a user who waits
    a second would); tests marked ``index_in_background`` see the app's way."""
    if request.node.get_closest_marker("index_in_background") is not None:
        yield
        return
    from annotator.playback.player_controller import PlayerController

    real_open = PlayerController.open

    def open_indexed(self, path, *, source=None):  # type: ignore[no-untyped-def]
        opened = real_open(self, path, source=source)
        if opened:
            self.wait_index(120)
        return opened

    monkeypatch.setattr(PlayerController, "open", open_indexed)
    yield


@pytest.fixture
def fresh_index_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No index cached from an earlier test: every open builds it in the worker (and no
    VLC, no preview copy to compete with it)."""
    monkeypatch.setenv("FACET_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FACET_NO_VLC", "1")
    monkeypatch.setenv("FACET_NO_PROXY", "1")


class IndexHold(threading.Event):
    """Set it to let the held index build go on; ``entered``: the worker is waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()


@pytest.fixture
def hold_index(monkeypatch: pytest.MonkeyPatch) -> Iterator[IndexHold]:
    """The frame-index worker waits for this event before it builds the table (set it to
    let the index complete); set again at the end so no worker is left waiting."""
    from annotator.media import index_worker

    release = IndexHold()
    real = index_worker.build_index

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.entered.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(index_worker, "build_index", held)
    yield release
    release.set()


class ScanHold:
    """A packet scan held once it has indexed ``frames`` frames (see ``hold_scan``)."""

    def __init__(self) -> None:
        self.frames = 30
        self.held = threading.Event()  # the scan is waiting
        self.release = threading.Event()  # let it go on


@pytest.fixture
def hold_scan(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScanHold]:
    """The index worker's packet scan (Matroska: no sample tables) reports every packet
    and waits for ``release`` once ``frames`` frames are indexed: a long file's scan held
    mid-way. Released at the end so no worker is left waiting."""
    from annotator.media import index_worker, pts_index

    monkeypatch.setattr(pts_index, "_REPORT_EVERY_S", 0.0)
    hold = ScanHold()
    real_scan = index_worker.IndexWorker._on_scan

    def scan(self, pts, keys, fraction, in_order):  # type: ignore[no-untyped-def]
        real_scan(self, pts, keys, fraction, in_order)
        if self._index.frame_count >= hold.frames and not hold.release.is_set():
            hold.held.set()
            hold.release.wait(60)

    monkeypatch.setattr(index_worker.IndexWorker, "_on_scan", scan)
    yield hold
    hold.release.set()


#: Longer than pytest-timeout's 300 s: it fires only when that cannot, i.e. when the main thread
#: is stuck in C++ holding the GIL (a Qt deadlock), where no Python-level timeout ever runs.
HANG_SECONDS = 420


_REAL_STDERR: list[int] = []


def pytest_configure(config: pytest.Config) -> None:
    # pytest captures fd 2 into a temporary file that is lost when the watchdog ends the
    # process; its capture manager keeps a copy of the real stderr (pytest internals, hence
    # the fallbacks), where the watchdog's stacks then reach the CI log.
    capman = config.pluginmanager.getplugin("capturemanager")
    err = getattr(getattr(capman, "_global_capturing", None), "err", None)
    _REAL_STDERR.append(os.dup(getattr(err, "targetfd_save", 2)))


@pytest.fixture(autouse=True)
def _hang_watchdog(request: pytest.FixtureRequest) -> object:
    """A C-level watchdog per test (faulthandler needs no GIL): a deadlocked test prints every
    thread's stack and ends the run, instead of hanging CI until its own limit."""
    marker = request.node.get_closest_marker("timeout")
    own = float(marker.args[0]) + 120 if marker and marker.args else 0.0
    faulthandler.dump_traceback_later(max(HANG_SECONDS, own), exit=True, file=_REAL_STDERR[0])
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project (synthetic video + project), generated once per test session."""
    from annotator.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder)
    return folder


@pytest.fixture(scope="session")
def demo_project_path(demo_dir: Path) -> Path:
    return demo_dir / "demo.facet.json"


@pytest.fixture(autouse=True)
def _no_modal_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal question box offscreen waits forever for a click. Tests that care answer
    through the window's ask_* hooks; everyone else gets the answer that keeps going."""
    from PySide6.QtWidgets import QMessageBox

    from annotator.ui.main_window import MainWindow  # our own module: a break fails

    monkeypatch.setattr(
        MainWindow, "_ask_save_changes", lambda self: QMessageBox.StandardButton.Discard
    )
    monkeypatch.setattr(MainWindow, "_ask_recover", lambda self, path: False)
    monkeypatch.setattr(MainWindow, "_ask_relink", lambda self, problem: None)
    # a project a test's earlier window still holds: take it over (as before locks)
    monkeypatch.setattr(MainWindow, "_ask_locked", lambda self, path, holder: "take-over")
    monkeypatch.setattr(MainWindow, "_ask_changed_on_disk", lambda self, path, conflicts: "merge")
    # Static message boxes anywhere (error dialogs, confirmations) answer at once.
    for name, answer in (
        ("warning", QMessageBox.StandardButton.Ok),
        ("critical", QMessageBox.StandardButton.Ok),
        ("information", QMessageBox.StandardButton.Ok),
        ("question", QMessageBox.StandardButton.No),
    ):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda *a, _r=answer, **k: _r))


@pytest.fixture
def demo_copy(tmp_path: Path, demo_dir: Path) -> Path:
    """A private copy of the demo (video + project) that a test may change; its project."""
    import shutil

    folder = tmp_path / "proj"
    shutil.copytree(demo_dir, folder)
    return folder / "demo.facet.json"


@pytest.fixture
def make_window(qtbot):  # type: ignore[no-untyped-def]
    """Build real main windows that never block on a question; closed after the test.

    ``make_window(project=None, show=True, size=None)`` returns the window, with the
    project opened when one is given.
    """
    from annotator.ui.main_window import MainWindow

    made: list[MainWindow] = []

    def make(
        project: Path | None = None, *, show: bool = True, size: tuple[int, int] | None = None
    ) -> MainWindow:
        w = MainWindow()
        w.setProperty("quiet_errors", True)
        qtbot.addWidget(w)
        made.append(w)
        if size is not None:
            w.resize(*size)
        if show:
            w.show()
            qtbot.waitExposed(w)
        if project is not None:
            assert w.open_project(project)
        return w

    yield make
    for w in made:
        for extra in getattr(getattr(w, "review", None), "windows", {}).values():
            if extra is not None:
                extra.close()
        if w.controller is not None:
            w.controller.close()
