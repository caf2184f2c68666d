"""Player keys, installed application-wide on a window, and the go-to dialog.

Application-wide context so the keys work whatever has focus (timeline, panels) except
text fields, which claim plain keys through ShortcutOverride, so typing "J" in a note
types a J.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from annotator.playback.player_controller import PlayerController

log = logging.getLogger(__name__)


def ask_go_to(parent: QWidget, controller: PlayerController) -> None:
    """Ctrl+G: ask for a frame number, a timecode or seconds; say why if it cannot be read."""
    if controller.source is None:
        return
    text, ok = QInputDialog.getText(
        parent, "Go to", "Frame number, timecode (HH:MM:SS:FF) or seconds (12.5s):"
    )
    if not ok or not text.strip():
        return
    try:
        controller.go_to(text)
    except ValueError as exc:
        QMessageBox.warning(parent, "Go to", str(exc))


def player_key_map(
    controller: PlayerController, window: QWidget
) -> list[tuple[str, str, Callable[[], object]]]:
    """(key sequence, description, action): one table for the shortcuts and a help dialog."""
    c = controller
    return [
        ("Space", "Play / pause", c.toggle_play),
        ("Right", "Next frame", lambda: c.step(1)),
        ("Left", "Previous frame", lambda: c.step(-1)),
        ("Shift+Right", "One second forward", lambda: c.step_seconds(1.0)),
        ("Shift+Left", "One second back", lambda: c.step_seconds(-1.0)),
        ("Ctrl+Right", "10 frames forward", lambda: c.step(10)),
        ("Ctrl+Left", "10 frames back", lambda: c.step(-10)),
        ("Home", "First frame", c.go_first),
        ("End", "Last frame", c.go_last),
        ("J", "Play backward (again: faster)", c.shuttle_reverse),
        ("K", "Pause", c.shuttle_stop),
        ("L", "Play forward (again: faster)", c.shuttle_forward),
        ("[", "Set loop A", c.set_loop_a),
        ("]", "Set loop B", c.set_loop_b),
        ("Ctrl+G", "Go to frame or timecode", lambda: ask_go_to(window, c)),
    ]


def install_player_shortcuts(window: QWidget, controller: PlayerController) -> list[QShortcut]:
    """Create the player's QShortcuts on ``window`` (application-wide); returns them."""
    shortcuts: list[QShortcut] = []
    for keys, text, action in player_key_map(controller, window):
        sc = QShortcut(QKeySequence(keys), window)
        sc.setContext(Qt.ShortcutContext.ApplicationShortcut)
        sc.setAutoRepeat(keys not in ("Space", "J", "K", "L", "[", "]", "Ctrl+G"))
        sc.setWhatsThis(text)
        sc.activated.connect(action)
        shortcuts.append(sc)
    log.debug("installed %d player shortcuts", len(shortcuts))
    return shortcuts
