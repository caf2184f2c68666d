"""Takes side by side: which frame of each take belongs with a frame of the lead take.

Takes of one scene are aligned on a sync frame each (``Media.sync_frame``: the clap, the
first word). The lead take's frame gives a time offset from its sync frame, measured on its
real timestamps; each other take shows the frame on screen at its own sync time plus that
offset (``Timebase.index_at``). Going through time rather than frame counts is what keeps
a 25 fps take and a 30000/1001 take each frame-exact: frame numbers of different rates
never line up, moments in time do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.model import Timebase


@dataclass(frozen=True, slots=True)
class Take:
    """One video in the side-by-side set: its timestamps and its sync frame."""

    media_id: str
    timebase: Timebase
    sync_frame: int = 0


@dataclass(frozen=True, slots=True)
class Aligned:
    """Where a take is for a lead frame; ``inside`` is False when the take has not started
    yet or has already ended at that moment (the frame is then held at the take's end)."""

    frame: int
    inside: bool


def offset_s(take: Take, frame: int) -> float:
    """Seconds from the take's sync frame to ``frame`` (negative before the sync point)."""
    return take.timebase.time_s(frame) - take.timebase.time_s(take.sync_frame)


def frame_at_offset(take: Take, seconds: float) -> Aligned:
    """The take's frame on screen ``seconds`` after its sync frame."""
    tb = take.timebase
    t = tb.time_s(take.sync_frame) + seconds
    inside = -1e-6 <= t < tb.duration_total_s - 1e-9
    return Aligned(tb.index_at(t), inside)


def aligned_frames(lead: Take, lead_frame: int, takes: list[Take]) -> list[Aligned]:
    """Each take's frame that goes with ``lead_frame`` of the lead take."""
    t = offset_s(lead, lead_frame)
    return [frame_at_offset(k, t) for k in takes]


def common_range(lead: Take, takes: list[Take]) -> tuple[int, int]:
    """Lead frames at which every take is inside its video: the useful loop by default."""
    ts = lead.timebase.timestamps
    first, last = 0, lead.timebase.frame_count - 1
    lead_sync_t = lead.timebase.time_s(lead.sync_frame)
    for k in takes:
        start = lead_sync_t - k.timebase.time_s(k.sync_frame)  # take's frame 0, lead time
        end = start + k.timebase.duration_total_s
        first = max(first, int(np.searchsorted(ts, start - 1e-6)))
        last = min(last, int(np.searchsorted(ts, end - 1e-6)) - 1)
    return first, max(first, last)
