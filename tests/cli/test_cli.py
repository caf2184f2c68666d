import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_demo_ok(demo_project_path, capsys):
    code, out, err = run(["validate", str(demo_project_path), "--media"], capsys)
    assert code == 0, err
    assert "valid" in out


def test_info_json_counts(demo_project_path, capsys):
    code, out, _ = run(["info", str(demo_project_path), "--json"], capsys)
    assert code == 0
    info = json.loads(out)
    assert set(info["faces"]) == {"A", "B"}
    from annotator.demo import DEMO_EXPRESSIONS
    from annotator.model.facs import parse_code

    n_au = sum(len(parse_code(ex.code).units) for ex in DEMO_EXPRESSIONS)
    n_emotion = sum(1 for ex in DEMO_EXPRESSIONS if ex.emotion)
    assert (info["events"]["au"], info["events"]["emotion"]) == (n_au, n_emotion) == (11, 5)
    assert info["media"][0]["frame_count"] == 250


def test_validate_reports_one_line_per_problem(tmp_path, demo_project_path, capsys):
    doc = json.loads(demo_project_path.read_text())
    doc["events"][0]["onset_frame"] = 999
    doc["events"][1]["kind"] = "wink"
    bad = tmp_path / "bad.facet.json"
    bad.write_text(json.dumps(doc))
    code, out, err = run(["validate", str(bad)], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert "bad.facet.json: /events/0/onset_frame: must be <= offset_frame" in lines
    assert any(line.startswith("bad.facet.json: /events/1/kind:") for line in lines)


def test_new_project_from_video(tmp_path, demo_dir, capsys):
    out_path = tmp_path / "n.facet.json"
    code, out, err = run(
        ["new", str(out_path), "--video", str(demo_dir / "demo.mp4"), "--title", "T"], capsys
    )
    assert code == 0, err
    doc = json.loads(out_path.read_text())
    assert doc["title"] == "T" and doc["media"][0]["frame_count"] == 250
    assert (
        doc["media"][0]["path"] == "../" + demo_dir.name + "/demo.mp4"
        or Path(doc["media"][0]["path"]).name == "demo.mp4"
    )
    code, _, err = run(["new", str(out_path), "--video", str(demo_dir / "demo.mp4")], capsys)
    assert code == 1 and "already exists" in err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["validate", "missing.facet.json"], "missing.facet.json: no such file"),
        (["info", "missing.facet.json"], "missing.facet.json: no such file"),
        (["new", "x.facet.json", "--video", "nothere.mp4"], "nothere.mp4: no such video file"),
    ],
)
def test_errors_are_one_line(tmp_path, monkeypatch, capsys, argv, expected):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    assert code != 0
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_corrupt_video_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    code, _, err = run(["new", "x.facet.json", "--video", "broken.mp4"], capsys)
    assert code == 1
    assert "broken.mp4" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_no_traceback_from_real_process(tmp_path):
    bad = tmp_path / "bad.facet.json"
    bad.write_text("{not json")
    proc = subprocess.run(
        [sys.executable, "-m", "annotator", "info", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "annotator: bad.facet.json: invalid JSON at line 1 column 2: "
        "Expecting property name enclosed in double quotes"
    )


def test_demo_command_is_idempotent(tmp_path, capsys):
    code, out, _ = run(["demo", str(tmp_path / "d")], capsys)
    assert code == 0
    project = tmp_path / "d" / "demo.facet.json"
    first = project.read_bytes()
    code, _, _ = run(["demo", str(tmp_path / "d")], capsys)
    assert code == 0 and project.read_bytes() == first
