"""Build the application: logging, the crash guard, the main window, the first document.

``python run.py`` opens the demo project; ``python run.py VIDEO`` opens a video in a new
project with the player focused; ``python run.py PROJECT.facet.json`` opens a project.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger(__name__)


def _build_demo(window: Any) -> Path:
    """The demo project; on the first launch its video is encoded (seconds), with a
    progress dialog instead of a black window."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QProgressDialog

    from annotator.demo import N_FRAMES, demo_ready, write_demo

    folder = demo_folder()
    if demo_ready(folder):
        return write_demo(folder)
    dialog = QProgressDialog(
        "Building the demo video (first launch only)…", "", 0, N_FRAMES, window
    )
    dialog.setObjectName("DemoProgress")
    dialog.setWindowTitle("Facet")
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setValue(0)
    dialog.show()
    QApplication.processEvents()

    def progress(done: int, total: int) -> None:
        dialog.setValue(done)
        QApplication.processEvents()

    try:
        return write_demo(folder, progress=progress)
    finally:
        dialog.close()


def demo_folder() -> Path:
    return Path(platformdirs.user_data_dir("facet")) / "demo"


def _install_excepthook() -> None:
    """A bug in a slot must not kill the app or show a traceback: log it, tell the user."""

    def hook(exc_type, exc, tb):  # type: ignore[no-untyped-def]
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        from PySide6.QtWidgets import QApplication, QMessageBox

        from annotator.logs import attach_log_file, log_file

        attach_log_file()  # the details must be in the file the message names
        log.error("unhandled error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))

        app = QApplication.instance()
        if app is not None and not getattr(app, "_facet_in_hook", False):
            app._facet_in_hook = True  # type: ignore[attr-defined]
            try:
                QMessageBox.warning(
                    app.activeWindow(),
                    "Facet",
                    f"Something went wrong: {exc}\nYour work is kept; details are in {log_file()}.",
                )
            finally:
                app._facet_in_hook = False  # type: ignore[attr-defined]

    sys.excepthook = hook


def _report_first_picture(app: object, window: object) -> None:
    """Print the seconds since ``FACET_BENCH_FIRST_PICTURE`` (a wall-clock start time)
    when frame 0 is in the player view with the event loop idle, then exit at once."""
    import time

    from PySide6.QtCore import QTimer

    start = float(os.environ["FACET_BENCH_FIRST_PICTURE"])
    timer = QTimer(window)  # type: ignore[arg-type]

    def check() -> None:
        widget = getattr(window, "player_widget", None)
        if widget is None or widget.shown_frame != 0 or widget.frame_view.image() is None:
            return
        widget.frame_view.repaint()
        print(f"first picture {time.time() - start:.3f}", flush=True)
        os._exit(0)

    timer.timeout.connect(check)
    timer.start(2)


def resume_gc() -> None:
    """Turn the cyclic GC back on if ``run.py`` turned it off for the start-up, with
    everything alive now (modules, classes, the window) frozen: they live as long as the
    app, and no collection walks them again (``gc.freeze``)."""
    import gc

    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def show_main_window(window: Any) -> None:
    """Show the main window; maximized on the first run (no saved geometry), so a window
    manager fits its title bar and borders on the screen too (issue 15: under openbox at
    1366x768 a whole-screen geometry put the title bar above the screen)."""
    if getattr(window, "first_run", False):
        window.showMaximized()
    else:
        window.show()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description="Open Facet.")
    parser.add_argument("path", nargs="?", help="a video or a .facet.json project (default: demo)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    from annotator.logs import attach_log_file, setup_logging

    setup_logging(verbose=args.verbose, file_later=True)  # the file after the first picture
    from PySide6.QtWidgets import QApplication

    from annotator.ui import pyside_imports

    pyside_imports.install()  # before the window's modules are imported
    from annotator.ui.main_window import MainWindow

    # Ctrl+C in the terminal ends the app like SIGTERM does (Python's KeyboardInterrupt
    # would wait for the Qt event loop to return to Python, which it may never do). Child
    # processes (the preview proxy build) watch a pipe from us and exit with us.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Facet")
    app.setApplicationName("Facet")
    app.setApplicationDisplayName("Facet")
    _install_excepthook()
    # The player first: the timeline, docks and analysis are built once the first
    # picture is on screen (finish_startup, after the open below).
    window = MainWindow(defer_components=True)
    show_main_window(window)
    # Ask for keyboard focus: without it (no window manager, e.g. Xvfb) the player keys
    # would need a click first.
    window.raise_()
    window.activateWindow()
    if os.environ.get("FACET_BENCH_FIRST_PICTURE"):  # bench/bench_first_picture.py only
        _report_first_picture(app, window)
    if args.path:
        window.open_path(Path(args.path))
    else:
        resume_gc()  # the demo video may be encoded now (seconds)
        try:
            window.open_path(_build_demo(window))
        except Exception as exc:
            log.exception("demo not available")
            window.show_error(f"The demo project could not be written: {exc}")
    # Before the event loop runs: no key reaches the window before the components exist.
    window.finish_startup()
    resume_gc()
    attach_log_file()
    return app.exec()
