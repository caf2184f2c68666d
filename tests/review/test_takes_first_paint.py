"""The takes window is sharp from its first paint (issue 15 part 8).

Measured before the fix: the first refresh ran before the panes had their size, so the
first paint showed a decode at the pre-layout size stretched up (blurry until the first
step). Here the picture each pane really paints first is caught in its paint event and
compared, at the size it is drawn, with the exact frame decoded at full resolution: edge
energy (mean gradient) and the difference from the sharp reference.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QUndoStack
from samples_dir import sample

from annotator.io.media_link import media_from_video
from annotator.media import FrameSource
from annotator.model import Project
from annotator.ui.player.frame_view import qimage_to_ndarray
from annotator.ui.review.takes_window import TakesWindow

VIDEO = "video/facenet_pytorch_crowd_1080p25.mp4"  # 1920x1080, fine detail (faces, text)
SECOND = "video/pyfeat_WolfgangLanger_Pexels.mp4"  # 640x360


class FirstPaint(QObject):
    """Keeps the image a FrameView holds when it is painted for the first time."""

    def __init__(self) -> None:
        super().__init__()
        self.caught: dict[QObject, tuple[np.ndarray, tuple[int, int, int, int]]] = {}

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and obj not in self.caught:
            image = obj.image()  # type: ignore[attr-defined]
            if image is not None:
                rect = obj.view.image_rect(*obj._video_size)  # type: ignore[attr-defined]
                self.caught[obj] = (qimage_to_ndarray(image), tuple(round(v) for v in rect))
        return False


def _edges(gray: np.ndarray) -> float:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1)
    return float(np.abs(gx).mean() + np.abs(gy).mean())


def _gray(img: np.ndarray, size: tuple[int, int], interpolation: int) -> np.ndarray:
    g = cv2.cvtColor(np.ascontiguousarray(img[..., :3]), cv2.COLOR_RGB2GRAY)
    return cv2.resize(g, size, interpolation=interpolation).astype(np.float32)


def sharpness(painted: np.ndarray, reference: np.ndarray, rect_size: tuple[int, int]):
    """(edge energy ratio painted/reference, mean abs difference) at the drawn size."""
    # drawn as FrameView draws it: the held image scaled to the rectangle (smooth)
    shown = _gray(painted, rect_size, cv2.INTER_LINEAR)
    sharp = _gray(reference, rect_size, cv2.INTER_AREA)
    return _edges(shown) / max(_edges(sharp), 1e-6), float(np.abs(shown - sharp).mean())


def test_sharpness_measure_tells_a_stretched_small_decode() -> None:
    """The measure itself: a decode at 1/8 size stretched up is far from the exact one."""
    src = FrameSource(sample(VIDEO), prefetch=False)
    try:
        full = src.frame(10)
        small = src.frame(10, size=(240, 135))
    finally:
        src.close()
    ratio, diff = sharpness(small, full, (640, 360))
    assert ratio < 0.75 and diff > 3
    ratio, diff = sharpness(full, full, (640, 360))
    assert ratio > 0.95 and diff < 2


@pytest.mark.parametrize("size", [(1000, 560), (1366, 740)])
def test_takes_window_first_paint_is_the_sharp_frame(qtbot, tmp_path: Path, size) -> None:
    video = sample(VIDEO)
    project = Project("takes")
    media, tb = media_from_video(video, tmp_path / "p.facet.json", "m1")
    project.add_media(media)
    project.set_timebase("m1", tb)  # type: ignore[arg-type]
    w = TakesWindow(project, QUndoStack(), tmp_path / "p.facet.json")
    qtbot.addWidget(w)
    catcher = FirstPaint()
    view = w.panes["m1"].view
    view.installEventFilter(catcher)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: view in catcher.caught, timeout=5000)
    painted, (_x, _y, rw, rh) = catcher.caught[view]
    src = FrameSource(video, prefetch=False)
    try:
        reference = src.frame(w.clock.lead_frame)  # type: ignore[union-attr]
    finally:
        src.close()
    ratio, diff = sharpness(painted, reference, (rw, rh))
    assert rw > 300  # the pane really is big on screen
    assert ratio > 0.85 and diff < 3, (ratio, diff, painted.shape)
    # a take added while the window is open: its pane is sharp from its first paint too
    second = sample(SECOND)
    assert w.add_take(second) == "m2"
    view2 = w.panes["m2"].view
    view2.installEventFilter(catcher)  # before the event loop shows and paints it
    qtbot.waitUntil(lambda: view2 in catcher.caught, timeout=5000)
    painted, (_x, _y, rw, rh) = catcher.caught[view2]
    src = FrameSource(second, prefetch=False)
    try:
        aligned = dict(zip([t.media_id for t in w.clock.takes], w.clock.frames(), strict=True))
        reference = src.frame(aligned["m2"].frame)
    finally:
        src.close()
    ratio, diff = sharpness(painted, reference, (rw, rh))
    assert rw > 200 and ratio > 0.85 and diff < 3, (ratio, diff, painted.shape, rw)
    w.close()
