"""The key map made live: QShortcuts and menu actions bound by action id, stored in QSettings.

``KeyBinder`` is the one owner of the app's keys. Components ask it for a shortcut by
action id (``binder.shortcut("play.toggle", window, controller.toggle_play)``) instead of
writing a key sequence, so Preferences can rebind every key at once (``apply``) and Help >
Keyboard shortcuts shows the table that is really in force. Per-code keys
(``CodeKey``: a key that codes ``6+12`` or an emotion) are bound here too and handed to
whoever codes (``code_key_pressed``).

It also tracks whether K is held (``WATCHED``), so "K held and L pressed" can mean slow
forward as in video editors: see :class:`_HeldKeys` for how without watching every event.
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

#: the plain keys whose "held" state is asked (K+J / K+L)
WATCHED = (Qt.Key.Key_K,)

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

    def __init__(self, keymap: KeyMap, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.keymap = keymap
        self._shortcuts: list[tuple[str, QShortcut]] = []
        self._actions: list[tuple[str, QAction]] = []
        self._code_shortcuts: list[QShortcut] = []
        self._code_parent: QWidget | None = None
        self._held = _held_keys()
        self._watch_always = False  # the tracker's filter stays on for this binder's keys
        tracker, owner = self._held, id(self)
        if tracker is not None:  # (a closure: the binder is gone when destroyed fires)
            self.destroyed.connect(lambda *_: tracker.need_always(owner, False))

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
        sc.activated.connect(lambda sc=sc: self._shortcut_fired(sc))
        self._shortcuts.append((action_id, sc))
        sc.destroyed.connect(lambda *_: self._forget(sc))
        self._watch_mode()
        return sc

    def bind_action(self, action_id: str, action: QAction) -> QAction:
        """Give a menu QAction the keys of ``action_id`` (rebound by ``apply``)."""
        action.setShortcuts(self.sequences(action_id))
        action.setProperty("action_id", action_id)
        self._actions.append((action_id, action))
        self._watch_mode()
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
        self._watch_mode()
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
            sc.activated.connect(lambda sc=sc: self._shortcut_fired(sc))
            self._code_shortcuts.append(sc)
        self._watch_mode()

    def _on_code_key(self, ck: CodeKey) -> None:
        self.code_key_pressed.emit(ck)

    # ------------------------------------------------------------------ held keys
    def is_held(self, key: Qt.Key) -> bool:
        """True while ``key`` (one of ``WATCHED``) is physically down (K+L / K+J)."""
        return self._held is not None and int(key) in self._held.held

    def _shortcut_fired(self, sc: QShortcut) -> None:
        """A QShortcut fires only from its key: when its one key is watched, that key is
        down now (its press never reaches an event filter: the shortcut takes it)."""
        if self._held is None:
            return
        keys = sc.keys()
        if len(keys) == 1:
            for key in WATCHED:
                if keys[0] == QKeySequence(key):
                    self._held.pressed(int(key))

    def _watch_mode(self) -> None:
        """Whether a watched key can be seen going down from its shortcuts: it must be the
        one key of every QShortcut that has it, and of no menu action (an action also
        fires from a click); else the tracker watches every event (as it always did)."""
        if self._held is None:
            return
        always = False
        for key in WATCHED:
            seq = QKeySequence(key)
            owners = [sc.keys() for _a, sc in self._shortcuts] + [
                sc.keys() for sc in self._code_shortcuts
            ]
            owners = [ks for ks in owners if seq in ks]
            in_action = any(seq in act.shortcuts() for _a, act in self._actions)
            always |= in_action or not owners or any(len(ks) != 1 for ks in owners)
        if always != self._watch_always:
            self._watch_always = always
            self._held.need_always(id(self), always)


class _HeldKeys(QObject):
    """One tracker for the whole app (not one per window): the watched keys down now.

    Seeing a key come up needs an application event filter, and an application filter
    is a Python call for every event of every widget (paints, layouts, timers: ~700
    during ten frame steps of a 100k-event project), each waiting for the GIL while a
    worker runs: 30-40 ms more per step there. So the filter is installed only while a
    watched key is down: its shortcut says it went down (:meth:`pressed`), the filter
    sees it come up and removes itself. When a key map makes that impossible (K on no
    shortcut of its own) the filter stays installed (:meth:`need_always`)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.held: set[int] = set()
        self._always: set[int] = set()  # binders whose keys need the filter all the time
        self._installed = False

    @property
    def watching(self) -> bool:
        """True while the application event filter is installed."""
        return self._installed

    def pressed(self, key: int) -> None:
        self.held.add(key)
        self._install()

    def need_always(self, owner: int, on: bool) -> None:
        (self._always.add if on else self._always.discard)(owner)
        self._install()

    def _install(self) -> None:
        want = bool(self.held or self._always)
        app = QApplication.instance()
        if want == self._installed or app is None:
            return
        self._installed = want
        if want:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)  # safe from inside eventFilter (Qt docs)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        t = event.type()
        # A key that is a shortcut never arrives as KeyPress (the shortcut takes it); its
        # ShortcutOverride does, and its KeyRelease.
        if t in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            if isinstance(event, QKeyEvent) and not event.isAutoRepeat():
                key = int(event.key())
                if t != QEvent.Type.KeyRelease:
                    if key in _WATCHED_INTS:
                        self.held.add(key)
                else:
                    self.held.discard(key)
                    self._install()
        elif t == QEvent.Type.ApplicationDeactivate:
            self.held.clear()  # a release outside the app never arrives
            self._install()
        return False


_WATCHED_INTS = frozenset(int(k) for k in WATCHED)


def _held_keys() -> _HeldKeys | None:
    app = QApplication.instance()
    if app is None:
        return None
    tracker = app.findChild(_HeldKeys, "facet-held-keys")
    if tracker is None:
        tracker = _HeldKeys(app)
        tracker.setObjectName("facet-held-keys")
    return tracker
