"""FrameView: paints the exact decoded frame, with zoom, pan and face-box overlays.

The picture is whatever the controller says is current (``set_frame_image``); this widget
never decides which frame to show. Overlays are given in video pixels so the face tracker,
the face panel or a plugin can draw boxes without knowing the zoom.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.ui.player.view_transform import ViewTransform

log = logging.getLogger(__name__)

_WHEEL_STEP = 1.25  # zoom factor per wheel notch (120 units)


@dataclass(frozen=True, slots=True)
class Overlay:
    """A rectangle in video pixels with a colour (``#rrggbb`` or a Qt colour name) and label."""

    x: float
    y: float
    w: float
    h: float
    colour: str = "#e6553a"
    label: str = ""


def ndarray_to_qimage(img: np.ndarray) -> QImage:
    """Wrap an RGB uint8 array as a QImage without copying (caller keeps ``img`` alive)."""
    img = np.ascontiguousarray(img[..., :3])
    h, w = img.shape[:2]
    return QImage(img.data, w, h, img.strides[0], QImage.Format.Format_RGB888)


def qimage_to_ndarray(image: QImage) -> np.ndarray:
    """RGB uint8 copy of any QImage (used for screen grabs and tests)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = rgb.width(), rgb.height(), rgb.bytesPerLine()
    buf = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=bpl * h)
    return buf.reshape(h, bpl)[:, : w * 3].reshape(h, w, 3).copy()


class FrameView(QWidget):
    """The picture area. Wheel zooms at the cursor, left-drag pans, double-click fits."""

    view_changed = Signal()  # zoom or pan changed (for a zoom label)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the player
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._array: np.ndarray | None = None
        self._image: QImage | None = None
        self._frame: int | None = None
        self._video_size = (0, 0)
        self._view = ViewTransform()
        self._overlays: tuple[Overlay, ...] = ()
        self._drag_from: QPointF | None = None
        self._message = ""

    # -- content ------------------------------------------------------------------------
    def set_video_size(self, width: int, height: int) -> None:
        """New media: the picture's true size in video pixels (images may come scaled)."""
        self._video_size = (int(width), int(height))
        self.fit()

    def set_frame_image(self, frame: int | None, img: np.ndarray | None) -> None:
        """Show ``img`` (RGB, any size: a scaled decode is stretched to the video size)."""
        self._frame = frame
        self._array = None if img is None else np.ascontiguousarray(img[..., :3])
        self._image = None if self._array is None else ndarray_to_qimage(self._array)
        self._message = ""
        self.update()

    def set_message(self, text: str) -> None:
        """Text in place of the picture (no video, or a decode error)."""
        self._message = text
        self.update()

    @property
    def frame(self) -> int | None:
        return self._frame

    def image(self) -> QImage | None:
        return self._image

    def set_overlays(self, overlays: Iterable[Overlay | Sequence[object]]) -> None:
        """Boxes in video pixels; tuples ``(x, y, w, h, colour, label)`` are accepted too."""
        out: list[Overlay] = []
        for o in overlays:
            out.append(o if isinstance(o, Overlay) else Overlay(*o))  # type: ignore[arg-type]
        self._overlays = tuple(out)
        self.update()

    def overlays(self) -> tuple[Overlay, ...]:
        return self._overlays

    # -- zoom and pan -------------------------------------------------------------------
    @property
    def view(self) -> ViewTransform:
        return self._view

    def fit(self) -> None:
        self._view = ViewTransform.fit(self.width(), self.height(), *self._video_size)
        self.view_changed.emit()
        self.update()

    def one_to_one(self) -> None:
        """1 video pixel = 1 screen pixel, keeping the video point at the centre of the view."""
        centre = self._view.to_video(self.width() / 2, self.height() / 2)
        self._view = ViewTransform.one_to_one(
            self.width(), self.height(), *self._video_size, around=centre
        )
        self.view_changed.emit()
        self.update()

    def zoom_at(self, factor: float, pos: QPointF) -> None:
        self._view = self._view.zoomed_at(factor, pos.x(), pos.y())
        self.view_changed.emit()
        self.update()

    def display_size(self) -> tuple[int, int] | None:
        """Decode size worth asking for: the on-screen size when smaller than the video."""
        vw, vh = self._video_size
        if vw <= 0 or vh <= 0:
            return None
        ratio = self.devicePixelRatioF()
        w = round(vw * self._view.scale * ratio)
        h = round(vh * self._view.scale * ratio)
        if w >= vw or h >= vh or w < 16 or h < 16:
            return None
        return (w, h)

    # -- events -------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_at(_WHEEL_STEP**steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            d = event.position() - self._drag_from
            self._drag_from = event.position()
            self._view = self._view.panned(d.x(), d.y())
            self.view_changed.emit()
            self.update()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        self.unsetCursor()
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.fit()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._view.fitted:
            self._view = ViewTransform.fit(self.width(), self.height(), *self._video_size)
            self.view_changed.emit()
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), QColor(20, 20, 20))
            if self._image is not None and self._video_size[0] > 0:
                x, y, w, h = self._view.image_rect(*self._video_size)
                # Nearest neighbour when zoomed in: FACS coders inspect single pixels.
                smooth = self._view.scale < 1.0
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
                p.drawImage(QRectF(x, y, w, h), self._image)
                self._paint_overlays(p)
            elif self._message:
                p.setPen(QColor(200, 200, 200))
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._message)
        finally:
            p.end()

    def _paint_overlays(self, p: QPainter) -> None:
        for o in self._overlays:
            x0, y0 = self._view.to_widget(o.x, o.y)
            x1, y1 = self._view.to_widget(o.x + o.w, o.y + o.h)
            colour = QColor(o.colour)
            pen = QPen(colour, 2)
            pen.setCosmetic(True)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(QPointF(x0, y0), QPointF(x1, y1)))
            if o.label:
                p.drawText(QPointF(x0 + 3, y0 - 4 if y0 > 14 else y0 + 14), o.label)
