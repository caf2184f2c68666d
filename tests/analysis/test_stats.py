"""Statistics on hand-made projects and the demo, and the static report charts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotator.analysis import charts
from annotator.analysis.stats import (
    au_frequency,
    cooccurrence,
    duration_histogram,
    durations_s,
    emotion_timeline,
    micro_macro_counts,
    summary,
)
from annotator.model import Event, EventKind, Face, Media, Project


def _project() -> Project:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=100))  # nominal 25 fps
    p.add_face(Face("A", "A"))
    p.add_face(Face("B", "B"))
    for face, au, on, off in [
        ("A", 6, 10, 29),
        ("A", 12, 15, 34),
        ("A", 12, 60, 64),
        ("B", 4, 0, 4),
    ]:
        p.add_event(Event(0, face, EventKind.AU, on, off, au=au))
    p.add_event(Event(0, "A", EventKind.EMOTION, 10, 34, emotion="happiness"))
    return p


def test_au_frequency_counts_events_and_frames() -> None:
    rows = {(r.face, r.au): r for r in au_frequency(_project())}
    assert (rows["A", 12].events, rows["A", 12].frames) == (2, 25)
    assert rows["A", 12].share == 0.25
    assert (rows["B", 4].events, rows["B", 4].frames) == (1, 5)


def test_durations_histogram_has_an_edge_on_the_micro_limit() -> None:
    d = durations_s(_project())
    assert sorted(d.tolist()) == pytest.approx([0.2, 0.2, 0.8, 0.8])
    edges, counts = duration_histogram(d)
    assert 0.5 in np.round(edges, 9)
    assert counts.sum() == 4
    assert micro_macro_counts(d) == {"micro": 2, "macro": 2}


def test_cooccurrence_counts_shared_frames() -> None:
    aus, mat = cooccurrence(_project())
    assert aus == [4, 6, 12]
    i6, i12 = aus.index(6), aus.index(12)
    assert mat[i6, i12] == mat[i12, i6] == 15  # frames 15..29
    assert mat[i12, i12] == 25
    assert mat[aus.index(4), i6] == 0  # different faces never co-occur


def test_emotion_timeline_and_summary_json_ready() -> None:
    import json

    p = _project()
    assert emotion_timeline(p) == {"A": [(10, 34, "happiness")], "B": []}
    s = summary(p)
    json.dumps(s)
    assert s["durations"]["micro"] == 2


def test_charts_render_png(tmp_path: Path) -> None:
    p = _project()
    edges, counts = duration_histogram(durations_s(p))
    aus, mat = cooccurrence(p)
    imgs = [
        charts.duration_histogram_chart(edges, counts),
        charts.heatmap([str(a) for a in aus], mat, "co-occurrence"),
        charts.timeline_chart(emotion_timeline(p), 100),
        charts.bar_chart(["AU6", "AU12"], [1, 2], "AU frequency"),
    ]
    for img in imgs:
        assert img.dtype == np.uint8 and img.ndim == 3
        assert charts.png_bytes(img).startswith(b"\x89PNG")
