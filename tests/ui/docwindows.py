"""Real main windows for the document tests (open, save, autosave, merge): never block on a
question, closed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtWidgets import QMessageBox

from annotator.model import Event, EventKind
from annotator.ui.main_window import MainWindow


def windows(qtbot: Any) -> Iterator[Callable[[], MainWindow]]:
    """For a fixture: ``yield from windows(qtbot)`` gives a window builder."""
    made: list[MainWindow] = []

    def build() -> MainWindow:
        w = MainWindow()
        w.setProperty("quiet_errors", True)
        w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard  # type: ignore[method-assign]
        qtbot.addWidget(w)
        made.append(w)
        return w

    yield build
    for w in made:
        w.close()


def shown_window(qtbot: Any, *, defer: bool = False) -> MainWindow:
    """A main window on screen (1200x800, exposed) that never asks: changes discarded, no
    recovery; ``defer``: built as ``run.py`` builds it (``defer_components=True``)."""
    w = MainWindow(defer_components=defer)
    w.setProperty("quiet_errors", True)
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard  # type: ignore[method-assign]
    w.ask_recover = lambda _p: False  # type: ignore[method-assign]
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def add_au(w: MainWindow, onset: int, au: int = 9) -> Event:
    return w.project.add_event(Event(0, "A", EventKind.AU, onset, onset + 3, au=au, code=str(au)))
