"""Undo/redo of every command restores the exact serialized project."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from PySide6.QtGui import QUndoStack

from annotator.commands import (
    AddEmotionLabelCommand,
    AddEventCommand,
    AddFaceCommand,
    AddMarkerCommand,
    MergeFacesCommand,
    RemoveEventCommand,
    RemoveFaceCommand,
    RemoveMarkerCommand,
    SetFaceBoxCommand,
    UpdateEventCommand,
    UpdateFaceCommand,
    UpdateMarkerCommand,
)
from annotator.commands.events import moved
from annotator.model import Event, EventKind, FaceBox, Intensity, Marker, MarkerKind, Media, Side
from annotator.model.project import ModelError, Project
from annotator.model.serialize import project_to_dict

FRAMES = 500


def snapshot(p: Project) -> dict:
    d = project_to_dict(p)
    d.pop("modified")
    return d


@pytest.fixture
def project() -> Project:
    p = Project("t")
    p.add_media(Media("m1", "v.mp4", frame_count=FRAMES, fps=Fraction(25)))
    p.add_face(name="Ann")
    p.add_face(name="Bob")
    return p


def au(face: str, on: int, off: int, n: int = 12, apex: int | None = None) -> Event:
    return Event(0, face, EventKind.AU, on, off, apex, au=n)


def test_add_update_remove_round_trip(project: Project) -> None:
    stack = QUndoStack()
    s0 = snapshot(project)
    stack.push(AddEventCommand(project, au("A", 10, 20, apex=15)))
    (eid,) = project.events
    s1 = snapshot(project)
    stack.push(UpdateEventCommand(project, eid, {"offset_frame": 30, "intensity": Intensity.C}))
    s2 = snapshot(project)
    stack.push(RemoveEventCommand(project, eid))
    assert not project.events
    stack.undo()
    assert snapshot(project) == s2
    stack.undo()
    assert snapshot(project) == s1
    stack.undo()
    assert snapshot(project) == s0
    stack.redo()
    assert project.events[eid].onset_frame == 10  # same id on redo
    stack.redo()
    stack.redo()
    assert not project.events


def test_nudges_merge_into_one_step(project: Project) -> None:
    stack = QUndoStack()
    stack.push(AddEventCommand(project, au("A", 10, 20)))
    (eid,) = project.events
    for _ in range(5):
        ev = project.events[eid]
        stack.push(UpdateEventCommand(project, eid, moved(ev, 1), nudge=True))
    assert project.events[eid].onset_frame == 15
    assert stack.count() == 2
    stack.undo()
    assert project.events[eid].onset_frame == 10


def test_emotion_label_added_on_the_fly_is_undone(project: Project) -> None:
    stack = QUndoStack()
    s0 = snapshot(project)
    ev = Event(0, "A", EventKind.EMOTION, 1, 5, emotion="awe")
    stack.push(AddEventCommand(project, ev))
    assert "awe" in project.vocabulary.emotions
    stack.undo()
    assert snapshot(project) == s0
    stack.push(AddEmotionLabelCommand(project, "pride"))
    stack.undo()
    assert snapshot(project) == s0


def test_merge_faces_round_trip(project: Project) -> None:
    stack = QUndoStack()
    project.add_face(name="Cy")
    project.add_event(au("B", 1, 5))
    project.add_event(au("B", 7, 9, n=4))
    project.set_face_box("A", FaceBox("m1", 0, 1, 1, 10, 10))
    project.set_face_box("B", FaceBox("m1", 0, 5, 5, 10, 10))
    project.set_face_box("B", FaceBox("m1", 9, 5, 5, 10, 10))
    s0 = snapshot(project)
    stack.push(MergeFacesCommand(project, "A", "B"))
    assert "B" not in project.faces
    assert all(e.face == "A" for e in project.events.values())
    assert [b.frame for b in project.faces["A"].boxes] == [0, 9]
    assert project.faces["A"].boxes[0].x == 1
    stack.undo()
    assert snapshot(project) == s0
    assert list(project.faces) == ["A", "B", "C"]


def test_face_commands_round_trip(project: Project) -> None:
    stack = QUndoStack()
    s0 = snapshot(project)
    cmd = AddFaceCommand(project, "Cy")
    stack.push(cmd)
    stack.push(UpdateFaceCommand(project, cmd.face_id, {"name": "Cyd", "colour": "#000000"}))
    stack.push(SetFaceBoxCommand(project, "A", FaceBox("m1", 3, 0, 0, 5, 5)))
    stack.push(SetFaceBoxCommand(project, "A", None, media="m1", frame=3))
    stack.push(RemoveFaceCommand(project, "A"))
    assert list(project.faces) == ["B", "C"]
    while stack.canUndo():
        stack.undo()
    assert snapshot(project) == s0


def test_invalid_edit_raises_and_leaves_stack_clean(project: Project) -> None:
    stack = QUndoStack()
    with pytest.raises(ModelError):
        stack.push(AddEventCommand(project, au("A", 10, FRAMES + 5)))
    assert not project.events


def _random_edit(rng: random.Random, p: Project, stack: QUndoStack) -> None:
    ids = sorted(p.events)
    op = rng.random()
    if op < 0.35 or not ids:
        face = rng.choice(list(p.faces))
        on = rng.randrange(0, FRAMES - 40)
        off = on + rng.randrange(0, 40)
        if rng.random() < 0.7:
            ev = Event(
                0,
                face,
                EventKind.AU,
                on,
                off,
                rng.choice([None, on]),
                au=rng.choice([1, 2, 4, 12, 26]),
                intensity=rng.choice([None, *Intensity]),
                side=rng.choice([None, Side.L, Side.R]),
            )
        else:
            ev = Event(
                0,
                face,
                EventKind.EMOTION,
                on,
                off,
                emotion=rng.choice(["happiness", "fear", "awe", "pride"]),
            )
        stack.push(AddEventCommand(p, ev))
    elif op < 0.6:
        ev = p.events[rng.choice(ids)]
        d = rng.randint(-3, 3)
        if 0 <= ev.onset_frame + d and ev.offset_frame + d < FRAMES:
            stack.push(UpdateEventCommand(p, ev.id, moved(ev, d), nudge=rng.random() < 0.5))
    elif op < 0.7:
        ev = p.events[rng.choice(ids)]
        new_off = min(FRAMES - 1, ev.offset_frame + rng.randint(0, 10))
        stack.push(
            UpdateEventCommand(
                p, ev.id, {"offset_frame": new_off, "annotator": rng.choice(["x", "y"])}
            )
        )
    elif op < 0.8:
        stack.push(RemoveEventCommand(p, rng.choice(ids)))
    elif op < 0.85:
        stack.push(AddFaceCommand(p, f"F{rng.randrange(99)}"))
    elif op < 0.9 and len(p.faces) > 1:
        keep, gone = rng.sample(list(p.faces), 2)
        stack.push(MergeFacesCommand(p, keep, gone))
    elif op < 0.95:
        face = rng.choice(list(p.faces))
        box = FaceBox("m1", rng.randrange(FRAMES), rng.random(), 0.0, 10.0, 10.0)
        stack.push(SetFaceBoxCommand(p, face, box))
    else:
        if p.markers and rng.random() < 0.5:
            mid = rng.choice(list(p.markers))
            if rng.random() < 0.5:
                stack.push(RemoveMarkerCommand(p, mid))
            else:
                stack.push(UpdateMarkerCommand(p, mid, {"text": "t2"}))
        else:
            f = rng.randrange(FRAMES)
            stack.push(AddMarkerCommand(p, Marker(0, MarkerKind.NOTE, f, f, text="n")))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_hundred_random_edits_undo_redo_exactly(project: Project, seed: int) -> None:
    rng = random.Random(seed)
    stack = QUndoStack()
    states = [snapshot(project)]
    for _ in range(200):
        _random_edit(rng, project, stack)
        # A merged nudge replaces the top state rather than adding one.
        states = states[: stack.index()] + [snapshot(project)]
        assert len(states) == stack.index() + 1
    for i in range(stack.index(), 0, -1):
        stack.undo()
        assert snapshot(project) == states[i - 1], f"undo to {i - 1}"
    for i in range(1, stack.count() + 1):
        stack.redo()
        assert snapshot(project) == states[i], f"redo to {i}"
