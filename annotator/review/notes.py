"""Frame notes: which notes show on a frame, the order to step through them, and shapes.

A note is a ``Marker`` of kind ``NOTE`` on one media, from ``start_frame`` to ``end_frame``
inclusive. Its drawing is a tuple of ``Shape`` in video pixels, so the picture can be zoomed,
panned or shown in any window size and the drawing stays on the same spot of the picture.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence

from annotator.model import Marker, MarkerKind, Project, Shape

Point = tuple[float, float]

#: Freehand strokes are thinned to points at least this far apart (video pixels), so a
#: long stroke does not store every mouse event.
FREEHAND_MIN_STEP_PX = 2.0


class ShapeType(enum.Enum):
    ARROW = "arrow"
    CIRCLE = "circle"
    FREEHAND = "freehand"
    RECT = "rect"


def ordered_notes(project: Project, media: str | None = None) -> list[Marker]:
    """Notes in playback order (start, end, id): the order the notes list and N/P jumps use."""
    return sorted(
        (
            m
            for m in project.markers.values()
            if m.kind is MarkerKind.NOTE and (media is None or m.media == media)
        ),
        key=lambda m: (m.start_frame, m.end_frame, m.id),
    )


def notes_at(markers: Iterable[Marker], media: str, frame: int) -> list[Marker]:
    """Notes on ``media`` whose range holds ``frame``: the ones drawn over the picture."""
    return [
        m
        for m in markers
        if m.kind is MarkerKind.NOTE and m.media == media and m.start_frame <= frame <= m.end_frame
    ]


def neighbour_note(notes: Sequence[Marker], frame: int, direction: int) -> Marker | None:
    """The next (``direction`` > 0) or previous note start strictly after/before ``frame``."""
    if direction > 0:
        return next((m for m in notes if m.start_frame > frame), None)
    return next((m for m in reversed(notes) if m.start_frame < frame), None)


def note_range(current_frame: int, loop: tuple[int | None, int | None]) -> tuple[int, int]:
    """Range for a new note: the loop A-B when it holds the playhead, else the one frame.

    A coach who looped the moment wants the note on the whole moment; otherwise a note on
    the frame on screen is what "N" means.
    """
    a, b = loop
    if a is not None and b is not None and a <= current_frame <= b:
        return a, b
    return current_frame, current_frame


def _clamp(p: Point, size: tuple[int, int] | None) -> Point:
    if size is None:
        return (float(p[0]), float(p[1]))
    w, h = size
    return (min(max(float(p[0]), 0.0), float(w)), min(max(float(p[1]), 0.0), float(h)))


def thin(points: Sequence[Point], min_step: float = FREEHAND_MIN_STEP_PX) -> tuple[Point, ...]:
    """Drop points closer than ``min_step`` to the last kept one (the last point is kept)."""
    if not points:
        return ()
    out = [points[0]]
    for p in points[1:]:
        if math.dist(p, out[-1]) >= min_step:
            out.append(p)
    if out[-1] != points[-1]:
        out.append(points[-1])
    return tuple(out)


def shape_from_drag(
    kind: ShapeType,
    points: Sequence[Point],
    colour: str = "#ffcc00",
    video_size: tuple[int, int] | None = None,
) -> Shape | None:
    """The shape a drag drew (points in video pixels), or ``None`` for a click with no size.

    Arrows keep (tail, head); circles and rectangles keep two opposite corners of their
    bounding box; freehand keeps the thinned stroke. Points are clamped to the picture.
    """
    pts = [_clamp(p, video_size) for p in points]
    if len(pts) < 2:
        return None
    if kind is ShapeType.FREEHAND:
        stroke = thin(pts)
        return Shape(kind.value, stroke, colour) if len(stroke) >= 2 else None
    a, b = pts[0], pts[-1]
    if math.dist(a, b) < 2.0:
        return None
    return Shape(kind.value, (a, b), colour)


def shape_bounds(shape: Shape) -> tuple[float, float, float, float]:
    """x0, y0, x1, y1 of the shape's points (video pixels)."""
    xs = [p[0] for p in shape.points]
    ys = [p[1] for p in shape.points]
    return min(xs), min(ys), max(xs), max(ys)


def arrow_head(
    tail: Point, head: Point, length: float, spread_deg: float = 28.0
) -> tuple[Point, Point]:
    """The two barb ends of an arrow head at ``head`` (same units as the points)."""
    ang = math.atan2(head[1] - tail[1], head[0] - tail[0])
    out = []
    for s in (-1, 1):
        a = ang + math.pi - s * math.radians(spread_deg)
        out.append((head[0] + length * math.cos(a), head[1] + length * math.sin(a)))
    return out[0], out[1]
