"""Mouse drags on the timeline as pure state: what the bars would be if released now.

The canvas previews ``Drag.preview()`` locally and pushes one command on release (Esc
throws the drag away), so a drag is one undo step and the model never sees the moves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from annotator.ui.timeline.lanes import Lane

Span = tuple[int, int | None, int]  # onset, apex, offset


class DragMode(enum.Enum):
    CREATE = "create"
    MOVE = "move"
    RESIZE_ONSET = "resize_onset"
    RESIZE_OFFSET = "resize_offset"
    SCRUB = "scrub"


DRAG_START_PX = 3  # a press that moves less than this is a click


@dataclass(slots=True)
class Drag:
    mode: DragMode
    anchor_frame: int  # frame under the press (MOVE, CREATE) or the grabbed event's frame
    press_x: float
    frame_count: int
    lane: Lane | None = None
    originals: dict[int, Span] = field(default_factory=dict)
    current_frame: int = 0
    current_boundary: int = 0
    started: bool = False  # moved beyond DRAG_START_PX

    def update(self, x: float, frame: int, boundary: int) -> None:
        if abs(x - self.press_x) >= DRAG_START_PX:
            self.started = True
        self.current_frame = frame
        self.current_boundary = boundary

    def created_span(self) -> tuple[int, int]:
        a, b = sorted((self.anchor_frame, self.current_frame))
        return max(a, 0), min(b, self.frame_count - 1)

    def preview(self) -> dict[int, Span]:
        """New (onset, apex, offset) of every dragged event, snapped to whole frames."""
        if not self.started:
            return {}
        if self.mode is DragMode.MOVE:
            delta = self.current_frame - self.anchor_frame
            lo = min(s[0] for s in self.originals.values())
            hi = max(s[2] for s in self.originals.values())
            delta = min(max(delta, -lo), self.frame_count - 1 - hi)
            return {
                eid: (on + delta, None if ap is None else ap + delta, off + delta)
                for eid, (on, ap, off) in self.originals.items()
            }
        out: dict[int, Span] = {}
        for eid, (on, ap, off) in self.originals.items():
            if self.mode is DragMode.RESIZE_ONSET:
                on = min(max(self.current_boundary, 0), off)
            elif self.mode is DragMode.RESIZE_OFFSET:
                off = max(min(self.current_boundary - 1, self.frame_count - 1), on)
            if ap is not None:
                ap = min(max(ap, on), off)
            out[eid] = (on, ap, off)
        return out
