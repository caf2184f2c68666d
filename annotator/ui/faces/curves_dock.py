"""The Curves dock: every curve of the current media per face, shown or hidden per curve.

A tree (face > curve) with a check box per curve; the checked ones are lanes under their
face on the timeline. "Candidates from threshold" turns the runs above the threshold of the
selected curves (or of the timeline's selected curve lane) into spotting candidates.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.timeline.curves import CurveKey, CurveStore

_KEY = Qt.ItemDataRole.UserRole


class CurvesDock(QWidget):
    candidates_requested = Signal(object)  # list of CurveKey

    def __init__(
        self, store: CurveStore, face_name: Callable[[str], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._face_name = face_name
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Curve", "Source", "Threshold"])
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.button = QPushButton("Candidates from threshold", self)
        self.button.setToolTip(
            "Runs above the threshold of the selected curves become "
            "candidates to accept (A) or reject (R). Drag on a curve lane "
            "to move its threshold."
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tree)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.status)
        self._filling = False
        self.tree.itemChanged.connect(self._on_item_changed)
        self.button.clicked.connect(self._on_button)
        store.changed.connect(self.refill)
        self.refill()

    def refill(self) -> None:
        self._filling = True
        try:
            open_faces = {
                self.tree.topLevelItem(i).data(0, _KEY)
                for i in range(self.tree.topLevelItemCount())
                if self.tree.topLevelItem(i).isExpanded()
            }
            selected = {it.data(0, _KEY) for it in self.tree.selectedItems()}
            self.tree.clear()
            faces = list(dict.fromkeys(k[0] for k in self.store.curves))
            for face in faces:
                top = QTreeWidgetItem([self._face_name(face)])
                top.setData(0, _KEY, face)
                self.tree.addTopLevelItem(top)
                for name in self.store.names(face):
                    key = (face, name)
                    c = self.store.curves[key]
                    item = QTreeWidgetItem(
                        [name, c.source, f"{self.store.thresholds.get(key, 0.0):.3g}"]
                    )
                    item.setData(0, _KEY, key)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(
                        0,
                        Qt.CheckState.Checked
                        if key in self.store.shown
                        else Qt.CheckState.Unchecked,
                    )
                    top.addChild(item)
                    if key in selected:
                        item.setSelected(True)
                top.setExpanded(face in open_faces or len(faces) <= 2)
            n = len(self.store.curves)
            self.status.setText(
                f"{n} curves, {len(self.store.shown)} shown as lanes"
                if n
                else "No curves: import OpenFace / py-feat output (File > Import) "
                "or run Faces > Detect and track faces."
            )
            self.tree.resizeColumnToContents(0)
        finally:
            self._filling = False

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        key = item.data(0, _KEY)
        if self._filling or column != 0 or not isinstance(key, tuple):
            return
        self.store.set_shown(key[0], key[1], item.checkState(0) == Qt.CheckState.Checked)

    def selected_keys(self) -> list[CurveKey]:
        return [
            it.data(0, _KEY)
            for it in self.tree.selectedItems()
            if isinstance(it.data(0, _KEY), tuple)
        ]

    def _on_button(self) -> None:
        self.candidates_requested.emit(self.selected_keys())
