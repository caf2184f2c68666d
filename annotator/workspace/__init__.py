"""The workspace: the one Qt-free owner of what the user is working on.

Modelled on napari's ``ViewerModel``: a typed object with evented state that widgets and
controllers receive in their constructors and subscribe to, so no component reaches into
the main window and no piece of state has two owners. See :mod:`annotator.workspace.state`.
"""

from annotator.workspace.state import (
    Loop,
    PendingMark,
    Selection,
    Workspace,
    WorkspaceEvents,
)

__all__ = ["Loop", "PendingMark", "Selection", "Workspace", "WorkspaceEvents"]
