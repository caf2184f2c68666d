"""Hypothesis on the FACS parser, the project model round trip and the readers: they never
raise anything but their one-line error, and never invent an AU."""

from __future__ import annotations

import json
import re
import string
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from annotator.io.importing import ImportFileError
from annotator.io.project_file import ProjectFileError, load_project, save_project
from annotator.model import Event, EventKind, Face, Media, Project
from annotator.model.facs import parse_code
from annotator.model.serialize import project_to_dict

CODE_CHARS = string.ascii_letters + string.digits + "+,;/() -" + "１２３＋٣"


@given(st.text(alphabet=CODE_CHARS, max_size=40))
def test_parse_code_never_raises_and_every_au_is_written_in_the_string(raw):
    parsed = parse_code(raw)
    digits = re.findall(r"[0-9]+", raw)
    for unit in parsed.units:
        assert any(
            str(unit.number) == d.lstrip("0") or (unit.number == 0 and set(d) == {"0"})
            for d in digits
        ), (raw, parsed.units)
    assert parsed.normalised == "+".join(
        u.code
        for u in sorted(parsed.units, key=lambda u: (u.number, u.side.value if u.side else ""))
    )


@given(
    st.lists(
        st.tuples(st.integers(0, 99), st.sampled_from(["A", "B", "C", "D", "E"])),
        min_size=2,
        max_size=5,
    )
)
def test_codes_without_plus_always_warn(units):
    # a letter between the numbers: digits alone ("126") are one number, read as such
    raw = "".join(f"{n}{i}" for n, i in units)
    parsed = parse_code(raw)
    assert parsed.warnings, raw


def _project(events):
    p = Project(title="fuzz")
    p.add_media(Media("m1", "v.mp4", frame_count=10_000, fps=Fraction(30000, 1001)))
    p.add_face(Face("A", "A"))
    for on, length, au, note in events:
        p.add_event(Event(0, "A", EventKind.AU, on, on + length, au=au, note=note))
    return p


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(
    st.lists(
        st.tuples(st.integers(0, 9000), st.integers(0, 900), st.integers(0, 99), TEXT), max_size=20
    ),
    TEXT,
)
def test_model_round_trips_through_the_file(tmp_path_factory, events, title):
    p = _project(events)
    p.title = title
    path = tmp_path_factory.mktemp("rt") / "p.facet.json"
    save_project(p, path)
    assert project_to_dict(load_project(path).project) == project_to_dict(p)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | TEXT,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4),
    max_leaves=20,
)


@given(st.sampled_from(["events", "media", "faces", "markers", "curves", "title"]), JSONISH)
def test_loader_on_mutated_documents_gives_problems_not_exceptions(tmp_path_factory, key, value):
    doc = project_to_dict(_project([(1, 5, 12, "")]))
    if isinstance(doc.get(key), list) and doc[key] and isinstance(value, dict):
        doc[key][0] = {**doc[key][0], **value}
    else:
        doc[key] = value
    path = tmp_path_factory.mktemp("mut") / "m.facet.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        load_project(path)
    except ProjectFileError as e:
        assert e.problems and all(p.startswith("m.facet.json: ") for p in e.problems)


@given(st.binary(max_size=300))
def test_loader_on_random_bytes(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("raw") / "r.facet.json"
    path.write_bytes(raw)
    try:
        load_project(path)
    except ProjectFileError as e:
        assert len(e.problems) >= 1 and "r.facet.json" in e.problems[0]


def _reader_project():
    return _project([])


@given(st.text(alphabet=string.printable + "٣\x00\ufeff", max_size=400))
def test_srt_and_sheet_readers_only_raise_their_error(tmp_path_factory, text):
    from annotator.io.sheets import plan_sheet_import
    from annotator.io.srt import plan_srt_import

    folder = tmp_path_factory.mktemp("rd")
    for name, read in [
        ("a.srt", plan_srt_import),
        ("a.csv", lambda p, f: plan_sheet_import(p, f, "casme")),
        ("b.csv", lambda p, f: plan_sheet_import(p, f, "samm")),
        ("c.csv", lambda p, f: plan_sheet_import(p, f, "casme-squared")),
    ]:
        f = Path(folder / name)
        f.write_text(text, encoding="utf-8")
        try:
            read(_reader_project(), f)
        except ImportFileError as e:
            assert name in str(e) and "\n" not in str(e)


@given(st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 20_000), TEXT), max_size=30))
def test_srt_cues_any_times(tmp_path_factory, cues):
    from annotator.io.srt import plan_srt_import

    def ts(ms):
        return (
            f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"
        )

    body = "\n".join(
        f"{i + 1}\n{ts(a)} --> {ts(b)}\n{t.strip() or 'x'}\n" for i, (a, b, t) in enumerate(cues)
    )
    f = tmp_path_factory.mktemp("srt") / "s.srt"
    f.write_text(body, encoding="utf-8")
    try:
        plan = plan_srt_import(_reader_project(), f)
        assert all(0 <= m.start_frame <= m.end_frame for m in plan.markers)
    except ImportFileError as e:
        assert "s.srt" in str(e)
