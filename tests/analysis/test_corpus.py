"""Corpus commands end to end on a small generated corpus: init (with a scheme), status with
a missing coder file, agree pooled equal to the concatenated references, merge, export,
query from an index rebuilt only for changed projects; and the scheme round trip."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.cli import main
from annotator.io.project_file import load_project, save_project
from annotator.model import Event, EventKind

pytestmark = pytest.mark.filterwarnings("ignore:.*label")


def _code(path: Path, events: list[tuple[int, int, int]]) -> None:
    loaded = load_project(path)
    p = loaded.project
    face = next(iter(p.faces))
    for au, on, off in events:
        p.add_event(Event(0, face, EventKind.AU, on, off, au=au, code=str(au)))
    save_project(p, loaded.path)


@pytest.fixture
def corpus(tmp_path: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "study"
    for sub in ("sub01", "sub02"):
        (folder / "videos" / sub).mkdir(parents=True)
        shutil.copy(demo_dir / "demo.mp4", folder / "videos" / sub / "EP02_01f.mp4")
    scheme = tmp_path / "scheme.json"
    scheme.write_text(
        json.dumps(
            {
                "scheme_version": 1,
                "name": "study",
                "emotions": ["joy", "fear"],
                "aus": [4, 12],
                "colours": {"au:12": "#112233"},
                "code_hotkeys": {"Ctrl+1": "6+12"},
            }
        )
    )
    assert (
        main(
            [
                "corpus",
                "init",
                str(folder),
                "--videos",
                "videos/**/*.mp4",
                "--coders",
                "ann,bob",
                "--scheme",
                str(scheme),
                "--workers",
                "0",
                "-q",
            ]
        )
        == 0
    )
    capsys.readouterr()
    return folder


CODING = {
    ("sub01", "ann"): [(12, 20, 70), (4, 100, 120)],
    ("sub01", "bob"): [(12, 24, 72), (4, 140, 150)],
    ("sub02", "ann"): [(12, 10, 30)],
    ("sub02", "bob"): [(12, 12, 30), (4, 200, 210)],
}


def _vec(events: list[tuple[int, int, int]], au: int) -> np.ndarray:
    v = np.zeros(250, int)
    for a, on, off in events:
        if a == au:
            v[on : off + 1] = 1
    return v


def test_corpus_commands(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads((corpus / "corpus.json").read_text())
    assert [(c["id"], c["subject"]) for c in data["clips"]] == [
        ("sub01/EP02_01f", "sub01"),
        ("sub02/EP02_01f", "sub02"),
    ]
    ann01 = load_project(corpus / "coders/ann/sub01/EP02_01f.facet.json").project
    assert ann01.vocabulary.emotions == ["joy", "fear"] and ann01.vocabulary.aus == [4, 12]
    assert ann01.vocabulary.code_hotkeys == {"Ctrl+1": "6+12"}
    assert main(["corpus", "status", str(corpus), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"not started": 4}

    for (sub, coder), events in CODING.items():
        _code(corpus / f"coders/{coder}/{sub}/EP02_01f.facet.json", events)
    assert main(["corpus", "mark", str(corpus), "sub01/EP02_01f", "--coder", "ann", "done"]) == 0
    capsys.readouterr()
    assert main(["corpus", "status", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "done" in out and "counts: done 1, in progress 3" in out

    # agree: per clip, and pooled equal to sklearn on the clips' frames concatenated
    assert main(["corpus", "agree", str(corpus), "--json", "--workers", "0", "-q"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["clips"]) == {"sub01/EP02_01f", "sub02/EP02_01f"}
    row = next(a for a in doc["pooled"]["au"] if a["au"] == 12)
    va = np.concatenate([_vec(CODING[(s, "ann")], 12) for s in ("sub01", "sub02")])
    vb = np.concatenate([_vec(CODING[(s, "bob")], 12) for s in ("sub01", "sub02")])
    assert row["cohen_kappa_pairs"][0]["cohen_kappa"] == pytest.approx(
        cohen_kappa_score(va, vb), abs=1e-12
    )
    assert doc["pooled"]["events"]["groups"] == 5  # AU12 twice matched, three lone AU4s

    # merge on the dask runner (one local worker), then export and query
    assert main(["corpus", "merge", str(corpus), "--workers", "1", "-q"]) == 0
    assert "2 of 2 coded clips merged" in capsys.readouterr().out
    gold = load_project(corpus / "gold/sub01/EP02_01f.facet.json").project
    assert len(gold.disputes) == 2 and len(gold.events) == 1
    sheet = corpus / "all.csv"
    assert (
        main(
            [
                "corpus",
                "export",
                str(corpus),
                "--to",
                "casme",
                "-o",
                str(sheet),
                "--workers",
                "0",
                "-q",
            ]
        )
        == 0
    )
    rows = list(csv.reader(sheet.open()))
    assert rows[0][:2] == ["Subject", "Filename"]
    assert [r[:2] for r in rows[1:]] == [["sub01", "EP02_01f"], ["sub02", "EP02_01f"]]
    table = corpus / "all.parquet"
    assert (
        main(
            [
                "corpus",
                "export",
                str(corpus),
                "--to",
                "parquet",
                "-o",
                str(table),
                "--source",
                "all",
                "--workers",
                "0",
                "-q",
            ]
        )
        == 0
    )
    df = pd.read_parquet(table)
    assert {"subject", "clip", "coder"} <= set(df.columns) and len(df) == 7 + 2
    capsys.readouterr()

    def count_macro_au12() -> tuple[str, str]:
        """``corpus query --count`` of macro AU12 events: (stdout, stderr)."""
        query = 'au == 12 and scale == "macro"'
        assert main(["corpus", "query", str(corpus), query, "--count", "--workers", "0"]) == 0
        captured = capsys.readouterr()
        return captured.out.strip(), captured.err

    out, err = count_macro_au12()
    assert out == "6"  # ann, bob and gold on both clips (all > 0.5 s)
    assert "0 projects read, 6 reused" in err
    _code(corpus / "coders/bob/sub02/EP02_01f.facet.json", [(12, 100, 180)])
    out, err = count_macro_au12()
    assert out == "7"
    assert "1 projects read, 5 reused" in err
    assert main(["corpus", "query", str(corpus), "au ==", "--workers", "0", "-q"]) != 0
    assert "bad query" in capsys.readouterr().err

    # a missing coder file is listed, and a failing clip does not stop agree
    (corpus / "coders/bob/sub02/EP02_01f.facet.json").unlink()
    assert main(["corpus", "status", str(corpus)]) == 0
    assert "missing: " in capsys.readouterr().out
    assert main(["corpus", "agree", str(corpus), "--workers", "0", "-q"]) == 1
    out = capsys.readouterr().out
    assert "sub01/EP02_01f:" in out and "FAILED" in out and "no such coder file" in out


def test_scheme_export_import_round_trip(
    demo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scheme = tmp_path / "s.json"
    assert main(["scheme", "export", str(demo_copy), "-o", str(scheme)]) == 0
    doc = json.loads(scheme.read_text())
    assert doc["scheme_version"] == 1 and "happiness" in doc["emotions"] and doc["aus"]
    assert any(k.startswith("face:") for k in doc["colours"])
    doc["emotions"].append("awe")
    doc["code_hotkeys"] = {"Ctrl+2": "1+2"}
    scheme.write_text(json.dumps(doc))
    assert main(["scheme", "import", str(scheme), "--into", str(demo_copy)]) == 0
    p = load_project(demo_copy).project
    assert "awe" in p.vocabulary.emotions and p.vocabulary.code_hotkeys == {"Ctrl+2": "1+2"}
    assert main(["validate", str(demo_copy)]) == 0
    scheme.write_text(json.dumps({**doc, "colours": {"au:1": "red"}}))
    capsys.readouterr()
    assert main(["scheme", "import", str(scheme), "--into", str(demo_copy)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(scheme) in err and "/colours/au:1" in err
