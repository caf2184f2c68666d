"""The key map: Qt-free registry, conflicts, JSON files, README table, live rebinding."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.ui.keymap import (
    ACTIONS,
    Context,
    KeyMap,
    KeyMapError,
    make_code_key,
    normalise_key,
    readme_table,
)

ROOT = Path(__file__).resolve().parents[2]


def test_keymap_package_never_imports_qt() -> None:
    code = (
        "import sys, annotator.ui.keymap as k; k.readme_table();"
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.stdout.strip() == "False", out.stderr


def test_readme_keys_table_is_the_key_map() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Keys\n", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(ln for ln in section.splitlines() if ln.startswith("|")) + "\n"
    assert table == readme_table(), "README 'Keys' table differs: paste readme_table()"


def test_default_keys_are_what_qt_reads_them_as() -> None:
    from PySide6.QtGui import QKeySequence

    for a in ACTIONS:
        if not a.remappable:
            continue
        for k in a.keys:
            qt = QKeySequence(k).toString(QKeySequence.SequenceFormat.PortableText)
            assert qt == k == normalise_key(k), a.id


@pytest.mark.parametrize(
    "raw, want",
    [
        ("shift+ctrl+x", "Ctrl+Shift+X"),
        ("ctrl+g", "Ctrl+G"),
        ("escape", "Esc"),
        ("Delete", "Del"),
        ("Ctrl++", "Ctrl++"),
        ("alt+9", "Alt+9"),
        ("Page Up", "PgUp"),
    ],
)
def test_normalise_key_matches_qt(raw: str, want: str) -> None:
    from PySide6.QtGui import QKeySequence

    assert normalise_key(raw) == want
    assert QKeySequence(raw).toString(QKeySequence.SequenceFormat.PortableText) == want


@pytest.mark.parametrize("raw", ["", "Hyper+X", "Ctrl+Banana", "Ctrl+"])
def test_bad_keys_are_refused(raw: str) -> None:
    with pytest.raises(KeyMapError):
        normalise_key(raw)


def test_defaults_have_no_conflicts_and_contexts_rank() -> None:
    assert KeyMap().conflicts() == []
    assert (
        Context.DIALOG.precedence
        > Context.CODE_FIELD.precedence
        > Context.TIMELINE_DRAG.precedence
        > Context.PLAYER.precedence
    )
    # one key, two contexts: Esc cancels a drag during a drag, the pending mark otherwise
    km = KeyMap()
    assert km.action_for("Esc", Context.TIMELINE_DRAG) == "timeline.cancel_drag"
    assert km.action_for("Esc", Context.PLAYER) == "code.cancel"


def test_remap_conflict_and_reset() -> None:
    km = KeyMap()
    km.set_keys("play.toggle", ["k"])
    assert km.keys("play.toggle") == ("K",)
    assert [c.key for c in km.conflicts()] == ["K"]
    km.set_keys("play.shuttle_stop", ["Ctrl+K"])
    assert km.conflicts() == []
    km.reset()
    assert km.keys("play.toggle") == ("Space",) and km.overrides == {}
    with pytest.raises(KeyMapError, match="fixed key"):
        km.set_keys("code.type", ["X"])


def test_code_keys_validate_through_the_facs_parser() -> None:
    ck = make_code_key("shift+1", code="12+6")
    assert (ck.key, ck.code) == ("Shift+1", "6+12")
    assert make_code_key("Shift+2", emotion="happiness").label == "emotion happiness"
    with pytest.raises(KeyMapError, match="99"):
        make_code_key("Shift+3", code="99")
    with pytest.raises(KeyMapError):
        make_code_key("Shift+3", code="6+12", emotion="joy")
    km = KeyMap(codes=[make_code_key("I", code="6")])
    assert "I" in [c.key for c in km.conflicts()]  # a code key cannot steal onset


def test_json_round_trip_and_file_errors(tmp_path: Path) -> None:
    km = KeyMap(
        codes=[
            make_code_key("Shift+1", code="6+12"),
            make_code_key("Shift+2", emotion="happiness"),
        ],
        reaction_ms=250,
    )
    km.set_keys("play.loop_clear", ["Ctrl+L"])
    path = tmp_path / "lab.json"
    km.save(path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "facet-keymap" and doc["keys"]["play.loop_clear"] == ["Ctrl+L"]
    back = KeyMap.load(path)
    assert back.to_dict() == km.to_dict()

    bad = tmp_path / "bad.json"
    for text, problem in [
        (
            '{"format": "facet-keymap", "version": 1, "keys": {"play.nope": ["X"]}}',
            "unknown action 'play.nope'",
        ),
        (
            '{"format": "facet-keymap", "version": 1, "keys": {"play.toggle": ["K"]}}',
            "K is bound twice",
        ),
        (
            '{"format": "facet-keymap", "version": 1, "codes": [{"key": "Q", "code": "12Z"}]}',
            "codes/0",
        ),
        ('{"format": "other"}', "not a Facet key map"),
        ('{"format": ', "line 1"),
    ]:
        bad.write_text(text)
        with pytest.raises(KeyMapError) as err:
            KeyMap.load(bad)
        msg = str(err.value)
        assert msg.startswith(str(bad)) and problem in msg and "\n" not in msg


def test_preferences_rebind_live_store_and_help_table(make_window, qtbot, tmp_path) -> None:
    from PySide6.QtCore import Qt

    from annotator.ui.keys import SETTINGS_KEY, load_keymap
    from annotator.ui.keys_dialogs import PreferencesDialog, ShortcutsDialog

    w = make_window()
    help_dialog = ShortcutsDialog(w.keys, w)
    prefs = PreferencesDialog(w.keys, w)
    row = next(
        r
        for r in range(prefs.keys_table.rowCount())
        if prefs.keys_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "play.loop_clear"
    )
    prefs.keys_table.item(row, 2).setText("Ctrl+L")
    prefs.reaction.setValue(300)
    # a conflict is refused inline and applies nothing
    row_toggle = next(
        r
        for r in range(prefs.keys_table.rowCount())
        if prefs.keys_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "play.toggle"
    )
    prefs.keys_table.item(row_toggle, 2).setText("I")
    prefs.accept()
    assert "I is bound twice" in prefs.error.text()
    assert w.keys.keymap.keys("play.loop_clear") == ("\\",)
    prefs.keys_table.item(row_toggle, 2).setText("Space")
    prefs.accept()
    assert prefs.error.text() == ""
    (sc,) = w.keys.shortcuts("play.loop_clear")
    seqs = sc.keys()
    assert [s.toString() for s in seqs] == ["Ctrl+L"]
    assert load_keymap(w.settings).keys("play.loop_clear") == ("Ctrl+L",)
    assert load_keymap(w.settings).reaction_ms == 300
    cells = [help_dialog.table.item(r, 0).text() for r in range(help_dialog.table.rowCount())]
    assert "Ctrl+L" in cells  # Help > Keyboard shortcuts shows the live table
    # export and import through the dialog
    out = tmp_path / "lab-keys.json"
    assert prefs.export_file(str(out))
    prefs.load(KeyMap())
    assert prefs.import_file(str(out))
    assert prefs.keymap().keys("play.loop_clear") == ("Ctrl+L",)
    w.settings.remove(SETTINGS_KEY)


def test_every_window_key_comes_from_the_key_map(make_window) -> None:
    """No stray QShortcut: every shortcut the window has carries an action id, except the
    fixed digits that start a code and per-code keys."""
    from PySide6.QtGui import QShortcut

    w = make_window()
    stray = [
        sc.key().toString()
        for sc in w.findChildren(QShortcut)
        if not sc.property("action_id") and not re.fullmatch(r"\d", sc.key().toString())
    ]
    assert stray == []
