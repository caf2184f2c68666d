import json
from fractions import Fraction
from pathlib import Path

import pytest

from annotator.io.project_file import (
    ProjectFileError,
    autosave_path,
    discard_autosave,
    load_project,
    newer_autosave,
    recover_autosave,
    save_project,
    write_autosave,
)
from annotator.model import Event, EventKind, Face, Media, Project
from annotator.model.serialize import project_to_dict


def small_project() -> Project:
    p = Project(title="Small")
    p.add_media(Media("m1", "clip.mp4", frame_count=100, fps=Fraction(30000, 1001)))
    p.add_face(Face("A", "Ada"))
    p.add_event(Event(0, "A", EventKind.AU, 5, 20, 9, au=12, code="12"))
    p.add_event(Event(0, "A", EventKind.EMOTION, 5, 20, emotion="happiness"))
    return p


def write_doc(tmp_path: Path, doc, name="bad.facet.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_save_load_round_trip(tmp_path):
    p = small_project()
    path = save_project(p, tmp_path / "s.facet.json")
    loaded = load_project(path)
    assert project_to_dict(loaded.project) == project_to_dict(p)
    assert not p.dirty


def test_onset_after_offset_names_file_and_pointer(tmp_path):
    doc = project_to_dict(small_project())
    doc["events"][1]["onset_frame"] = 50
    with pytest.raises(ProjectFileError) as e:
        load_project(write_doc(tmp_path, doc))
    assert "bad.facet.json: /events/1/onset_frame: must be <= offset_frame" in e.value.problems


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["events"][0].update(kind="gesture"), "/events/0/kind: must be one of"),
        (lambda d: d["events"][0].update(au=120), "/events/0/au"),
        (lambda d: d["events"][0].pop("onset_frame"), "/events/0: 'onset_frame' is required"),
        (lambda d: d["events"][0].update(face="Q"), "/events/0/face: unknown face 'Q'"),
        (lambda d: d["events"][0].update(offset_frame=100), "/events/0/offset_frame: must be <"),
        (lambda d: d["media"][0].update(fps="fast"), "/media/0/fps"),
        (lambda d: d.update(extra=1), "/: Additional properties"),
        (lambda d: d["events"].append(dict(d["events"][0])), "duplicate event id"),
    ],
)
def test_schema_errors_have_pointers(tmp_path, mutate, expected):
    doc = project_to_dict(small_project())
    mutate(doc)
    with pytest.raises(ProjectFileError) as e:
        load_project(write_doc(tmp_path, doc))
    assert any(expected in p for p in e.value.problems), e.value.problems
    assert all(p.startswith("bad.facet.json: ") for p in e.value.problems)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty file"),
        (b'{"title": ', "invalid JSON at line 1"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"schema_version": 9}', "newer than this Facet understands"),
    ],
)
def test_unreadable_files_give_one_line(tmp_path, content, expected):
    path = tmp_path / "x.facet.json"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert len(e.value.problems) == 1 and expected in e.value.problems[0]


def test_missing_file(tmp_path):
    with pytest.raises(ProjectFileError, match="no such file"):
        load_project(tmp_path / "nope.facet.json")


def test_invalid_project_is_never_written(tmp_path):
    p = small_project()
    path = save_project(p, tmp_path / "s.facet.json")
    before = path.read_bytes()
    p.title = 5  # type: ignore[assignment]  # corrupt in memory
    with pytest.raises(ProjectFileError):
        save_project(p, path)
    assert path.read_bytes() == before


def test_save_keeps_previous_version_as_backup(tmp_path):
    p = small_project()
    path = tmp_path / "s.facet.json"
    save_project(p, path)
    first = path.read_bytes()
    p.add_event(Event(0, "A", EventKind.AU, 30, 40, au=4))
    save_project(p, path)
    assert (tmp_path / "s.facet.json.bak").read_bytes() == first
    assert len(load_project(path).project.events) == 3
    assert not list(tmp_path.glob("*.tmp")), "no temp files left behind"


def test_autosave_recovery_cycle(tmp_path):
    p = small_project()
    path = save_project(p, tmp_path / "s.facet.json")
    assert newer_autosave(path) is None
    p.add_event(Event(0, "A", EventKind.AU, 30, 40, au=4))
    auto = write_autosave(p, path)
    assert auto == autosave_path(path) and auto.name.startswith(".")
    assert newer_autosave(path) == auto
    recovered = recover_autosave(path)
    assert len(recovered.project.events) == 3
    assert recovered.path == path and "recovered from autosave" in recovered.notes
    # the saved file itself is untouched until the user saves
    assert len(load_project(path).project.events) == 2
    save_project(recovered.project, path)
    discard_autosave(path)
    assert newer_autosave(path) is None


def test_autosave_equal_to_saved_is_not_offered(tmp_path):
    p = small_project()
    path = save_project(p, tmp_path / "s.facet.json")
    write_autosave(p, path)
    auto = autosave_path(path)
    auto.write_bytes(path.read_bytes())
    assert newer_autosave(path) is None
