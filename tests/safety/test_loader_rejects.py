"""What the schema means but JSON Schema lets through is refused, with the JSON pointer."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

from annotator.io.project_file import ProjectFileError, load_project, save_project
from annotator.model import Event, EventKind, Face, Media, Project
from annotator.model.serialize import project_to_dict


def small() -> Project:
    p = Project(title="Small")
    p.add_media(Media("m1", "clip.mp4", frame_count=250, fps=Fraction(30000, 1001)))
    p.add_face(Face("A", "Ada"))
    p.add_event(Event(0, "A", EventKind.AU, 5, 20, 9, au=12, code="12"))
    return p


def problems_of(tmp_path, text: str) -> list[str]:
    path = tmp_path / "bad.facet.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert all(p.startswith("bad.facet.json: ") for p in e.value.problems)
    return e.value.problems


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda d: d["events"][0].update(onset_frame=30.0),
            "/events/0/onset_frame: must be an integer",
        ),
        (
            lambda d: d["events"][0].update(apex_frame=500.0),
            "/events/0/apex_frame: must be an integer",
        ),
        (
            lambda d: d["media"][0].update(frame_count=90.0),
            "/media/0/frame_count: must be an integer",
        ),
        (lambda d: d["events"][0].update(id=1.0), "/events/0/id: must be an integer"),
        (lambda d: d["media"][0].update(fps="0/1"), "/media/0/fps"),
        (
            lambda d: d["events"][0].update(apex_frame=260, offset_frame=270),
            "/events/0/offset_frame: must be < frame_count",
        ),
        (
            lambda d: d["media"][0].update(frame_count=10**8),
            "/media/0/frame_count: 100000000 frames (927 hours",
        ),
        (
            lambda d: d["events"][0].update(confidence=math.nan),
            "/events/0/confidence: nan is not a JSON number",
        ),
        (lambda d: d["events"][0].update(confidence=math.inf), "/events/0/confidence: inf"),
        (lambda d: d.update(title="\ud800"), "/title: text holds a lone surrogate"),
        (
            lambda d: d["events"][0].update(note="ok \udfff"),
            "/events/0/note: text holds a lone surrogate",
        ),
    ],
)
def test_loader_rejections_name_the_pointer(tmp_path, mutate, expected):
    doc = project_to_dict(small())
    mutate(doc)
    problems = problems_of(tmp_path, json.dumps(doc))
    assert any(expected in p for p in problems), problems


def test_writers_never_emit_nan_or_surrogates(tmp_path):
    p = small()
    p.title = "bad \ud800"
    with pytest.raises(ProjectFileError, match="/title: text holds a lone surrogate"):
        save_project(p, tmp_path / "s.facet.json")
    assert not list(tmp_path.iterdir())
    p.title = "ok"
    p.faces["A"] = Face("A", "Ada", "#e6553a", ())
    from annotator.model.entities import FaceBox

    p.faces["A"] = Face("A", "Ada", "#e6553a", (FaceBox("m1", 3, math.nan, 0, 10, 10),))
    with pytest.raises(ProjectFileError, match="/faces/0/boxes/0/x: must be a finite number"):
        save_project(p, tmp_path / "s.facet.json")


def test_saving_unchanged_project_writes_nothing(tmp_path):
    path = tmp_path / "s.facet.json"
    p = small()
    save_project(p, path)
    before = path.stat()
    save_project(p, path)
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_ino == before.st_ino
    assert not (tmp_path / "s.facet.json.bak").exists()


def test_save_keeps_group_mode_and_symlink(tmp_path):
    real = tmp_path / "real.facet.json"
    p = small()
    save_project(p, real)
    real.chmod(0o664)
    link = tmp_path / "link.facet.json"
    link.symlink_to(real)
    p.title = "changed"
    save_project(p, link)
    assert link.is_symlink() and oct(real.stat().st_mode & 0o777) == "0o664"
    assert load_project(real).project.title == "changed"


def test_save_onto_the_projects_video_is_refused(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video")
    p = small()
    with pytest.raises(ProjectFileError, match="clip.mp4: is an input"):
        save_project(p, video)
    assert video.read_bytes() == b"not really a video"


def test_leftover_temp_of_a_killed_save_is_removed_on_next_save(tmp_path):
    path = tmp_path / "s.facet.json"
    leftover = tmp_path / ".s.facet.json.k1ll3d.tmp"
    leftover.write_bytes(b"x" * 1000)
    save_project(small(), path)
    assert not leftover.exists()


def test_fifo_project_is_refused_not_read(tmp_path):
    import os

    fifo = tmp_path / "p.facet.json"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFileError, match="p.facet.json: is a FIFO"):
        load_project(fifo)


def test_fast_paths_write_the_same_bytes_and_word_late_problems(tmp_path):
    from annotator.io import project_file as pf

    p = small()
    for i in range(50_000 // 1000):
        p.add_event(Event(0, "A", EventKind.AU, i, i + 3, au=(i % 40) + 1, code="x"))
    assert pf._fast_dump(p) == pf._format(project_to_dict(p))
    path = tmp_path / "late.facet.json"
    doc = project_to_dict(p)
    doc["events"][-1]["offset_frame"] = 300.0  # found after most events were consumed
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert any(
        f"/events/{len(doc['events']) - 1}/offset_frame: must be an integer" in x
        for x in e.value.problems
    ), e.value.problems
