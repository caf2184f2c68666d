"""AU palette dock: searchable AU list (recently used first), intensity and side choices.

Choosing an AU adds its lane to the selected face and selects that lane, so ``I``/``O``/
Enter code it; the intensity and side chosen here go on the AU events created next.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.model.facs import AU_NAMES, LEGACY_AUS, Intensity, Side, au_label

#: One-line hints of what each common AU looks like (FACS manual wording, shortened).
AU_HINTS: dict[int, str] = {
    1: "inner brow corners pulled up",
    2: "outer brows pulled up",
    4: "brows lowered, knit",
    5: "upper lid raised, more eye white",
    6: "cheeks raised, crow's feet",
    7: "lids tightened",
    9: "nose wrinkled",
    10: "upper lip raised",
    12: "lip corners pulled up obliquely",
    14: "lip corners tightened, dimple",
    15: "lip corners pulled down",
    17: "chin boss pushed up",
    20: "lips stretched sideways",
    23: "lips tightened, narrowed",
    24: "lips pressed together",
    25: "lips parted",
    26: "jaw lowered, relaxed",
    27: "mouth stretched wide open",
    43: "eyes closed",
    45: "blink",
    46: "wink",
}


class AuPaletteWidget(QWidget):
    au_chosen = Signal(int)  # add/select the lane of this AU on the current face
    intensity_changed = Signal(object)  # Intensity | None
    side_changed = Signal(object)  # Side | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search AU number or name…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.recent: list[int] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        self.intensity_group = self._buttons(lay, "Intensity", ["–", *[i.value for i in Intensity]])
        self.side_group = self._buttons(lay, "Side", ["both", "L", "R"])
        self.search.textChanged.connect(self._fill)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.list.itemActivated.connect(self._on_item_activated)
        self.list.itemDoubleClicked.connect(self._on_item_activated)
        self.intensity_group.idClicked.connect(self._on_intensity_clicked)
        self.side_group.idClicked.connect(self._on_side_clicked)
        self._fill()

    def _buttons(self, lay: QVBoxLayout, title: str, labels: list[str]) -> QButtonGroup:
        row = QHBoxLayout()
        row.addWidget(QLabel(title, self))
        group = QButtonGroup(self)
        for i, text in enumerate(labels):
            b = QPushButton(text, self)
            b.setCheckable(True)
            b.setFixedWidth(34 if len(text) < 3 else 44)
            b.setChecked(i == 0)
            group.addButton(b, i)
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        return group

    def set_recent(self, aus: list[int]) -> None:
        self.recent = list(aus)
        self._fill()

    def _fill(self) -> None:
        text = self.search.text().strip().lower().removeprefix("au")
        order = [*self.recent, *(n for n in sorted(AU_NAMES) if n not in self.recent)]
        self.list.clear()
        for n in order:
            name = AU_NAMES.get(n, "")
            hint = AU_HINTS.get(n, "")
            if text and not (
                str(n) == text
                or str(n).startswith(text)
                and text.isdigit()
                or text in name.lower()
                or text in hint.lower()
            ):
                continue
            label = f"{au_label(n)}  {name}" + ("  ★" if n in self.recent else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, n)
            item.setToolTip(hint or name + (" (legacy code)" if n in LEGACY_AUS else ""))
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _on_search_return_pressed(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._on_item_activated(item)

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.au_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _on_intensity_clicked(self, i: int) -> None:
        self.intensity_changed.emit(None if i == 0 else Intensity.from_level(i))

    def _on_side_clicked(self, i: int) -> None:
        self.side_changed.emit({0: None, 1: Side.L, 2: Side.R}[i])
