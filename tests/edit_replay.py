"""Undo of the random edits the incremental-view property tests make (stats, breakdown)."""

from __future__ import annotations

from annotator.model import Event, Project


def undo_last(project: Project, undo: list[tuple[str, Event]]) -> None:
    """Undo the newest entry of ``undo``: ``("remove", e)`` removes the event that was
    added, ``("add", e)`` puts back the one removed, ``("replace", e)`` restores ``e``."""
    how, e = undo.pop()
    if how == "remove":
        project.remove_event(e.id)
    elif how == "add":
        project.add_event(e)
    else:
        project.replace_event(e)
