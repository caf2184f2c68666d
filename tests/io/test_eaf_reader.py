"""The tolerant EAF reader and the import plan, on files other tools wrote."""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

import numpy as np
import pytest
from iohelpers import add, make_project, sample, saved

from annotator.cli import main
from annotator.io.eaf import export_eaf, plan_eaf_import
from annotator.io.eaf_import import EafOptions, propose
from annotator.io.eaf_read import read_eaf
from annotator.io.importing import apply_plan, drop_duplicates, import_into_file
from annotator.io.project_file import load_project
from annotator.model import EventKind, Timebase


def eaf_doc(tiers: str, slots: str, header: str = "", root_attrs: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ANNOTATION_DOCUMENT AUTHOR="" DATE="2020-01-01T00:00:00+00:00" FORMAT="3.0" '
        f'VERSION="3.0"{root_attrs}>\n'
        f'<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">{header}</HEADER>\n'
        f"<TIME_ORDER>{slots}</TIME_ORDER>\n{tiers}\n"
        '<LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" '
        'TIME_ALIGNABLE="true"/>\n</ANNOTATION_DOCUMENT>\n'
    )


def slots(*ms: int) -> str:
    return "".join(
        f'<TIME_SLOT TIME_SLOT_ID="ts{i}" TIME_VALUE="{v}"/>' for i, v in enumerate(ms, start=1)
    )


def tier(tid: str, spans: list[tuple[int, int, str]], first_id: int = 1) -> str:
    anns = "".join(
        f'<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a{first_id + k}" '
        f'TIME_SLOT_REF1="ts{a}" TIME_SLOT_REF2="ts{b}"><ANNOTATION_VALUE>{v}'
        "</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>"
        for k, (a, b, v) in enumerate(spans)
    )
    return f'<TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="{tid}">{anns}</TIER>'


def test_schema_valid_eaf_without_xsi_attribute_imports(tmp_path):
    """pympi-ling's parser raised KeyError on this optional attribute's absence."""
    text = sample("third_party/teicorpo_essai-filled-time.eaf").read_text("utf-8")
    text = re.sub(r'\s+xsi:noNamespaceSchemaLocation="[^"]*"', "", text)
    text = re.sub(r'\s+xmlns:xsi="[^"]*"', "", text)
    assert "noNamespaceSchemaLocation" not in text
    path = tmp_path / "no-xsi.eaf"
    path.write_text(text, "utf-8")
    p = make_project(frames=25 * 600, faces=0)
    plan = plan_eaf_import(p, path)
    assert len(plan.events) == 18


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("third_party/poio_turkish.eaf", 340),  # symbolic subdivision 3 levels deep + association
        ("third_party/teicorpo_fusionDEGELS_geste_verbal.eaf", 2235),  # time subdivision children
        ("third_party/childproject_example.eaf", 712),  # association of association
        ("third_party/teicorpo_clan_short.eaf", 16),
    ],
)
def test_child_tiers_of_every_constraint_import_every_annotation(name, count):
    path = sample(name)
    doc = read_eaf(path)
    assert doc.annotation_count() == count
    p = make_project(frames=25 * 4000, faces=0)
    plan = plan_eaf_import(p, path)
    assert len(plan.events) + len(plan.markers) == count
    apply_plan(p, plan)
    # every child annotation lies inside its parent's span
    for t in doc.tiers.values():
        if not t.parent:
            continue
        parent = doc.tiers[t.parent].annotations
        for a in t.annotations:
            assert any(
                pa.start_ms - 1e-6 <= a.start_ms <= a.end_ms <= pa.end_ms + 1e-6 for pa in parent
            ), (t.id, a.id)


def test_symbolic_subdivision_shares_the_parent_span_in_order():
    doc = read_eaf(sample("third_party/poio_turkish.eaf"))
    utterance = doc.tiers["P-Spch"].annotations[0]
    words = [a for a in doc.tiers["P-Word"].annotations if a.ref == utterance.id]
    assert [w.value for w in words][:3] == ["dün", "akşam", "koşa"]
    assert words[0].start_ms == utterance.start_ms and words[-1].end_ms == pytest.approx(
        utterance.end_ms
    )
    assert all(a.end_ms == pytest.approx(b.start_ms) for a, b in itertools.pairwise(words))


def test_time_origin_is_honoured_on_import(tmp_path):
    path = tmp_path / "origin.eaf"
    path.write_text(
        eaf_doc(
            tier("A AU", [(1, 2, "12")]),
            slots(0, 400),
            header='<MEDIA_DESCRIPTOR MEDIA_URL="file:///v.mp4" '
            'MIME_TYPE="video/mp4" TIME_ORIGIN="1000"/>',
        ),
        "utf-8",
    )
    p = make_project(frames=250, fps=25, faces=0)
    (e,) = plan_eaf_import(p, path).events
    assert (e.onset_frame, e.offset_frame) == (25, 34)  # 1000-1400 ms at 25 fps


def test_time_origin_written_when_the_first_frame_is_not_at_zero(tmp_path, coded_project):
    p = coded_project
    p.set_timebase("m1", Timebase(np.arange(250) / 25, Fraction(25), start_s=0.4))
    out = export_eaf(p, tmp_path / "x.eaf")
    assert 'TIME_ORIGIN="400"' in out.read_text("utf-8")
    target = make_project(faces=0)
    target.set_timebase("m1", p.timebase("m1"))
    apply_plan(target, plan_eaf_import(target, out))
    key = sorted(
        (e.face, e.onset_frame, e.offset_frame, e.apex_frame or -1, e.au_code)
        for e in p.events.values()
    )
    assert (
        sorted(
            (e.face, e.onset_frame, e.offset_frame, e.apex_frame or -1, e.au_code)
            for e in target.events.values()
        )
        == key
    )
    plain = make_project()
    assert "TIME_ORIGIN" not in export_eaf(plain, tmp_path / "y.eaf").read_text("utf-8")


def test_contiguous_segments_stay_contiguous_when_the_boundary_is_mid_frame(tmp_path):
    path = tmp_path / "seg.eaf"
    # 25 fps: frame 25 covers 1000-1040 ms; the boundary 1010 falls inside it
    path.write_text(
        eaf_doc(tier("talk", [(1, 2, "a"), (2, 3, "b")]), slots(0, 1010, 2000)), "utf-8"
    )
    p = make_project(faces=0)
    a, b = plan_eaf_import(p, path).events
    assert (a.onset_frame, a.offset_frame) == (0, 24)
    assert (b.onset_frame, b.offset_frame) == (25, 49)


def test_gaze_codes_are_not_action_units_unless_mapped(tmp_path):
    path = tmp_path / "gaze.eaf"
    path.write_text(
        eaf_doc(
            tier("gaze", [(1, 2, "1"), (2, 3, "2"), (3, 4, "001")])
            + tier("words", [(1, 2, "001")], first_id=9),
            slots(0, 400, 800, 1200),
        ),
        "utf-8",
    )
    p = make_project(faces=0)
    plan = plan_eaf_import(p, path)
    assert {e.kind for e in plan.events} == {EventKind.NOTE}
    mapped = plan_eaf_import(p, path, options=EafOptions(au_tiers="^gaze$"))
    assert sorted(e.au for e in mapped.events if e.kind is EventKind.AU) == [1, 1, 2]
    skipped = plan_eaf_import(p, path, options=EafOptions(au_tiers="gaze", skip_tiers="words"))
    assert len(skipped.events) == 3
    # values that are all AU-prefixed codes are FACS even on a tier that does not say so
    path2 = tmp_path / "prefixed.eaf"
    path2.write_text(
        eaf_doc(tier("coder1", [(1, 2, "AU6+AU12"), (2, 3, "AU4")]), slots(0, 400, 800)), "utf-8"
    )
    assert {e.au for e in plan_eaf_import(p, path2).events} == {4, 6, 12}


def test_apexes_of_overlapping_same_au_events_survive_a_round_trip(tmp_path):
    p = make_project()
    add(p, onset_frame=10, apex_frame=25, offset_frame=30, au=12, code="12")
    add(p, onset_frame=20, apex_frame=22, offset_frame=40, au=12, code="12")
    add(p, onset_frame=20, apex_frame=35, offset_frame=40, au=6, code="6")
    out = export_eaf(p, tmp_path / "o.eaf")
    back = make_project(faces=0)
    apply_plan(back, plan_eaf_import(back, out))
    key = sorted((e.au, e.onset_frame, e.apex_frame, e.offset_frame) for e in p.events.values())
    assert (
        sorted((e.au, e.onset_frame, e.apex_frame, e.offset_frame) for e in back.events.values())
        == key
    )


def test_reimporting_the_same_file_is_detected_and_skipped(tmp_path, coded_project):
    out = export_eaf(coded_project, tmp_path / "x.eaf")
    target = saved(make_project(faces=0), tmp_path, "t.facet.json")
    first = import_into_file(plan_eaf_import, out, target, warn=None)
    n = len(load_project(target).project.events)
    again = import_into_file(plan_eaf_import, out, target, warn=None)
    assert again.duplicates == len(first.events) == n and not again.events
    assert len(load_project(target).project.events) == n
    assert "already in the project skipped" in again.summary()
    p = load_project(target).project
    plan = plan_eaf_import(p, out)
    assert drop_duplicates(p, plan) == n


def test_cli_dry_run_shows_the_plan_and_saves_nothing(tmp_path, capsys):
    path = tmp_path / "gaze.eaf"
    path.write_text(
        eaf_doc(tier("Kim gaze", [(1, 2, "1")]) + tier("Kim AU", [(1, 2, "12")], 5), slots(0, 400)),
        "utf-8",
    )
    target = saved(make_project(faces=0), tmp_path, "t.facet.json")
    before = target.read_bytes()
    assert main(["import", "eaf", str(path), "--into", str(target), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "tier 'Kim gaze' (1 annotations; '1'): note -> face Kim gaze" in out
    assert "tier 'Kim AU' (1 annotations; '12'): au -> face Kim" in out
    assert "would import 2 events" in out and "nothing saved" in out
    assert target.read_bytes() == before
    assert (
        main(
            [
                "import",
                "eaf",
                str(path),
                "--into",
                str(target),
                "--faces-from",
                "tier",
                "--au-tiers",
                "AU$",
                "--skip-tiers",
                "gaze",
            ]
        )
        == 0
    )
    p = load_project(target).project
    assert [e.au for e in p.events.values()] == [12]


def test_proposal_names_faces_by_participant_and_inherits_it():
    doc = read_eaf(sample("third_party/childproject_example.eaf"))
    choices = {c.tier: c for c in propose(doc, make_project(faces=0))}
    assert choices["xds@FA1"].face == "FA1" and choices["mwu@CHI"].face == "CHI"
    assert all(c.role == "note" for c in choices.values())


def test_time_origin_on_a_real_video_whose_first_pts_is_not_zero(tmp_path):
    from annotator.media import FrameSource

    video = sample("video/face_recognition_short_hamilton_clip.mp4")
    with FrameSource(video, prefetch=False) as fs:
        tb = fs.timebase
    assert tb.start_s > 0
    p = make_project(frames=tb.frame_count, faces=1)
    p.update_media("m1", path=str(video))
    p.set_timebase("m1", tb)
    add(p, onset_frame=30, apex_frame=40, offset_frame=60, au=12, code="12")
    out = export_eaf(p, tmp_path / "h.eaf")
    assert f'TIME_ORIGIN="{round(tb.start_s * 1000)}"' in out.read_text("utf-8")
    back = make_project(frames=tb.frame_count, faces=0)
    back.set_timebase("m1", tb)
    (e,) = plan_eaf_import(back, out).events
    assert (e.onset_frame, e.apex_frame, e.offset_frame) == (30, 40, 60)
