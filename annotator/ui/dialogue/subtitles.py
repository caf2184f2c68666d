"""SubtitleOverlay: the dialogue line of the frame on screen, drawn over the picture.

A transparent child of the frame view, like the face canvas and the notes canvas: it is
repainted with the picture, and at paint time asks ``text_at(frame)`` for the frame the
view is showing (``FrameView.frame``), so the line always belongs to the frame painted,
never to a frame the player has moved on from. The text sits at the bottom of the picture
on a translucent band, white with a dark outline, sized to the picture's height; SRT
styling tags (``<font>``, ``{\\an8}``) are not drawn.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QWidget

from annotator.ui.frame_overlay import FrameOverlay

_TAGS = re.compile(r"<[^>]*>|\{\\[^}]*\}")
BAND = QColor(0, 0, 0, 150)
TEXT = QColor("#ffffff")
OUTLINE = QColor(0, 0, 0, 230)


def clean_text(text: str) -> list[str]:
    """Lines as they should read: styling tags dropped, blank lines dropped."""
    lines = (_TAGS.sub("", ln).strip() for ln in text.splitlines())
    return [ln for ln in lines if ln]


def subtitle_font(picture_height: float, base: QFont | None = None) -> QFont:
    """About 1/20 of the picture's height, never below 11 px or above 40 px."""
    font = QFont(base) if base is not None else QFont()
    font.setPixelSize(int(min(40, max(11, picture_height / 20))))
    font.setBold(True)
    return font


def paint_subtitle(p: QPainter, area: QRectF, lines: list[str], font: QFont) -> QRectF:
    """Draw ``lines`` centred at the bottom of ``area`` (the visible picture) on a band;
    returns the band's rectangle (empty when there is nothing to draw)."""
    if not lines or area.isEmpty():
        return QRectF()
    fm = QFontMetricsF(font)
    line_h = fm.height()
    pad = max(3.0, line_h * 0.25)
    width = min(area.width() - 2 * pad, max(fm.horizontalAdvance(ln) for ln in lines))
    shown = [fm.elidedText(ln, Qt.TextElideMode.ElideRight, width) for ln in lines]
    height = line_h * len(shown) + 2 * pad
    bottom = area.bottom() - max(4.0, area.height() * 0.04)
    band = QRectF(
        area.center().x() - width / 2 - pad,
        max(area.top(), bottom - height),
        width + 2 * pad,
        min(height, area.height()),
    )
    p.save()
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(BAND)
        p.drawRoundedRect(band, pad, pad)
        path = QPainterPath()
        y = band.top() + pad + fm.ascent()
        for ln in shown:
            x = area.center().x() - fm.horizontalAdvance(ln) / 2
            path.addText(QPointF(x, y), font, ln)
            y += line_h
        outline = QPen(OUTLINE, max(2.0, font.pixelSize() / 8))
        outline.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.strokePath(path, outline)
        p.fillPath(path, TEXT)
    finally:
        p.restore()
    return band


class SubtitleOverlay(FrameOverlay):
    """Draws ``text_at(frame_view.frame)`` over the picture while ``enabled``."""

    def __init__(self, frame_view: QWidget, text_at: Callable[[int], str]) -> None:
        super().__init__(frame_view)
        self._fv = frame_view
        self.text_at = text_at
        self.shown = True
        self.last_text = ""  # what the last paint drew ("" = nothing), for tests and status
        self._follow(frame_view)

    def set_shown(self, on: bool) -> None:
        self.shown = on
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follows resizes, keeping its place in the stacking order (the base raises itself);
        tolerates Qt tearing the pair down."""
        fv = getattr(self, "_fv", None)  # None while Qt tears the pair down
        if fv is not None and watched is fv and event.type() == QEvent.Type.Resize:
            self.setGeometry(fv.rect())
        return False

    def picture_rect(self) -> QRectF:
        """The part of the widget the picture covers (zoomed in: the whole widget)."""
        view = getattr(self._fv, "view", None)
        size = getattr(self._fv, "_video_size", (0, 0))
        full = QRectF(self.rect())
        if view is None or not size[0]:
            return full
        x, y, w, h = view.image_rect(*size)
        return QRectF(x, y, w, h).intersected(full)

    def current_text(self) -> str:
        frame = getattr(self._fv, "frame", None)
        image = getattr(self._fv, "image", lambda: None)()
        if not self.shown or frame is None or image is None:
            return ""
        return self.text_at(int(frame))

    def paintEvent(self, _event: QPaintEvent) -> None:
        if getattr(self, "_fv", None) is None:  # being torn down
            return
        text = self.current_text()
        lines = clean_text(text)
        self.last_text = "\n".join(lines)
        if not lines:
            return
        area = self.picture_rect()
        p = QPainter(self)
        try:
            paint_subtitle(p, area, lines, subtitle_font(area.height(), self.font()))
        finally:
            p.end()


class SubtitleStrip(QWidget):
    """The line on screen while VLC draws the picture (1x playback with sound).

    VLC paints into a native child window, which covers any widget drawn in the window's
    backing store, so the transparent overlay cannot show over it. This strip is a native
    window of its own, stacked above VLC's at the bottom of the picture area: an opaque
    band (X11 child windows have no alpha) with the same text, shown only while VLC draws
    and a line is on screen."""

    def __init__(self, area: QWidget) -> None:
        super().__init__(area)
        self._area = area
        self.lines: list[str] = []
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        area.installEventFilter(self)
        self.hide()

    def set_text(self, text: str) -> None:
        lines = clean_text(text)
        if lines == self.lines and self.isVisible() == bool(lines):
            return
        self.lines = lines
        if not lines:
            self.hide()
            return
        self._place()
        self.show()
        self.raise_()
        self.update()

    def _font(self) -> QFont:
        return subtitle_font(self._area.height(), self._area.font())

    def _place(self) -> None:
        fm = QFontMetricsF(self._font())
        h = int(fm.height() * max(1, len(self.lines)) + 2 * max(3.0, fm.height() * 0.25))
        area = self._area.rect()
        self.setGeometry(0, max(0, area.height() - h - 4), area.width(), h)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        area = getattr(self, "_area", None)  # None while Qt tears the pair down
        if area is not None and watched is area and event.type() == QEvent.Type.Resize:
            if self.lines:
                self._place()
        return False

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), QColor(0, 0, 0))
            paint_subtitle(p, QRectF(self.rect()).adjusted(0, 0, 0, 4), self.lines, self._font())
        finally:
            p.end()
