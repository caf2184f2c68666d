"""Dialogue lines against the video (annotator.analysis.dialogue): the line on screen at a
frame, and the frames where an emotion event overlaps a line."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from samples_dir import sample

from annotator.analysis.dialogue import (
    CueIndex,
    SpanIndex,
    emotion_dialogue_overlaps,
    overlap_spans,
    overlap_summary,
)
from annotator.io.importing import apply_plan
from annotator.io.srt import plan_srt_import
from annotator.model import Event, EventKind, Face, Marker, MarkerKind, Media, Project


def project(frames: int = 250) -> Project:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=frames, fps=Fraction(25)))
    p.add_media(Media("m2", "w.mp4", frame_count=frames, fps=Fraction(25)))
    p.add_face(Face("A", "Ada", "#e6553a"))
    p.add_face(Face("B", "Ben", "#3a8ee6"))
    return p


def line(p: Project, a: int, b: int, text: str, media: str = "m1", kind=MarkerKind.DIALOGUE):
    return p.add_marker(Marker(0, kind, a, b, media, text=text)).id


def emotion(p: Project, face: str, a: int, b: int, label: str = "happiness", media: str = "m1"):
    return p.add_event(Event(0, face, EventKind.EMOTION, a, b, media=media, emotion=label)).id


def test_line_on_screen_at_each_frame() -> None:
    p = project()
    line(p, 25, 62, "I'm fine,\nreally.")
    line(p, 101, 101, "Oh.")
    line(p, 60, 80, "No.")  # overlaps the first one on 60-62
    line(p, 10, 200, "a note, not dialogue", kind=MarkerKind.NOTE)
    line(p, 0, 249, "other take", media="m2")
    cues = CueIndex.of(p, "m1")
    assert len(cues) == 3
    assert cues.text_at(24) == ""
    assert cues.text_at(25) == "I'm fine,\nreally."
    assert cues.text_at(59) == "I'm fine,\nreally."
    assert cues.text_at(61) == "I'm fine,\nreally.\nNo."  # both lines, earliest first
    assert cues.text_at(63) == "No."
    assert cues.text_at(80) == "No."
    assert cues.text_at(81) == ""
    assert cues.text_at(100) == "" and cues.text_at(101) == "Oh." and cues.text_at(102) == ""
    assert CueIndex.of(p, "m2").text_at(5) == "other take"


def test_span_index_matches_brute_force() -> None:
    rnd = random.Random(5)
    spans = []
    for i in range(300):
        a = rnd.randrange(0, 2000)
        spans.append((a, a + rnd.choice([0, 1, 5, 40, 400]), i))
    idx = SpanIndex(spans)
    for _ in range(300):
        f = rnd.randrange(-5, 2500)
        g = f + rnd.choice([0, 3, 100])
        got = sorted(idx.ids[i] for i in idx.touching(f, g))
        want = sorted(s[2] for s in spans if s[0] <= g and s[1] >= f)
        assert got == want


def test_emotion_overlaps_dialogue() -> None:
    p = project()
    sad = line(p, 50, 99, "I lost my dog.")
    oh = line(p, 150, 160, "Oh.")
    smile = emotion(p, "A", 90, 120)  # 90-99 during the sad line
    emotion(p, "A", 100, 149)  # between lines: no overlap
    edge = emotion(p, "B", 160, 170, "surprise")  # shares frame 160 only
    both = emotion(p, "B", 40, 155, "anger")  # covers the whole first line and part of the second
    p.add_event(Event(0, "A", EventKind.AU, 60, 70, media="m1", au=12))  # AUs do not count
    emotion(p, "A", 50, 99, media="m2")  # other take
    got = [
        (o.event_id, o.marker_id, o.start_frame, o.end_frame)
        for o in emotion_dialogue_overlaps(p, "m1")
    ]
    assert got == [
        (both, sad, 50, 99),
        (smile, sad, 90, 99),
        (both, oh, 150, 155),
        (edge, oh, 160, 160),
    ]
    ov = emotion_dialogue_overlaps(p, "m1")
    assert ov[1].face == "A" and ov[1].emotion == "happiness" and ov[1].text == "I lost my dog."
    assert ov[3].frames == 1
    assert overlap_summary(ov, p) == (
        "3 emotion events overlap 2 dialogue lines (67 frames; Ada, Ben)"
    )
    assert emotion_dialogue_overlaps(p, "m2") == []
    assert overlap_summary([], p) == "no emotion event overlaps dialogue"


def test_overlap_spans_against_brute_force() -> None:
    rnd = random.Random(11)
    cues = [
        (a, a + rnd.randrange(0, 60), 1000 + i) for i, a in enumerate(rnd.sample(range(3000), 80))
    ]
    evs = [(a, a + rnd.randrange(0, 90), i) for i, a in enumerate(rnd.sample(range(3000), 120))]
    got = sorted(overlap_spans(evs, SpanIndex(cues)))
    want = sorted(
        (max(e[0], c[0]), min(e[1], c[1]), e[2], c[2])
        for e in evs
        for c in cues
        if max(e[0], c[0]) <= min(e[1], c[1])
    )
    assert got == want


def test_real_srt_file() -> None:
    """The pysrt capability tester (37 cues over 68 s, some on screen together) imported on a
    23.976 fps take: in the middle of each cue, its text and those of the cues covering that
    frame are on screen, in start order; cue 2 (1.500-4.500 s) starts on
    frame 35 (on screen 1.4598-1.5015 s) and is gone by frame 108."""
    p = Project()
    p.add_media(Media("m1", "w.mp4", frame_count=2000, fps=Fraction(24000, 1001)))
    p.add_face(Face("A", "Ada", "#e6553a"))
    plan = plan_srt_import(p, sample("third_party/pysrt_capability_tester.srt"))
    apply_plan(p, plan)
    cues = CueIndex.of(p, "m1")
    assert len(cues) == len(plan.markers) == 37
    for m in cues.markers.values():
        mid = (m.start_frame + m.end_frame) // 2
        if m.end_frame - m.start_frame >= 4 and m.text.strip():
            here = sorted(
                (c.start_frame, c.end_frame, c.id)
                for c in cues.markers.values()
                if c.start_frame <= mid <= c.end_frame and c.text.strip()
            )
            assert cues.text_at(mid) == "\n".join(cues.markers[i].text for *_, i in here)
            assert m.text in cues.text_at(mid)
    assert "capability tester" not in cues.text_at(34)
    assert "capability tester" in cues.text_at(35)
    assert "capability tester" not in cues.text_at(108)
    e = emotion(p, "A", 40, 60)
    ov = emotion_dialogue_overlaps(p, "m1")
    assert [(o.event_id, o.start_frame, o.end_frame) for o in ov] == [(e, 40, 60)]


@pytest.mark.parametrize("frame", [0, 249])
def test_no_dialogue_no_text(frame) -> None:
    assert CueIndex.of(project(), "m1").text_at(frame) == ""
