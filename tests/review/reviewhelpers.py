"""Small projects for review tests (tests/ has no packages: imported by file name)."""

from __future__ import annotations

from fractions import Fraction

from annotator.model import Event, EventKind, Face, Marker, MarkerKind, Media, Project


def project(frames: int = 250, fps: Fraction | int = 25) -> Project:
    p = Project(title="Scene 4", annotator="coach")
    p.add_media(
        Media("m1", "missing.mp4", width=640, height=360, frame_count=frames, fps=Fraction(fps))
    )
    p.add_face(Face("A", "Ada"))
    p.add_face(Face("B", "Ben"))
    return p


def emotion(p: Project, face: str, on: int, off: int, label: str) -> Event:
    return p.add_event(Event(0, face, EventKind.EMOTION, on, off, emotion=label))


def au(p: Project, face: str, on: int, off: int, number: int) -> Event:
    return p.add_event(Event(0, face, EventKind.AU, on, off, au=number))


def marker(
    p: Project, kind: MarkerKind, start: int, end: int | None = None, text: str = "", **kw: object
) -> Marker:
    return p.add_marker(Marker(0, kind, start, start if end is None else end, text=text, **kw))  # type: ignore[arg-type]
