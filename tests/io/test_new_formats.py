"""Formats added for files other tools write: Facet's events CSV back in, BORIS, Datavyu,
and the Praat TextGrid export."""

from __future__ import annotations

import json
import zipfile

import pytest
from iohelpers import CODED_TIERS, add, make_project, sample, saved

from annotator.cli import main
from annotator.io.boris import plan_boris_import
from annotator.io.datavyu import plan_datavyu_import, read_datavyu
from annotator.io.eaf_import import EafOptions
from annotator.io.events_csv import events_csv_text, export_events_csv, plan_events_csv_import
from annotator.io.importing import ImportFileError, apply_plan
from annotator.io.project_file import load_project
from annotator.io.textgrid import export_textgrid
from annotator.model import EventKind, Intensity, Side


def test_events_csv_round_trip_is_exact(coded_project, tmp_path):
    p = coded_project
    add(p, onset_frame=50, offset_frame=60, kind=EventKind.NOTE, note="=SUM(A1) not a formula")
    out = export_events_csv(p, tmp_path / "e.csv")
    back = make_project(faces=0)
    apply_plan(back, plan_events_csv_import(back, out))
    assert events_csv_text(back).encode() == out.read_bytes()
    e = next(e for e in back.events.values() if e.side is Side.R)
    assert (e.au, e.code, e.onset_frame, e.offset_frame) == (12, "R12", 20, 40)
    assert any(e.intensity is Intensity.C and e.apex_frame == 15 for e in back.events.values())
    assert any(e.note == "=SUM(A1) not a formula" for e in back.events.values())


@pytest.mark.parametrize("note", ["'=1+1", "\nnew line first", " @a", "\uff1dSUM(A1)", "'quoted'"])
def test_events_csv_round_trips_formula_like_text(tmp_path, note):
    # A note a coder typed with its own quote before "=" (or starting with LF, spaces, a
    # full-width sign) comes back exactly as typed, not one quote short.
    p = make_project()
    add(p, onset_frame=5, offset_frame=9, kind=EventKind.NOTE, note=note)
    out = export_events_csv(p, tmp_path / "e.csv")
    back = make_project(faces=0)
    apply_plan(back, plan_events_csv_import(back, out))
    assert [e.note for e in back.events.values()] == [note]


def test_events_csv_import_names_the_bad_line(tmp_path):
    bad = tmp_path / "e.csv"
    bad.write_text("face,kind,onset_frame,offset_frame\nA,au,3,x\n", "utf-8")
    with pytest.raises(ImportFileError, match=r"e.csv: line 2: offset_frame 'x' is not a number"):
        plan_events_csv_import(make_project(), bad)


BORIS_PROJECT = {
    "project_name": "faces",
    "project_format_version": "7.0",
    "subjects_conf": {
        "0": {"key": "1", "name": "Kim", "description": ""},
        "1": {"key": "2", "name": "Lee", "description": ""},
    },
    "behaviors_conf": {
        "0": {"type": "State event", "key": "s", "code": "smile", "modifiers": ""},
        "1": {"type": "Point event", "key": "b", "code": "AU45", "modifiers": ""},
    },
    "observations": {
        "obs1": {
            "file": {"1": ["clip.mp4"], "2": []},
            "type": "MEDIA",
            "time offset": 0.0,
            "events": [
                [1.0, "Kim", "smile", "", ""],
                [2.0, "Kim", "smile", "", ""],
                [1.5, "Lee", "smile", "", ""],
                [1.52, "Kim", "AU45", "", ""],
                [3.0, "Lee", "smile", "", ""],
            ],
        }
    },
}


def test_boris_project_subjects_to_faces_states_to_spans_points_to_one_frame(tmp_path):
    path = tmp_path / "faces.boris"
    path.write_text(json.dumps(BORIS_PROJECT), "utf-8")
    p = make_project(fps=25, faces=0)
    plan = plan_boris_import(p, path)
    assert {f.id for f in plan.faces} == {"Kim", "Lee"}
    got = sorted(
        (e.face, e.kind.value, e.au or e.note, e.onset_frame, e.offset_frame) for e in plan.events
    )
    # state 1.0-2.0 s: frames 25..49 (half-open); the AU45 point: one frame, and an AU
    # because every value of that tier is an AU-prefixed code
    assert got == [
        ("Kim", "au", 45, 38, 38),
        ("Kim", "note", "smile", 25, 49),
        ("Lee", "note", "smile", 37, 74),
    ]
    smiles = plan_boris_import(p, path, options=EafOptions(skip_tiers="AU45"))
    assert len(smiles.events) == 2


def test_boris_unpaired_state_event_is_one_line(tmp_path):
    data = json.loads(json.dumps(BORIS_PROJECT))
    data["observations"]["obs1"]["events"].pop(1)
    path = tmp_path / "bad.boris"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(
        ImportFileError,
        match=r"bad.boris: line \d+: state event 'smile' of "
        r"'Kim' never stops",
    ):
        plan_boris_import(make_project(faces=0), path)


@pytest.mark.parametrize(
    ("name", "events", "faces"),
    [
        ("third_party/boris_export_events_tabular.xlsx", 4, {"subject1", "subject2"}),
        (
            "third_party/boris_aggregated_events_1.tsv",
            18,
            {"No focal subject", "subject1", "subject2"},
        ),
    ],
)
def test_boris_tabular_exports_import(name, events, faces):
    p = make_project(frames=25 * 600, fps=25, faces=0)
    plan = plan_boris_import(p, sample(name))
    assert len(plan.events) == events and {f.id for f in plan.faces} == faces
    apply_plan(p, plan)
    if "tabular" in name:  # START 3.300 / STOP 7.750 of subject1
        first = min(
            (e for e in p.events.values() if e.face == "subject1"), key=lambda e: e.onset_frame
        )
        assert (first.onset_frame, first.offset_frame) == (82, 193)
    else:  # point events are one frame
        points = [e for e in p.events.values() if e.note == "p"]
        assert points and all(e.onset_frame == e.offset_frame for e in points)


def test_datavyu_csv_and_opf_import(tmp_path):
    src = sample("third_party/datavyu_demo_data_to_csv2.csv")
    doc = read_datavyu(src)
    assert list(doc.tiers) == ["float", "int", "text", "nominal", "predicate", "matrix"]
    assert doc.annotation_count() == 60
    p = make_project(frames=25 * 100, fps=25, faces=0)
    plan = plan_datavyu_import(p, src)
    assert len(plan.events) == 60 and {e.kind for e in plan.events} == {EventKind.NOTE}
    e = next(e for e in plan.events if e.note == '1.200000,4,nm,"qs"')
    assert e.note  # matrix values lose their parentheses
    first_float = min((x for x in plan.events if x.note == "0.000000"), key=lambda x: x.onset_frame)
    assert (first_float.onset_frame, first_float.offset_frame) == (0, 49)  # 0-2 s half-open
    opf = tmp_path / "session.opf"
    with zipfile.ZipFile(opf, "w") as z:
        z.writestr("db", src.read_bytes())
        z.writestr("project", "!project\nversion: 5\n")
    assert len(plan_datavyu_import(p, opf).events) == 60
    bad = tmp_path / "bad.csv"
    bad.write_text("#4\ngaze (TEXT,true,)\n00:00:01:000,oops\n", "utf-8")
    with pytest.raises(ImportFileError, match="bad.csv: line 3: expected a column header"):
        read_datavyu(bad)


def test_cli_imports_boris_datavyu_and_csv(tmp_path, coded_project, capsys):
    target = saved(make_project(frames=25 * 600, fps=25, faces=0), tmp_path, "t.facet.json")
    boris = tmp_path / "faces.boris"
    boris.write_text(json.dumps(BORIS_PROJECT), "utf-8")
    assert main(["import", "boris", str(boris), "--into", str(target)]) == 0
    assert (
        main(
            [
                "import",
                "datavyu",
                str(sample("third_party/datavyu_demo_data_to_csv2.csv")),
                "--into",
                str(target),
                "--skip-tiers",
                "^(float|int)$",
            ]
        )
        == 0
    )
    csv_file = export_events_csv(coded_project, tmp_path / "e.csv")
    assert main(["import", "csv", str(csv_file), "--into", str(target)]) == 0
    assert main(["import", "csv", str(csv_file), "--into", str(target)]) == 0
    out = capsys.readouterr().out
    assert "7 already in the project skipped" in out
    assert len(load_project(target).project.events) == 3 + 40 + 7


def test_textgrid_export(coded_project, tmp_path):
    from praatio import textgrid

    out = export_textgrid(coded_project, tmp_path / "x.TextGrid")
    tg = textgrid.openTextgrid(str(out), includeEmptyIntervals=False)
    assert set(tg.tierNames) == CODED_TIERS
    (first,) = tg.getTier("A AU").entries
    assert (first.start, first.end, first.label) == (0.4, 1.24, "6B+12C")  # frames 10-30
    assert [(p.time, p.label) for p in tg.getTier("A AU apex").entries] == [(0.6, "6B+12C")]
    assert tg.maxTimestamp == 10.0
    text = out.read_text("utf-8")
    assert text.startswith('File type = "ooTextFile"\nObject class = "TextGrid"')
    assert (
        main(
            [
                "export",
                str(saved(coded_project, tmp_path)),
                "--to",
                "textgrid",
                "-o",
                str(tmp_path / "y.TextGrid"),
            ]
        )
        == 0
    )
    assert (tmp_path / "y.TextGrid").read_text("utf-8") == text
