"""Scene breakdown summaries and frame-note helpers (pure functions)."""

from __future__ import annotations

import pytest
from reviewhelpers import au, emotion, marker, project

from annotator.model import MarkerKind, Shape
from annotator.review.notes import (
    ShapeType,
    neighbour_note,
    note_range,
    notes_at,
    ordered_notes,
    shape_from_drag,
)
from annotator.review.shots import breakdown, shots_from_cuts


def test_shots_from_cuts_cover_the_video_once() -> None:
    shots = shots_from_cuts([100, 0, 40, 40, 300], 250)
    assert [(s.index, s.start_frame, s.end_frame) for s in shots] == [
        (1, 0, 39),
        (2, 40, 99),
        (3, 100, 249),
    ]
    assert shots_from_cuts([], 0) == []


def test_breakdown_per_shot_summary() -> None:
    p = project(frames=250)
    marker(p, MarkerKind.CUT, 100)
    emotion(p, "A", 10, 60, "happiness")
    emotion(p, "A", 70, 80, "anger")  # micro (11 frames = 0.44 s)
    au(p, "A", 70, 80, 4)  # same moment: one micro expression, not two
    emotion(p, "B", 90, 140, "sadness")  # straddles the cut: 10 frames left, 41 right
    au(p, "B", 150, 170, 15)  # 0.84 s: macro
    emotion(p, "B", 200, 210, "neutral")  # neutral never dominates
    marker(p, MarkerKind.DIALOGUE, 20, 50, "You said you'd come.")
    marker(p, MarkerKind.DIALOGUE, 120, 140, "I did.")
    marker(p, MarkerKind.NOTE, 75, 75, "anger leaks")
    s1, s2 = breakdown(p)
    assert s1.shot.start_frame == 0 and s1.shot.end_frame == 99
    assert s1.duration_s == pytest.approx(4.0)
    assert s1.faces == ("A", "B")
    assert s1.dominant_emotion == "happiness"
    assert s1.micro_expressions == 1
    assert s1.dialogue == ("You said you'd come.",) and s1.notes == ("anger leaks",)
    assert s2.faces == ("B",) and s2.dominant_emotion == "sadness"
    assert s2.micro_expressions == 1  # the neutral 11-frame event counts as a micro moment
    assert s2.duration_s == pytest.approx(6.0)
    assert s2.dialogue == ("I did.",)


def test_breakdown_without_cuts_is_one_shot() -> None:
    p = project(frames=50)
    (only,) = breakdown(p)
    assert (only.shot.start_frame, only.shot.end_frame, only.dominant_emotion) == (0, 49, None)


def test_notes_at_and_neighbours() -> None:
    p = project()
    a = marker(p, MarkerKind.NOTE, 10, 20, "a")
    b = marker(p, MarkerKind.NOTE, 15, 15, "b")
    marker(p, MarkerKind.MARKER, 15, 15, "not a note")
    marker(p, MarkerKind.NOTE, 15, 15, "other take", media="m2")
    notes = ordered_notes(p, "m1")
    assert [n.text for n in notes] == ["a", "b"]
    assert notes_at(p.markers.values(), "m1", 15) == [a, b]
    assert notes_at(p.markers.values(), "m1", 21) == []
    assert neighbour_note(notes, 10, +1) == b
    assert neighbour_note(notes, 15, -1) == a
    assert neighbour_note(notes, 15, +1) is None


def test_note_range_uses_the_loop_only_when_it_holds_the_playhead() -> None:
    assert note_range(12, (10, 20)) == (10, 20)
    assert note_range(30, (10, 20)) == (30, 30)
    assert note_range(30, (None, 20)) == (30, 30)


def test_shape_from_drag_clamps_and_thins() -> None:
    arrow = shape_from_drag(ShapeType.ARROW, [(10, 10), (50, 60), (700, -5)], video_size=(640, 360))
    assert arrow == Shape("arrow", ((10.0, 10.0), (640.0, 0.0)), "#ffcc00")
    assert shape_from_drag(ShapeType.CIRCLE, [(5, 5), (5.5, 5.5)]) is None  # a click
    stroke = shape_from_drag(ShapeType.FREEHAND, [(0, 0), (0.5, 0), (1, 0), (3, 0), (3.2, 0)])
    assert stroke is not None and stroke.points == ((0, 0), (3, 0), (3.2, 0))
