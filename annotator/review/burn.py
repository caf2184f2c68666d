"""Draw a note's shapes into a still (RGB array) for the shared HTML review.

Shapes are stored in video pixels; a still of another size (a scaled decode) is drawn at
``scale``. OpenCV is already a Facet dependency for exports, and keeps this free of Qt.
"""

from __future__ import annotations

import numpy as np

from annotator.model import Shape
from annotator.review.notes import arrow_head


def _bgr(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    try:
        r, g, b = int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except (ValueError, IndexError):
        r, g, b = 255, 204, 0
    return (r, g, b)  # the array is RGB, so channel order is r, g, b


def burn_shapes(rgb: np.ndarray, shapes: tuple[Shape, ...], scale: float = 1.0) -> np.ndarray:
    """A copy of ``rgb`` with ``shapes`` drawn on it (line width follows picture size)."""
    import cv2

    out = np.ascontiguousarray(rgb[..., :3]).copy()
    width = max(2, round(min(out.shape[:2]) / 120))

    def pt(p: tuple[float, float]) -> tuple[int, int]:
        return (round(p[0] * scale), round(p[1] * scale))

    for s in shapes:
        col = _bgr(s.colour)
        if s.type == "arrow" and len(s.points) >= 2:
            tail, head = s.points[0], s.points[-1]
            cv2.line(out, pt(tail), pt(head), col, width, cv2.LINE_AA)
            length = max(
                8.0, min(40.0, 0.25 * float(np.hypot(head[0] - tail[0], head[1] - tail[1])))
            )
            for barb in arrow_head(tail, head, length):
                cv2.line(out, pt(head), pt(barb), col, width, cv2.LINE_AA)
        elif s.type in ("circle", "rect") and len(s.points) >= 2:
            (x0, y0), (x1, y1) = pt(s.points[0]), pt(s.points[-1])
            if s.type == "rect":
                cv2.rectangle(
                    out,
                    (min(x0, x1), min(y0, y1)),
                    (max(x0, x1), max(y0, y1)),
                    col,
                    width,
                    cv2.LINE_AA,
                )
            else:
                centre = ((x0 + x1) // 2, (y0 + y1) // 2)
                axes = (max(1, abs(x1 - x0) // 2), max(1, abs(y1 - y0) // 2))
                cv2.ellipse(out, centre, axes, 0, 0, 360, col, width, cv2.LINE_AA)
        elif len(s.points) >= 2:
            pts = np.array([pt(p) for p in s.points], dtype=np.int32).reshape(-1, 1, 2)
            cv2.polylines(out, [pts], False, col, width, cv2.LINE_AA)
    return out
