"""The analysis commands end to end, and corpus spotting on a 2-worker dask cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from dask_cluster import scheduler  # noqa: F401  (a fixture)

from annotator.analysis.batch import find_videos, run_batch
from annotator.cli import main
from annotator.cli_analysis import sibling_faces
from annotator.media.barcode import write_barcode_video


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Path:
    """Two good videos (the demo with its project's face boxes, a barcode clip without
    faces) and one corrupt file."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(demo_dir / "demo.mp4", folder / "demo.mp4")
    shutil.copy(demo_dir / "demo.facet.json", folder / "demo.facet.json")
    write_barcode_video(folder / "bars.mp4", 20, size=(160, 120))
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    (folder / "notes.txt").write_text("not a video", encoding="utf-8")
    return folder


def test_batch_reports_the_corrupt_file_and_finishes_the_rest(corpus: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    results = run_batch(
        find_videos(corpus),
        tmp_path,
        n_workers=2,
        processes=False,
        on_result=lambda d, t, r: seen.append(r.line()),
        load_faces=sibling_faces,
    )
    by_name = {Path(r.video).name: r for r in results}
    assert sorted(by_name) == ["bars.mp4", "broken.mp4", "demo.mp4"]
    assert not by_name["broken.mp4"].ok and "broken.mp4" in by_name["broken.mp4"].line()
    assert by_name["demo.mp4"].ok and by_name["demo.mp4"].candidates >= 5
    assert by_name["bars.mp4"].ok and by_name["bars.mp4"].candidates == 0
    assert (tmp_path / "demo.candidates.csv").is_file()
    assert len(seen) == 3


def test_cli_spot_folder_on_existing_scheduler(
    corpus: Path, tmp_path: Path, scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    rc = main(["spot", str(corpus), "-o", str(out), "--scheduler", scheduler])
    captured = capsys.readouterr()
    assert rc == 1  # one failure, reported after the batch finished
    assert "2 of 3 videos spotted" in captured.out
    assert "FAILED broken.mp4:" in captured.out
    assert "Traceback" not in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["bars.candidates.csv", "demo.candidates.csv"]


def test_cli_spot_and_eval_on_demo(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c.csv"
    assert (
        main(
            [
                "spot",
                str(demo_dir / "demo.mp4"),
                "--face-boxes",
                str(demo_dir / "demo.facet.json"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "100%" in err  # progress on stderr
    assert main(["spot-eval", str(out), str(demo_dir / "demo.facet.json"), "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["overall"]["f1"] >= 0.8


def test_cli_agree_json_and_csv(
    demo_project_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "agree.csv"
    assert (
        main(
            [
                "agree",
                str(demo_project_path),
                str(demo_project_path),
                "--json",
                "--tolerance-frames",
                "2",
                "--csv",
                str(table),
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["facs_ratio_overall"] == 1.0
    assert all(r["kappa"] == 1.0 for r in data["au"])
    assert table.read_text(encoding="utf-8").startswith("kind,face,au,kappa")


def test_cli_cuts_and_stats(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cuts.csv"
    assert main(["cuts", str(demo_dir / "demo.mp4"), "-o", str(out), "-q"]) == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["frame,time_s,score"]
    assert capsys.readouterr().out.strip() == f"0 cuts -> {out}"
    assert (
        main(
            [
                "stats",
                str(demo_dir / "demo.facet.json"),
                "--json",
                "--charts",
                str(tmp_path / "charts"),
            ]
        )
        == 0
    )
    s = json.loads(capsys.readouterr().out)
    assert s["durations"]["micro"] == 3
    assert (tmp_path / "charts" / "durations.png").is_file()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["agree", "missing-a.facet.json", "missing-b.facet.json"], "missing-a.facet.json"),
        (["spot", "nope.mp4", "-o", "x.csv"], "nope.mp4"),
        (["spot-eval", "nope.csv", "truth.csv"], "nope.csv"),
        (["cuts", "nope.mp4"], "nope.mp4"),
        (["stats", "nope.facet.json"], "nope.facet.json"),
    ],
)
def test_cli_errors_are_one_line_naming_the_file(
    argv: list[str],
    needle: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "Traceback" not in err[0]


def test_cli_spot_corrupt_video_is_one_line(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["spot", str(corpus / "broken.mp4"), "-o", str(tmp_path / "c.csv")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.mp4" in err[0]
