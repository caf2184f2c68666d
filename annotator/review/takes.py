"""The shared clock of takes side by side: one position, every take frame-exact.

The position is kept as seconds from the lead take's sync frame (``pos_s``), not as a
frame number: stepping moves the lead one frame on its own timestamps, playing adds real
elapsed time times the rate, and each take then shows ``index_at`` of its own sync time
plus ``pos_s``. So a 25 fps take and a 29.97 take never drift apart, however long the loop
runs, and slow motion is just a smaller rate. Qt-free: the window's timer calls
``advance(elapsed_s)``; tests call it directly with exact numbers instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.review.sync import Aligned, Take, common_range, frame_at_offset, offset_s

_EPS_S = 1e-6
RATES = (0.125, 0.25, 0.5, 1.0, 2.0)


@dataclass
class TakesClock:
    takes: list[Take]  # takes[0] leads: its frames are the ones stepped and looped
    pos_s: float = 0.0
    rate: float = 1.0
    playing: bool = False
    loop: tuple[int, int] | None = None  # lead frames, inclusive

    def __post_init__(self) -> None:
        if not self.takes:
            raise ValueError("takes side by side needs at least one take")
        self.pos_s = offset_s(self.lead, self.lead.sync_frame)

    @property
    def lead(self) -> Take:
        return self.takes[0]

    @property
    def lead_frame(self) -> int:
        return frame_at_offset(self.lead, self.pos_s).frame

    def frames(self) -> list[Aligned]:
        """Each take's frame at the current position (the lead's included, first)."""
        return [frame_at_offset(k, self.pos_s) for k in self.takes]

    def seek(self, lead_frame: int) -> None:
        tb = self.lead.timebase
        f = min(max(int(lead_frame), 0), tb.frame_count - 1)
        self.pos_s = offset_s(self.lead, f)

    def step(self, n: int) -> None:
        """Pause and move the lead ``n`` frames; the other takes follow by time."""
        self.playing = False
        self.seek(self.lead_frame + n)

    def set_loop(self, first: int | None = None, last: int | None = None) -> None:
        """Loop lead frames ``first..last``; by default the stretch every take covers."""
        if first is None or last is None:
            first, last = common_range(self.lead, self.takes[1:])
        self.loop = (min(first, last), max(first, last))

    def slower(self) -> None:
        self.rate = max((r for r in RATES if r < self.rate), default=RATES[0])

    def faster(self) -> None:
        self.rate = min((r for r in RATES if r > self.rate), default=RATES[-1])

    def advance(self, elapsed_s: float) -> None:
        """Playback: move by ``elapsed_s`` of wall time at ``rate``; wrap inside the loop,
        stop at the ends of the lead take when not looping."""
        if not self.playing:
            return
        tb = self.lead.timebase
        self.pos_s += elapsed_s * self.rate
        if self.loop is not None:
            a, b = self.loop
            start = offset_s(self.lead, a)
            end = offset_s(self.lead, b) + (tb.end_s(b) - tb.time_s(b))  # end of frame b
            length = end - start
            # Same tolerance as Timebase.index_at: a position within 1 us of the loop's end
            # already shows the frame after it, so it wraps too.
            if length > 0 and not start - _EPS_S <= self.pos_s < end - _EPS_S:
                self.pos_s = start + (self.pos_s - start) % length
                if self.pos_s >= end - _EPS_S:
                    self.pos_s = start
            return
        first, last = offset_s(self.lead, 0), offset_s(self.lead, tb.frame_count - 1)
        if self.pos_s > last:
            self.pos_s, self.playing = last, False
        elif self.pos_s < first:
            self.pos_s, self.playing = first, False
