"""Frame-source playback decisions (pure): loops, ends, reverse, waiting for the decoder."""

from __future__ import annotations

from fractions import Fraction

from annotator.model import Timebase
from annotator.playback.timed_playback import MAX_STALL_MS, Tick, latest_decoded, plan_tick

TB = Timebase.nominal(100, Fraction(25))  # frame i at i * 0.04 s


def everything(prev: int, target: int) -> int:
    return target


def nothing(prev: int, target: int) -> None:
    return None


def test_forward_skips_late_frames_and_prefetches_ahead() -> None:
    assert plan_tick(TB, 0.41, 3, 1.0, (None, None), everything, 0) == Tick(
        frame=10, prefetch=(11, 1)
    )
    assert plan_tick(TB, 0.13, 3, 1.0, (None, None), everything, 0) == Tick()


def test_end_and_start_stop_playback() -> None:
    assert plan_tick(TB, 4.0, 98, 1.0, (None, None), everything, 0) == Tick(frame=99, stop=True)
    assert plan_tick(TB, -0.01, 1, -1.0, (None, None), everything, 0) == Tick(frame=0, stop=True)


def test_loop_wraps_both_ways() -> None:
    assert plan_tick(TB, 0.44, 10, 1.0, (5, 10), everything, 0) == Tick(frame=5, restart_clock=True)
    assert plan_tick(TB, 0.19, 5, -1.0, (5, 10), everything, 0) == Tick(
        frame=10, restart_clock=True
    )


def test_waits_for_decoder_then_gives_up() -> None:
    assert plan_tick(TB, 0.4, 20, -1.0, (None, None), nothing, 0) == Tick(prefetch=(10, -1))
    assert plan_tick(TB, 0.4, 20, -1.0, (None, None), nothing, MAX_STALL_MS + 1) == Tick(
        frame=10, prefetch=(9, -1)
    )


def test_latest_decoded_looks_back_towards_prev() -> None:
    cache = {(None, 12), ((80, 60), 15)}
    assert latest_decoded(cache, None, (160, 120), 20, 10) == 12
    assert latest_decoded(cache, (160, 120), (160, 120), 20, 10) == 12  # full size = None key
    assert latest_decoded(cache, (80, 60), (160, 120), 10, 17) == 15
    assert latest_decoded(cache, None, (160, 120), 13, 20) is None
    assert latest_decoded(None, None, (160, 120), 13, 20) == 20
