"""The statistics panel's incremental numbers equal a full recompute after any edits and
undos (issue 18: views update from the change they are told about)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.analysis.stats import au_frequency, cooccurrence, duration_histogram, durations_s
from annotator.analysis.stats_live import LiveStats, StatsData
from annotator.model import Event, EventKind, Face, Media, ModelError, Project
from annotator.model.timebase import Timebase
from tests.edit_replay import undo_last


def _project() -> Project:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=200, fps=Fraction(25)))
    p.add_media(Media("m2", "w.mp4", frame_count=120, fps=Fraction(30)))
    p.add_face(Face("A", "A"))
    p.add_face(Face("B", "B"))
    p.add_event(Event(0, "A", EventKind.AU, 10, 29, au=6))
    p.add_event(Event(0, "B", EventKind.EMOTION, 5, 40, emotion="happiness"))
    return p


def _segments(d: StatsData) -> list[tuple[int, int, str, str]]:
    e = d.emotions
    return sorted(
        zip(
            e.onset.tolist(),
            e.offset.tolist(),
            [e.faces[r] for r in e.row],
            [e.labels[k] for k in e.label],
            strict=True,
        )
    )


def _assert_equal_to_full(live: LiveStats, p: Project) -> None:
    d = live.numbers()
    assert d.frequency == au_frequency(p)
    edges, counts = duration_histogram(durations_s(p))
    assert np.array_equal(d.edges, edges)
    assert np.array_equal(d.counts, counts)
    aus, mat = cooccurrence(p)
    assert d.co_aus == aus
    assert np.array_equal(d.co_mat, mat)
    full = [
        (e.onset_frame, e.offset_frame, e.face, e.emotion or "")
        for e in p.events.values()
        if e.kind is EventKind.EMOTION
    ]
    assert _segments(d) == sorted(full)
    assert [f for f, _ in d.faces] == list(p.faces)


ops = st.lists(
    st.tuples(
        st.sampled_from(["au", "au", "emotion", "note", "remove", "move", "undo", "retime"]),
        st.integers(0, 230),  # onset (some past the video's end: refused)
        st.integers(0, 60),  # length
        st.sampled_from([1, 2, 6, 12]),
        st.sampled_from(["A", "B"]),
        st.sampled_from(["m1", "m2"]),
        st.integers(0, 10**6),  # which event
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_incremental_numbers_equal_a_full_recompute(steps) -> None:  # type: ignore[no-untyped-def]
    p = _project()
    live = LiveStats(p)
    _assert_equal_to_full(live, p)
    p.event_added.connect(live.add)  # as the panel's LiveFollower forwards them
    p.event_removed.connect(live.remove)
    p.event_changed.connect(live.change)
    undo: list[tuple[str, Event]] = []  # inverse of each edit, newest last
    for what, on, length, au, face, media, pick in steps:
        ids = sorted(p.events)
        if what in ("au", "emotion", "note"):
            kind = {"au": EventKind.AU, "emotion": EventKind.EMOTION, "note": EventKind.NOTE}
            e = Event(
                0,
                face,
                kind[what],
                on,
                on + length,
                media=media,
                au=au if what == "au" else None,
                emotion=("fear" if on % 2 else "zest") if what == "emotion" else None,
                note="n" if what == "note" else "",
            )
            try:
                undo.append(("remove", p.add_event(e)))
            except ModelError:  # past the video's last frame: refused, nothing changed
                continue
        elif what == "remove" and ids:
            undo.append(("add", p.remove_event(ids[pick % len(ids)])))
        elif what == "move" and ids:
            e = p.events[ids[pick % len(ids)]]
            try:
                _new, old = p.update_event(e.id, offset_frame=e.offset_frame + length)
            except ModelError:
                continue
            undo.append(("replace", old))
        elif what == "undo" and undo:
            undo_last(p, undo)
        elif what == "retime":  # the engine attached the video's real timestamps
            p.set_timebase(media, Timebase.nominal(400, Fraction(24 + length % 7)))
        _assert_equal_to_full(live, p)


def test_built_on_a_snapshot_then_pointed_at_the_live_project() -> None:
    from annotator.workspace.snapshot import snapshot

    p = _project()
    live = LiveStats(snapshot(p))  # what the view worker builds from
    e = p.add_event(Event(0, "B", EventKind.AU, 50, 70, au=12))  # made meanwhile
    live.project = p  # LiveFollower: the live project, then the edits replayed
    live.add(e)
    _assert_equal_to_full(live, p)
