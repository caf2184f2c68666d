"""Right-click menu on timeline bars: the common one-field edits without opening a dialog.

Each entry pushes one command (a macro for several selected events), like every other edit.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMenu, QWidget

from annotator.commands import UpdateEventCommand, push_remove_events
from annotator.model.entities import EventKind
from annotator.model.facs import Intensity, Side
from annotator.model.project import ModelError, Project


def _push_all(
    stack: QUndoStack, project: Project, ids: list[int], text: str, changes_of: Any
) -> None:
    cmds = []
    for eid in ids:
        e = project.events.get(eid)
        ch = changes_of(e) if e is not None else None
        if ch:
            try:
                cmds.append(UpdateEventCommand(project, eid, ch, text))
            except ModelError:
                continue
    if len(cmds) > 1:
        stack.beginMacro(f"{text} ({len(cmds)} events)")
    for c in cmds:
        stack.push(c)
    if len(cmds) > 1:
        stack.endMacro()


def build_event_menu(
    parent: QWidget, project: Project, stack: QUndoStack, ids: list[int], playhead: int, edit: Any
) -> QMenu:
    """Menu for the selected events ``ids`` (the one under the mouse first)."""
    menu = QMenu(parent)
    first = project.events[ids[0]]
    menu.addAction("Edit…", lambda: edit(ids[0]))
    menu.addAction(
        f"Apex at playhead ({playhead})",
        lambda: _push_all(
            stack,
            project,
            ids,
            "Set apex",
            lambda e: (
                {"apex_frame": playhead} if e.onset_frame <= playhead <= e.offset_frame else None
            ),
        ),
    )
    menu.addAction(
        "Onset at playhead",
        lambda: _push_all(
            stack,
            project,
            ids,
            "Set onset",
            lambda e: {"onset_frame": playhead} if playhead <= e.offset_frame else None,
        ),
    )
    menu.addAction(
        "Offset at playhead",
        lambda: _push_all(
            stack,
            project,
            ids,
            "Set offset",
            lambda e: {"offset_frame": playhead} if playhead >= e.onset_frame else None,
        ),
    )
    if first.kind is EventKind.AU:
        inten = menu.addMenu("Intensity")
        for level in (None, *Intensity):
            inten.addAction(
                level.value if level else "unrated",
                lambda lv=level: _push_all(
                    stack,
                    project,
                    ids,
                    "Set intensity",
                    lambda e, lv=lv: (
                        {"intensity": lv, "code": _code(e.au, e.side, lv)}
                        if e.kind is EventKind.AU
                        else None
                    ),
                ),
            )
        side = menu.addMenu("Side")
        for s in (None, Side.L, Side.R):
            side.addAction(
                s.value if s else "both",
                lambda sv=s: _push_all(
                    stack,
                    project,
                    ids,
                    "Set side",
                    lambda e, sv=sv: (
                        {"side": sv, "code": _code(e.au, sv, e.intensity)}
                        if e.kind is EventKind.AU
                        else None
                    ),
                ),
            )
    menu.addSeparator()
    menu.addAction(f"Delete ({len(ids)})", lambda: push_remove_events(stack, project, ids))
    return menu


def _code(au: int | None, side: Side | None, intensity: Intensity | None) -> str:
    return f"{side.value if side else ''}{au}{intensity.value if intensity else ''}"


def show_event_menu(parent: QWidget, global_pos: QPoint, **kw: Any) -> None:
    build_event_menu(parent, **kw).popup(global_pos)
