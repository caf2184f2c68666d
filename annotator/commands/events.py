"""Commands that add, change and remove events.

Each stores the event id and the field values it changed (old and new), never the project.
An emotion label that ``add_event``/``update_event`` appended to the vocabulary on redo is
taken out again on undo, so undo restores the exact document.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from annotator.model.entities import Event
from annotator.model.project import ModelError, Project

#: ``QUndoCommand.id()`` of nudges: consecutive nudges of the same event merge into one step.
NUDGE_ID = 0x4E55


def _labels(project: Project) -> list[str]:
    return list(project.vocabulary.emotions)


def _restore_labels(project: Project, before: list[str]) -> None:
    """Drop labels the redo appended (the model adds unknown emotions on the fly)."""
    for label in project.vocabulary.emotions[len(before) :][::-1]:
        project.remove_emotion_label(label)


def _check(project: Project, event: Event) -> None:
    """Refuse an invalid edit before it reaches the stack: an exception raised inside
    ``redo()`` would unwind through ``QUndoStack.push`` in C++ and leave it inconsistent."""
    problems = project.check_event(event)
    if problems:
        raise ModelError("; ".join(problems))


class AddEventCommand(QUndoCommand):
    """Add one event; the id the model assigns on first redo is kept for later redos."""

    def __init__(self, project: Project, event: Event, text: str = "") -> None:
        super().__init__(text or f"Add {event.describe() or event.kind.value}")
        _check(project, event)
        self._project = project
        self._event = event
        self._labels: list[str] = []

    @property
    def event_id(self) -> int:
        return self._event.id

    def redo(self) -> None:
        self._labels = _labels(self._project)
        self._event = self._project.add_event(self._event)

    def undo(self) -> None:
        self._project.remove_event(self._event.id)
        _restore_labels(self._project, self._labels)


class RemoveEventCommand(QUndoCommand):
    """Remove one event; undo puts the same value (same id) back."""

    def __init__(self, project: Project, event_id: int, text: str = "") -> None:
        event = project.events[event_id]
        super().__init__(text or f"Delete {event.describe() or event.kind.value}")
        self._project = project
        self._event_id = event_id
        self._event: Event = event

    def redo(self) -> None:
        self._event = self._project.remove_event(self._event_id)

    def undo(self) -> None:
        self._project.add_event(self._event)


class UpdateEventCommand(QUndoCommand):
    """Change some fields of one event; stores only those fields, before and after.

    With ``nudge=True`` successive commands on the same event merge (``mergeWith``), so
    holding an arrow key that moves an edge frame by frame is one undo step.
    """

    def __init__(
        self,
        project: Project,
        event_id: int,
        changes: dict[str, Any],
        text: str = "",
        *,
        nudge: bool = False,
    ) -> None:
        super().__init__(text or f"Edit event {event_id}")
        old = project.events[event_id]
        self._project = project
        self._event_id = event_id
        _check(project, dataclasses.replace(old, **changes))
        self._new = dict(changes)
        self._old = {k: getattr(old, k) for k in changes}
        self._nudge = nudge
        self._labels: list[str] = []

    @property
    def event_id(self) -> int:
        return self._event_id

    def id(self) -> int:
        return NUDGE_ID if self._nudge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, UpdateEventCommand) or other._event_id != self._event_id:
            return False
        if not (self._nudge and other._nudge):
            return False
        for key, value in other._old.items():
            self._old.setdefault(key, value)
        self._new.update(other._new)
        return True

    def redo(self) -> None:
        self._labels = _labels(self._project)
        self._project.update_event(self._event_id, **self._new)

    def undo(self) -> None:
        self._project.update_event(self._event_id, **self._old)
        _restore_labels(self._project, self._labels)


def moved(event: Event, delta_frames: int) -> dict[str, Any]:
    """Field changes that shift an event by ``delta_frames`` keeping its shape."""
    return {
        "onset_frame": event.onset_frame + delta_frames,
        "offset_frame": event.offset_frame + delta_frames,
        "apex_frame": None if event.apex_frame is None else event.apex_frame + delta_frames,
    }


def push_add_events(
    stack: QUndoStack, project: Project, events: Iterable[Event], text: str
) -> list[int]:
    """Add several events as one undo step; returns their ids."""
    cmds = [AddEventCommand(project, e) for e in events]
    if len(cmds) == 1:
        cmds[0].setText(text)
        stack.push(cmds[0])
    elif cmds:
        stack.beginMacro(text)
        try:
            for c in cmds:
                stack.push(c)
        finally:
            stack.endMacro()
    return [c.event_id for c in cmds]


def push_remove_events(stack: QUndoStack, project: Project, ids: Iterable[int]) -> None:
    """Delete several events as one undo step."""
    ids = [i for i in ids if i in project.events]
    if not ids:
        return
    if len(ids) == 1:
        stack.push(RemoveEventCommand(project, ids[0]))
        return
    stack.beginMacro(f"Delete {len(ids)} events")
    try:
        for i in ids:
            stack.push(RemoveEventCommand(project, i))
    finally:
        stack.endMacro()


def replaced(event: Event, **changes: Any) -> Event:
    return dataclasses.replace(event, **changes)
