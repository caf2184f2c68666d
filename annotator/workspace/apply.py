"""Make the live project equal to another one through the model's own mutators.

A merge on save (our changes on top of a file another writer changed) used to replace the
open project with the merged one and clear the undo stack: the history was lost, every
view re-bound, and the merge itself could not be undone. :func:`make_equal` instead
applies only the differences, item by item, through the same methods an edit uses, so
every view hears each change, every change moves the revision, and the undo command that
wraps it (``annotator.commands.document.MergeFromDiskCommand``) undoes it by making the
project equal to its snapshot from before.

Order matters because the model validates each step: media and faces are added before the
events that use them, events and markers are removed before the faces and media they
pointed at, and the vocabulary is replaced last (labels still used must stay in it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from annotator.model.project import Project
from annotator.workspace.snapshot import copy_vocabulary


def _changes(old: Any, new: Any) -> dict[str, Any]:
    """Fields of ``new`` that differ from ``old`` (the id never does)."""
    return {
        f.name: getattr(new, f.name)
        for f in dataclasses.fields(new)
        if f.name != "id" and getattr(old, f.name) != getattr(new, f.name)
    }


def make_equal(project: Project, target: Project) -> int:
    """Change ``project`` until it holds what ``target`` holds (media, faces, events,
    markers, curves, vocabulary, disputes, title, annotator, team); returns how many
    changes that took (0: already equal, nothing announced, the revision did not move).

    Real timebases of the media kept stay attached: they are the engine's, not the
    file's. Raises ``ModelError`` when a step is refused (apply it to a snapshot first).
    """
    before = project.revision
    media_order = list(target.media)
    for mid, m in target.media.items():
        cur = project.media.get(mid)
        if cur is None:
            project.add_media(m, index=media_order.index(mid))
        elif cur != m:
            project.update_media(mid, **_changes(cur, m))
    face_order = list(target.faces)
    for fid, f in target.faces.items():
        cur_face = project.faces.get(fid)
        if cur_face is None:
            project.restore_face(f, face_order.index(fid))
        elif cur_face != f:
            project.update_face(fid, **_changes(cur_face, f))
    for eid in [i for i in project.events if i not in target.events]:
        project.remove_event(eid)
    for mk in [i for i in project.markers if i not in target.markers]:
        project.remove_marker(mk)
    for eid, e in target.events.items():
        cur_event = project.events.get(eid)
        if cur_event is None:
            project.add_event(e)
        elif cur_event != e:
            project.replace_event(e)
    for mk, marker in target.markers.items():
        cur_marker = project.markers.get(mk)
        if cur_marker is None:
            project.add_marker(marker)
        elif cur_marker != marker:
            project.update_marker(mk, **_changes(cur_marker, marker))
    if project.curves != target.curves:
        project.set_curves(list(target.curves))
    for fid in [i for i in project.faces if i not in target.faces]:
        project.remove_face(fid)
    for mid in [i for i in project.media if i not in target.media]:
        project.remove_media(mid)
    if project.vocabulary != target.vocabulary:
        project.set_vocabulary(copy_vocabulary(target.vocabulary))
    for did in [i for i in project.disputes if i not in target.disputes]:
        project.remove_dispute(did)
    for did, d in target.disputes.items():
        if project.disputes.get(did) != d:
            project.set_dispute(d)
    project.set_header(target.title, target.annotator, target.team)
    return project.revision - before
