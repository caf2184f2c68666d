from __future__ import annotations

import json
import shutil

import pytest
from iohelpers import add, make_project, saved

from annotator.cli import main
from annotator.io.exporting import FORMATS
from annotator.io.project_file import load_project


@pytest.fixture
def demo_copy(demo_dir, tmp_path):
    for name in ("demo.mp4", "demo.facet.json"):
        shutil.copy(demo_dir / name, tmp_path / name)
    return tmp_path / "demo.facet.json"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_every_format(demo_copy, fmt, capsys):
    out = demo_copy.parent / ("out" + (FORMATS[fmt].suffix or "-dir"))
    args = ["export", str(demo_copy), "--to", fmt, "-o", str(out)]
    if fmt == "clips":
        args += ["--events", "9-10", "--crop"]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    assert out.exists()
    if fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["media"][0]["path"] == "demo.mp4"
        assert (
            load_project(out).project.events.keys() == load_project(demo_copy).project.events.keys()
        )
    if fmt == "clips":
        assert len(list(out.glob("*.mp4"))) == 2


def test_export_without_video_warns_and_uses_nominal_rate(tmp_path, capsys):
    p = make_project()
    add(p, onset_frame=1, offset_frame=3, au=12)
    path = saved(p, tmp_path)
    assert main(["export", str(path), "--to", "csv", "-o", str(tmp_path / "e.csv")]) == 0
    err = capsys.readouterr().err
    assert "missing-video.mp4: video not found" in err and "nominal rate" in err
    assert main(["export", str(path), "--to", "clips", "-o", str(tmp_path / "c")]) == 1
    assert capsys.readouterr().err.strip().endswith("clips need the video (relink it)")


def test_errors_are_one_line(tmp_path, capsys):
    path = saved(make_project(), tmp_path)
    bad = tmp_path / "bad.eaf"
    bad.write_text("<ANNOTATION_DOCUMENT><TIER", encoding="utf-8")
    before = path.read_bytes()
    assert main(["import", "eaf", str(bad), "--into", str(path)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert "warning:" in lines[0] and "nominal rate" in lines[0]  # the video is missing
    assert len(lines) == 2 and lines[1].startswith("annotator: bad.eaf: line 1 column")
    assert path.read_bytes() == before
    assert main(["import", "vtt", str(bad), "--into", str(path)]) == 1
    assert "unknown kind 'vtt'" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nope.facet.json"), "--to", "csv"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["export", str(path), "--to", "clips", "--events", "x"]) == 1
    assert "--events: 'x' is not an event id" in capsys.readouterr().err


def test_import_commits_when_complete(tmp_path, capsys):
    path = saved(make_project(), tmp_path)
    (tmp_path / "a.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n", encoding="utf-8")
    assert main(["import", "srt", str(tmp_path / "a.srt"), "--into", str(path)]) == 0
    assert "a.srt: imported 0 events, 1 markers" in capsys.readouterr().out
    assert len(load_project(path).project.markers) == 1
    assert (tmp_path / "p.facet.json.bak").exists()  # save_project kept the previous version


def test_import_into_a_project_open_in_facet_says_so_and_still_writes(tmp_path, capsys):
    """The app holds the file's lock: the import still goes into the file (the app merges
    it on its next save), and stderr says in one line who has it open."""
    import os
    import subprocess
    import sys
    from dataclasses import asdict, replace

    from annotator.workspace.lock import LockInfo, acquire, lock_path

    path = saved(make_project(), tmp_path)
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n", encoding="utf-8")
    lock, holder = acquire(path)  # as the app does when it opens the project
    assert lock is not None and holder is None
    try:
        assert main(["import", "srt", str(srt), "--into", str(path)]) == 0
        captured = capsys.readouterr()
        notes = [line for line in captured.err.splitlines() if "open in Facet" in line]
        assert notes == [
            f"annotator: {path.name} is open in Facet ({lock.info.user} on {lock.info.host}, "
            f"process {os.getpid()}); the app will merge this import on its next save"
        ]
        assert "imported 0 events, 1 markers" in captured.out
        assert len(load_project(path).project.markers) == 1  # written all the same
    finally:
        lock.release()
    assert main(["import", "srt", str(srt), "--into", str(path)]) == 0
    assert "open in Facet" not in capsys.readouterr().err  # no lock, no note
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = replace(LockInfo.mine(), pid=int(dead.stdout))
    lock_path(path).write_text(json.dumps(asdict(stale)), encoding="utf-8")
    assert main(["import", "srt", str(srt), "--into", str(path)]) == 0
    assert "open in Facet" not in capsys.readouterr().err  # a crashed app's lock: no note
