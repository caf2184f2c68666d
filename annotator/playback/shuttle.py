"""The shuttle half of PlayerController: signed speeds, J/K/L, faster and slower.

A mixin like :mod:`annotator.playback.vlc_path`: the controller owns the rate and its
``rate_changed`` signal; see ``PlayerController.__init__``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

# Shuttle speeds; the sign of the controller's rate gives the direction.
RATES: tuple[float, ...] = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0, 2.0, 4.0)


class Shuttle:
    """Methods of PlayerController about the playback rate."""

    if TYPE_CHECKING:
        _rate: float
        _playing: bool
        rate_changed: SignalInstance

        def pause(self) -> None: ...
        def play(self) -> None: ...
        def _restart_playback(self) -> None: ...

    # -- rate and shuttle ---------------------------------------------------------------
    def set_rate(self, rate: float) -> None:
        """Set the signed speed, snapped to the nearest step of 1/32x..4x."""
        if rate == 0:
            self.pause()
            return
        mag = min(RATES, key=lambda r: abs(math.log2(r) - math.log2(abs(rate))))
        new = math.copysign(mag, rate)
        if new == self._rate:
            return
        self._rate = new
        self.rate_changed.emit(new)
        if self._playing:
            self._restart_playback()

    def faster(self) -> None:
        k = RATES.index(abs(self._rate))
        self.set_rate(math.copysign(RATES[min(k + 1, len(RATES) - 1)], self._rate))

    def slower(self) -> None:
        k = RATES.index(abs(self._rate))
        self.set_rate(math.copysign(RATES[max(k - 1, 0)], self._rate))

    def shuttle_forward(self) -> None:
        """L: play forward at 1x; pressed again while playing forward, faster."""
        if self._playing and self._rate > 0:
            self.faster()
        else:
            self.set_rate(1.0)
            self.play()

    def shuttle_reverse(self) -> None:
        """J: play backward at 1x; pressed again while playing backward, faster."""
        if self._playing and self._rate < 0:
            self.faster()
        else:
            self.set_rate(-1.0)
            self.play()

    def shuttle_stop(self) -> None:
        """K: pause and reset the shuttle so the next L starts at 1x."""
        self.pause()
        self.set_rate(1.0)
