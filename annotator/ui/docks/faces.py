"""Face manager dock: add, rename, recolour, merge and remove faces; key their boxes.

Boxes are keyframes on frames; the model interpolates between them. "Key box" stores the
box shown at the current frame (interpolated, or a centred default) as a keyframe, which
the player then draws for the selected face.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QGridLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.commands import (
    AddFaceCommand,
    MergeFacesCommand,
    RemoveFaceCommand,
    SetFaceBoxCommand,
    UpdateFaceCommand,
)
from annotator.model.entities import FaceBox, Media
from annotator.model.project import ModelError, Project


class FaceManagerWidget(QWidget):
    face_selected = Signal(str)
    follow_changed = Signal(bool)
    message = Signal(str)

    def __init__(
        self,
        project: Project,
        stack: QUndoStack,
        frame: Callable[[], int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.stack = stack
        self.frame = frame
        self.list = QListWidget(self)
        self.follow = QCheckBox("Player follows selected face box", self)
        grid = QGridLayout()
        actions: list[tuple[str, Callable[[], None]]] = [
            ("Add", self.add_face),
            ("Rename…", self.rename_face),
            ("Colour…", self.recolour_face),
            ("Merge into…", self.merge_face),
            ("Key box", self.key_box),
            ("Unkey box", self.unkey_box),
            ("Remove", self.remove_face),
        ]
        for i, (text, slot) in enumerate(actions):
            b = QPushButton(text, self)
            b.clicked.connect(lambda _=False, s=slot: self._safely(s))
            grid.addWidget(b, i // 3, i % 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.list, 1)
        lay.addLayout(grid)
        lay.addWidget(self.follow)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.follow.toggled.connect(self.follow_changed)
        self.project = project
        self.media_id: str | None = None  # the take on screen; None: the first media
        self.set_project(project)

    def set_project(self, project: Project) -> None:
        self.project = project
        self.media_id = None  # a new project opens on its first media
        for sig in (project.face_added, project.face_removed, project.face_changed):
            sig.connect(self._on_project_faces_changed)
        self.refill()

    def set_media(self, media_id: str) -> None:
        """Box keys go to the take on screen: a box keyed while take 2 plays is a box on
        take 2's frames, not take 1's."""
        self.media_id = media_id

    def media(self) -> Media | None:
        """The Media boxes are keyed on: the current take, else the project's first."""
        if self.media_id is not None and self.media_id in self.project.media:
            return self.project.media[self.media_id]
        return self.project.primary_media

    def _on_project_faces_changed(self, *_args: Any) -> None:
        self.refill()

    def refill(self) -> None:
        current = self.current_face()
        self.list.blockSignals(True)
        self.list.clear()
        for f in self.project.faces.values():
            pm = QPixmap(14, 14)
            pm.fill(QColor(f.colour))
            item = QListWidgetItem(QIcon(pm), f"{f.name}  ({f.id}, {len(f.boxes)} box keys)")
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            self.list.addItem(item)
            if f.id == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def current_face(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def select_face(self, face_id: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == face_id:
                self.list.setCurrentRow(i)

    def _on_list_current_changed(self, *_args: Any) -> None:
        fid = self.current_face()
        if fid:
            self.face_selected.emit(fid)

    def _safely(self, slot: Callable[[], None]) -> None:
        try:
            slot()
        except ModelError as exc:
            self.message.emit(str(exc))

    # ------------------------------------------------------------------ actions
    def add_face(self, name: str = "") -> str:
        cmd = AddFaceCommand(self.project, name)
        self.stack.push(cmd)
        self.select_face(cmd.face_id)
        return cmd.face_id

    def rename_face(self) -> None:
        fid = self.current_face()
        if fid is None:
            return
        name, ok = QInputDialog.getText(
            self, "Rename face", "Name:", text=self.project.faces[fid].name
        )
        if ok and name.strip():
            self.stack.push(
                UpdateFaceCommand(
                    self.project, fid, {"name": name.strip()}, f"Rename face to {name.strip()}"
                )
            )

    def recolour_face(self) -> None:
        fid = self.current_face()
        if fid is None:
            return
        c = QColorDialog.getColor(QColor(self.project.faces[fid].colour), self, "Face colour")
        if c.isValid():
            self.stack.push(
                UpdateFaceCommand(self.project, fid, {"colour": c.name()}, "Recolour face")
            )

    def merge_face(self, into: str | None = None) -> None:
        fid = self.current_face()
        others = [f for f in self.project.faces.values() if f.id != fid]
        if fid is None or not others:
            return
        if into is None:
            names = [f"{f.name} ({f.id})" for f in others]
            choice, ok = QInputDialog.getItem(
                self, "Merge faces", f"Merge {self.project.faces[fid].name} into:", names, 0, False
            )
            if not ok:
                return
            into = others[names.index(choice)].id
        self.stack.push(MergeFacesCommand(self.project, into, fid))

    def remove_face(self) -> None:
        fid = self.current_face()
        if fid is not None:
            self.stack.push(RemoveFaceCommand(self.project, fid))

    def key_box(self) -> None:
        fid = self.current_face()
        media = self.media()
        if fid is None or media is None:
            return
        frame = self.frame()
        box = self.project.faces[fid].box_at(media.id, frame)
        if box is None:
            w, h = (media.width or 640), (media.height or 480)
            box = (w * 0.35, h * 0.25, w * 0.3, h * 0.4)
        self.stack.push(SetFaceBoxCommand(self.project, fid, FaceBox(media.id, frame, *box)))

    def unkey_box(self) -> None:
        fid = self.current_face()
        media = self.media()
        if fid is not None and media is not None:
            self.stack.push(
                SetFaceBoxCommand(self.project, fid, None, media=media.id, frame=self.frame())
            )
