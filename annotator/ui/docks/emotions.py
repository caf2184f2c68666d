"""Emotion picker: Ekman's seven, neutral and the project's own labels, with Alt+digit keys."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QGridLayout,
    QInputDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.commands import AddEmotionLabelCommand
from annotator.model.project import ModelError, Project


class EmotionPickerWidget(QWidget):
    emotion_picked = Signal(str)

    def __init__(self, project: Project, stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.stack = stack
        self.grid = QGridLayout()
        add = QPushButton("+ custom label…", self)
        add.clicked.connect(self._on_add_clicked)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(self.grid)
        lay.addWidget(add)
        lay.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        self.set_project(project)

    def set_project(self, project: Project) -> None:
        self.project = project
        project.vocabulary_changed.connect(self.refill)
        self.refill()

    def refill(self) -> None:
        for b in self.buttons.values():
            b.deleteLater()
        self.buttons.clear()
        for i, label in enumerate(self.project.vocabulary.emotions):
            key = self.project.vocabulary.shortcut_of(label)
            key = key if key and key != "9" else ""  # Alt+9 is the custom label entry
            b = QPushButton(f"{label}" + (f"  (Alt+{key})" if key else ""), self)
            b.setToolTip(f"Code '{label}' for the pending marks or the selected emotion event")
            b.clicked.connect(lambda _=False, lab=label: self.emotion_picked.emit(lab))
            self.grid.addWidget(b, i // 2, i % 2)
            self.buttons[label] = b

    def _on_add_clicked(self) -> None:
        label, ok = QInputDialog.getText(self, "Emotion label", "New label for this project:")
        if ok and label.strip():
            try:
                self.stack.push(AddEmotionLabelCommand(self.project, label))
            except ModelError:
                pass
