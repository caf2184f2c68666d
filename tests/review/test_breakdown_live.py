"""The scene breakdown followed event by event equals a full recompute after any edits and
undos (issue 18: views update from the change they are told about)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.model import Event, EventKind, Face, Marker, MarkerKind, Media, ModelError, Project
from annotator.model.timebase import Timebase
from annotator.review.breakdown_live import LiveBreakdown
from annotator.review.shots import breakdown
from tests.edit_replay import undo_last

FRAMES = 300


def _project(cuts: list[int]) -> Project:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=FRAMES, fps=Fraction(25)))
    p.add_media(Media("m2", "w.mp4", frame_count=FRAMES, fps=Fraction(25)))
    p.add_face(Face("A", "Ada"))
    p.add_face(Face("B", "Ben"))
    for c in cuts:
        p.add_marker(Marker(0, MarkerKind.CUT, c, c, "m1", text="cut"))
    p.add_marker(Marker(0, MarkerKind.DIALOGUE, 40, 60, "m1", text="hello"))
    p.add_marker(Marker(0, MarkerKind.NOTE, 40, 40, "m1", text="look"))
    p.add_event(Event(0, "A", EventKind.AU, 10, 29, au=6))
    p.add_event(Event(0, "A", EventKind.AU, 10, 29, au=12))  # same moment as the first
    p.add_event(Event(0, "B", EventKind.EMOTION, 5, 140, emotion="happiness"))
    return p


def _lines(live: LiveBreakdown, shot: int) -> list[tuple[int, str, str]]:
    return sorted((m.frame, m.text, m.colour) for m in map(live.line, live.lines[shot]))


def _assert_equal_to_full(live: LiveBreakdown, p: Project) -> None:
    from annotator.ui.review.breakdown_dock import compute_breakdown

    full = compute_breakdown(p, "m1")
    assert live.summaries() == breakdown(p, "m1") == full.summaries
    for i, moments in enumerate(full.children):
        assert [m.frame for m in map(live.line, live.lines[i])] == [m.frame for m in moments]
        assert _lines(live, i) == sorted((m.frame, m.text, m.colour) for m in moments)


ops = st.lists(
    st.tuples(
        st.sampled_from(["au", "au", "emotion", "note", "remove", "move", "undo", "retime"]),
        st.integers(0, FRAMES - 1),
        st.integers(0, 40),  # length in frames: some micro (<= 12 frames), some not
        st.sampled_from([1, 4, 6, 12]),
        st.sampled_from(["A", "B"]),
        st.sampled_from(["m1", "m1", "m2"]),
        st.sampled_from(["fear", "neutral", "happiness"]),
        st.integers(0, 10**6),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, FRAMES - 1), max_size=4), ops)
def test_incremental_breakdown_equals_a_full_recompute(cuts, steps) -> None:  # type: ignore[no-untyped-def]
    p = _project(cuts)
    live = LiveBreakdown(p, "m1")
    _assert_equal_to_full(live, p)
    follow = (
        (p.event_added, live.add),
        (p.event_removed, live.remove),
        (p.event_changed, live.change),
    )
    for sig, slot in follow:
        sig.connect(slot)
    undo: list[tuple[str, Event]] = []
    for what, on, length, au, face, media, emotion, pick in steps:
        ids = sorted(p.events)
        try:
            if what in ("au", "emotion", "note"):
                e = Event(
                    0,
                    face,
                    {"au": EventKind.AU, "emotion": EventKind.EMOTION, "note": EventKind.NOTE}[
                        what
                    ],
                    on,
                    on + length,
                    media=media,
                    au=au if what == "au" else None,
                    emotion=emotion if what == "emotion" else None,
                    note="n" if what == "note" else "",
                )
                undo.append(("remove", p.add_event(e)))
            elif what == "remove" and ids:
                undo.append(("add", p.remove_event(ids[pick % len(ids)])))
            elif what == "move" and ids:
                e = p.events[ids[pick % len(ids)]]
                _new, old = p.update_event(e.id, onset_frame=max(0, e.onset_frame - length))
                undo.append(("replace", old))
            elif what == "undo" and undo:
                undo_last(p, undo)
            elif what == "retime":  # the engine attached the video's real timestamps
                p.set_timebase("m1", Timebase.nominal(FRAMES, Fraction(20 + length % 9)))
                assert live.follow_timebase()
        except ModelError:  # past the video's end: refused, nothing changed
            continue
        _assert_equal_to_full(live, p)


def test_real_timestamps_recount_the_micro_moments() -> None:
    p = _project([])
    live = LiveBreakdown(p, "m1")
    p.event_added.connect(live.add)
    p.add_event(Event(0, "A", EventKind.AU, 200, 210, au=4))  # 11 frames: 0.44 s at 25 fps
    before = live.summary(0).micro_expressions
    assert before == breakdown(p, "m1")[0].micro_expressions
    p.set_timebase("m1", Timebase.nominal(FRAMES, Fraction(20)))  # 0.55 s: not micro
    assert live.follow_timebase()
    assert live.summary(0).micro_expressions == before - 1
    _assert_equal_to_full(live, p)
