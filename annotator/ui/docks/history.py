"""Undo history dock: the project's QUndoStack as a clickable list (QUndoView)."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QUndoView, QWidget


def make_history_view(stack: QUndoStack, parent: QWidget | None = None) -> QUndoView:
    view = QUndoView(stack, parent)
    view.setEmptyLabel("<opened>")
    view.setObjectName("UndoHistoryView")
    return view
