from __future__ import annotations

import pytest
from iohelpers import make_project, sample, saved

from annotator.io.importing import ImportFileError, apply_plan, import_into_file
from annotator.io.openface import plan_openface_import
from annotator.io.project_file import load_project
from annotator.io.srt import plan_srt_import
from annotator.model import EventKind, MarkerKind


def test_openface22_multiface_curves_and_gaps():
    p = make_project(faces=1)
    plan = plan_openface_import(p, sample("synthetic/openface22_style_aus_multiface.csv"))
    apply_plan(p, plan)
    assert list(p.faces) == ["A", "B"]  # face_id 1 got a new face
    names = {c.name for c in p.curves if c.face == "A"}
    assert "AU12_r" in names and "AU28_c" in names and "AU12_c" not in names
    au01 = next(c for c in p.curves if c.face == "A" and c.name == "AU01_r")
    assert au01.start_frame == 0 and au01.values[:2] == (0.3, 1.2)
    assert any(v is None for c in p.curves for v in c.values)  # the success = 0 row
    assert not p.events


def test_openface_threshold_makes_candidate_events():
    p = make_project(faces=2)
    plan = plan_openface_import(
        p, sample("synthetic/openface22_style_aus_multiface.csv"), threshold=1.0, min_frames=2
    )
    assert plan.events and all(
        e.kind is EventKind.AU and e.annotator == "openface" for e in plan.events
    )
    for e in plan.events:
        curve = next(c for c in plan.curves if c.face == e.face and c.name == f"AU{e.au:02d}_r")
        span = curve.values[
            e.onset_frame - curve.start_frame : e.offset_frame - curve.start_frame + 1
        ]
        assert all(v is not None and v >= 1.0 for v in span) and len(span) >= 2


def test_openface_20_file_without_face_id(tmp_path):
    p = make_project(faces=1)
    plan = plan_openface_import(p, sample("openface/pyfeat_OpenFace_Test.csv"))
    assert not plan.faces and {c.face for c in plan.curves} == {"A"}
    assert len(plan.curves[0].values) == 100  # frames 1..100 -> indices 0..99
    assert plan.curves[0].start_frame == 0


OF_BAD = {
    "cols.csv": (b"frame, timestamp, happy\n1, 0.0, 0.5\n", "line 1: not an OpenFace CSV"),
    "range.csv": (b"frame, AU12_r\n1, 0.5\n400, 1.0\n", "line 3: frame 400 is outside the video"),
    "latin1.csv": ("frame, AU12_r\n1, 0.5\n2, é\n".encode("latin-1"), "line 3: not UTF-8"),
    "text.csv": (b"frame, AU12_r\n1, 0.5\n2, high\n", "line 3: column AU12_r: 'high' is not"),
    "extra.csv": (b"frame, AU12_r\n1, 0.5, 3\n2, 0.1\n", "line 2: 3 fields, the header has 2"),
}


@pytest.mark.parametrize("name", sorted(OF_BAD))
def test_openface_malformed(name, tmp_path):
    data, expected = OF_BAD[name]
    (tmp_path / name).write_bytes(data)
    path = saved(make_project(), tmp_path)
    before = path.read_bytes()
    with pytest.raises(ImportFileError) as exc:
        import_into_file(plan_openface_import, tmp_path / name, path, warn=None)
    assert str(exc.value).startswith(f"{name}: ") and expected in str(exc.value)
    assert path.read_bytes() == before


SRT = """1
00:00:01,000 --> 00:00:02,500
I'm <i>fine</i>,
really.

2
00:00:04,040 --> 00:00:04,080
Oh.
"""


def test_srt_becomes_dialogue_markers(tmp_path):
    (tmp_path / "a.srt").write_text(SRT, encoding="utf-8")
    path = saved(make_project(), tmp_path)
    plan = import_into_file(plan_srt_import, tmp_path / "a.srt", path, warn=None)
    p = load_project(path).project
    ms = sorted(p.markers.values(), key=lambda m: m.start_frame)
    assert [(m.kind, m.start_frame, m.end_frame, m.text) for m in ms] == [
        (MarkerKind.DIALOGUE, 25, 62, "I'm fine,\nreally."),
        (MarkerKind.DIALOGUE, 101, 101, "Oh."),
    ]
    assert "2 markers" in plan.summary()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1\n00:00:01,000 -> 00:00:02,000\nhi\n", "line 2: expected a cue time"),
        ("1\n00:01:00,000 --> 00:01:02,000\nhi\n", "line 2: cue starts at 60.000 s, after the end"),
        ("", "no subtitle cues found"),
    ],
)
def test_srt_malformed(tmp_path, text, expected):
    (tmp_path / "b.srt").write_text(text, encoding="utf-8")
    path = saved(make_project(), tmp_path)
    before = path.read_bytes()
    with pytest.raises(ImportFileError, match=expected):
        import_into_file(plan_srt_import, tmp_path / "b.srt", path, warn=None)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "name",
    [
        "pyfeat_news_sample_001_v2.csv",
        "pyfeat_tests_001_v0x_video.csv",
        "pyfeat_Feat_Test_v0x_image.csv",
    ],
)
def test_pyfeat_samples_import(name):
    from annotator.io.pyfeat import plan_pyfeat_import

    p = make_project(faces=1)
    plan = plan_pyfeat_import(p, sample(f"pyfeat/{name}"), threshold=0.5, min_frames=2)
    names = {c.name for c in plan.curves}
    assert {"AU12_p", "AU43_p", "happiness_p", "neutral_p"} <= names
    apply_plan(p, plan)
    if "v2" in name:  # frames step by 2: the skipped frames are gaps, runs bridge them
        au12 = next(c for c in p.curves if c.name == "AU12_p")
        assert au12.values[1] is None and au12.values[0] is not None
        assert plan.events and all(e.annotator == "py-feat" for e in plan.events)


def test_pyfeat_frame_outside_video(tmp_path):
    from annotator.io.pyfeat import plan_pyfeat_import

    (tmp_path / "f.csv").write_text("frame,AU12,happiness\n0,0.5,0.1\n300,0.4,0.2\n")
    path = saved(make_project(), tmp_path)
    with pytest.raises(
        ImportFileError,
        match=r"f.csv: line 3: frame 300 is outside the video "
        r"\(0-249, py-feat frames are 0-based\)",
    ):
        import_into_file(plan_pyfeat_import, tmp_path / "f.csv", path, warn=None)


def test_curve_importers_place_faces_alike(tmp_path):
    """OpenFace and py-feat choose faces the same way: a named face must exist, the tool's
    k-th face goes on the project's k-th face, later ones on new faces; py-feat with a
    named face and two faces on a frame keeps the leftmost and says so."""
    from annotator.io.pyfeat import plan_pyfeat_import

    pf = tmp_path / "two.csv"
    pf.write_text("frame,FaceRectX,AU12,happiness\n0,300,0.9,0.1\n0,10,0.2,0.8\n1,12,0.3,0.7\n")
    p = make_project(faces=1)
    plan = plan_pyfeat_import(p, pf, face="A")
    assert plan.warnings == [
        "two.csv: more than one face per frame; only the leftmost was imported onto face A"
    ]
    au12 = [c for c in plan.curves if c.name == "AU12_p"]
    assert [(c.face, c.values) for c in au12] == [("A", (0.2, 0.3))]
    plan = plan_pyfeat_import(p, pf)
    assert [f.name for f in plan.faces] == ["py-feat face 2"]
    assert {c.face for c in plan.curves} == {"A", plan.faces[0].id}
    of = tmp_path / "of.csv"
    of.write_text("frame, face_id, AU12_r\n1, 0, 1.0\n1, 2, 2.0\n")
    plan = plan_openface_import(p, of)
    assert [f.name for f in plan.faces] == ["OpenFace face 2"]
    for plan_import, path in ((plan_pyfeat_import, pf), (plan_openface_import, of)):
        with pytest.raises(ImportFileError, match=f"^{path.name}: no face 'Z' in the project$"):
            plan_import(p, path, face="Z")
        empty = make_project(faces=1)
        empty.media.clear()
        with pytest.raises(ImportFileError, match="the project has no video to put the curves"):
            plan_import(empty, path)
