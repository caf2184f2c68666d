"""Issue 16 cases through the real CLI: no input is ever overwritten, nothing escapes the
output folder, every refusal is one line naming the file."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from annotator.cli import main
from annotator.safe_output import forget_inputs


@pytest.fixture(autouse=True)
def _fresh_inputs():
    forget_inputs()
    yield
    forget_inputs()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(argv, capsys):
    forget_inputs()  # one process per command in real use
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


FORMATS = ["json", "csv", "frames-csv", "eaf", "casme", "report", "edl", "markers-csv"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_onto_the_video_or_project_is_refused(demo_copy, capsys, fmt):
    video = demo_copy.with_name("demo.mp4")
    before = digest(video), digest(demo_copy)
    for target in (video, demo_copy):
        code, _, err = run(["export", demo_copy, "--to", fmt, "-o", target], capsys)
        assert code == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1 and target.name in lines[0], err
        assert "input" in lines[0] or "project itself" in lines[0], err
        assert "Traceback" not in err
    assert (digest(video), digest(demo_copy)) == before


def test_frame_onto_its_own_video_is_refused(demo_copy, capsys):
    video = demo_copy.with_name("demo.mp4")
    before = digest(video)
    code, _, err = run(["frame", video, "--index", "3", "-o", video], capsys)
    assert code == 1 and "demo.mp4" in err and len(err.strip().splitlines()) == 1, err
    assert digest(video) == before


def test_export_to_a_fifo_is_refused(demo_copy, capsys, tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    code, _, err = run(["export", demo_copy, "--to", "csv", "-o", fifo], capsys)
    assert code == 1 and "out.csv: is a FIFO" in err, err


def test_validate_info_stats_on_a_fifo_do_not_hang(tmp_path, capsys):
    fifo = tmp_path / "p.facet.json"
    os.mkfifo(fifo)
    for cmd in (["validate"], ["info"], ["stats"]):
        code, _, err = run([*cmd, fifo], capsys)
        assert code == 1 and "p.facet.json: is a FIFO" in err, (cmd, err)


def test_clips_with_hostile_face_ids_stay_inside(demo_copy, capsys, tmp_path):
    doc = json.loads(demo_copy.read_text())
    doc["faces"][0]["id"] = "sub/01"
    doc["faces"][1]["id"] = "/../../escape"
    for e in doc["events"]:
        e["face"] = {"A": "sub/01", "B": "/../../escape"}.get(e["face"], e["face"])
    for c in doc.get("curves", []):
        c["face"] = {"A": "sub/01", "B": "/../../escape"}.get(c["face"], c["face"])
    demo_copy.write_text(json.dumps(doc))
    ids = ",".join(str(e["id"]) for e in doc["events"][:4])
    out = tmp_path / "clips"
    code, _, err = run(
        ["export", demo_copy, "--to", "clips", "-o", out, "--events", ids, "--margin", "0"], capsys
    )
    assert code == 0, err
    made = {p.name for p in out.iterdir()}
    assert "manifest.csv" in made and any("sub_01" in n for n in made)
    inside = {p.resolve() for p in out.rglob("*")}
    assert all(out.resolve() in p.parents for p in inside)
    assert not (tmp_path.parent / "escape").exists()


def test_noop_import_changes_nothing(demo_copy, capsys, tmp_path):
    srt = tmp_path / "empty.srt"
    srt.write_text("", encoding="utf-8")
    before = demo_copy.stat().st_mtime_ns, digest(demo_copy)
    run(["import", "srt", srt, "--into", demo_copy], capsys)
    assert (demo_copy.stat().st_mtime_ns, digest(demo_copy)) == before
    assert not demo_copy.with_name("demo.facet.json.bak").exists()


def test_demo_never_overwrites(demo_copy, capsys):
    (demo_copy.parent / "demo.mp4").unlink()
    demo_copy.write_text(demo_copy.read_text().replace('"title": "', '"title": "mine '))
    before = digest(demo_copy)
    code, _, err = run(["demo", demo_copy.parent], capsys)
    assert code == 1 and "demo.facet.json" in err and "--force" in err, err
    assert digest(demo_copy) == before


@pytest.mark.parametrize(
    "cmd",
    [
        ["cuts", "{v}", "-o", "{v}"],
        ["spot", "{v}", "-o", "{v}", "-q"],
        ["agree", "{p}", "{p}", "--csv", "{p}"],
    ],
)
def test_analysis_outputs_onto_inputs_are_refused(demo_copy, capsys, cmd):
    video = demo_copy.with_name("demo.mp4")
    before = digest(video), digest(demo_copy)
    argv = [a.format(v=video, p=demo_copy) for a in cmd]
    code, _, err = run(argv, capsys)
    assert code == 1 and "is an input" in err and "Traceback" not in err, err
    assert (digest(video), digest(demo_copy)) == before
