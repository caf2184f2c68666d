"""Help > Keyboard shortcuts (the live key map) and Edit > Preferences (keys, per-code keys,
reaction time, key map files for a lab to share)."""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.keymap import ACTIONS, KeyMap, KeyMapError, make_code_key
from annotator.ui.keymap.keymap import MAX_REACTION_MS
from annotator.ui.keys import KeyBinder

log = logging.getLogger(__name__)

KEYMAP_FILTER = "Facet key maps (*.json);;All files (*)"


class ShortcutsDialog(QDialog):
    """The key map in force, refreshed whenever Preferences change it."""

    def __init__(self, binder: KeyBinder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.binder = binder
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["Key", "Does", "Where"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        lay = QVBoxLayout(self)
        lay.addWidget(
            QLabel(
                "Where two places bind one key, the more specific one wins "
                "(dialog > code field > timeline drag > timeline > window).",
                self,
            )
        )
        lay.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        binder.changed.connect(self.refresh)
        self.refresh()
        self.resize(760, 560)

    def refresh(self, *_args: object) -> None:
        rows = self.binder.keymap.rows()
        self.table.setRowCount(len(rows))
        for r, (keys, text, where, _id) in enumerate(rows):
            for c, value in enumerate((keys, text, where)):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnToContents(0)


class PreferencesDialog(QDialog):
    """Edits a copy of the key map; OK applies it only when it has no conflicts."""

    def __init__(self, binder: KeyBinder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PreferencesDialog")
        self.setWindowTitle("Preferences")
        self.binder = binder
        self.remappable = [a for a in ACTIONS if a.remappable]
        self.tabs = tabs = QTabWidget(self)
        # keys
        self.keys_table = QTableWidget(len(self.remappable), 3, self)
        self.keys_table.setObjectName("KeysTable")
        self.keys_table.setHorizontalHeaderLabels(["Action", "Where", "Keys"])
        self.keys_table.horizontalHeaderItem(2).setToolTip(
            "Several keys: a comma and a space between (Return, Enter)"
        )
        self.keys_table.verticalHeader().hide()
        self.keys_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.keys_table.setColumnWidth(2, 200)
        tabs.addTab(self.keys_table, "Keys")
        # per-code keys
        codes = QWidget(self)
        self.codes_table = QTableWidget(0, 3, codes)
        self.codes_table.setObjectName("CodeKeysTable")
        self.codes_table.setHorizontalHeaderLabels(["Key", "FACS code (6+12)", "or emotion"])
        self.codes_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        add = QPushButton("Add", codes)
        add.clicked.connect(lambda: self.codes_table.insertRow(self.codes_table.rowCount()))
        remove = QPushButton("Remove", codes)
        remove.clicked.connect(lambda: self.codes_table.removeRow(self.codes_table.currentRow()))
        cl = QVBoxLayout(codes)
        cl.addWidget(
            QLabel(
                "A key that codes the pending (or current) frames in one press, "
                "like ELAN's vocabulary shortcuts or BORIS's coding pad.",
                codes,
            )
        )
        cl.addWidget(self.codes_table)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        cl.addLayout(row)
        tabs.addTab(codes, "Per-code keys")
        # coding
        coding = QWidget(self)
        form = QFormLayout(coding)
        self.reaction = QSpinBox(coding)
        self.reaction.setObjectName("ReactionMs")
        self.reaction.setRange(0, MAX_REACTION_MS)
        self.reaction.setSingleStep(50)
        self.reaction.setSuffix(" ms")
        form.addRow("Reaction time (marks during playback go back by it):", self.reaction)
        tabs.addTab(coding, "Coding")

        self.error = QLabel("", self)
        self.error.setObjectName("PreferencesError")
        self.error.setStyleSheet("color: #c0392b")
        self.error.setWordWrap(True)
        files = QHBoxLayout()
        for text, slot in (
            ("Import key map…", self.import_dialog),
            ("Export key map…", self.export_dialog),
            ("Reset to defaults", lambda: self.load(KeyMap())),
        ):
            b = QPushButton(text, self)
            b.clicked.connect(slot)
            files.addWidget(b)
        files.addStretch(1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs)
        lay.addLayout(files)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.load(binder.keymap)
        self.resize(760, 560)

    def add_page(self, title: str, page: QWidget) -> None:
        """A further page (tab) owned by another area, e.g. Preview copies (issue 19.5)."""
        page.setParent(self.tabs)
        self.tabs.addTab(page, title)

    # ------------------------------------------------------------------ model <-> table
    def load(self, km: KeyMap) -> None:
        for r, a in enumerate(self.remappable):
            for c, value in enumerate((a.text, a.context.value, ", ".join(km.keys(a.id)))):
                item = QTableWidgetItem(value)
                if c < 2:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setData(Qt.ItemDataRole.UserRole, a.id)
                self.keys_table.setItem(r, c, item)
        self.codes_table.setRowCount(len(km.codes))
        for r, ck in enumerate(km.codes):
            for c, value in enumerate((ck.key, ck.code, ck.emotion)):
                self.codes_table.setItem(r, c, QTableWidgetItem(value))
        self.reaction.setValue(km.reaction_ms)
        self.error.setText("")

    def keymap(self) -> KeyMap:
        """The key map the dialog shows; KeyMapError names the first bad cell or conflict."""
        km = KeyMap()
        for r, a in enumerate(self.remappable):
            item = self.keys_table.item(r, 2)
            text = item.text() if item is not None else ""
            # ", " between keys: a comma inside a key ("Ctrl+,") has no space after it
            keys = [k for k in (p.strip() for p in re.split(r",\s+", text.strip())) if k]
            try:
                km.set_keys(a.id, keys)
            except KeyMapError as e:
                raise KeyMapError(f"{a.text}: {e}") from None
        codes = []
        for r in range(self.codes_table.rowCount()):
            cells = [self.codes_table.item(r, c) for c in range(3)]
            key, code, emotion = (c.text().strip() if c is not None else "" for c in cells)
            if not (key or code or emotion):
                continue
            try:
                codes.append(make_code_key(key, code=code, emotion=emotion))
            except KeyMapError as e:
                raise KeyMapError(f"per-code key {r + 1}: {e}") from None
        km.set_codes(codes)
        km.reaction_ms = self.reaction.value()
        conflicts = km.conflicts()
        if conflicts:
            raise KeyMapError(conflicts[0].message())
        return km

    def accept(self) -> None:
        try:
            km = self.keymap()
        except KeyMapError as e:
            self.error.setText(str(e))
            return
        self.error.setText("")
        self.binder.apply(km)
        super().accept()

    # ------------------------------------------------------------------ files
    def import_file(self, path: str) -> bool:
        try:
            self.load(KeyMap.load(path))
        except KeyMapError as e:
            self.error.setText(str(e))
            return False
        return True

    def export_file(self, path: str) -> bool:
        try:
            self.keymap().save(path)
        except KeyMapError as e:
            self.error.setText(str(e))
            return False
        except OSError as e:
            self.error.setText(f"{path}: {e.strerror or e}")
            return False
        self.error.setText(f"Exported to {path}")
        return True

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import key map", "", KEYMAP_FILTER)
        if path:
            self.import_file(path)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export key map", "facet-keys.json", KEYMAP_FILTER
        )
        if path:
            self.export_file(path)
