"""The fast load/save path (msgspec, streamed) accepts and writes exactly what the general
path does, and leaves every problem to the general path's wording."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import msgspec
import pytest

from annotator.io import project_fast, project_file
from annotator.io.project_file import ProjectFileError, load_project, save_project
from annotator.model import Event, EventKind, Face, Intensity, Media, Project, Side
from annotator.model.serialize import project_from_dict, project_to_dict
from annotator.safe_output import write_output

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "project.schema.json").read_text()
)


def _project() -> Project:
    p = Project(title="fast")
    p.add_media(Media("m1", "v.mp4", frame_count=5000, fps=Fraction(30000, 1001)))
    p.add_media(Media("m2", "w.mp4", frame_count=9000))
    p.add_face(Face("A", "Ann"))
    p.add_face(Face("B", "Bob"))
    for i in range(1, 4501):  # more than one chunk
        kind = (EventKind.AU, EventKind.EMOTION, EventKind.NOTE)[i % 3]
        p.add_event(
            Event(
                0,
                "AB"[i % 2],
                kind,
                i,
                i + i % 7,
                i + 1 if i % 7 > 1 else None,
                "m1" if i % 5 else "m2",
                au=i % 46 if kind is EventKind.AU else None,
                intensity=Intensity.C if kind is EventKind.AU and i % 4 else None,
                side=Side.R if kind is EventKind.AU and i % 6 == 0 else None,
                code="R12C" if kind is EventKind.AU else "",
                emotion="happiness" if kind is EventKind.EMOTION else None,
                confidence=0.5 if i % 10 == 0 else None,
                annotator="ann" if i % 2 else "",
                note='wide \u00e9 "quoted" },{"id":' if kind is EventKind.NOTE else "",
            )
        )
    p.events = {k: p.events[k] for k in reversed(p.events)}  # saved in id order regardless
    return p


def _general_bytes(p: Project) -> bytes:
    doc = project_to_dict(p)
    assert project_file.validate_document(doc, "x") == []
    return project_file._format(doc)


def test_streamed_save_writes_the_general_path_bytes(tmp_path: Path) -> None:
    p = _project()
    path = tmp_path / "p.facet.json"
    save_project(p, path)
    assert path.read_bytes() == _general_bytes(p)
    assert project_file.dump_bytes(p) == _general_bytes(p)


def test_fast_load_builds_what_the_general_path_builds(tmp_path: Path) -> None:
    p = _project()
    path = tmp_path / "p.facet.json"
    save_project(p, path)
    raw = path.read_bytes()
    fast = project_fast.load(raw, project_file._rest_valid)
    assert fast is not None  # the fast path was taken
    general = project_from_dict(json.loads(raw))
    assert fast.events == general.events
    assert list(fast.events) == sorted(p.events)
    assert project_to_dict(fast) == project_to_dict(general)
    assert load_project(path).project.events == p.events


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"onset_frame":4,', '"onset_frame":4.0,', "/events/3/onset_frame: must be an integer"),
        ('"onset_frame":4,', '"onset_frame":-4,', "/events/3/onset_frame: must be >= 0"),
        ('"id":4,', '"id":3,', "/events/3/id: duplicate event id 3"),
        ('"face":"B","media":"m1","kind":"au","onset_frame":3,', '"face":"Z",', None),
        ('"id":4,', '"id":4,"colour":1,', "/events/3: Additional properties"),
        ('"onset_frame":4,', '"onset_frame":400000,', "/events/3/"),
    ],
)
def test_bad_events_are_worded_by_the_general_path(
    tmp_path: Path, old: str, new: str, expected: str | None
) -> None:
    p = _project()
    path = tmp_path / "p.facet.json"
    save_project(p, path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert project_fast.load(path.read_bytes(), project_file._rest_valid) is None
    with pytest.raises(ProjectFileError) as err:
        load_project(path)
    line = str(err.value).splitlines()[0]
    assert line.startswith("p.facet.json: /events/")
    if expected is not None:
        assert expected in line


def test_first_media_not_m1_takes_the_general_path(tmp_path: Path) -> None:
    """An event without "media" means the first media; the struct's default is "m1"."""
    doc = project_to_dict(_project())
    doc["media"].reverse()
    del doc["events"][0]["media"]
    path = tmp_path / "p.facet.json"
    path.write_text(json.dumps(doc))
    assert project_fast.load(path.read_bytes(), project_file._rest_valid) is None
    assert load_project(path).project.events[1].media == "m2"


def test_save_of_a_bad_event_is_refused_with_a_pointer(tmp_path: Path) -> None:
    p = _project()
    bad = msgspec.structs.replace(p.events[3000], onset_frame=2999.0)  # type: ignore[arg-type]
    p.events[3000] = bad
    path = tmp_path / "p.facet.json"
    with pytest.raises(ProjectFileError) as err:
        save_project(p, path)
    assert "/events/2999/onset_frame" in str(err.value)
    assert not path.exists()
    assert not [x for x in os.listdir(tmp_path)]  # no temp left


def test_unchanged_streamed_save_replaces_nothing(tmp_path: Path) -> None:
    target = tmp_path / "t.bin"
    write_output(target, [b"abc", b"def"])
    before = os.stat(target)
    calls: list[Path] = []
    write_output(target, iter([b"ab", b"cdef"]), keep_same=True, before_replace=calls.append)
    after = os.stat(target)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert calls == []
    write_output(target, iter([b"abc", b"defg"]), keep_same=True, before_replace=calls.append)
    assert target.read_bytes() == b"abcdefg" and calls == [target]
    write_output(target, iter([b"abc"]), keep_same=True)
    assert target.read_bytes() == b"abc"
    assert sorted(os.listdir(tmp_path)) == ["t.bin"]


def test_event_struct_matches_the_schema() -> None:
    """The decoder checks events by Event's annotations: they must say what the schema
    says (fields, required ones)."""
    schema = SCHEMA["$defs"]["event"]
    fields = msgspec.structs.fields(Event)
    assert {f.name for f in fields} == set(schema["properties"])
    assert {f.name for f in fields if f.required} == set(schema["required"])
    info = msgspec.inspect.type_info(Event)
    assert info.forbid_unknown_fields  # type: ignore[attr-defined]
    by_name = {f.name: f.type for f in info.fields}  # type: ignore[attr-defined]
    assert by_name["onset_frame"].ge == 0
    assert by_name["id"].ge == 1


def _streamed(p: Project) -> bytes:
    """The file as the fast writer streams it (no fallback to the general path)."""
    stream = project_file._stream(p)
    assert stream is not None
    return b"".join(stream)  # project_fast.Fallback would fail the test here


@pytest.mark.parametrize("source", ["built", "demo"])
def test_saved_project_round_trips_byte_identical(tmp_path: Path, source: str) -> None:
    """Load a saved project, save it again: the same bytes, written by the fast path (its
    key order and omissions are the file's)."""
    first = tmp_path / "p.facet.json"
    if source == "built":
        save_project(_project(), first)
    else:  # the committed demo project, as the app saves it
        demo = Path(__file__).resolve().parents[2] / "exports" / "demo.facet.json"
        (tmp_path / "demo.facet.json").write_bytes(demo.read_bytes())
        save_project(load_project(tmp_path / "demo.facet.json").project, first)
    loaded = load_project(first).project
    assert project_fast.load(first.read_bytes(), project_file._rest_valid) is not None
    assert _streamed(loaded) == first.read_bytes()
    again = tmp_path / "again.facet.json"
    save_project(loaded, again)
    assert again.read_bytes() == first.read_bytes()


def test_writer_keys_are_the_event_fields_in_file_order() -> None:
    """The fast writer's key list names every field of Event (but provenance, which the
    general path writes) in the order ``event_to_dict`` writes them."""
    from annotator.model.serialize import event_to_dict

    keys = project_fast._ALWAYS + project_fast._AU_ONLY + project_fast._WHEN_SET
    fields = [f.name for f in msgspec.structs.fields(Event) if f.name != "provenance"]
    assert sorted(keys) == sorted(fields)
    full = Event(1, "A", EventKind.AU, 1, 2, emotion="x", confidence=0.5, annotator="a", note="n")
    assert tuple(event_to_dict(full)) == keys
