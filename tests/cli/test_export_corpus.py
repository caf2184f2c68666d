"""`annotator export FOLDER` exports every project on a dask cluster; a bad one never stops it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from dask_cluster import scheduler  # noqa: F401  (a fixture)

from annotator.cli import main


def test_export_folder_of_projects(tmp_path: Path, demo_dir: Path, scheduler: str, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(demo_dir / "demo.mp4", corpus / "demo.mp4")
    shutil.copy(demo_dir / "demo.facet.json", corpus / "a.facet.json")
    shutil.copy(demo_dir / "demo.facet.json", corpus / "b.facet.json")
    (corpus / "broken.facet.json").write_text("{oops", encoding="utf-8")
    out = tmp_path / "out"

    code = main(["export", str(corpus), "--to", "csv", "-o", str(out), "--scheduler", scheduler])
    stdout, stderr = capsys.readouterr()
    assert code == 1  # one project failed
    assert "2 of 3 projects exported" in stdout
    assert "FAILED broken.facet.json: invalid JSON at line 1" in stdout
    assert stderr.count("[") == 3  # progress line per project
    a = pd.read_csv(out / "a.csv")
    b = pd.read_csv(out / "b.csv")
    assert len(a) == len(b) == 16
    assert a["onset_s"].tolist() == b["onset_s"].tolist()


def test_export_folder_needs_output_folder(tmp_path: Path, capsys) -> None:
    (tmp_path / "x.facet.json").write_text("{}", encoding="utf-8")
    code = main(["export", str(tmp_path), "--to", "csv"])
    assert code == 1 and "needs -o OUT_FOLDER" in capsys.readouterr().err
