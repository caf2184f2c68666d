"""Zoom and pan of the video picture: pure geometry, no Qt, tested alone.

The widget keeps one :class:`ViewTransform` (video pixel -> widget pixel = ``p * scale +
offset``). Wheel zoom keeps the video point under the cursor still (pyqtgraph's
``ViewBox.wheelEvent`` does the same), so the user zooms into what they point at.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

MIN_SCALE = 0.05
MAX_SCALE = 32.0


@dataclass(frozen=True, slots=True)
class ViewTransform:
    scale: float = 1.0
    offset_x: float = 0.0
    offset_y: float = 0.0
    fitted: bool = True  # follow the widget size until the user zooms or pans

    @classmethod
    def fit(cls, view_w: float, view_h: float, video_w: float, video_h: float) -> ViewTransform:
        """Whole picture visible, aspect kept, centred."""
        if video_w <= 0 or video_h <= 0 or view_w <= 0 or view_h <= 0:
            return cls()
        s = min(view_w / video_w, view_h / video_h)
        return cls(s, (view_w - video_w * s) / 2, (view_h - video_h * s) / 2, True)

    @classmethod
    def one_to_one(
        cls,
        view_w: float,
        view_h: float,
        video_w: float,
        video_h: float,
        *,
        around: tuple[float, float] | None = None,
    ) -> ViewTransform:
        """One video pixel per widget pixel, centred on ``around`` (video px; default centre)."""
        cx, cy = around if around is not None else (video_w / 2, video_h / 2)
        return cls(1.0, view_w / 2 - cx, view_h / 2 - cy, False)

    def to_widget(self, x: float, y: float) -> tuple[float, float]:
        return (x * self.scale + self.offset_x, y * self.scale + self.offset_y)

    def to_video(self, x: float, y: float) -> tuple[float, float]:
        return ((x - self.offset_x) / self.scale, (y - self.offset_y) / self.scale)

    def zoomed_at(self, factor: float, x: float, y: float) -> ViewTransform:
        """Zoom by ``factor`` about widget point (x, y), which keeps showing the same video point."""
        new_scale = min(max(self.scale * factor, MIN_SCALE), MAX_SCALE)
        vx, vy = self.to_video(x, y)
        return ViewTransform(new_scale, x - vx * new_scale, y - vy * new_scale, False)

    def panned(self, dx: float, dy: float) -> ViewTransform:
        return replace(self, offset_x=self.offset_x + dx, offset_y=self.offset_y + dy, fitted=False)

    def image_rect(self, video_w: float, video_h: float) -> tuple[float, float, float, float]:
        """Where the whole picture lands in the widget: x, y, width, height."""
        return (self.offset_x, self.offset_y, video_w * self.scale, video_h * self.scale)
