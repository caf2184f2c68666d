"""Player keys (from the key map), installed application-wide on a window; the Playback
menu; the go-to dialog.

Application-wide context so the keys work whatever has focus (timeline, panels) except
text fields, which claim plain keys through ShortcutOverride, so typing "J" in a note
types a J.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6 import QtWidgets  # the dialogs' types are made on first use
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QShortcut
from PySide6.QtWidgets import QMenu, QWidget

from annotator.playback.player_controller import RATES, PlayerController
from annotator.ui.keymap import KeyMap
from annotator.ui.keys import KeyBinder
from annotator.ui.player.transport import format_rate

log = logging.getLogger(__name__)

SLOW_SHUTTLE = 0.25  # K+L / K+J: slow forward / reverse


def ask_go_to(parent: QWidget, controller: PlayerController) -> None:
    """Ctrl+G: ask for a frame number, a timecode or seconds; say why if it cannot be read."""
    if controller.source is None:
        return
    text, ok = QtWidgets.QInputDialog.getText(
        parent, "Go to", "Frame number, timecode (HH:MM:SS:FF) or seconds (12.5s):"
    )
    if not ok or not text.strip():
        return
    try:
        controller.go_to(text)
    except ValueError as exc:
        QtWidgets.QMessageBox.warning(parent, "Go to", str(exc))


def player_actions(
    controller: PlayerController, window: QWidget, binder: KeyBinder
) -> dict[str, Callable[[], object]]:
    """Action id (see annotator.ui.keymap) -> what it does, for the player's keys."""
    c = controller

    def shuttle(direction: int) -> None:
        """J / L; with K held (K+J, K+L as in video editors): slow reverse / forward."""
        if binder.is_held(Qt.Key.Key_K):
            c.set_rate(direction * SLOW_SHUTTLE)
            if not c.is_playing:
                c.play()
        elif direction > 0:
            c.shuttle_forward()
        else:
            c.shuttle_reverse()

    return {
        "play.toggle": c.toggle_play,
        "play.step_forward": lambda: c.step(1),
        "play.step_back": lambda: c.step(-1),
        "play.second_forward": lambda: c.step_seconds(1.0),
        "play.second_back": lambda: c.step_seconds(-1.0),
        "play.ten_forward": lambda: c.step(10),
        "play.ten_back": lambda: c.step(-10),
        "play.first": c.go_first,
        "play.last": c.go_last,
        "play.shuttle_reverse": lambda: shuttle(-1),
        "play.shuttle_stop": c.shuttle_stop,
        "play.shuttle_forward": lambda: shuttle(1),
        "play.slower": c.slower,
        "play.faster": c.faster,
        "play.loop_a": c.set_loop_a,
        "play.loop_b": c.set_loop_b,
        "play.loop_clear": c.clear_loop,
        "play.go_to": lambda: ask_go_to(window, c),
    }


def install_player_shortcuts(
    window: QWidget, controller: PlayerController, binder: KeyBinder | None = None
) -> list[QShortcut]:
    """Create the player's QShortcuts on ``window`` (application-wide); returns them.

    Keys come from ``binder`` (the window's key map); without one, the default keys."""
    binder = binder or KeyBinder(KeyMap(), window)
    shortcuts = [
        binder.shortcut(action_id, window, slot, context=Qt.ShortcutContext.ApplicationShortcut)
        for action_id, slot in player_actions(controller, window, binder).items()
    ]
    log.debug("installed %d player shortcuts", len(shortcuts))
    return shortcuts


def fill_playback_menu(menu: QMenu, controller: PlayerController, binder: KeyBinder) -> None:
    """Playback menu: transport entries (keys shown from the key map) and the speeds.

    The menu entries show the keys but do not own them (the shortcuts above do), so a key
    never fires twice."""
    texts = {
        "play.toggle": "Play / Pause",
        "play.shuttle_reverse": "Play Backward (J)",
        "play.shuttle_stop": "Stop Shuttle (K)",
        "play.shuttle_forward": "Play Forward (L)",
        "play.slower": "Half Speed",
        "play.faster": "Double Speed",
        "play.loop_a": "Set Loop Start A",
        "play.loop_b": "Set Loop End B",
        "play.loop_clear": "Clear A-B Loop",
        "play.go_to": "Go to Frame…",
    }
    slots = player_actions(controller, menu.parentWidget() or menu, binder)
    entries: dict[str, QAction] = {}
    for action_id, text in texts.items():
        act = menu.addAction(text)
        act.setObjectName(f"menu:{action_id}")
        act.triggered.connect(lambda _=False, s=slots[action_id]: s())
        entries[action_id] = act
        if action_id in ("play.faster", "play.go_to"):
            menu.addSeparator()

    def show_keys(*_args: object) -> None:
        for action_id, act in entries.items():
            keys = binder.keymap.keys(action_id)
            act.setText(act.text().split("\t")[0] + (f"\t{' / '.join(keys)}" if keys else ""))

    show_keys()
    binder.changed.connect(show_keys)
    speed = menu.addMenu("&Speed")
    group = QActionGroup(speed)
    rate_actions: dict[float, QAction] = {}
    for sign in (1, -1):
        for r in reversed(RATES):
            rate = sign * r
            act = speed.addAction(format_rate(rate))
            act.setCheckable(True)
            act.setObjectName(f"rate:{format_rate(rate)}")
            act.triggered.connect(lambda _=False, rate=rate: controller.set_rate(rate))
            group.addAction(act)
            rate_actions[rate] = act
        if sign > 0:
            speed.addSeparator()

    def on_rate(rate: float) -> None:
        act = rate_actions.get(rate)
        if act is not None:
            act.setChecked(True)

    on_rate(controller.rate)
    controller.rate_changed.connect(on_rate)
