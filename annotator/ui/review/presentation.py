"""Presentation mode: the picture full screen for showing a take to an actor or a room.

The exact frame (from the player controller) fills the screen with the notes of the frame
drawn over it (a ``NoteCanvas`` fed by the review controller), a large timecode and the
note text in a bar at the bottom, in a clean dark or light theme (``T`` switches). The
player's keys are application-wide and keep working (Space, Left/Right, J/K/L); Alt+N and
Alt+Shift+N jump between notes, Esc leaves.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from annotator.model.timecode import frame_to_smpte
from annotator.ui.player.frame_view import FrameView
from annotator.ui.review.note_canvas import NoteCanvas

THEMES = {
    "dark": {"bg": "#111111", "fg": "#f2f2f2", "muted": "#9a9a9a", "accent": "#ffcc00"},
    "light": {"bg": "#f5f5f2", "fg": "#161616", "muted": "#666666", "accent": "#b07800"},
}


class _ThemedFrameView(FrameView):
    """The exact frame on the theme's background instead of the player's dark grey."""

    background = QColor(THEMES["dark"]["bg"])

    def paintEvent(self, event: QPaintEvent) -> None:
        image = self.image()
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), self.background)
            w, h = self._video_size
            if image is not None and w > 0:
                x, y, sw, sh = self.view.image_rect(w, h)
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                p.drawImage(QRectF(x, y, sw, sh), image)
        finally:
            p.end()


class PresentationWindow(QWidget):
    closed = Signal()

    def __init__(
        self, controller: Any, review: Any, theme: str = "dark", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Presentation — Facet")
        self.setObjectName("presentation")
        self._ctl = controller
        self._review = review
        self.view = _ThemedFrameView(self)
        self.canvas = NoteCanvas(self.view)
        self.canvas.text_scale = 0.0  # note text goes to the bottom bar, not over the face
        review.add_canvas(self.canvas)
        self.timecode = QLabel("")
        self.timecode.setObjectName("presentationTimecode")
        tc_font = QFont("monospace")
        tc_font.setStyleHint(QFont.StyleHint.Monospace)
        tc_font.setPointSize(34)
        tc_font.setBold(True)
        self.timecode.setFont(tc_font)
        self.frame_label = QLabel("")
        self.note_label = QLabel("")
        self.note_label.setWordWrap(True)
        note_font = QFont(self.font())
        note_font.setPointSize(22)
        self.note_label.setFont(note_font)
        bar = QHBoxLayout()
        bar.setContentsMargins(28, 10, 28, 18)
        bar.addWidget(self.note_label, 1)
        right = QVBoxLayout()
        right.addWidget(self.timecode, 0, Qt.AlignmentFlag.AlignRight)
        right.addWidget(self.frame_label, 0, Qt.AlignmentFlag.AlignRight)
        bar.addLayout(right)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.view, 1)
        lay.addLayout(bar)
        self.theme = ""
        self.set_theme(theme)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # After a resize (going full screen) decode again at the new size, once it settles:
        # a picture decoded for the small window would otherwise be shown stretched.
        self._redecode = QTimer(self)
        self._redecode.setSingleShot(True)
        self._redecode.setInterval(60)
        self._redecode.timeout.connect(self._show)
        self.view.view_changed.connect(self._redecode.start)
        controller.frame_changed.connect(self._on_controller_frame_changed)
        controller.picture_refined.connect(self._on_controller_frame_changed)
        review.notes_changed.connect(self._on_review_notes_changed)
        src = controller.source
        if src is not None:
            self.view.set_video_size(src.width, src.height)
        self._show()

    def set_theme(self, theme: str) -> None:
        """``dark`` or ``light``: background, text and accent colours of the whole screen."""
        t = THEMES[theme]
        self.theme = theme
        self.setStyleSheet(
            f"#presentation{{background:{t['bg']}}} QLabel{{color:{t['fg']}}}"
            f"#presentationTimecode{{color:{t['accent']}}}"
        )
        self.setAutoFillBackground(True)
        self.frame_label.setStyleSheet(f"color:{t['muted']}")
        self.view.background = QColor(t["bg"])
        self.update()

    def toggle_theme(self) -> None:
        self.set_theme("light" if self.theme == "dark" else "dark")

    def _show(self) -> None:
        frame = self._ctl.current_frame
        src = self._ctl.source
        if src is not None:
            try:
                img = self._ctl.current_image(size=self.view.display_size())
            except Exception as e:  # noqa: BLE001 - a broken frame must not close the show
                self.view.set_message(str(e))
            else:
                self.view.set_frame_image(frame, img)
            self.timecode.setText(frame_to_smpte(frame, src.fps))
            self.frame_label.setText(f"frame {frame} / {src.frame_count - 1}")
        texts = [n.text for n in self._review.overlays() if n.text]
        self.note_label.setText("\n".join(texts))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc, T and Alt+(Shift+)N here rather than as QShortcuts: the window has no
        child that takes focus, so its own key events are reliable, and nothing can make
        them ambiguous with the main window's shortcuts."""
        key, mods = event.key(), event.modifiers()
        alt = mods & Qt.KeyboardModifier.AltModifier
        if key == Qt.Key.Key_Escape:
            self.close()
        elif key == Qt.Key.Key_T and not mods & ~Qt.KeyboardModifier.KeypadModifier:
            self.toggle_theme()
        elif key == Qt.Key.Key_N and alt:
            self._review.jump(-1 if mods & Qt.KeyboardModifier.ShiftModifier else 1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _on_controller_frame_changed(self, _frame: int) -> None:
        self._show()

    def _on_review_notes_changed(self, _notes: object) -> None:
        self._show()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._ctl.frame_changed.disconnect(self._on_controller_frame_changed)
        self._ctl.picture_refined.disconnect(self._on_controller_frame_changed)
        self._review.notes_changed.disconnect(self._on_review_notes_changed)
        if self.canvas in self._review.canvases:
            self._review.canvases.remove(self.canvas)
        self.closed.emit()
        super().closeEvent(event)
