"""Where the faces are, frame by frame: the project's face boxes, else a Haar detector.

The detector is OpenCV's frontal-face Haar cascade, shipped inside the
``opencv-python-headless`` 4.x wheel (``cv2.data``), so nothing is downloaded at run time.
Detections are deliberately sticky: a box only moves when the face has clearly moved, since
every jitter of the crop would read as facial movement to the spotter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from annotator.model import Face, Project

if TYPE_CHECKING:
    import cv2

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]  # x, y, w, h in video pixels
BoxesAt = Callable[[int, np.ndarray], dict[str, Box]]


def project_boxes(project: Project, media_id: str | None = None) -> BoxesAt:
    """Boxes of every face with keyframes on the media (interpolated by ``Face.box_at``)."""
    mid = media_id or (project.primary_media.id if project.primary_media else "m1")
    return face_boxes(tuple(project.faces.values()), mid)


def face_boxes(all_faces: tuple[Face, ...], mid: str) -> BoxesAt:
    """Like :func:`project_boxes` from plain ``Face`` values (picklable for batch workers)."""
    faces = [f for f in all_faces if any(b.media == mid for b in f.boxes)]
    if not faces:
        raise ValueError(
            "the project has no face boxes for its video; draw them or omit "
            "--face-boxes to use the face detector"
        )

    def at(frame: int, _luma: np.ndarray) -> dict[str, Box]:
        out = {}
        for f in faces:
            box = f.box_at(mid, frame)
            if box is not None:
                out[f.id] = box
        return out

    return at


@dataclass
class HaarTracker:
    """Detect faces every ``every`` frames and keep stable ids by nearest centre.

    A detection replaces a face's box only when its centre moved by more than ``move``
    of the box size or its size changed by more than 20 %; otherwise the old box stays.
    """

    every: int = 25
    move: float = 0.15
    min_size_fraction: float = 0.12  # faces being FACS-coded fill a good part of the frame
    boxes: dict[str, Box] = field(default_factory=dict)
    _cascade: cv2.CascadeClassifier | None = None
    _next_id: int = 0

    def __post_init__(self) -> None:
        import cv2

        # cv2's stubs omit the cv2.data module the wheel ships (cv2/data/__init__.py)
        haar: str = cv2.data.haarcascades  # type: ignore[attr-defined]
        path = haar + "haarcascade_frontalface_default.xml"
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise ValueError(f"{path}: Haar cascade missing (opencv-python-headless 4.x needed)")

    def detect(self, luma: np.ndarray) -> list[Box]:
        import cv2

        h, w = luma.shape
        scale = 400 / max(h, w) if max(h, w) > 400 else 1.0
        small = cv2.resize(luma, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
        min_side = max(20, int(min(small.shape) * self.min_size_fraction))
        assert self._cascade is not None  # set in __post_init__
        found = self._cascade.detectMultiScale(
            small, scaleFactor=1.15, minNeighbors=5, minSize=(min_side, min_side)
        )
        return [(x / scale, y / scale, bw / scale, bh / scale) for x, y, bw, bh in found]

    def __call__(self, frame: int, luma: np.ndarray) -> dict[str, Box]:
        # detect every ``every`` frames; while no face is known yet, every 5 frames
        if frame % self.every == 0 or (not self.boxes and frame % 5 == 0):
            self._update(self.detect(luma))
        return dict(self.boxes)

    def _update(self, detections: list[Box]) -> None:
        for d in detections:
            dc = (d[0] + d[2] / 2, d[1] + d[3] / 2)
            best, best_dist = None, float("inf")
            for fid, b in self.boxes.items():
                dist = float(np.hypot(dc[0] - b[0] - b[2] / 2, dc[1] - b[1] - b[3] / 2))
                if dist < best_dist:
                    best, best_dist = fid, dist
            if best is not None and best_dist < self.boxes[best][2]:
                b = self.boxes[best]
                if best_dist > self.move * b[2] or abs(d[2] / b[2] - 1) > 0.2:
                    self.boxes[best] = d
            else:
                fid = f"auto{self._next_id + 1}"
                self._next_id += 1
                self.boxes[fid] = d
