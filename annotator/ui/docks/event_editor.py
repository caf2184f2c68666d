"""Event editor dialog (double-click a bar): every field, validated as you type.

Problems (onset <= apex <= offset, frames inside the video, same-AU overlap) are shown in
the dialog before OK; OK pushes one ``UpdateEventCommand`` with only the changed fields.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from annotator.commands import UpdateEventCommand
from annotator.model.entities import EventKind
from annotator.model.facs import parse_code
from annotator.model.project import Project


class EventEditorDialog(QDialog):
    def __init__(
        self, project: Project, stack: QUndoStack, event_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.stack = stack
        self.edited = project.events[event_id]
        e = self.edited
        self.setWindowTitle(f"Event #{e.id} — {e.describe()}")
        last = max(0, project.timebase(e.media).frame_count - 1)
        form = QFormLayout(self)
        self.onset = self._spin(e.onset_frame, last)
        self.offset = self._spin(e.offset_frame, last)
        self.has_apex = QCheckBox("apex", self)
        self.has_apex.setChecked(e.apex_frame is not None)
        self.apex = self._spin(e.apex_frame if e.apex_frame is not None else e.onset_frame, last)
        form.addRow("Onset frame", self.onset)
        form.addRow(self.has_apex, self.apex)
        form.addRow("Offset frame", self.offset)
        self.code = QLineEdit(e.au_code, self)
        self.emotion = QComboBox(self)
        self.emotion.setEditable(True)
        self.emotion.addItems(project.vocabulary.emotions)
        self.emotion.setCurrentText(e.emotion or "")
        if e.kind is EventKind.AU:
            form.addRow("AU code", self.code)
        elif e.kind is EventKind.EMOTION:
            form.addRow("Emotion", self.emotion)
        self.confidence = QLineEdit("" if e.confidence is None else f"{e.confidence:g}", self)
        self.annotator = QLineEdit(e.annotator, self)
        self.note = QLineEdit(e.note, self)
        form.addRow("Confidence (0–1)", self.confidence)
        form.addRow("Annotator", self.annotator)
        form.addRow("Note", self.note)
        self.problems = QLabel(self)
        self.problems.setStyleSheet("color: #d43b3b")
        self.problems.setWordWrap(True)
        form.addRow(self.problems)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for w in (self.onset, self.offset, self.apex):
            w.valueChanged.connect(self.validate)
        self.has_apex.toggled.connect(self.validate)
        for le in (self.code, self.confidence, self.annotator, self.note):
            le.textChanged.connect(self.validate)
        self.emotion.currentTextChanged.connect(self.validate)
        self.validate()

    def _spin(self, value: int, last: int) -> QSpinBox:
        s = QSpinBox(self)
        s.setRange(0, max(last, value))
        s.setValue(value)
        return s

    def candidate(self) -> tuple[dict[str, Any], list[str]]:
        """Changed fields and the problems they would have."""
        e = self.edited
        ch: dict[str, Any] = {
            "onset_frame": self.onset.value(),
            "offset_frame": self.offset.value(),
            "apex_frame": self.apex.value() if self.has_apex.isChecked() else None,
            "annotator": self.annotator.text().strip(),
            "note": self.note.text().strip(),
        }
        problems: list[str] = []
        conf = self.confidence.text().strip()
        try:
            ch["confidence"] = float(conf) if conf else None
        except ValueError:
            problems.append("confidence must be a number")
        if e.kind is EventKind.AU:
            units = parse_code(self.code.text()).units
            if len(units) != 1:
                problems.append("type one AU code, e.g. R12C")
            else:
                u = units[0]
                ch.update(au=u.number, intensity=u.intensity, side=u.side, code=u.code)
        elif e.kind is EventKind.EMOTION:
            ch["emotion"] = self.emotion.currentText().strip()
        changed = {k: v for k, v in ch.items() if getattr(e, k) != v}
        new = dataclasses.replace(e, **changed)
        problems += self.project.check_event(new)
        if e.kind is EventKind.AU and not problems:
            for o in self.project.events.values():
                if (
                    o.id != e.id
                    and o.kind is EventKind.AU
                    and o.face == new.face
                    and o.au == new.au
                    and o.media == new.media
                    and o.onset_frame <= new.offset_frame
                    and new.onset_frame <= o.offset_frame
                ):
                    problems.append(f"warning: overlaps event #{o.id} of the same AU")
                    break
        return changed, problems

    def validate(self) -> None:
        _, problems = self.candidate()
        self.problems.setText("\n".join(problems))
        hard = [p for p in problems if not p.startswith("warning")]
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not hard)

    def accept(self) -> None:
        changed, problems = self.candidate()
        if any(not p.startswith("warning") for p in problems):
            return
        if changed:
            self.stack.push(
                UpdateEventCommand(
                    self.project, self.edited.id, changed, f"Edit {self.edited.describe()}"
                )
            )
        super().accept()
