"""Helpers for format tests (imported by conftest and tests: tests/ has no packages)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from annotator.io.project_file import save_project
from annotator.model import Event, EventKind, Face, Media, Project

#: The tiers the ELAN and Praat exports make of ``coded_project`` (conftest): one per face
#: and kind, overlapping AUs on a second tier, apexes on their own tiers.
CODED_TIERS = {
    "A AU",
    "A AU apex",
    "A AU (2)",
    "A emotion",
    "A emotion apex",
    "B AU",
    "B emotion",
    "B note",
}


def make_project(frames: int = 250, fps: Fraction | int = 25, faces: int = 2) -> Project:
    p = Project(title="test", annotator="tester")
    p.add_media(Media("m1", "missing-video.mp4", frame_count=frames, fps=Fraction(fps)))
    for i in range(faces):
        fid = "AB"[i]
        p.add_face(Face(fid, ["Ada", "Ben"][i]))
    return p


def add(p: Project, **kw: object) -> Event:
    kw.setdefault("face", "A")
    kw.setdefault("kind", EventKind.AU)
    return p.add_event(Event(id=0, **kw))  # type: ignore[arg-type]


def saved(p: Project, folder: Path, name: str = "p.facet.json") -> Path:
    path = folder / name
    save_project(p, path)
    return path


from samples_dir import SAMPLES, sample  # noqa: E402,F401  one place finds the samples
