from __future__ import annotations

import pytest
from iohelpers import add, make_project, sample, saved

from annotator.io.importing import ImportFileError, apply_plan, import_into_file
from annotator.io.sheets import export_sheet, plan_sheet_import, sheet_rows
from annotator.model import EventKind, Intensity


def test_casme2_rows_group_overlapping_events(coded_project):
    rows = sheet_rows(coded_project, "casme2")
    assert rows[0] == ["Subject", "Filename", "", "OnsetFrame", "ApexFrame", "OffsetFrame", "",
                       "Action Units", "Estimated Emotion"]
    assert rows[1] == ["Ada", "missing-video", "", 11, 16, 41, "", "6B+12C+R12", "happiness"]
    assert rows[2] == ["Ben", "missing-video", "", 101, "/", 131, "", "45", "sadness"]
    assert len(rows) == 3  # the note is not an expression
    samm = sheet_rows(coded_project, "samm", frame_base=0)
    assert samm[2][3:10] == [100, -1, 130, 31, "Macro", "45", "sadness"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("layout,kind", [("casme2", "casme"), ("samm", "samm")])
def test_sheet_round_trip(coded_project, tmp_path, suffix, layout, kind):
    out = export_sheet(coded_project, tmp_path / f"s{suffix}", layout=layout)
    p = make_project(faces=0)
    plan = plan_sheet_import(p, out, kind)
    apply_plan(p, plan)
    assert [f.name for f in p.faces.values()] == ["Ada", "Ben"]
    ada = sorted((e.kind.value, e.onset_frame, e.apex_frame, e.offset_frame, e.au_code or e.emotion)
                 for e in p.events.values() if e.face == "Ada")
    assert ada == [("au", 10, 15, 40, "12C"), ("au", 10, 15, 40, "6B"), ("au", 10, 15, 40, "R12"),
                   ("emotion", 10, 15, 40, "happiness")]


def test_dataset_samples_import():
    p = make_project(frames=6000, faces=0)
    c2 = plan_sheet_import(p, sample("synthetic/casme2_style_coding.csv"), "casme")
    assert len(c2.faces) == 5 and "repression" in c2.labels
    ep92 = [e for e in c2.events if e.code == "4+7+L10" and e.apex_frame is None]
    assert {e.au_code for e in ep92} == {"4", "7", "L10"} and ep92[0].onset_frame == 260
    samm = plan_sheet_import(p, sample("synthetic/samm_lv_style_facs_codes.csv"), "samm")
    assert any(e.au == 4 and e.intensity is Intensity.B and e.code == "4(B/C)+7B"
               for e in samm.events)
    assert any("uncertain intensity" in w for w in samm.warnings)
    cas = plan_sheet_import(p, sample("synthetic/cas_me_2_style_code_final.csv"), "casme-squared")
    assert any("offset missing" in w for w in cas.warnings)
    assert {e.emotion for e in cas.events if e.kind is EventKind.EMOTION} >= {"anger", "surprise"}
    for plan in (c2, samm, cas):
        apply_plan(make_project(frames=6000, faces=0), plan)


def test_clip_filter():
    p = make_project(frames=6000, faces=0)
    plan = plan_sheet_import(p, sample("synthetic/casme2_style_coding.csv"), "casme",
                             clip="EP90_01f")
    assert {(e.onset_frame, e.offset_frame) for e in plan.events} == {(45, 85)}


BAD = {
    "columns.csv": (b"Name,Start,End\nx,1,2\n", "no header row with 'Subject' and 'Onset'"),
    "outside.csv": ((b"Subject,Filename,OnsetFrame,ApexFrame,OffsetFrame,Action Units\n"
                    b"1,a,10,20,30,12\n1,b,240,245,300,4\n"),
                    "line 3: offset frame 300 is outside the video (1-250)"),
    "latin1.csv": ("Subject,OnsetFrame,OffsetFrame,Action Units\nZoë,1,2,4\n".encode("latin-1"),
                   "line 2: not UTF-8 text"),
    "words.csv": (b"Subject,OnsetFrame,OffsetFrame,Action Units\n1,soon,2,4\n",
                  "line 2: onset 'soon' is not a frame number"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_sheets_fail_cleanly(name, tmp_path):
    data, expected = BAD[name]
    bad = tmp_path / name
    bad.write_bytes(data)
    p = make_project()
    add(p, onset_frame=1, offset_frame=2, au=1)
    project_path = saved(p, tmp_path)
    before = project_path.read_bytes()
    with pytest.raises(ImportFileError) as exc:
        import_into_file(lambda pr, f: plan_sheet_import(pr, f, "casme"), bad, project_path,
                         warn=None)
    assert str(exc.value).startswith(f"{name}: ") and expected in str(exc.value)
    assert project_path.read_bytes() == before
