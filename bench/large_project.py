"""A large project for window benches: N events on 4 faces (AUs and emotions) on a barcode
clip, written once into a temp folder and reused.

    .venv/bin/python bench/large_project.py [N]   # prints the project path

``build(n, frames)`` makes the project in memory (tests use it without a video);
``write(n)`` writes the clip and the project file next to it.
"""

from __future__ import annotations

import random
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annotator.model import Event, EventKind, Intensity, Media, Project, Side

FOLDER = Path(tempfile.gettempdir()) / "facet-bench-large"
FRAMES = 9000  # six minutes at 25 fps
FPS = Fraction(25)
AUS = (1, 2, 4, 6, 12, 15, 25, 26)
EMOTIONS = ("happiness", "sadness", "fear", "anger", "surprise")


def build(n: int, frames: int = FRAMES, media: Media | None = None, seed: int = 7) -> Project:
    """``n`` events: per face 8 AU lanes and one emotion lane (1 event in 5 an emotion)."""
    rng = random.Random(seed)
    p = Project("large", annotator="bench")
    p.add_media(
        media or Media("m1", "large.mp4", frame_count=frames, fps=FPS, width=320, height=240)
    )
    for _ in range(4):
        p.add_face()
    faces = list(p.faces)
    lanes = [(f, au) for f in faces for au in AUS]
    n_emotion = n // 5
    n_au = n - n_emotion
    eid = 0

    def spread(count: int, lanes_n: int) -> list[tuple[int, int]]:
        per = max(1, count // lanes_n)
        spacing = frames / per
        out = []
        for i in range(per):
            on = min(frames - 1, int(i * spacing + rng.random() * spacing * 0.3))
            off = min(frames - 1, on + rng.randint(2, max(3, int(spacing * 0.9))))
            out.append((on, off))
        return out

    events: dict[int, Event] = {}
    for face, au in lanes:
        for on, off in spread(n_au, len(lanes)):
            eid += 1
            events[eid] = Event(
                eid,
                face,
                EventKind.AU,
                on,
                off,
                (on + off) // 2,
                au=au,
                intensity=rng.choice([None, *Intensity]),
                side=rng.choice([None, None, Side.L, Side.R]),
                code=str(au),
                annotator="bench",
            )
    for face in faces:
        for on, off in spread(n_emotion, len(faces)):
            eid += 1
            events[eid] = Event(
                eid,
                face,
                EventKind.EMOTION,
                on,
                off,
                None,
                emotion=rng.choice(EMOTIONS),
                annotator="bench",
            )
    while eid < n:  # rounding: top up on the first lane
        eid += 1
        on = rng.randrange(frames - 5)
        events[eid] = Event(eid, faces[0], EventKind.AU, on, on + 3, None, au=AUS[0])
    p.events.update(events)  # bulk, as a file load does (no signals)
    p.saved_revision = p.revision
    return p


def clip(frames: int = FRAMES) -> Path:
    from annotator.media.barcode import write_barcode_video

    FOLDER.mkdir(parents=True, exist_ok=True)
    path = FOLDER / f"barcode_{frames}.mp4"
    if not path.exists():
        part = path.with_suffix(".part.mp4")
        write_barcode_video(part, frames, fps=FPS, size=(320, 240), gop=50)
        part.replace(path)
    return path


def write(n: int, frames: int = FRAMES, name: str | None = None) -> Path:
    """The project file of ``n`` events on the barcode clip (reused when present)."""
    from annotator.io.media_link import media_from_video
    from annotator.io.project_file import save_project

    video = clip(frames)
    target = FOLDER / (name or f"large_{n}.facet.json")
    if target.exists():
        return target
    media, _tb = media_from_video(video, target, "m1")
    project = build(n, frames, media)
    save_project(project, target)
    return target


if __name__ == "__main__":
    print(write(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
