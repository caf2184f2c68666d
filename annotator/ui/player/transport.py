"""TransportBar: buttons, a scrub slider and the position readout (frame, SMPTE, seconds).

A view of the controller: it asks the controller to move and follows ``frame_changed``.
Nothing in it takes keyboard focus, so arrow keys and Space always reach the player's
shortcuts instead of moving a slider or pressing a focused button.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from fractions import Fraction

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from annotator.model.timecode import format_seconds, frame_to_smpte
from annotator.playback.player_controller import PlayerController

log = logging.getLogger(__name__)


def format_rate(rate: float) -> str:
    """``1x``, ``4x``, ``1/8x``, ``-2x``: how editors print shuttle speeds."""
    sign = "-" if rate < 0 else ""
    r = Fraction(abs(rate)).limit_denominator(64)
    if r.denominator == 1:
        return f"{sign}{r.numerator}x"
    return f"{sign}{r.numerator}/{r.denominator}x"


class TransportBar(QWidget):
    def __init__(
        self,
        controller: PlayerController,
        parent: QWidget | None = None,
        *,
        selectable_labels: bool = True,
    ) -> None:
        """``selectable_labels=False``: the labels become selectable (copy a frame number)
        when :meth:`make_labels_selectable` is called (``run.py``: after the first picture;
        the first selectable label costs ~10 ms of text-control set-up)."""
        super().__init__(parent)
        self._ctl = controller
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(3)  # narrow: the window's minimum width must fit a 1280 px screen

        def button(text: str, tip: str, slot: object) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(slot)
            lay.addWidget(b)
            return b

        button("|<", "First frame (Home)", controller.go_first)
        button("<", "Previous frame (Left)", lambda: controller.step(-1))
        self.play_button = button("Play", "Play/pause (Space)", controller.toggle_play)
        button(">", "Next frame (Right)", lambda: controller.step(1))
        button(">|", "Last frame (End)", controller.go_last)

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setRange(0, 0)
        self.slider.setTracking(True)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        lay.addWidget(self.slider, 1)

        self.frame_label = QLabel("Frame -", self)
        self.frame_label.setObjectName("frame_label")
        self.timecode_label = QLabel("--:--:--:--", self)
        self.timecode_label.setObjectName("timecode_label")
        self.seconds_label = QLabel("", self)
        self.rate_label = QLabel("1x", self)
        self.loop_label = QLabel("", self)
        for w in self._labels():
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            lay.addWidget(w)
        if selectable_labels:
            self.make_labels_selectable()
        mono = self.timecode_label.font()
        mono.setFamily("DejaVu Sans Mono")
        mono.setStyleHint(mono.StyleHint.Monospace)
        for w in (self.frame_label, self.timecode_label, self.seconds_label):
            w.setFont(mono)

        controller.frame_changed.connect(self._on_controller_frame_changed)
        controller.playing_changed.connect(self._on_controller_playing_changed)
        controller.rate_changed.connect(self._on_controller_rate_changed)
        controller.media_opened.connect(self._on_controller_media_opened)
        # the index grows in a worker: the slider reaches the frames indexed so far
        controller.frame_count_changed.connect(self._on_controller_media_opened)
        controller.loop_changed.connect(self._on_controller_loop_changed)
        controller.picture_refined.connect(self._on_controller_frame_changed)
        self._updating = False

    def _labels(self) -> tuple[QLabel, ...]:
        return (
            self.frame_label,
            self.timecode_label,
            self.seconds_label,
            self.rate_label,
            self.loop_label,
        )

    def make_labels_selectable(self) -> None:
        """The frame, timecode, seconds, rate and loop texts can be selected and copied."""
        for w in self._labels():
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the player keeps the keys

    def add_button(self, text: str, tip: str, slot: Callable[[], object]) -> QToolButton:
        """A focus-less button at the end of the bar (the player adds Fit and 1:1)."""
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.clicked.connect(slot)
        self.layout().addWidget(b)
        return b

    def _on_controller_media_opened(self, src: object) -> None:
        self._updating = True
        self.slider.setRange(0, max(self._ctl.frame_count - 1, 0))
        self._updating = False
        self._on_controller_frame_changed(self._ctl.current_frame)

    def _on_controller_frame_changed(self, frame: int) -> None:
        src = self._ctl.source
        if src is None:
            return
        n = self._ctl.frame_count
        # "preview": the picture is the proxy's (right frame, lower quality) until refined.
        hint = " preview" if self._ctl.showing_preview else ""
        self.frame_label.setText(f"Frame {frame} / {n - 1}{hint}")
        self.timecode_label.setText(frame_to_smpte(frame, src.fps))
        self.seconds_label.setText(format_seconds(self._ctl.current_time_s()))
        self._updating = True
        self.slider.setValue(frame)
        self._updating = False

    def _on_controller_playing_changed(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")

    def _on_controller_rate_changed(self, rate: float) -> None:
        self.rate_label.setText(format_rate(rate))

    def _on_controller_loop_changed(self, a: object, b: object) -> None:
        if a is None and b is None:
            self.loop_label.setText("")
        else:
            self.loop_label.setText(f"A {'-' if a is None else a} B {'-' if b is None else b}")

    def _on_slider_value_changed(self, value: int) -> None:
        if not self._updating:
            self._ctl.seek(value)
