"""make_equal: the live project becomes another one through the model's mutators, so a
merge is an ordinary, undoable, announced change (Qt-free)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from annotator.model import Event, EventKind, Intensity, Marker, MarkerKind, Media, Project
from annotator.model.entities import Curve, FaceBox, Vocabulary
from annotator.model.serialize import project_to_dict
from annotator.workspace.apply import make_equal
from annotator.workspace.snapshot import snapshot


def _doc(p: Project) -> dict[str, Any]:
    d = project_to_dict(p)
    d.pop("modified")
    return d


def _base() -> Project:
    p = Project(title="t", annotator="me")
    p.add_media(Media("m1", "v.mp4", frame_count=500, fps=Fraction(25)))
    p.add_face(name="A")
    p.add_face(name="B")
    p.add_event(Event(0, "A", EventKind.AU, 10, 20, au=12, media="m1"))
    p.add_event(Event(0, "B", EventKind.EMOTION, 30, 40, emotion="joy", media="m1"))
    p.add_marker(Marker(0, MarkerKind.NOTE, 5, 9, text="hi", media="m1"))
    return p


def test_make_equal_reaches_the_target_and_back_with_every_change_announced() -> None:
    live = _base()
    before = _doc(live)
    other = _base()  # another writer's version: every kind of change
    other.add_media(Media("m2", "w.mp4", frame_count=100, fps=Fraction(25)))
    other.add_face(name="C")
    other.set_face_box("A", FaceBox("m1", 3, 1, 2, 30, 40))
    other.remove_event(2)
    other.update_event(1, offset_frame=25, intensity=Intensity.C)
    other.add_event(Event(7, "C", EventKind.EMOTION, 1, 2, emotion="awe", media="m2"))
    other.update_marker(1, text="changed")
    other.add_marker(Marker(0, MarkerKind.DIALOGUE, 50, 60, text="line", media="m1"))
    other.set_curves([Curve("A", "AU12_r", 0, (0.1, 0.2), media="m1")])
    other.set_vocabulary(Vocabulary(["joy", "awe"], [1, 2], {"au:12": "#ff0000"}, {}))
    other.remove_face("B")
    other.set_header("other title", "you", None)
    target = other

    heard: list[str] = []
    for name in ("event_added", "event_removed", "event_changed", "face_added", "media_added"):
        getattr(live, name).connect(lambda *_a, n=name: heard.append(n))
    rev = live.revision
    n = make_equal(live, target)
    assert n > 0 and live.revision == rev + n
    assert _doc(live) == _doc(target)
    assert {"event_added", "event_removed", "event_changed", "face_added", "media_added"} <= set(
        heard
    )
    assert make_equal(live, target) == 0  # already equal: nothing moves

    back = make_equal(live, _base())
    assert back > 0 and _doc(live) == before


def test_snapshot_keeps_the_whole_vocabulary_and_its_own_disputes() -> None:
    p = _base()
    p.set_vocabulary(Vocabulary(["joy"], [1, 12], {"au:12": "#00ff00"}, {"Ctrl+1": "6+12"}))
    snap = snapshot(p)
    assert snap.vocabulary == p.vocabulary and snap.vocabulary is not p.vocabulary
    # the disputes are shared copy-on-write (issue 17): a live edit does not reach them
    from annotator.model.team import Dispute

    before = dict(snap.disputes)
    p.set_dispute(Dispute(99, "A", "m1", ()))
    assert snap.disputes == before and 99 in p.disputes


def test_a_refused_step_raises_and_a_snapshot_takes_it_first() -> None:
    live = _base()
    bad = snapshot(live)
    # a snapshot shares its containers copy-on-write: a direct write needs its own dict
    bad.events = {**bad.events, 1: Event(1, "Z", EventKind.AU, 10, 20, au=12, media="m1")}
    from annotator.model import ModelError

    with pytest.raises(ModelError):
        make_equal(snapshot(live), bad)
    assert _doc(live) == _doc(_base())  # the live project was never touched


def test_a_merge_never_reaches_into_a_snapshot_taken_before_it() -> None:
    """Snapshots share containers until the next edit (copy on write): make_equal edits
    through the mutators, so a snapshot taken before (autosave, the undo command's
    'before') keeps every container as it was, disputes included."""
    from annotator.model.team import Dispute

    live = _base()
    live.set_dispute(Dispute(1, "A", "m1", ()))
    before = snapshot(live)
    doc = _doc(before)
    target = _base()
    target.add_event(Event(9, "A", EventKind.AU, 60, 70, au=4, media="m1"))
    assert make_equal(live, target) > 0
    assert not live.disputes and 9 in live.events
    assert _doc(before) == doc and 1 in before.disputes and 9 not in before.events
