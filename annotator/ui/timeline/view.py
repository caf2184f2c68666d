"""Pure timeline geometry: frames <-> pixels, zoom anchored at the cursor, hit-testing.

No Qt here: the widget feeds mouse positions in and gets frames, lanes and event ids back,
so every rule about what a click means is unit-tested without a display.

A frame ``f`` occupies ``[x_of(f), x_of(f + 1))``: bars run from the start of the onset
frame to the end of the offset frame, so a one-frame event is one frame wide.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from annotator.ui.timeline.lanes import Lane, LaneIndex, LaneKey, LaneKind, content_height, lane_at

HEADER_PX = 200  # lane label column
RULER_PX = 30
MAX_PX_PER_FRAME = 80.0  # a single frame is comfortably clickable
GRAB_PX = 5  # tolerance for grabbing an edge, in pixels (converted to frames on use)


class Region(enum.Enum):
    NONE = "none"
    RULER = "ruler"
    HEADER = "header"  # lane label column
    FACE = "face"  # face header row (click collapses)
    LANE = "lane"  # empty space on a lane
    BODY = "body"
    ONSET_EDGE = "onset_edge"
    OFFSET_EDGE = "offset_edge"
    ITEM = "item"  # an item of an overlay lane (``event_id`` is its index in the source)


@dataclass(frozen=True, slots=True)
class Hit:
    region: Region
    frame: int = 0
    lane: Lane | None = None
    event_id: int | None = None


@dataclass(slots=True)
class TimelineView:
    """Viewport state: size, zoom (pixels per frame), horizontal and vertical scroll."""

    frame_count: int = 1
    fps: Fraction = Fraction(25)
    width_px: int = 800
    height_px: int = 300
    px_per_frame: float = 1.0
    left_frame: float = 0.0  # first frame (fractional) at the left of the track area
    scroll_y_px: int = 0
    lanes: list[Lane] = field(default_factory=list)

    # ------------------------------------------------------------------ frames <-> x
    @property
    def track_left_px(self) -> int:
        return HEADER_PX

    @property
    def track_width_px(self) -> int:
        return max(1, self.width_px - HEADER_PX)

    def x_of(self, frame: float) -> float:
        """Left edge of ``frame`` (use ``frame + 1`` for its right edge)."""
        return HEADER_PX + (frame - self.left_frame) * self.px_per_frame

    def frame_float_at(self, x: float) -> float:
        return self.left_frame + (x - HEADER_PX) / self.px_per_frame

    def frame_at(self, x: float, clamp: bool = True) -> int:
        """The frame drawn under pixel ``x``."""
        f = math.floor(self.frame_float_at(x))
        return self.clamp_frame(f) if clamp else f

    def boundary_at(self, x: float) -> int:
        """The frame boundary nearest ``x`` (0..frame_count): where a dragged edge snaps."""
        return min(max(round(self.frame_float_at(x)), 0), self.frame_count)

    def clamp_frame(self, frame: int) -> int:
        return min(max(frame, 0), self.frame_count - 1)

    def visible_frames(self) -> tuple[int, int]:
        """First and last frame (inclusive) with any pixel in the track area."""
        f0 = max(0, math.floor(self.left_frame))
        f1 = math.ceil(self.left_frame + self.track_width_px / self.px_per_frame)
        return f0, min(self.frame_count - 1, f1)

    # ------------------------------------------------------------------ zoom and scroll
    @property
    def min_px_per_frame(self) -> float:
        """Zoomed fully out, the whole video fills the track area."""
        return min(MAX_PX_PER_FRAME, self.track_width_px / max(1, self.frame_count))

    def clamp(self) -> None:
        self.px_per_frame = min(max(self.px_per_frame, self.min_px_per_frame), MAX_PX_PER_FRAME)
        span = self.track_width_px / self.px_per_frame
        self.left_frame = min(max(self.left_frame, 0.0), max(0.0, self.frame_count - span))
        max_y = max(0, content_height(self.lanes) - (self.height_px - RULER_PX))
        self.scroll_y_px = min(max(self.scroll_y_px, 0), max_y)

    def zoom_at(self, factor: float, x: float) -> None:
        """Zoom by ``factor`` keeping the frame under ``x`` where it is (clamped)."""
        anchor = self.frame_float_at(x)
        self.px_per_frame = min(
            max(self.px_per_frame * factor, self.min_px_per_frame), MAX_PX_PER_FRAME
        )
        self.left_frame = anchor - (x - HEADER_PX) / self.px_per_frame
        self.clamp()

    def zoom_to_fit(self) -> None:
        self.px_per_frame = self.min_px_per_frame
        self.left_frame = 0.0
        self.clamp()

    def zoom_to_frames(self, frames_in_view: float, centre_frame: float) -> None:
        """About ``frames_in_view`` frames with ``centre_frame`` in the middle. The zoom is
        capped (MAX_PX_PER_FRAME), so the centre is placed with the span really shown."""
        self.px_per_frame = min(
            max(self.track_width_px / max(frames_in_view, 1e-9), self.min_px_per_frame),
            MAX_PX_PER_FRAME,
        )
        span = self.track_width_px / self.px_per_frame
        self.left_frame = centre_frame + 0.5 - span / 2
        self.clamp()

    def scroll_by(self, dx_px: float) -> None:
        self.left_frame += dx_px / self.px_per_frame
        self.clamp()

    def ensure_visible(self, frame: int, margin_px: float = 40.0) -> bool:
        """Page the view so ``frame`` is on screen; True when it scrolled."""
        x = self.x_of(frame)
        if HEADER_PX + margin_px <= x <= self.width_px - margin_px:
            return False
        self.left_frame = frame - margin_px / self.px_per_frame
        if x > self.width_px - margin_px:
            self.left_frame = frame - 0.1 * self.track_width_px / self.px_per_frame
        self.clamp()
        return True

    # ------------------------------------------------------------------ lanes
    def y_of_lane(self, lane: Lane) -> int:
        """Widget y of a lane's top edge."""
        return RULER_PX + lane.top_px - self.scroll_y_px

    def lane_at_y(self, y: float) -> Lane | None:
        if y < RULER_PX:
            return None
        return lane_at(self.lanes, y - RULER_PX + self.scroll_y_px)

    def visible_lanes(self) -> list[Lane]:
        top = self.scroll_y_px
        bottom = top + self.height_px - RULER_PX
        return [ln for ln in self.lanes if ln.bottom_px > top and ln.top_px < bottom]

    # ------------------------------------------------------------------ hit testing
    def hit_test(
        self,
        x: float,
        y: float,
        indexes: Mapping[LaneKey, LaneIndex],
        grab_px: float = GRAB_PX,
        prefer: Sequence[int] = (),
    ) -> Hit:
        """What a press at ``(x, y)`` would grab.

        Edges win over the body within ``grab_px`` (never more than a third of a narrow bar,
        so a one-frame event can still be moved); among overlapping bars the one painted
        last (latest onset) wins, unless one of ``prefer`` (the selection) is under the mouse.
        """
        if y < RULER_PX:
            return Hit(Region.RULER, self.frame_at(x)) if x >= HEADER_PX else Hit(Region.NONE)
        lane = self.lane_at_y(y)
        if lane is None:
            return Hit(Region.NONE)
        if lane.kind is LaneKind.FACE:
            return Hit(Region.FACE, self.frame_at(x), lane)
        if x < HEADER_PX:
            return Hit(Region.HEADER, 0, lane)
        frame = self.frame_at(x)
        index = indexes.get(lane.key)
        if index is None or not len(index):
            return Hit(Region.LANE, frame, lane)
        if lane.kind is LaneKind.OVERLAY:
            item = self.overlay_item_at(x, index, grab_px)
            return Hit(Region.LANE if item is None else Region.ITEM, frame, lane, item)
        tol_frames = math.ceil(grab_px / self.px_per_frame) + 1
        best: tuple[int, Region, int] | None = None  # (rank, region, id)
        for i in index.visible(frame - tol_frames, frame + tol_frames):
            on, off, eid = index.onsets[i], index.offsets[i], index.ids[i]
            x0, x1 = self.x_of(on), self.x_of(off + 1)
            edge = min(grab_px, (x1 - x0) / 3)
            if not (x0 - edge <= x <= x1 + edge):
                continue
            if abs(x - x0) <= edge:
                region = Region.ONSET_EDGE
            elif abs(x - x1) <= edge:
                region = Region.OFFSET_EDGE
            elif x0 <= x <= x1:
                region = Region.BODY
            else:
                continue
            rank = (2 if eid in prefer else 1) * 10 + (1 if region is not Region.BODY else 0)
            if best is None or rank >= best[0]:
                best = (rank, region, eid)
        if best is None:
            return Hit(Region.LANE, frame, lane)
        return Hit(best[1], frame, lane, best[2])

    def overlay_item_at(self, x: float, index: LaneIndex, grab_px: float = GRAB_PX) -> int | None:
        """The overlay item under ``x``: a bar containing it (the latest onset wins, as it is
        painted last), else the nearest bar or line within ``grab_px``, so a one-frame cut
        stays clickable when a frame is a fraction of a pixel wide."""
        frame = self.frame_float_at(x)
        tol = grab_px / self.px_per_frame + 1
        best: tuple[float, int, int] | None = None  # (distance px, -order, id)
        for i in index.visible(math.floor(frame - tol), math.ceil(frame + tol)):
            if index.offsets[i] < frame - tol:
                continue
            x0, x1 = self.x_of(index.onsets[i]), self.x_of(index.offsets[i] + 1)
            dist = 0.0 if x0 <= x <= x1 else min(abs(x - x0), abs(x - x1))
            if dist > grab_px:
                continue
            cand = (dist, -i, index.ids[i])
            if best is None or cand < best:
                best = cand
        return None if best is None else best[2]
