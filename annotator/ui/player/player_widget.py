"""PlayerWidget: the exact-frame picture, VLC's surface while it plays, and the transport bar.

Whenever the controller is not playing through VLC, the picture is
``controller.current_image()``, painted by :class:`FrameView`: the exact frame (right after
a seek, briefly its preview-proxy picture, repainted on ``picture_refined``). VLC's native
surface is shown only while VLC plays (``video_surface_changed(True)``); on pause the
controller settles on the frame VLC showed and the widget switches back to the exact frame.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QStackedLayout, QVBoxLayout, QWidget

from annotator.playback.player_controller import PlayerController
from annotator.ui.player.frame_view import FrameView, Overlay, qimage_to_ndarray
from annotator.ui.player.transport import TransportBar

log = logging.getLogger(__name__)

# Platforms where a native child window exists for libvlc to draw into.
_NATIVE_PLATFORMS = {"xcb", "windows", "cocoa"}


class VideoSurface(QWidget):
    """A native child window handed to libvlc (set_xwindow/set_hwnd/set_nsobject)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
        self.setPalette(pal)

    def grab_rgb(self) -> np.ndarray | None:
        """What is on screen in this window (VLC's picture), as RGB; ``None`` if unavailable."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return None
        pixmap = screen.grabWindow(int(self.winId()))
        if pixmap.isNull():
            return None
        return qimage_to_ndarray(pixmap.toImage())


class PlayerWidget(QWidget):
    """The player: picture area plus transport; takes keyboard focus for the shortcuts."""

    def __init__(
        self,
        controller: PlayerController,
        parent: QWidget | None = None,
        *,
        embed_vlc: bool | None = None,
        selectable_labels: bool = True,
    ) -> None:
        """``selectable_labels``: see :class:`TransportBar` (``run.py`` defers it)."""
        super().__init__(parent)
        self._ctl = controller
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("player")

        self.frame_view = FrameView(self)
        self.surface: VideoSurface | None = None
        area = QWidget(self)
        self._stack = QStackedLayout(area)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.frame_view)
        self.transport = TransportBar(controller, self, selectable_labels=selectable_labels)
        self.fit_button = self.transport.add_button(
            "Fit", "Fit the picture (double-click)", self.fit
        )
        self.one_to_one_button = self.transport.add_button(
            "1:1", "One video pixel per screen pixel", self.one_to_one
        )

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(area, 1)
        lay.addWidget(self.transport)

        if embed_vlc is None:
            embed_vlc = QGuiApplication.platformName() in _NATIVE_PLATFORMS
        if embed_vlc:
            self.surface = VideoSurface(area)
            self._stack.addWidget(self.surface)
            self._stack.setCurrentWidget(self.frame_view)
            if not controller.attach_video_surface(
                int(self.surface.winId()), self.surface.grab_rgb
            ):
                log.info("VLC not used: playback is drawn from the frame source")

        controller.frame_changed.connect(self._on_controller_frame_changed)
        controller.media_opened.connect(self._on_controller_media_opened)
        controller.media_closed.connect(self._on_controller_media_closed)
        controller.video_surface_changed.connect(self._on_controller_video_surface_changed)
        controller.error_occurred.connect(self._on_controller_error_occurred)
        controller.picture_refined.connect(self._on_controller_picture_refined)
        # After a resize or zoom, decode again at the new display size (once it settles),
        # so a picture decoded small is not shown stretched and blurred.
        self._redecode = QTimer(self)
        self._redecode.setSingleShot(True)
        self._redecode.setInterval(80)
        self._redecode.timeout.connect(self._on_redecode_timeout)
        self.frame_view.view_changed.connect(self._redecode.start)
        self.frame_view.set_message("Open a video (File > Open)")
        if controller.source is not None:
            self._on_controller_media_opened(controller.source)

    # -- public API ---------------------------------------------------------------------
    @property
    def controller(self) -> PlayerController:
        return self._ctl

    def set_overlays(self, overlays: Iterable[Overlay | Sequence[object]]) -> None:
        """Face boxes etc. in video pixels: ``Overlay(x, y, w, h, colour, label)`` or tuples."""
        self.frame_view.set_overlays(overlays)

    def fit(self) -> None:
        self.frame_view.fit()

    def one_to_one(self) -> None:
        self.frame_view.one_to_one()

    @property
    def shown_frame(self) -> int | None:
        """The frame whose exact picture is painted, ``None`` while VLC's surface shows."""
        if self.surface is not None and self._stack.currentWidget() is self.surface:
            return None
        return self.frame_view.frame

    # -- controller slots ---------------------------------------------------------------
    def _on_controller_media_opened(self, src: object) -> None:
        self.frame_view.set_video_size(self._ctl.source.width, self._ctl.source.height)  # type: ignore[union-attr]
        self._show_exact()

    def _on_controller_media_closed(self) -> None:
        self.frame_view.set_frame_image(None, None)
        self.frame_view.set_message("No video")

    def _on_controller_frame_changed(self, frame: int) -> None:
        if self.shown_frame is None and self._ctl.using_vlc:
            return  # VLC is drawing; the exact frame comes back on pause
        self._show_exact()

    def _on_controller_picture_refined(self, frame: int) -> None:
        """The exact frame replaces the preview shown after a seek."""
        if frame == self._ctl.current_frame and self.shown_frame is not None:
            self._show_exact()

    def _on_controller_video_surface_changed(self, vlc_shows: bool) -> None:
        if self.surface is None:
            return
        if vlc_shows:
            self._stack.setCurrentWidget(self.surface)
        else:
            self._show_exact()
            self._stack.setCurrentWidget(self.frame_view)

    def _on_controller_error_occurred(self, message: str) -> None:
        if self._ctl.source is None:
            self.frame_view.set_message(message)

    def _on_redecode_timeout(self) -> None:
        image = self.frame_view.image()
        if image is None or self.shown_frame is None or self._ctl.source is None:
            return
        want = self.frame_view.display_size() or (self._ctl.source.width, self._ctl.source.height)
        if (image.width(), image.height()) != tuple(want):
            self._show_exact()

    def _show_exact(self) -> None:
        frame = self._ctl.current_frame
        try:
            img = self._ctl.current_image(size=self.frame_view.display_size())
        except Exception as exc:  # a broken frame must not take the window down
            log.exception("decoding frame %d failed", frame)
            self.frame_view.set_frame_image(None, None)
            self.frame_view.set_message(f"Frame {frame}: {exc}")
            return
        self.frame_view.set_frame_image(frame, img)
