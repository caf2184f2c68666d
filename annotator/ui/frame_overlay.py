"""What every widget drawn over the picture shares (face boxes and landmarks, review notes,
subtitles): a transparent child of the frame view, its size, repainted when the view zooms
or pans, drawing in video pixels through the view's transform."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QWidget

from annotator.ui.player.view_transform import ViewTransform


class FrameOverlay(QWidget):
    """Base of the overlays; a subclass calls :meth:`_follow` at the end of ``__init__``.
    Mouse events pass through to the picture until the subclass takes them (a tool)."""

    _fv: QWidget

    def _follow(self, frame_view: QWidget, focus: Qt.FocusPolicy = Qt.FocusPolicy.NoFocus) -> None:
        """Sit on ``frame_view``: no background of its own, transparent to the mouse, its
        size (an event filter follows resizes), repainted on ``view_changed``, on top."""
        self._fv = frame_view
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setFocusPolicy(focus)
        frame_view.installEventFilter(self)
        changed = getattr(frame_view, "view_changed", None)
        if changed is not None:
            changed.connect(self.update)
        self.setGeometry(frame_view.rect())
        self.show()
        self.raise_()

    def transform(self) -> ViewTransform:
        """Video pixels to widget pixels as the frame view shows them (identity without)."""
        view = getattr(self._fv, "view", None)
        return view if isinstance(view, ViewTransform) else ViewTransform()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._fv and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._fv.rect())
            self.raise_()  # stays above what the resize re-stacked
        return False
