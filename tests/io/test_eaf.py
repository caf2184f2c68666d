from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from iohelpers import CODED_TIERS, add, make_project, sample, saved

from annotator.io.eaf import eaf_text, export_eaf, plan_eaf_import, tier_kind
from annotator.io.importing import ImportFileError, apply_plan, import_into_file
from annotator.model import EventKind, Intensity, Project, Side


def xsd(version: str):
    etree = pytest.importorskip("lxml.etree")
    return etree.XMLSchema(etree.parse(str(sample(f"elan/EAFv{version}.xsd"))))


def events_key(p: Project) -> list[tuple]:
    return sorted(
        (
            e.face,
            e.kind.value,
            e.onset_frame,
            e.apex_frame or -1,
            e.offset_frame,
            e.au_code,
            e.emotion or "",
            e.note,
        )
        for e in p.events.values()
    )


def reimport(p: Project, path: Path) -> Project:
    target = make_project(frames=p.media["m1"].frame_count, fps=p.media["m1"].fps, faces=0)
    if p.has_real_timebase("m1"):
        target.set_timebase("m1", p.timebase("m1"))
    apply_plan(target, plan_eaf_import(target, path))
    return target


def test_export_is_valid_eaf_3_and_fixes_pympi_quirks(coded_project, tmp_path):
    out = export_eaf(coded_project, tmp_path / "x.eaf")
    from lxml import etree

    schema = xsd("3.0")
    assert schema.validate(etree.parse(str(out))), schema.error_log
    root = ET.parse(out).getroot()
    assert root.get("VERSION") == "3.0" and root.get("FORMAT") == "3.0"
    assert root.find("HEADER").get("TIME_UNITS") == "milliseconds"
    props = {p.get("NAME"): p.text for p in root.iter("PROPERTY")}
    ids = [int(a.get("ANNOTATION_ID")[1:]) for a in root.iter("ALIGNABLE_ANNOTATION")]
    assert props == {"lastUsedAnnotationId": str(max(ids))}
    md = root.find("HEADER/MEDIA_DESCRIPTOR")
    assert md.get("MIME_TYPE") == "video/mp4" and md.get("MEDIA_URL").startswith("file:///")
    assert not (tmp_path / "x.bak").exists()
    tiers = {t.get("TIER_ID"): t for t in root.iter("TIER")}
    # 6B+12C (10-30) and R12 (20-40) overlap: ELAN needs them on separate tiers
    # apexes are one-frame annotations on child tiers (Included_In their parent)
    assert set(tiers) == CODED_TIERS
    assert tiers["A AU apex"].get("PARENT_REF") == "A AU"
    assert tiers["A AU"].get("PARTICIPANT") == "Ada"
    values = [v.text for v in root.iter("ANNOTATION_VALUE")]
    assert "6B+12C" in values and "R12" in values and "happiness" in values
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE")) for s in root.iter("TIME_SLOT")}
    a = next(
        a for a in root.iter("ALIGNABLE_ANNOTATION") if a.find("ANNOTATION_VALUE").text == "6B+12C"
    )
    assert (slots[a.get("TIME_SLOT_REF1")], slots[a.get("TIME_SLOT_REF2")]) == (400, 1240)


def test_project_eaf_project_keeps_events(coded_project, tmp_path):
    out = export_eaf(coded_project, tmp_path / "x.eaf")
    back = reimport(coded_project, out)
    assert [(f.id, f.name) for f in back.faces.values()] == [("A", "Ada"), ("B", "Ben")]
    assert events_key(back) == events_key(coded_project)
    assert all(e.code for e in back.events.values() if e.kind is EventKind.AU)


@pytest.mark.parametrize("fps", [Fraction(30000, 1001), Fraction(25), Fraction(200)])
def test_random_round_trips_keep_frames(fps, vfr_timebase):
    rng = np.random.default_rng(int(fps))
    p = make_project(frames=3000, fps=fps)
    if fps == 200:
        p.set_timebase("m1", vfr_timebase(3000))
    for _ in range(60):
        on = int(rng.integers(0, 2990))
        length = int(rng.integers(0, 9))
        apex = on + int(rng.integers(0, length + 1)) if rng.random() < 0.7 else None
        add(
            p,
            face="AB"[int(rng.integers(0, 2))],
            onset_frame=on,
            apex_frame=apex,
            offset_frame=on + length,
            au=int(rng.choice([1, 4, 12, 45])),
            intensity=rng.choice([None, Intensity.A, Intensity.E]),
            side=rng.choice([None, Side.L]),
        )
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        out = export_eaf(p, Path(d) / "r.eaf")
        back = reimport(p, out)
        assert events_key(back) == events_key(p)
        # and EAF -> project -> EAF gives the same milliseconds
        assert eaf_text(back, out).split("<TIER")[1:] == eaf_text(p, out).split("<TIER")[1:]


def test_elan_file_to_project_and_back_keeps_frames(tmp_path):
    src = sample("synthetic/facs_two_tiers_synthetic.eaf")
    p = make_project(frames=72, fps=30, faces=0)
    plan = plan_eaf_import(p, src)
    apply_plan(p, plan)
    assert [f.id for f in p.faces.values()] == ["face1"]
    aus = sorted((e.au_code, e.code) for e in p.events.values() if e.kind is EventKind.AU)
    assert aus == [("12C", "6B+12C+25"), ("25", "6B+12C+25"), ("6B", "6B+12C+25"), ("R12A", "R12A")]
    first = sorted(events_key(p))
    tb = p.timebase("m1")
    smile = next(e for e in p.events.values() if e.au == 6)
    # 667 ms = frame 20 at 30 fps (20.01 -> 20); 1367 ms ends frame 40 (41.01 -> 41 - 1)
    assert (smile.onset_frame, smile.offset_frame) == (20, 40)
    out = export_eaf(p, tmp_path / "again.eaf")
    again = reimport(p, out)
    assert sorted(events_key(again)) == first
    assert tb.time_s(20) == pytest.approx(0.6667, abs=1e-3)


@pytest.mark.parametrize("name", ["elan/pympi_sample_3.0.eaf", "elan/pympi_sample_2.7.eaf"])
def test_reference_samples_import(name):
    p = make_project(frames=25 * 2000, fps=25, faces=0)
    plan = plan_eaf_import(p, sample(name))
    apply_plan(p, plan)
    # 1572 unaligned slots: spread between their aligned neighbours, so all 8778 import
    assert len(p.events) == 8778 and len(p.faces) >= 2
    assert not any("no time" in w for w in plan.warnings)


def test_tier_names():
    assert tier_kind("A AU") == ("A", EventKind.AU)
    assert tier_kind("face1/AU") == ("face1", EventKind.AU)
    assert tier_kind("Ben emotion (2)") == ("Ben", EventKind.EMOTION)
    assert tier_kind("K-Spch") == ("K-Spch", None)


BAD = {
    "truncated.eaf": (
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT>\n'
            b'<HEADER TIME_UNITS="milliseconds"/>\n<TIME_ORDER>\n'
        ),
        "line 5 column 1: file ends too early",
    ),
    "latin1.eaf": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT>\n'
        '<TIER TIER_ID="Zoë"/></ANNOTATION_DOCUMENT>\n'.encode("latin-1"),
        "line 3 column",
    ),
    "other.eaf": (b"<html><body/></html>", "<html>: not an ELAN file"),
    "cut.eaf": (
        b'<ANNOTATION_DOCUMENT>\n<TIER TIER_ID="A AU"',
        "line 2 column 1: file ends inside",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_files_fail_in_one_line_and_leave_project(name, tmp_path, coded_project):
    data, expected = BAD[name]
    bad = tmp_path / name
    bad.write_bytes(data)
    project_path = saved(coded_project, tmp_path)
    before = project_path.read_bytes()
    with pytest.raises(ImportFileError) as exc:
        import_into_file(plan_eaf_import, bad, project_path, warn=None)
    msg = str(exc.value)
    assert msg.startswith(f"{name}: ") and expected in msg and "\n" not in msg
    assert project_path.read_bytes() == before


def test_annotation_outside_video_names_tier_and_annotation(tmp_path, coded_project):
    long = make_project(frames=2500)
    add(long, onset_frame=2000, offset_frame=2100, au=4)
    out = export_eaf(long, tmp_path / "long.eaf")
    project_path = saved(coded_project, tmp_path)
    before = project_path.read_bytes()
    with pytest.raises(
        ImportFileError,
        match=r"long.eaf: TIER 'A AU' ANNOTATION a2: "
        r"80000-84040 ms is outside the video \(0-10000 ms\)",
    ):
        import_into_file(plan_eaf_import, out, project_path, warn=None)
    assert project_path.read_bytes() == before


def test_dialogue_markers_travel_on_a_dialogue_tier(coded_project, tmp_path):
    from annotator.model import Marker, MarkerKind

    p = coded_project
    p.add_marker(Marker(0, MarkerKind.DIALOGUE, 5, 60, text="I'm fine."))
    p.add_marker(Marker(0, MarkerKind.DIALOGUE, 50, 70, text="Overlap"))
    p.add_marker(Marker(0, MarkerKind.NOTE, 8, 8, text="frame note, not exported"))
    out = export_eaf(p, tmp_path / "d.eaf")
    tiers = {t.get("TIER_ID") for t in ET.parse(out).getroot().iter("TIER")}
    assert {"dialogue", "dialogue (2)"} <= tiers
    back = reimport(p, out)
    assert sorted((m.kind, m.start_frame, m.end_frame, m.text) for m in back.markers.values()) == [
        (MarkerKind.DIALOGUE, 5, 60, "I'm fine."),
        (MarkerKind.DIALOGUE, 50, 70, "Overlap"),
    ]
    assert events_key(back) == events_key(p)
