"""Undoable edits: each command wraps one model mutator and stores ids and plain values.

Commands never copy the project: ``redo()`` calls a mutator and ``undo()`` its inverse, so the
cost of an edit is the size of the edit, and views learn what changed from the model signals.
"""

from annotator.commands.events import (
    AddEventCommand,
    RemoveEventCommand,
    UpdateEventCommand,
    push_add_events,
    push_remove_events,
)
from annotator.commands.faces import (
    AddFaceCommand,
    MergeFacesCommand,
    RemoveFaceCommand,
    SetFaceBoxCommand,
    UpdateFaceCommand,
)
from annotator.commands.misc import (
    AddEmotionLabelCommand,
    AddMarkerCommand,
    RemoveMarkerCommand,
    UpdateMarkerCommand,
)

__all__ = [
    "AddEmotionLabelCommand",
    "AddEventCommand",
    "AddFaceCommand",
    "AddMarkerCommand",
    "MergeFacesCommand",
    "RemoveEventCommand",
    "RemoveFaceCommand",
    "RemoveMarkerCommand",
    "SetFaceBoxCommand",
    "UpdateEventCommand",
    "UpdateFaceCommand",
    "UpdateMarkerCommand",
    "push_add_events",
    "push_remove_events",
]
