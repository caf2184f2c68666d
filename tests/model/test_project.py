from fractions import Fraction

import pytest

from annotator.model import (
    Event,
    EventKind,
    Face,
    FaceBox,
    Intensity,
    Media,
    ModelError,
    Project,
    Side,
)
from annotator.model.serialize import migrate, project_from_dict, project_to_dict


def make_project(frames: int = 100) -> Project:
    p = Project(title="t", annotator="me")
    p.add_media(Media("m1", "v.mp4", frame_count=frames, fps=Fraction(25)))
    p.add_face(Face("A", "Ada"))
    return p


def au(onset=10, offset=20, apex=None, n=12, face="A", **kw) -> Event:
    return Event(0, face, EventKind.AU, onset, offset, apex, au=n, **kw)


def test_add_event_assigns_ids_and_signals():
    p = make_project()
    seen = []
    p.event_added.connect(lambda e: seen.append(("added", e.id)))
    p.changed.connect(lambda: seen.append("changed"))
    e1 = p.add_event(au())
    e2 = p.add_event(au(n=6))
    assert (e1.id, e2.id) == (1, 2)
    assert seen == [("added", 1), "changed", ("added", 2), "changed"]
    assert p.dirty


@pytest.mark.parametrize(
    "event, message",
    [
        (au(onset=20, offset=10), "onset_frame must be <= offset_frame"),
        (au(apex=30), "apex_frame must lie between"),
        (au(offset=100), "past the last frame"),
        (au(face="Z"), "unknown face"),
        (au(n=None), "needs an AU number"),
        (Event(0, "A", EventKind.EMOTION, 1, 2), "needs a label"),
    ],
)
def test_invalid_events_are_refused(event, message):
    p = make_project()
    with pytest.raises(ModelError, match=message):
        p.add_event(event)
    assert p.events == {}


def test_update_emits_new_and_old_and_keeps_old_value():
    p = make_project()
    e = p.add_event(au())
    got = []
    p.event_changed.connect(lambda new, old: got.append((new, old)))
    new, old = p.update_event(e.id, offset_frame=30, intensity=Intensity.C)
    assert old is e and new.offset_frame == 30 and new.intensity is Intensity.C
    assert got == [(new, old)]
    with pytest.raises(ModelError):
        p.update_event(e.id, onset_frame=50)
    assert p.events[e.id] is new  # refused edit leaves the event unchanged


def test_remove_and_readd_keeps_id():
    p = make_project()
    e = p.add_event(au())
    removed = p.remove_event(e.id)
    assert p.events == {}
    p.add_event(removed)
    assert p.events[e.id] == e


def test_emotion_labels_extend_vocabulary():
    p = make_project()
    p.add_event(Event(0, "A", EventKind.EMOTION, 1, 5, emotion="awe"))
    assert p.vocabulary.emotions[-1] == "awe"
    assert p.vocabulary.shortcut_of("happiness") == "1"


def test_derived_duration_and_scale():
    p = make_project()
    e = p.add_event(au(onset=10, offset=19))  # 10 frames at 25 fps
    assert e.duration_frames == 10
    assert p.duration_s(e) == pytest.approx(0.4)
    assert p.scale(e) == "micro"
    e2 = p.add_event(au(onset=10, offset=40))
    assert p.scale(e2) == "macro"


def test_overlapping_duplicates_found_per_face_and_au():
    p = make_project()
    p.add_face(Face("B", "Ben"))
    a = p.add_event(au(10, 20))
    b = p.add_event(au(20, 30))
    p.add_event(au(21, 30, n=6))
    p.add_event(au(10, 20, face="B"))
    assert p.overlapping_duplicates() == [(a.id, b.id)]


def test_face_box_interpolates_between_keyframes():
    p = make_project()
    p.set_face_box("A", FaceBox("m1", 0, 0, 0, 10, 10))
    p.set_face_box("A", FaceBox("m1", 10, 100, 50, 20, 10))
    face = p.faces["A"]
    assert face.box_at("m1", 5) == (50, 25, 15, 10)
    assert face.box_at("m1", 99) == (100, 50, 20, 10)
    p.set_face_box("A", None, media="m1", frame=10)
    assert p.faces["A"].box_at("m1", 5) == (0, 0, 10, 10)


def test_remove_face_with_events_refused():
    p = make_project()
    p.add_event(au())
    with pytest.raises(ModelError, match="still has events"):
        p.remove_face("A")


def test_dict_round_trip_is_exact():
    p = make_project()
    p.add_event(au(apex=15, intensity=Intensity.B, side=Side.R, code="R12B", confidence=0.5))
    p.add_event(Event(0, "A", EventKind.EMOTION, 3, 9, emotion="fear", note="x"))
    d = project_to_dict(p)
    assert project_to_dict(project_from_dict(d)) == d


def test_migrate_v1():
    v1 = {
        "schema_version": 1,
        "title": "old",
        "media": [{"path": "a.mp4", "fps": 29.97002997}],
        "faces": [{"id": "A", "name": "A"}],
        "events": [
            {"id": 1, "face": "A", "kind": "au", "au": 1, "onset_frame": 0, "offset_frame": 1}
        ],
    }
    d, notes = migrate(v1)
    assert d["schema_version"] == 2 and notes
    assert d["media"][0]["fps"] == "30000/1001"
    assert d["events"][0]["media"] == "m1"
    p = project_from_dict(d)
    assert p.media["m1"].fps == Fraction(30000, 1001)


def test_signal_drops_dead_bound_methods():
    p = make_project()

    class View:
        def __init__(self):
            self.n = 0

        def on(self, e):
            self.n += 1

    v = View()
    p.event_added.connect(v.on)
    p.add_event(au())
    assert v.n == 1
    del v
    p.add_event(au(n=5))  # must not fail on the collected view
    assert len(p.event_added) == 0
