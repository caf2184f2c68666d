"""NoteCanvas: draws frame notes over the picture and records new shapes drawn on it.

A transparent child of the player's ``FrameView`` that follows its size and zoom: shapes
are stored in video pixels and mapped through the view's transform at paint time, so a
drawing stays on the same spot of the picture at any zoom, pan or window size. While no
drawing tool is armed it lets every mouse event through, so pan and zoom work as before.
The canvas only displays and reports: ``shape_drawn`` carries the new shape; the review
controller turns it into an undo command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QWidget

from annotator.model import Shape
from annotator.review.notes import Point, ShapeType, arrow_head, shape_from_drag
from annotator.ui.frame_overlay import FrameOverlay
from annotator.ui.player.view_transform import ViewTransform

_ARROW_HEAD_PX = 16.0


@dataclass(frozen=True, slots=True)
class NoteOverlay:
    """What to show for one note on the current frame."""

    text: str
    shapes: tuple[Shape, ...]
    selected: bool = False


class NoteCanvas(FrameOverlay):
    shape_drawn = Signal(object)  # Shape, in video pixels

    def __init__(self, frame_view: QWidget) -> None:
        super().__init__(frame_view)
        self._notes: tuple[NoteOverlay, ...] = ()
        self._tool: ShapeType | None = None
        self._colour = "#ffcc00"
        self._stroke: list[Point] = []
        self._video_size: tuple[int, int] | None = None
        self.text_scale = 1.0  # presentation mode shows note text larger
        self._follow(frame_view)

    # -- state from the controller ------------------------------------------------------
    def set_notes(self, notes: Sequence[NoteOverlay]) -> None:
        self._notes = tuple(notes)
        self.update()

    def notes(self) -> tuple[NoteOverlay, ...]:
        return self._notes

    def set_video_size(self, size: tuple[int, int] | None) -> None:
        self._video_size = size

    def set_tool(self, tool: ShapeType | None, colour: str | None = None) -> None:
        """Arm a drawing tool (mouse goes to the canvas) or disarm it (``None``)."""
        self._tool = tool
        if colour:
            self._colour = colour
        self._stroke = []
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, tool is None)
        self.setCursor(Qt.CursorShape.CrossCursor if tool else Qt.CursorShape.ArrowCursor)
        self.update()

    @property
    def tool(self) -> ShapeType | None:
        return self._tool

    # -- drawing with the mouse ---------------------------------------------------------
    def _video_point(self, event: QMouseEvent) -> Point:
        p = event.position()
        return self.transform().to_video(p.x(), p.y())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._tool is None:
            event.ignore()
            return
        if event.button() == Qt.MouseButton.RightButton:
            self._stroke = []  # right click cancels the stroke in progress
        elif event.button() == Qt.MouseButton.LeftButton:
            self._stroke = [self._video_point(event)]
        self.update()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._tool is None or not self._stroke:
            event.ignore()
            return
        self._stroke.append(self._video_point(event))
        self.update()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._tool is None or not self._stroke:
            event.ignore()
            return
        self._stroke.append(self._video_point(event))
        shape = shape_from_drag(self._tool, self._stroke, self._colour, self._video_size)
        self._stroke = []
        self.update()
        event.accept()
        if shape is not None:
            self.shape_drawn.emit(shape)

    # -- painting -----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._notes and not self._stroke:
            return
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            view = self.transform()
            # Lines grow with the picture on screen, so a drawing reads as well on a full
            # screen as in the docked player (but never thinner than 3 px).
            h_px = (self._video_size[1] if self._video_size else 360) * view.scale
            base = max(3.0, h_px / 200.0)
            for note in self._notes:
                for shape in note.shapes:
                    paint_shape(p, view, shape, base + (1.0 if note.selected else 0.0))
            if self._stroke and self._tool is not None:
                preview = Shape(
                    self._tool.value,
                    tuple(self._stroke)
                    if self._tool is ShapeType.FREEHAND
                    else (self._stroke[0], self._stroke[-1]),
                    self._colour,
                )
                paint_shape(p, view, preview, 2.0, dashed=True)
            self._paint_texts(p)
        finally:
            p.end()

    def _paint_texts(self, p: QPainter) -> None:
        """Note texts stacked at the top-left of the picture, on a dark plate."""
        texts = [n.text for n in self._notes if n.text]
        if not texts or self.text_scale <= 0:  # 0: the owner shows the text elsewhere
            return
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, font.pointSizeF() * 1.15 * self.text_scale))
        font.setBold(True)
        p.setFont(font)
        fm = QFontMetricsF(font)
        x0, y0 = 12.0, 12.0
        width = max(60.0, self.width() - 24.0)
        for text in texts:
            rect = fm.boundingRect(QRectF(0, 0, width - 16, 10_000), Qt.TextFlag.TextWordWrap, text)
            plate = QRectF(x0, y0, rect.width() + 16, rect.height() + 10)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(0, 0, 0, 170))
            p.drawRoundedRect(plate, 6, 6)
            p.setPen(QColor("#ffe680"))
            p.drawText(plate.adjusted(8, 5, -8, -5), Qt.TextFlag.TextWordWrap, text)
            y0 += plate.height() + 6


def paint_shape(
    p: QPainter, view: ViewTransform, shape: Shape, width: float, dashed: bool = False
) -> None:
    """One shape, its video-pixel points mapped to the widget through ``view``."""
    pts = [QPointF(*view.to_widget(x, y)) for x, y in shape.points]
    if len(pts) < 2:
        return
    outline = QPen(QColor(0, 0, 0, 150), width + 2.5)
    pen = QPen(QColor(shape.colour), width)
    for q in (outline, pen):
        q.setCapStyle(Qt.PenCapStyle.RoundCap)
        q.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        if dashed:
            q.setStyle(Qt.PenStyle.DashLine)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for q in (outline, pen):  # a dark halo keeps yellow readable on a bright picture
        p.setPen(q)
        if shape.type == "arrow":
            tail, head = pts[0], pts[-1]
            p.drawLine(tail, head)
            for bx, by in arrow_head((tail.x(), tail.y()), (head.x(), head.y()), _ARROW_HEAD_PX):
                p.drawLine(head, QPointF(bx, by))
        elif shape.type == "circle":
            p.drawEllipse(QRectF(pts[0], pts[-1]).normalized())
        elif shape.type == "rect":
            p.drawRect(QRectF(pts[0], pts[-1]).normalized())
        else:
            path = QPainterPath(pts[0])
            for q_ in pts[1:]:
                path.lineTo(q_)
            p.drawPath(path)
