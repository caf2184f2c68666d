"""The import plan dialog: what each tier of an ELAN, BORIS or Datavyu file becomes.

One row per tier: its id, participant, number of annotations and a few values, then the
two choices the user makes, the *role* (AU events, emotions, notes, markers, dialogue,
apexes, skip) and the *face* the events go on (an existing face, or a new one by name).
The proposal comes from ``annotator.io.eaf_import.propose``, so the dialog and
``annotator import --dry-run`` show the same plan; the dialog only collects the choices
and hands them back as :class:`EafOptions` overrides; it never touches the project.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.io.eaf_import import ROLES, EafOptions, TierChoice

ROLE_TEXT = {
    "au": "AU events (FACS codes)",
    "emotion": "emotions",
    "note": "notes",
    "marker": "markers (timeline labels)",
    "dialogue": "dialogue",
    "apex": "apexes",
    "skip": "skip",
}
HEADERS = ("Tier", "Participant", "Annotations", "Values", "Becomes", "Face")


class ImportPlanDialog(QDialog):
    def __init__(
        self,
        source: str,
        choices: list[TierChoice],
        faces: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import {source}")
        self.choices = choices
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "What each tier becomes. FACS codes are read only on tiers marked as AU events "
                "(by default those whose name or type says FACS/AU)."
            )
        )
        self.table = QTableWidget(len(choices), len(HEADERS), self)
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        self.roles: list[QComboBox] = []
        self.faces: list[QComboBox] = []
        names = list(dict.fromkeys(faces + [c.face for c in choices if c.face]))
        for r, c in enumerate(choices):
            for col, text in enumerate(
                (c.tier, c.participant, str(c.annotations), ", ".join(c.values[:4]))
            ):
                item = QTableWidgetItem(text if len(text) <= 48 else text[:47] + "…")
                item.setToolTip(c.reason if col == 0 else text)
                self.table.setItem(r, col, item)
            role = QComboBox(self.table)
            for key in ROLES:
                role.addItem(ROLE_TEXT[key], key)
            role.setCurrentIndex(ROLES.index(c.role))
            role.setToolTip(c.reason)
            face = QComboBox(self.table)
            face.setEditable(True)
            face.addItems(names)
            face.setCurrentText(c.face)
            self.table.setCellWidget(r, 4, role)
            self.table.setCellWidget(r, 5, face)
            self.roles.append(role)
            self.faces.append(face)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(3, 260)  # values are samples; the full text is the tooltip
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, min(600, 160 + 32 * len(choices)))

    def options(self, base: EafOptions | None = None) -> EafOptions:
        """The user's choices as overrides of the proposal."""
        opts = base or EafOptions()
        for c, role, face in zip(self.choices, self.roles, self.faces, strict=True):
            opts.roles[c.tier] = role.currentData()
            text = face.currentText().strip()
            if text and text != c.face:
                opts.faces[c.tier] = text
        return opts
