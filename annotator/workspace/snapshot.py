"""An immutable snapshot of a project for background work (autosave, export, views).

Model values are frozen, so a snapshot only needs containers nobody will change. Taking
one copies nothing (issue 17: a dict copy of a million events is ~60 ms on the GUI
thread): the snapshot holds the live project's containers (media, faces, events, markers,
disputes; the curves list, which is only ever replaced whole), and the live project copies
a container before its next edit, once, only while a snapshot still holds it (copy on
write, :meth:`Project.share_containers`). The snapshot's own containers are shared for
good, so an edit made on the snapshot copies too and never reaches the live project. The
small vocabulary, whose lists are mutable, is copied whole.
"""

from __future__ import annotations

import copy
import weakref

from annotator.model.entities import Vocabulary
from annotator.model.project import Project
from annotator.model.signals import Signal


def copy_vocabulary(v: Vocabulary) -> Vocabulary:
    """Every part of it: a coding scheme's AU set, colours and per-code keys too (a copy of
    the labels alone made autosave, export and merge drop them)."""
    return Vocabulary(list(v.emotions), list(v.aus), dict(v.colours), dict(v.code_hotkeys))


def snapshot(project: Project) -> Project:
    """A project sharing the (frozen) values and, until the live project edits them, its
    containers; no listeners: the worker's reads never see a half-made edit, and nothing
    it does is announced to the views. O(1) in the number of events."""
    snap = copy.copy(project)
    held = project.share_containers()
    snap._shared = {name: [value, 1] for name, value in held.items()}
    snap.vocabulary = copy_vocabulary(project.vocabulary)
    snap._timebases = dict(project._timebases)
    snap._nominal_timebases = dict(project._nominal_timebases)
    for name, value in vars(project).items():
        if isinstance(value, Signal):
            setattr(snap, name, Signal(value.name))
    weakref.finalize(snap, project.release_containers, held)
    return snap
