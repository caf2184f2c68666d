"""The key map made live: QShortcuts and menu actions bound by action id, stored in QSettings.

``KeyBinder`` is the one owner of the app's keys. Components ask it for a shortcut by
action id (``binder.shortcut("play.toggle", window, controller.toggle_play)``) instead of
writing a key sequence, so Preferences can rebind every key at once (``apply``) and Help >
Keyboard shortcuts shows the table that is really in force. Per-code keys
(``CodeKey``: a key that codes ``6+12`` or an emotion) are bound here too and handed to
whoever codes (``code_key_pressed``).

It also tracks which plain keys are held (an application event filter), so "K held and L
pressed" can mean slow forward as in video editors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from annotator.ui.keymap import ACTION_IDS, CodeKey, KeyMap, KeyMapError

log = logging.getLogger(__name__)

SETTINGS_KEY = "keys/map"  # the whole key map as its JSON document
# Keys that act once per press (holding them must not repeat the action).
_NO_REPEAT = {
    "play.toggle",
    "play.shuttle_reverse",
    "play.shuttle_stop",
    "play.shuttle_forward",
    "play.loop_a",
    "play.loop_b",
    "play.loop_clear",
    "play.go_to",
    "play.slower",
    "play.faster",
    "code.custom_label",
    "help.keys",
    "edit.preferences",
}


def load_keymap(settings: QSettings) -> KeyMap:
    """The stored key map; a damaged entry is reported once in the log and ignored."""
    text = settings.value(SETTINGS_KEY)
    if not text:
        return KeyMap()
    try:
        return KeyMap.from_json(str(text))
    except KeyMapError as e:
        log.warning("settings %s: %s (using the default keys)", SETTINGS_KEY, e)
        return KeyMap()


def store_keymap(settings: QSettings, keymap: KeyMap) -> None:
    settings.setValue(SETTINGS_KEY, keymap.to_json())


class KeyBinder(QObject):
    """Owns the live key map and every shortcut made from it."""

    changed = Signal(object)  # the new KeyMap, after every shortcut was rebound
    code_key_pressed = Signal(object)  # CodeKey

    def __init__(
        self, keymap: KeyMap, parent: QObject | None = None, *, track_held: bool = True
    ) -> None:
        """``track_held=False``: the held-keys filter is installed later, by
        :meth:`track_held_keys` (``run.py``: after the first picture, see there)."""
        super().__init__(parent)
        self.keymap = keymap
        self._shortcuts: list[tuple[str, QShortcut]] = []
        self._actions: list[tuple[str, QAction]] = []
        self._code_shortcuts: list[QShortcut] = []
        self._code_parent: QWidget | None = None
        self._held: _HeldKeys | None = None
        if track_held:
            self.track_held_keys()

    def track_held_keys(self) -> None:
        """Install the application's held-keys filter (once; keys pressed before it
        was installed are not known to be held).

        Deferred by ``run.py`` until the first picture is painted: the first events
        through a Python application event filter make PySide6 create the Python
        types and enums of most of QtWidgets (~170 enum classes, 0.06-0.08 s on this
        box) to convert the objects they go to (issue 19 item 1)."""
        if self._held is None:
            self._held = _held_keys()

    # ------------------------------------------------------------------ binding
    def sequences(self, action_id: str) -> list[QKeySequence]:
        return [QKeySequence(k) for k in self.keymap.keys(action_id)]

    def shortcut(
        self,
        action_id: str,
        parent: QWidget,
        slot: Callable[[], Any],
        *,
        context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
    ) -> QShortcut:
        """A QShortcut on ``parent`` for every key of ``action_id`` (rebound by ``apply``)."""
        if action_id not in ACTION_IDS:
            raise KeyError(action_id)
        sc = QShortcut(parent)
        sc.setKeys(self.sequences(action_id))
        sc.setContext(context)
        sc.setAutoRepeat(action_id not in _NO_REPEAT)
        sc.setWhatsThis(ACTION_IDS[action_id].text)
        sc.setProperty("action_id", action_id)
        sc.activated.connect(slot)
        self._shortcuts.append((action_id, sc))
        sc.destroyed.connect(lambda *_: self._forget(sc))
        return sc

    def bind_action(self, action_id: str, action: QAction) -> QAction:
        """Give a menu QAction the keys of ``action_id`` (rebound by ``apply``)."""
        action.setShortcuts(self.sequences(action_id))
        action.setProperty("action_id", action_id)
        self._actions.append((action_id, action))
        return action

    def shortcuts(self, action_id: str | None = None) -> list[QShortcut]:
        return [sc for aid, sc in self._shortcuts if action_id is None or aid == action_id]

    def bind_code_keys(self, parent: QWidget) -> None:
        """Per-code keys live on ``parent`` (the main window) and emit ``code_key_pressed``."""
        self._code_parent = parent
        self._rebind_codes()

    def _forget(self, sc: QObject) -> None:
        self._shortcuts = [(a, s) for a, s in self._shortcuts if s is not sc]

    # ------------------------------------------------------------------ changing
    def apply(self, keymap: KeyMap) -> None:
        """Make ``keymap`` the live one: every shortcut and menu action is rebound."""
        self.keymap = keymap
        for action_id, sc in self._shortcuts:
            sc.setKeys(self.sequences(action_id))
        for action_id, act in self._actions:
            act.setShortcuts(self.sequences(action_id))
        self._rebind_codes()
        self.changed.emit(keymap)

    def _rebind_codes(self) -> None:
        for sc in self._code_shortcuts:
            sc.setEnabled(False)
            sc.deleteLater()
        self._code_shortcuts = []
        if self._code_parent is None:
            return
        for ck in self.keymap.codes:
            sc = QShortcut(QKeySequence(ck.key), self._code_parent)
            sc.setAutoRepeat(False)
            sc.setWhatsThis(f"Code {ck.label}")
            sc.activated.connect(lambda ck=ck: self._on_code_key(ck))
            self._code_shortcuts.append(sc)

    def _on_code_key(self, ck: CodeKey) -> None:
        self.code_key_pressed.emit(ck)

    # ------------------------------------------------------------------ held keys
    def is_held(self, key: Qt.Key) -> bool:
        """True while ``key`` is physically down (K held for K+L / K+J)."""
        return self._held is not None and int(key) in self._held.held


class _HeldKeys(QObject):
    """One application event filter for the whole app (not one per window): the plain
    keys that are down now."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.held: set[int] = set()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        t = event.type()
        # A key that is a shortcut never arrives as KeyPress (the shortcut takes it); its
        # ShortcutOverride does, and its KeyRelease.
        if t in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            if isinstance(event, QKeyEvent) and not event.isAutoRepeat():
                if t != QEvent.Type.KeyRelease:
                    self.held.add(int(event.key()))
                else:
                    self.held.discard(int(event.key()))
        elif t == QEvent.Type.ApplicationDeactivate:
            self.held.clear()  # a release outside the app never arrives
        return False


def _held_keys() -> _HeldKeys | None:
    app = QApplication.instance()
    if app is None:
        return None
    tracker = app.findChild(_HeldKeys, "facet-held-keys")
    if tracker is None:
        tracker = _HeldKeys(app)
        tracker.setObjectName("facet-held-keys")
        app.installEventFilter(tracker)
    return tracker
