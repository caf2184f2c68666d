"""``annotator merge``: agreed events by majority with median frames, disputes keeping every
coder's version, provenance saved in a file that validates and exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.analysis.merge import merge_projects
from annotator.cli import main
from annotator.io.project_file import load_project, save_project
from annotator.model import Event, EventKind, Face, Intensity, Media, Project
from annotator.model.team import Decision


def _coder(name: str, events: list[tuple[str, int, int, int | None, str]]) -> Project:
    """events: (code like '6B+12C', onset, offset, apex, emotion or '')."""
    p = Project(title="clip", annotator=name)
    p.add_media(Media("m1", "clip.mp4", sha256="ab" * 32, frame_count=300))
    p.add_face(Face("A", "Ada"))
    for code, on, off, apex, emotion in events:
        for part in code.split("+") if code else []:
            inten = Intensity(part[-1]) if part[-1] in "ABCDE" else None
            au = int(part.rstrip("ABCDE"))
            p.add_event(
                Event(
                    0,
                    "A",
                    EventKind.AU,
                    on,
                    off,
                    apex,
                    au=au,
                    intensity=inten,
                    code=code,
                    annotator=name,
                )
            )
        if emotion:
            p.add_event(
                Event(0, "A", EventKind.EMOTION, on, off, apex, emotion=emotion, annotator=name)
            )
    return p


def _save(tmp_path: Path, coders: dict[str, Project]) -> list[str]:
    paths = []
    for name, p in coders.items():
        path = tmp_path / f"{name}.facet.json"
        save_project(p, path)
        paths.append(str(path))
    return paths


def test_three_coders_majority_medians_and_disputes(tmp_path: Path) -> None:
    coders = {
        "ann": _coder("ann", [("6B+12C", 20, 70, 40, "happiness"), ("4", 150, 170, None, "")]),
        "bob": _coder("bob", [("6B+12D", 22, 74, 42, "happiness"), ("4", 200, 220, None, "")]),
        "cy": _coder("cy", [("12C", 18, 66, 38, "happiness"), ("9", 250, 260, None, "")]),
    }
    paths = _save(tmp_path, coders)
    gold = merge_projects(list(coders.values()), list(coders), paths, tmp_path / "gold.facet.json")
    aus = sorted(
        (e for e in gold.events.values() if e.kind is EventKind.AU), key=lambda e: e.au or 0
    )
    # AU6 scored by 2 of 3, AU12 by 3 of 3: both in; frames are the medians of the members
    assert [(e.au, e.onset_frame, e.apex_frame, e.offset_frame) for e in aus] == [
        (6, 20, 40, 70),
        (12, 20, 40, 70),
    ]
    assert aus[1].intensity is Intensity.C  # C, D, C: the most common letter
    assert aus[0].provenance is not None and aus[0].provenance.coders == ("ann", "bob")
    assert aus[1].provenance.decision is Decision.AGREED
    assert aus[1].provenance.coders == ("ann", "bob", "cy")
    (emotion,) = [e for e in gold.events.values() if e.kind is EventKind.EMOTION]
    assert (emotion.emotion, emotion.onset_frame, emotion.offset_frame) == ("happiness", 20, 70)
    # AU4 at 150 and 200 and AU9 at 250 do not match anyone: three one-coder disputes
    assert len(gold.disputes) == 3
    assert sorted(v.coder for d in gold.disputes.values() for v in d.versions) == [
        "ann",
        "bob",
        "cy",
    ]
    assert all(d.open for d in gold.disputes.values())


def test_two_coders_with_different_codes_are_a_dispute_keeping_both(tmp_path: Path) -> None:
    coders = {
        "ann": _coder("ann", [("6+12", 20, 70, 40, "")]),
        "bob": _coder("bob", [("12", 21, 71, 41, "")]),
    }
    paths = _save(tmp_path, coders)
    gold = merge_projects(list(coders.values()), list(coders), paths, tmp_path / "g.facet.json")
    assert not gold.events
    (d,) = gold.disputes.values()
    assert [(v.coder, v.code) for v in d.versions] == [("ann", "6+12"), ("bob", "12")]
    assert d.span == (20, 71)


def test_cli_merge_writes_a_valid_gold_file_with_provenance_that_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    coders = {
        "ann": _coder("ann", [("6B+12C", 20, 70, 40, "happiness"), ("4", 150, 170, None, "")]),
        "bob": _coder("bob", [("6B+12C", 22, 74, 42, "happiness")]),
    }
    paths = _save(tmp_path, coders)
    gold_path = tmp_path / "gold.facet.json"
    assert main(["merge", *paths, "-o", str(gold_path)]) == 0
    assert "1 disputes" in capsys.readouterr().out
    assert main(["validate", str(gold_path)]) == 0
    doc = json.loads(gold_path.read_text())
    assert [c["name"] for c in doc["team"]["coders"]] == ["ann", "bob"]
    assert doc["team"]["coders"][0]["file"] == "ann.facet.json"
    assert {e["provenance"]["decision"] for e in doc["events"]} == {"agreed"}
    assert doc["disputes"][0]["versions"][0]["coder"] == "ann"
    loaded = load_project(gold_path).project
    assert loaded.team is not None and len(loaded.disputes) == 1
    again = tmp_path / "again.facet.json"
    save_project(loaded, again)
    assert json.loads(again.read_text())["disputes"] == doc["disputes"]
    sheet = tmp_path / "sheet.csv"
    assert main(["export", str(gold_path), "--to", "casme", "-o", str(sheet)]) == 0
    rows = list(csv.reader(sheet.open()))
    assert rows[1][3:6] == ["21", "41", "71"] and rows[1][7] == "6B+12C"
    assert main(["merge", *paths, "-o", str(gold_path)]) != 0  # never overwrites silently
    assert "already exists" in capsys.readouterr().err


def test_merge_refuses_projects_of_different_videos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _coder("ann", [])
    b = _coder("bob", [])
    b.update_media("m1", sha256="cd" * 32)
    paths = _save(tmp_path, {"ann": a, "bob": b})
    assert main(["merge", *paths, "-o", str(tmp_path / "g.facet.json")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and paths[0] in err[0] and paths[1] in err[0]
    assert "different hashes" in err[0]
    assert not (tmp_path / "g.facet.json").exists()


def test_event_table_shows_provenance(qtbot, tmp_path: Path) -> None:  # noqa: ARG001
    from PySide6.QtGui import QUndoStack

    from annotator.ui.docks.event_table_model import COLUMNS, EventTableModel

    coders = {
        "ann": _coder("ann", [("12", 20, 70, 40, "")]),
        "bob": _coder("bob", [("12", 21, 71, 41, "")]),
    }
    paths = _save(tmp_path, coders)
    gold = merge_projects(list(coders.values()), list(coders), paths, tmp_path / "g.facet.json")
    model = EventTableModel(gold, QUndoStack())
    col = COLUMNS.index("provenance")
    assert model.data(model.index(0, col)) == "agreed (ann, bob; merge)"
