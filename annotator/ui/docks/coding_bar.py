"""The coding bar above the timeline: quick FACS code field and the pending marks.

Typing a digit anywhere (outside text fields) lands here, so ``1+2+5B+26`` Enter codes
four AUs on the current face with the pending (or current) frames.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QWidget

from annotator.model.facs import parse_code
from annotator.ui.coding import code_problems


class CodingBar(QWidget):
    finished = Signal()  # a code was applied or dropped: give the keys back to the timeline

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.code = QLineEdit(self)
        self.code.setObjectName("QuickCodeField")
        self.code.setPlaceholderText("FACS code, e.g. 1+2+5B+26 or R12A — Enter codes it")
        self.code.setClearButtonEnabled(True)
        self.code.setMinimumWidth(180)
        self.preview = QLabel(self)
        self.preview.setMinimumWidth(120)
        # long texts must not widen the window (small screens): they are cut, tooltips
        # and the status bar carry them whole
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status = QLabel(
            "I onset · P apex · O offset · Enter commit · Esc cancel · "
            "Alt+1..8 emotion · Alt+9 own label",
            self,
        )
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setMinimumWidth(40)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.addWidget(QLabel("Code:", self))
        lay.addWidget(self.code)
        lay.addWidget(self.preview)
        lay.addWidget(self.status, 1)
        self.code.textChanged.connect(self._on_code_text_changed)
        self.code.returnPressed.connect(self._on_code_return_pressed)
        session.pending_changed.connect(self._on_session_pending_changed)

    def start_typing(self, text: str) -> None:
        self.code.setFocus()
        self.code.setText(self.code.text() + text)

    def _on_code_text_changed(self, text: str) -> None:
        if not text.strip():
            self.preview.setText("")
            return
        parsed = parse_code(text)
        errors, notes = code_problems(parsed)
        if errors:  # inline, naming the part; Enter will refuse it
            self.preview.setStyleSheet("color: #c0392b")
            self.preview.setText(f"✗ {errors[0]}")
            self.code.setToolTip("\n".join(errors))
            return
        self.preview.setStyleSheet("")
        self.code.setToolTip("")
        units = " ".join(f"AU{u.code}" for u in parsed.units)
        warn = f" ⚠ {notes[0]}" if notes else ""
        self.preview.setText(units + warn)

    def _on_code_return_pressed(self) -> None:
        if self.session.apply_code(self.code.text()):
            self.code.clear()
            self.finished.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.code.clear()
            self.finished.emit()
            return
        super().keyPressEvent(event)

    def _on_session_pending_changed(self, pending: Any) -> None:
        if pending is None:
            self.status.setText(
                "I onset · P apex · O offset · Enter commit · Esc cancel · "
                "Alt+1..8 emotion · Alt+9 own label"
            )
            return

        def f(v: int | None) -> str:
            return "—" if v is None else str(v)

        what = pending.emotion or (pending.lane[1] if pending.lane else "no lane")
        self.status.setText(
            f"Pending {what}: onset {f(pending.onset)} · apex {f(pending.apex)}"
            f" · offset {f(pending.offset)} — Enter commits, Esc cancels"
        )
