"""Saving against a file that changed on disk: merge our project onto the file's content.

Qt-free; the window asks the user (Reload / Merge / Save as) with what :func:`plan_merge`
found, and never overwrites the file silently.
"""

from __future__ import annotations

import json
from pathlib import Path

from annotator.io.project_file import ProjectFileError, read_document, validate_document
from annotator.model.project import Project
from annotator.model.serialize import migrate, project_from_dict, project_to_dict
from annotator.workspace.disk import Loaded
from annotator.workspace.merge import MergeResult, three_way


def _doc_of(data: bytes, name: str) -> dict[str, object]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProjectFileError([f"{name}: the version loaded cannot be read back ({e})"]) from None
    if not isinstance(doc, dict):
        raise ProjectFileError([f"{name}: the version loaded is not a project"])
    return migrate(doc)[0]


def plan_merge(project: Project, path: Path, base: Loaded | None) -> MergeResult:
    """Our project on top of what ``path`` holds now, against the version we loaded
    (no base: everything on disk counts as theirs, everything here as ours)."""
    theirs, _notes = migrate(read_document(path))
    base_doc = _doc_of(base.data, path.name) if base is not None else {}
    return three_way(base_doc, project_to_dict(project), theirs)


def merged_project(result: MergeResult, project: Project, name: str) -> Project:
    """The merged document as a project, checked like a file being opened; the real
    timebases the engine read for our media are kept."""
    problems = validate_document(result.doc, name)
    if problems:
        raise ProjectFileError([f"{name}: the merge gives an invalid project: {problems[0]}"])
    merged = project_from_dict(result.doc)
    for mid in merged.media:
        if mid in project.media and project.has_real_timebase(mid):
            merged.set_timebase(mid, project.timebase(mid))
    return merged
