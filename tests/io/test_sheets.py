from __future__ import annotations

import pytest
from iohelpers import add, make_project, sample, saved

from annotator.io.importing import ImportFileError, apply_plan, import_into_file
from annotator.io.sheets import export_sheet, plan_sheet_import, sheet_rows
from annotator.model import EventKind, Intensity


def test_casme2_rows_group_overlapping_events(coded_project):
    rows = sheet_rows(coded_project, "casme2")
    assert rows[0] == [
        "Subject",
        "Filename",
        "",
        "OnsetFrame",
        "ApexFrame",
        "OffsetFrame",
        "",
        "Action Units",
        "Estimated Emotion",
    ]
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
    ada = sorted(
        (e.kind.value, e.onset_frame, e.apex_frame, e.offset_frame, e.au_code or e.emotion)
        for e in p.events.values()
        if e.face == "Ada"
    )
    assert ada == [
        ("au", 10, 15, 40, "12C"),
        ("au", 10, 15, 40, "6B"),
        ("au", 10, 15, 40, "R12"),
        ("emotion", 10, 15, 40, "happiness"),
    ]


def test_dataset_samples_import():
    p = make_project(frames=6000, faces=0)
    c2 = plan_sheet_import(p, sample("synthetic/casme2_style_coding.csv"), "casme")
    assert len(c2.faces) == 5 and "repression" in c2.labels
    ep92 = [e for e in c2.events if e.code == "4+7+L10" and e.apex_frame is None]
    assert {e.au_code for e in ep92} == {"4", "7", "L10"} and ep92[0].onset_frame == 260
    samm = plan_sheet_import(p, sample("synthetic/samm_lv_style_facs_codes.csv"), "samm")
    assert any(
        e.au == 4 and e.intensity is Intensity.B and e.code == "4(B/C)+7B" for e in samm.events
    )
    assert any("uncertain intensity" in w for w in samm.warnings)
    cas = plan_sheet_import(p, sample("synthetic/cas_me_2_style_code_final.csv"), "casme-squared")
    assert any("offset missing" in w for w in cas.warnings)
    assert {e.emotion for e in cas.events if e.kind is EventKind.EMOTION} >= {"anger", "surprise"}
    for plan in (c2, samm, cas):
        apply_plan(make_project(frames=6000, faces=0), plan)


def test_clip_filter():
    p = make_project(frames=6000, faces=0)
    plan = plan_sheet_import(
        p, sample("synthetic/casme2_style_coding.csv"), "casme", clip="EP90_01f"
    )
    assert {(e.onset_frame, e.offset_frame) for e in plan.events} == {(45, 85)}


BAD = {
    "columns.csv": (b"Name,Start,End\nx,1,2\n", "no header row with 'Subject' and 'Onset'"),
    "outside.csv": (
        (
            b"Subject,Filename,OnsetFrame,ApexFrame,OffsetFrame,Action Units\n"
            b"1,a,10,20,30,12\n1,b,240,245,300,4\n"
        ),
        "line 3: offset frame 300 is outside the video (1-250)",
    ),
    "latin1.csv": (
        "Subject,OnsetFrame,OffsetFrame,Action Units\nZoë,1,2,4\n".encode("latin-1"),
        "line 2: not UTF-8 text",
    ),
    "words.csv": (
        b"Subject,OnsetFrame,OffsetFrame,Action Units\n1,soon,2,4\n",
        "line 2: onset 'soon' is not a frame number",
    ),
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
        import_into_file(
            lambda pr, f: plan_sheet_import(pr, f, "casme"), bad, project_path, warn=None
        )
    assert str(exc.value).startswith(f"{name}: ") and expected in str(exc.value)
    assert project_path.read_bytes() == before


CASME_TWO = (
    "Subject,Filename,,OnsetFrame,ApexFrame,OffsetFrame,,Action Units,"
    "Estimated Emotion\n"
    "01,EP02_01f,,46,59,86,,12,happiness\n"
    "09,EP02_01f,,101,0,121,,4+7,disgust\n"
    "09,EP03_02,,10,/,20,,14,others\n"
)


def test_casme2_rows_of_two_subjects_with_one_clip_name_are_kept_apart(tmp_path):
    path = tmp_path / "casme2.csv"
    path.write_text(CASME_TWO, "utf-8")
    p = make_project(faces=0)
    with pytest.raises(
        ImportFileError,
        match=r"clip 'EP02_01f' belongs to 2 subjects "
        r"\(01, 09\); choose one with --subject",
    ):
        plan_sheet_import(p, path, "casme", clip="EP02_01f")
    for plan in (
        plan_sheet_import(p, path, "casme", clip="EP02_01f", subject="9"),
        plan_sheet_import(p, path, "casme", clip="sub09/EP02_01f"),
    ):
        assert {e.face for e in plan.events} == {"09"}
        assert {(e.onset_frame, e.offset_frame) for e in plan.events} == {(100, 120)}
        assert {e.apex_frame for e in plan.events} == {None}  # apex 0 means no apex
    everything = plan_sheet_import(p, path, "casme")
    assert any("3 different clips of 2 subjects" in w for w in everything.warnings)


def test_others_is_no_emotion_and_a_missing_emotion_is_an_empty_cell(tmp_path):
    path = tmp_path / "casme2.csv"
    path.write_text(CASME_TWO, "utf-8")
    p = make_project(faces=0)
    plan = plan_sheet_import(p, path, "casme", subject="09", clip="EP03_02")
    assert [e.kind for e in plan.events] == [EventKind.AU]
    q = make_project()
    add(q, onset_frame=10, offset_frame=20, au=4)
    assert sheet_rows(q, "casme2")[1][-1] == "" and sheet_rows(q, "samm")[1][9] == ""
    out = export_sheet(q, tmp_path / "s.csv", layout="samm")
    assert out.read_text("utf-8").startswith("Micro column: total-0.5s (micro: onset to offset")
    back = plan_sheet_import(make_project(faces=0), out, "samm")
    assert [e.kind for e in back.events] == [EventKind.AU]


def test_frame_offset_for_absolute_frame_numbers(tmp_path):
    path = tmp_path / "samm.csv"
    path.write_text(
        "Subject,Filename,Onset,Apex,Offset,Action Units\n006,006_1_2,5010,5020,5030,12\n", "utf-8"
    )
    p = make_project(faces=0)
    with pytest.raises(ImportFileError, match="line 2: onset frame 5010 is outside the video"):
        plan_sheet_import(p, path, "samm")
    (e,) = plan_sheet_import(p, path, "samm", frame_offset=5000).events
    assert (e.onset_frame, e.apex_frame, e.offset_frame) == (9, 19, 29)


def test_casme3_layout(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "label"
    ws.append(
        ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class", "emotion"]
    )
    ws.append(["spNO.1", "a", 101, 111, 121, "4,7", 1, "disgust"])
    ws.append(["spNO.2", "b", 11, 15, 21, "12", 2, "others"])
    wb.save(tmp_path / "cas3.xlsx")
    p = make_project(faces=0)
    plan = plan_sheet_import(p, tmp_path / "cas3.xlsx", "casme3", subject="1")
    assert sorted((e.kind.value, e.au_code or e.emotion) for e in plan.events) == [
        ("au", "4"),
        ("au", "7"),
        ("emotion", "disgust"),
    ]
    assert {(e.onset_frame, e.apex_frame, e.offset_frame) for e in plan.events} == {(100, 110, 120)}
