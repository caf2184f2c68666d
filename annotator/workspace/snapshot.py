"""An immutable snapshot of a project for background work (autosave, export, import).

Model values are frozen dataclasses, so a snapshot only copies the containers: the dicts
of media, faces, events, markers and disputes, the curves list and the vocabulary. That costs
milliseconds even for 100,000 events, so it is taken on the GUI thread and the worker
reads it while the user keeps editing the live project.
"""

from __future__ import annotations

import copy

from annotator.model.entities import Vocabulary
from annotator.model.project import Project
from annotator.model.signals import Signal


def copy_vocabulary(v: Vocabulary) -> Vocabulary:
    """Every part of it: a coding scheme's AU set, colours and per-code keys too (a copy of
    the labels alone made autosave, export and merge drop them)."""
    return Vocabulary(list(v.emotions), list(v.aus), dict(v.colours), dict(v.code_hotkeys))


def snapshot(project: Project) -> Project:
    """A project sharing the (frozen) values but none of the containers, with no
    listeners: the worker's reads never see a half-made edit, and nothing it does is
    announced to the views."""
    snap = copy.copy(project)
    snap.media = dict(project.media)
    snap.faces = dict(project.faces)
    snap.events = dict(project.events)
    snap.markers = dict(project.markers)
    snap.curves = list(project.curves)
    snap.vocabulary = copy_vocabulary(project.vocabulary)
    snap.disputes = dict(project.disputes)
    snap._timebases = dict(project._timebases)
    snap._nominal_timebases = dict(project._nominal_timebases)
    for name, value in vars(project).items():
        if isinstance(value, Signal):
            setattr(snap, name, Signal(value.name))
    return snap
