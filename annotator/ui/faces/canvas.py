"""FaceCanvas: face landmarks, head pose and the box tool over the player's picture.

A transparent child of the frame view (like the review notes canvas): it paints in video
pixels through the frame view's transform, so zoom and pan never misplace a point. Mouse
input reaches it only while the box tool is armed (key B); otherwise the picture pans.

Box tool, on the selected face at the current frame: drag on empty picture draws a box,
drag inside the box moves it, drag a corner handle resizes it; the release keys the box as
a hand keyframe (one undo step); Delete removes the keyframe on this frame.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from annotator.ui.frame_overlay import FrameOverlay
from annotator.ui.player.view_transform import ViewTransform

Box = tuple[float, float, float, float]
HANDLE_PX = 7


class Mode(enum.Enum):
    DRAW = "draw"
    MOVE = "move"
    RESIZE = "resize"


@dataclass(slots=True)
class _Drag:
    mode: Mode
    start: tuple[float, float]  # video pixels
    box: Box  # the box when the drag started (DRAW: empty)
    anchor: tuple[float, float] = (0.0, 0.0)  # the fixed corner while resizing
    current: Box | None = None


@dataclass(frozen=True, slots=True)
class FaceMarks:
    """What to draw for one face on this frame."""

    colour: str
    landmarks: np.ndarray | None = None  # (468, 3) video pixels
    pose: tuple[float, float, float] | None = None  # yaw, pitch, roll degrees


def box_from_drag(
    mode: Mode,
    start: tuple[float, float],
    end: tuple[float, float],
    box: Box,
    anchor: tuple[float, float],
    size: tuple[int, int] | None,
) -> Box:
    """The box a drag makes (pure, unit-tested): normalised to positive size, kept on the
    picture."""
    if mode is Mode.MOVE:
        x, y = box[0] + end[0] - start[0], box[1] + end[1] - start[1]
        w, h = box[2], box[3]
        if size:
            x = min(max(0.0, x), max(0.0, size[0] - w))
            y = min(max(0.0, y), max(0.0, size[1] - h))
        return (x, y, w, h)
    a = anchor if mode is Mode.RESIZE else start
    x0, x1 = sorted((a[0], end[0]))
    y0, y1 = sorted((a[1], end[1]))
    if size:
        x0, x1 = max(0.0, x0), min(float(size[0]), x1)
        y0, y1 = max(0.0, y0), min(float(size[1]), y1)
    return (x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))


class FaceCanvas(FrameOverlay):
    box_edited = Signal(object)  # (x, y, w, h) in video pixels, for the selected face
    box_delete_requested = Signal()
    message = Signal(str)

    def __init__(self, frame_view: QWidget, current_box: Callable[[], Box | None]) -> None:
        super().__init__(frame_view)
        self._current_box = current_box  # the selected face's box on this frame
        self._armed = False
        self._drag: _Drag | None = None
        self._marks: tuple[FaceMarks, ...] = ()
        self.show_landmarks = True
        self.show_pose = True
        self.video_size: tuple[int, int] | None = None
        self._follow(frame_view, Qt.FocusPolicy.ClickFocus)

    # ------------------------------------------------------------------ state
    @property
    def armed(self) -> bool:
        return self._armed

    def set_armed(self, on: bool) -> None:
        self._armed = on
        self._drag = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, not on)
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        if on:
            self.setFocus()
        self.update()

    def set_marks(self, marks: tuple[FaceMarks, ...]) -> None:
        self._marks = marks
        self.update()

    # ------------------------------------------------------------------ mouse
    def _video(self, event: QMouseEvent) -> tuple[float, float]:
        p = event.position()
        return self.transform().to_video(p.x(), p.y())

    def _corner_at(self, box: Box, pos: QPointF) -> tuple[float, float] | None:
        """The corner opposite the handle under ``pos`` (widget pixels), if any."""
        t = self.transform()
        x, y, w, h = box
        corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
        for i, (cx, cy) in enumerate(corners):
            wx, wy = t.to_widget(cx, cy)
            if abs(wx - pos.x()) <= HANDLE_PX and abs(wy - pos.y()) <= HANDLE_PX:
                return corners[3 - i]
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self._armed or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        here = self._video(event)
        box = self._current_box()
        opposite = self._corner_at(box, event.position()) if box else None
        if box and opposite is not None:
            self._drag = _Drag(Mode.RESIZE, here, box, opposite)
        elif box and box[0] <= here[0] <= box[0] + box[2] and box[1] <= here[1] <= box[1] + box[3]:
            self._drag = _Drag(Mode.MOVE, here, box)
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        else:
            self._drag = _Drag(Mode.DRAW, here, (here[0], here[1], 0.0, 0.0))
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        d = self._drag
        if d is None:
            event.ignore()
            return
        d.current = box_from_drag(
            d.mode, d.start, self._video(event), d.box, d.anchor, self.video_size
        )
        self.update()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        d, self._drag = self._drag, None
        if d is None:
            event.ignore()
            return
        self.setCursor(Qt.CursorShape.CrossCursor)
        box = box_from_drag(d.mode, d.start, self._video(event), d.box, d.anchor, self.video_size)
        self.update()
        event.accept()
        if box[2] < 4 or box[3] < 4:
            if d.mode is Mode.DRAW:
                self.message.emit("box tool: drag to draw the selected face's box")
            return
        if box != d.box:
            self.box_edited.emit(tuple(round(v, 2) for v in box))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._armed and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.box_delete_requested.emit()
            event.accept()
            return
        if self._armed and event.key() == Qt.Key.Key_Escape:
            self.set_armed(False)
            event.accept()
            return
        event.ignore()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            t = self.transform()
            for m in self._marks:
                if self.show_landmarks and m.landmarks is not None:
                    self._paint_landmarks(p, t, m)
                if self.show_pose and m.pose is not None and m.landmarks is not None:
                    self._paint_pose(p, t, m)
            if self._armed:
                box = (
                    self._drag.current
                    if self._drag and self._drag.current
                    else (self._current_box())
                )
                if box:
                    self._paint_handles(p, t, box)
        finally:
            p.end()

    def _paint_landmarks(self, p: QPainter, t: ViewTransform, m: FaceMarks) -> None:
        assert m.landmarks is not None
        colour = QColor(m.colour)
        colour.setAlpha(200)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        r = 1.3 if t.scale < 2 else 2.0
        for x, y in m.landmarks[:, :2].tolist():
            wx, wy = t.to_widget(x, y)
            p.drawEllipse(QPointF(wx, wy), r, r)

    def _paint_pose(self, p: QPainter, t: ViewTransform, m: FaceMarks) -> None:
        assert m.landmarks is not None and m.pose is not None
        yaw, pitch, roll = m.pose
        if not all(math.isfinite(v) for v in m.pose):
            return
        lm = m.landmarks
        nose = lm[1, :2]
        iod = float(np.hypot(*(lm[[263, 362], :2].mean(0) - lm[[33, 133], :2].mean(0))))
        # the direction the face points, projected on the picture (yaw > 0: subject's left,
        # which is the picture's right on an unmirrored video)
        dx = math.sin(math.radians(yaw)) * iod * 1.5
        dy = -math.sin(math.radians(pitch)) * iod * 1.5
        a = t.to_widget(float(nose[0]), float(nose[1]))
        b = t.to_widget(float(nose[0] + dx), float(nose[1] + dy))
        pen = QPen(QColor("#ffe14d"), 2)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.drawLine(QPointF(*a), QPointF(*b))
        top = lm[:, 1].min()
        tx, ty = t.to_widget(float(lm[:, 0].min()), float(top))
        p.drawText(QPointF(tx, ty - 18), f"yaw {yaw:+.0f}°  pitch {pitch:+.0f}°  roll {roll:+.0f}°")

    def _paint_handles(self, p: QPainter, t: ViewTransform, box: Box) -> None:
        x, y, w, h = box
        (x0, y0), (x1, y1) = t.to_widget(x, y), t.to_widget(x + w, y + h)
        pen = QPen(QColor("#ffffff"), 1, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(QPointF(x0, y0), QPointF(x1, y1)))
        p.setPen(QPen(QColor("#000000"), 1))
        p.setBrush(QColor("#ffffff"))
        for cx, cy in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            p.drawRect(QRectF(cx - HANDLE_PX / 2, cy - HANDLE_PX / 2, HANDLE_PX, HANDLE_PX))
