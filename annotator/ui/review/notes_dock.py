"""NotesDock: the list of frame notes (click to jump), note text, and the drawing tools.

Display and intent only: it shows what the ``ReviewController`` reports and emits what
the user asked for; the controller pushes the commands.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.model import Marker
from annotator.model.timecode import frame_to_smpte
from annotator.review.notes import ShapeType

TOOL_LABELS = (
    (ShapeType.ARROW, "Arrow"),
    (ShapeType.CIRCLE, "Circle"),
    (ShapeType.FREEHAND, "Freehand"),
    (ShapeType.RECT, "Box"),
)
COLOURS = ("#ffcc00", "#ff4d4d", "#4dd2ff", "#7dff7a", "#ffffff")


class NotesDock(QWidget):
    note_activated = Signal(int)  # jump to the note and select it
    new_requested = Signal()
    text_edited = Signal(int, str)
    delete_requested = Signal(int)
    clear_drawing_requested = Signal(int)
    step_requested = Signal(int)  # -1 previous note, +1 next note
    tool_chosen = Signal(object, str)  # ShapeType | None, colour
    edge_requested = Signal(int, int)  # note id, 0 = start here / 1 = end here

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notesDock")
        self._fps: Fraction = Fraction(25)
        self._notes: list[Marker] = []
        self._colour = COLOURS[0]

        self.list = QListWidget(self)
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.list.itemClicked.connect(self._on_list_item_activated)

        self.text = QLineEdit(self)
        self.text.setPlaceholderText("Note text (Enter to save)")
        self.text.setEnabled(False)
        self.text.editingFinished.connect(self._on_text_editing_finished)

        top = QHBoxLayout()
        self.new_button = self._button(
            "New note (N)",
            "Note on this frame, or on the loop A-B when it holds the playhead",
            self.new_requested.emit,
        )
        self.prev_button = self._button(
            "◀", "Previous note (Shift+,)", lambda: self.step_requested.emit(-1)
        )
        self.next_button = self._button(
            "▶", "Next note (Shift+.)", lambda: self.step_requested.emit(1)
        )
        for b in (self.new_button, self.prev_button, self.next_button):
            top.addWidget(b)
        top.addStretch(1)

        tools = QHBoxLayout()
        tools.addWidget(QLabel("Draw:"))
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(False)
        self.tool_buttons: dict[ShapeType, QToolButton] = {}
        for kind, label in TOOL_LABELS:
            b = QToolButton(self)
            b.setText(label)
            b.setCheckable(True)
            b.setToolTip(
                f"Drag on the picture to draw a {label.lower()} on the note shown; "
                "right-click cancels"
            )
            b.toggled.connect(lambda on, k=kind: self._on_tool_toggled(k, on))
            self.tool_group.addButton(b)
            self.tool_buttons[kind] = b
            tools.addWidget(b)
        self.colour_buttons: list[QToolButton] = []
        for c in COLOURS:
            b = QToolButton(self)
            b.setFixedSize(18, 18)
            b.setStyleSheet(f"background:{c};border:1px solid #444;border-radius:3px")
            b.setToolTip(f"Colour {c}")
            b.clicked.connect(lambda _=False, c=c: self._on_colour_clicked(c))
            self.colour_buttons.append(b)
            tools.addWidget(b)
        tools.addStretch(1)

        bottom = QHBoxLayout()
        self.clear_button = self._button(
            "Clear drawing", "Remove the note's shapes", self._on_clear_clicked
        )
        self.delete_button = self._button(
            "Delete note", "Delete the selected note", self._on_delete_clicked
        )
        self.start_button = self._button(
            "Start here", "The note starts at the current frame", lambda: self._on_edge_clicked(0)
        )
        self.end_button = self._button(
            "End here", "The note ends at the current frame", lambda: self._on_edge_clicked(1)
        )
        bottom.addWidget(self.start_button)
        bottom.addWidget(self.end_button)
        bottom.addWidget(self.clear_button)
        bottom.addWidget(self.delete_button)
        bottom.addStretch(1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addLayout(tools)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.text)
        lay.addLayout(bottom)
        self._update_enabled()

    def _button(self, text: str, tip: str, slot: object) -> QPushButton:
        b = QPushButton(text, self)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    # -- from the controller -------------------------------------------------------------
    def set_fps(self, fps: Fraction) -> None:
        self._fps = Fraction(fps)

    def set_notes(self, notes: list[Marker]) -> None:
        selected = self.selected_id()
        self._notes = list(notes)
        self.list.blockSignals(True)
        self.list.clear()
        for m in notes:
            tc = frame_to_smpte(m.start_frame, self._fps)
            span = f" +{m.end_frame - m.start_frame + 1}f" if m.end_frame > m.start_frame else ""
            draw = f"  ✎{len(m.drawing)}" if m.drawing else ""
            item = QListWidgetItem(f"{tc}{span}{draw}\n{m.text or '(no text)'}")
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            item.setToolTip(
                f"frames {m.start_frame}-{m.end_frame}" + (f", by {m.author}" if m.author else "")
            )
            if not m.text:
                item.setForeground(QColor("#888"))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.show_selection(selected)

    def show_selection(self, note_id: int | None) -> None:
        self.list.blockSignals(True)
        self.list.clearSelection()
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == note_id:
                item.setSelected(True)
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item)
        self.list.blockSignals(False)
        note = next((m for m in self._notes if m.id == note_id), None)
        if not self.text.hasFocus():
            self.text.setText(note.text if note else "")
        self._update_enabled()

    def selected_id(self) -> int | None:
        items = self.list.selectedItems()
        return int(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def disarm_tools(self) -> None:
        for b in self.tool_buttons.values():
            b.setChecked(False)

    def focus_text(self) -> None:
        self.text.setFocus()
        self.text.selectAll()

    # -- user intents --------------------------------------------------------------------
    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        self.note_activated.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _on_text_editing_finished(self) -> None:
        nid = self.selected_id()
        if nid is not None:
            self.text_edited.emit(nid, self.text.text().strip())

    def _on_tool_toggled(self, kind: ShapeType, on: bool) -> None:
        if on:
            for k, b in self.tool_buttons.items():
                if k is not kind and b.isChecked():
                    b.blockSignals(True)
                    b.setChecked(False)
                    b.blockSignals(False)
            self.tool_chosen.emit(kind, self._colour)
        elif not any(b.isChecked() for b in self.tool_buttons.values()):
            self.tool_chosen.emit(None, self._colour)

    def _on_colour_clicked(self, colour: str) -> None:
        self._colour = colour
        armed = next((k for k, b in self.tool_buttons.items() if b.isChecked()), None)
        if armed is not None:
            self.tool_chosen.emit(armed, colour)

    def _on_edge_clicked(self, which: int) -> None:
        nid = self.selected_id()
        if nid is not None:
            self.edge_requested.emit(nid, which)

    def _on_clear_clicked(self) -> None:
        nid = self.selected_id()
        if nid is not None:
            self.clear_drawing_requested.emit(nid)

    def _on_delete_clicked(self) -> None:
        nid = self.selected_id()
        if nid is not None:
            self.delete_requested.emit(nid)

    def _update_enabled(self) -> None:
        has = self.selected_id() is not None
        for w in (
            self.text,
            self.clear_button,
            self.delete_button,
            self.start_button,
            self.end_button,
        ):
            w.setEnabled(has)
