from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from iohelpers import add, make_project

from annotator.io.common import safe_cell
from annotator.io.events_csv import COLUMNS, events_csv_text
from annotator.model import EventKind


def read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])


def test_columns_and_values_match_events(coded_project):
    p = coded_project
    df = read(events_csv_text(p))
    assert tuple(df.columns) == COLUMNS
    assert len(df) == len(p.events)
    tb = p.timebase("m1")
    for row in df.itertuples(index=False):
        e = p.events[row.event_id]
        assert (row.face, row.kind) == (e.face, e.kind.value)
        assert (row.onset_frame, row.offset_frame) == (e.onset_frame, e.offset_frame)
        assert row.duration_frames == e.offset_frame - e.onset_frame + 1
        assert row.onset_s == pytest.approx(tb.time_s(e.onset_frame))
        assert row.offset_s == pytest.approx(tb.time_s(e.offset_frame))
        assert row.duration_s == pytest.approx(tb.end_s(e.offset_frame) - tb.time_s(e.onset_frame))
        if e.kind is EventKind.AU:
            assert row.label == f"AU{e.au}" and row.au == e.au
        elif e.kind is EventKind.EMOTION:
            assert row.label == e.emotion and pd.isna(row.au)
    smile = df[df.code == "R12"].iloc[0]
    assert smile.side == "R" and smile.scale == "macro"  # 21 frames at 25 fps = 0.84 s
    assert df[df.event_id == 5].scale.iloc[0] == "micro"  # 5 frames = 0.2 s
    assert df[df.event_id == 3].scale.iloc[0] == "macro"


def test_seconds_come_from_real_timestamps(coded_project, vfr_timebase):
    p = coded_project
    tb = vfr_timebase(250)
    p.set_timebase("m1", tb)
    df = read(events_csv_text(p))
    row = df[df.event_id == 3].iloc[0]
    assert row.onset_s == pytest.approx(tb.timestamps[20], abs=1e-6)
    assert row.offset_s == pytest.approx(tb.timestamps[40], abs=1e-6)
    assert row.duration_s == pytest.approx(tb.timestamps[41] - tb.timestamps[20], abs=1e-6)


@pytest.mark.parametrize("text", ["=1+1", "+12", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_injection_is_escaped(text):
    assert safe_cell(text) == "'" + text
    p = make_project()
    add(p, onset_frame=1, offset_frame=2, kind=EventKind.NOTE, note=text)
    add(p, onset_frame=1, offset_frame=2, au=12, code=text, annotator=text)
    rows = list(csv.DictReader(io.StringIO(events_csv_text(p), newline="")))
    assert rows[0]["note"] == "'" + text
    assert rows[1]["code"] == "'" + text and rows[1]["annotator"] == "'" + text
    assert rows[1]["onset_frame"] == "1"  # numbers stay numbers


def test_rfc4180_quoting_and_utf8():
    p = make_project()
    note = 'says "no", then\nlaughs; Zoë 😊'
    add(p, onset_frame=3, offset_frame=9, kind=EventKind.NOTE, note=note)
    text = events_csv_text(p)
    assert text.split("\r\n")[0] == ",".join(COLUMNS)
    assert '"says ""no"", then\nlaughs; Zoë 😊"' in text
    df = read(text)
    assert df.note.iloc[0] == note and df.label.iloc[0] == note
    assert safe_cell(-3) == -3 and safe_cell("plain") == "plain"
