"""Imports as plans: read a file into the things it adds, apply them to a copy, commit.

An importer never edits the project it reads from. It returns an :class:`ImportPlan`
(faces, events, markers, curves, labels to add); :func:`apply_plan` applies it to a
project through the model's validating mutators. The CLI applies the plan to a copy of
the project and saves only when everything went in; the GUI checks the plan on a copy the
same way, then pushes it as one undo command, so a bad file never leaves a half import.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.io.common import Warn, attach_timebases, warn_stderr
from annotator.io.project_file import load_project, save_project
from annotator.model import Curve, Event, Face, Marker, ModelError, Project
from annotator.model.entities import FACE_COLOURS
from annotator.model.serialize import project_from_dict, project_to_dict


class ImportFileError(ValueError):
    """A file that cannot be imported; the message is one line naming file, place, problem."""


def read_utf8(path: Path, hint: str = "") -> str:
    """The file's text; a non-UTF-8 file is one line naming the line and byte."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ImportFileError(
            f"{Path(path).name}: line {line}: not UTF-8 text (byte {e.start})"
            + (f"; {hint}" if hint else "")
        ) from None


@dataclass
class ImportPlan:
    source: str  # file name, for messages and undo text
    faces: list[Face] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # id 0: the project assigns ids
    markers: list[Marker] = field(default_factory=list)  # id 0
    curves: list[Curve] = field(default_factory=list)  # replace curves with the same key
    warnings: list[str] = field(default_factory=list)
    #: what each part of the file becomes (one line per tier, sheet filter, ...), for
    #: ``--dry-run`` and the import dialog
    mapping: list[str] = field(default_factory=list)
    duplicates: int = 0  # events and markers already in the project: skipped

    def summary(self) -> str:
        parts = [f"{len(self.events)} events"]
        if self.faces:
            parts.append(f"{len(self.faces)} new faces")
        if self.markers:
            parts.append(f"{len(self.markers)} markers")
        if self.curves:
            parts.append(f"{len(self.curves)} curves")
        if self.duplicates:
            parts.append(f"{self.duplicates} already in the project skipped")
        return f"{self.source}: imported " + ", ".join(parts)

    @property
    def empty(self) -> bool:
        return not (self.faces or self.events or self.markers or self.curves)


def curve_key(c: Curve) -> tuple[str, str, str]:
    return (c.media, c.face, c.name)


def merged_curves(existing: list[Curve], new: list[Curve]) -> list[Curve]:
    """Existing curves with the same (media, face, name) are replaced by the new ones."""
    keys = {curve_key(c) for c in new}
    return [c for c in existing if curve_key(c) not in keys] + list(new)


#: What makes an imported event "the same" as one the project holds: where and what it is.
#: Not the raw code string, apex, confidence or annotator, which formats keep differently.
_SAME = (
    "face",
    "kind",
    "media",
    "onset_frame",
    "offset_frame",
    "au",
    "side",
    "intensity",
    "emotion",
    "note",
)


def _event_key(e: Event) -> tuple[object, ...]:
    return tuple(getattr(e, name) for name in _SAME)


def _marker_key(m: Marker) -> tuple[object, ...]:
    return (m.kind, m.start_frame, m.end_frame, m.media, m.text)


def drop_duplicates(project: Project, plan: ImportPlan) -> int:
    """Remove from ``plan`` the events and markers the project already holds (the same file
    imported twice); returns how many were dropped and counts them in ``plan.duplicates``.

    Faces are matched before this (importers find existing faces by id or name), so a
    re-import plans events on the same faces and they compare equal field by field."""
    have = {_event_key(e) for e in project.events.values()}
    keep = []
    for e in plan.events:
        k = _event_key(e)
        if k in have:
            continue
        have.add(k)  # the same row twice in one file is one event
        keep.append(e)
    markers_have = {_marker_key(m) for m in project.markers.values()}
    keep_m = []
    for m in plan.markers:
        if _marker_key(m) not in markers_have:
            markers_have.add(_marker_key(m))
            keep_m.append(m)
    dropped = len(plan.events) - len(keep) + len(plan.markers) - len(keep_m)
    used = {e.face for e in keep}
    plan.faces = [f for f in plan.faces if f.id in used or not dropped]
    plan.events, plan.markers = keep, keep_m
    plan.duplicates += dropped
    return dropped


def apply_plan(project: Project, plan: ImportPlan) -> tuple[list[int], list[int]]:
    """Add everything in ``plan`` to ``project``; returns the new event and marker ids.

    Raises :class:`ImportFileError` naming the source and the item that the model refused.
    """
    try:
        for face in plan.faces:
            project.add_face(face)
        for label in plan.labels:
            project.add_emotion_label(label)
        event_ids = []
        for i, e in enumerate(plan.events):
            try:
                # an id from the file (Facet's own CSV) is kept when it is free
                keep = e.id if e.id > 0 and e.id not in project.events else 0
                event_ids.append(project.add_event(dataclasses.replace(e, id=keep)).id)
            except ModelError as exc:
                raise ImportFileError(
                    f"{plan.source}: event {i + 1} ({e.describe()}): {str(exc).split(': ', 1)[-1]}"
                ) from None
        # Ids assigned here: next_marker_id() scans every marker, so 50,000 cues were quadratic.
        first_id = project.next_marker_id()
        marker_ids = [
            project.add_marker(dataclasses.replace(m, id=first_id + k)).id
            for k, m in enumerate(plan.markers)
        ]
        if plan.curves:
            project.set_curves(merged_curves(project.curves, plan.curves))
    except ModelError as exc:
        raise ImportFileError(f"{plan.source}: {exc}") from None
    return event_ids, marker_ids


def copy_project(project: Project) -> Project:
    """An independent copy with the same timebases (imports are tried on a copy first)."""
    copy = project_from_dict(project_to_dict(project))
    for mid in project.media:
        if project.has_real_timebase(mid):
            copy.set_timebase(mid, project.timebase(mid))
    copy.revision = project.revision
    copy.saved_revision = project.saved_revision
    return copy


def new_face(project: Project, plan: ImportPlan, face_id: str, name: str) -> Face:
    """A face for the plan; ``face_id`` is kept when free, else the next free id is used."""
    taken = set(project.faces) | {f.id for f in plan.faces}
    fid = face_id.strip()[:64]
    if not fid or fid in taken:
        i = 0
        while True:
            fid = chr(65 + i % 26) + (str(i // 26) if i >= 26 else "")
            if fid not in taken:
                break
            i += 1
    colour = FACE_COLOURS[(len(project.faces) + len(plan.faces)) % len(FACE_COLOURS)]
    face = Face(fid, name or fid, colour)
    plan.faces.append(face)
    return face


def find_face(project: Project, plan: ImportPlan, key: str) -> Face | None:
    """A face whose id or name is ``key`` (case-insensitive), existing or planned."""
    k = key.strip().casefold()
    if not k:
        return None
    faces = list(project.faces.values()) + plan.faces
    for f in faces:
        if f.id.casefold() == k:
            return f
    for f in faces:
        if f.name.casefold() == k:
            return f
    return None


Planner = Callable[[Project, Path], ImportPlan]


def import_into_file(
    planner: Planner,
    file: str | os.PathLike[str],
    project_path: str | os.PathLike[str],
    warn: Warn | None = warn_stderr,
    *,
    dry_run: bool = False,
) -> ImportPlan:
    """Plan ``file`` against the project, apply it to a copy, then save atomically
    (``dry_run``: check everything, save nothing). Events already in the project are
    skipped and counted.

    Any failure (bad file, refused event) raises before the project file is touched.
    """
    from annotator.safe_output import check_input

    file = Path(file)
    check_input(file, label="imported file")
    if not file.is_file():
        raise ImportFileError(f"{file}: no such file")
    loaded = load_project(project_path)
    attach_timebases(loaded.project, loaded.path, warn)
    plan = planner(loaded.project, file)
    drop_duplicates(loaded.project, plan)
    copy = copy_project(loaded.project)
    apply_plan(copy, plan)
    # a no-op import changes nothing, not even .bak
    if not dry_run and copy.revision != loaded.project.revision:
        save_project(copy, loaded.path)
    if warn is not None:
        for w in plan.warnings[:20]:
            warn(w)
        if len(plan.warnings) > 20:
            warn(f"{file.name}: and {len(plan.warnings) - 20} more warnings")
    return plan
