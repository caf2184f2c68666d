from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
from iohelpers import add, make_project

from annotator.io.frames_csv import export_frames_csv, frames_table, span_labels
from annotator.model import EventKind, Intensity


def test_layout_and_cells_against_event_spans(coded_project, tmp_path):
    p = coded_project
    out = export_frames_csv(p, tmp_path / "f.csv")
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df.columns) == [
        "frame",
        "time_s",
        "face",
        "AU06",
        "AU12",
        "AU45",
        "emotion",
        "in_event",
    ]
    assert len(df) == 250 * 2
    assert list(df.face[:4]) == ["A", "B", "A", "B"] and list(df.frame[:4]) == [0, 0, 1, 1]
    a = df[df.face == "A"].set_index("frame")
    b = df[df.face == "B"].set_index("frame")
    assert (a.AU06.loc[10:30] == 2).all() and a.AU06.loc[9] == 0 and a.AU06.loc[31] == 0
    # AU12: C (3) on 10-30, unrated R12 (1) on 20-40: the maximum wins, presence = 1
    assert (a.AU12.loc[10:30] == 3).all() and (a.AU12.loc[31:40] == 1).all()
    assert a.AU12.loc[41] == 0 and (b.AU12 == 0).all()
    assert (b.AU45.loc[100:104] == 1).all() and b.AU45.sum() == 5
    assert a.emotion.loc[12] == "happiness" and a.emotion.loc[11] == ""
    assert a.in_event.loc[25] == "1;2;4;3"  # by onset, then id and a.in_event.loc[35] == "3"
    assert b.in_event.loc[200] == "7" and b.emotion.loc[200] == ""
    assert b.in_event.loc[102] == "5;6"
    assert df.time_s[2] == 0.04


def test_every_cell_matches_a_per_frame_reference(coded_project, vfr_timebase):
    p = coded_project
    p.set_timebase("m1", vfr_timebase(250))
    df = frames_table(p)
    assert np.allclose(df.time_s[::2], np.round(p.timebase("m1").timestamps, 6))
    for row in df.sample(120, random_state=1).itertuples(index=False):
        evs = [
            e
            for e in p.events.values()
            if e.face == row.face and e.onset_frame <= row.frame <= e.offset_frame
        ]
        for au in (6, 12, 45):
            levels = [
                e.intensity.level if e.intensity else 1
                for e in evs
                if e.kind is EventKind.AU and e.au == au
            ]
            assert getattr(row, f"AU{au:02d}") == max(levels, default=0)
        assert row.in_event == ";".join(
            str(e.id) for e in sorted(evs, key=lambda e: (e.onset_frame, e.id))
        )


def test_span_labels_dedupes_and_orders():
    out = span_labels(6, [(0, 3, 2, "b"), (1, 5, 1, "a"), (2, 2, 3, "b")])
    assert list(out) == ["b", "b;a", "b;a", "b;a", "a", "a"]


def test_one_hour_two_faces_is_fast():
    p = make_project(frames=25 * 3600)
    rng = np.random.default_rng(3)
    for i in range(1000):
        on = int(rng.integers(0, 25 * 3600 - 200))
        add(
            p,
            face="AB"[i % 2],
            onset_frame=on,
            offset_frame=on + int(rng.integers(1, 150)),
            au=int(rng.choice([1, 4, 6, 12])),
            intensity=Intensity.B,
        )
    t = time.perf_counter()
    text = frames_table(p).to_csv(index=False)
    elapsed = time.perf_counter() - t
    assert text.count("\n") == 2 * 25 * 3600 + 1
    assert elapsed < 10, elapsed  # about 1 s here; the bench compares with a per-frame loop
    pd.read_csv(io.StringIO(text[:2000]))


def test_text_cells_are_escaped():
    p = make_project(faces=0)
    from annotator.model import Face

    p.add_face(Face("=A", "x"))
    add(p, face="=A", onset_frame=0, offset_frame=1, kind=EventKind.EMOTION, emotion="-odd")
    df = frames_table(p)
    assert df.face[0] == "'=A" and df.emotion[0] == "'-odd" and df.in_event[0] == "1"
