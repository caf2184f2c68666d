"""Takes side by side: two barcode videos at different frame rates, aligned on a sync
frame each, stay frame-exact after stepping, slow playback and looping. The frame each
take shows is read back from the picture's own barcode, not from the decoder's index."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest

from annotator.media import FrameSource
from annotator.media.barcode import read_index, write_barcode_video
from annotator.model import Timebase
from annotator.review.sync import Take, aligned_frames, common_range
from annotator.review.takes import TakesClock

FPS_A = Fraction(25)
FPS_B = Fraction(30000, 1001)
SYNC_A, SYNC_B = 12, 40


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("takes")
    a, b = folder / "take_a.mp4", folder / "take_b.mp4"
    write_barcode_video(a, 90, fps=FPS_A, size=(160, 120), gop=30)
    write_barcode_video(b, 130, fps=FPS_B, size=(160, 120), gop=30)
    return a, b


def expected_b(lead_frame: int) -> int:
    """Exact arithmetic: seconds from A's sync frame, as B frames from B's sync frame."""
    t = Fraction(lead_frame - SYNC_A) / FPS_A
    return min(max(SYNC_B + math.floor(t * FPS_B), 0), 129)


def test_aligned_frames_pure() -> None:
    a = Take("a", Timebase.nominal(90, FPS_A), SYNC_A)
    b = Take("b", Timebase.nominal(130, FPS_B), SYNC_B)
    for f in range(90):
        (got,) = aligned_frames(a, f, [b])
        assert got.frame == expected_b(f), f
    first, last = common_range(a, [b])
    # B's frame 0 falls 0.855 s before A's frame 0, so the range starts at A's start; B
    # ends 90 * 1001/30000 = 3.003 s after its sync, at A time 3.483 s: A frame 87 (3.48 s)
    # starts before that, A frame 88 (3.52 s) after.
    assert (first, last) == (0, 87)
    late = Take("late", Timebase.nominal(130, FPS_B), 100)  # ends 1.0010 s after sync
    assert common_range(a, [late]) == (0, 37)  # A 0.48 + 1.001 = 1.481 s: frame 37 (1.48)


def test_step_slow_and_loop_stay_frame_exact(videos: tuple[Path, Path]) -> None:
    with FrameSource(videos[0], prefetch=False) as fa, FrameSource(videos[1], prefetch=False) as fb:
        clock = TakesClock([Take("a", fa.timebase, SYNC_A), Take("b", fb.timebase, SYNC_B)])

        def check() -> None:
            """Both pictures show the frame on screen at the clock's moment."""
            lead, other = clock.frames()
            want_a = min(max(SYNC_A + math.floor(clock.pos_s * FPS_A + 1e-6), 0), 89)
            want_b = min(max(SYNC_B + math.floor(clock.pos_s * FPS_B + 1e-6), 0), 129)
            assert clock.lead_frame == want_a
            assert read_index(fa.frame(lead.frame)) == want_a
            assert read_index(fb.frame(other.frame)) == want_b, clock.pos_s
            if not clock.playing:  # paused on a lead frame: exact rational arithmetic
                assert want_b == expected_b(want_a)

        assert clock.lead_frame == SYNC_A
        check()
        for n in (1, 1, 1, 5, -2, -20, 37):
            clock.step(n)
            check()
        # Slow motion: quarter speed, ticks of a 60 Hz display for 1.5 s of wall time.
        clock.seek(20)
        clock.rate = 1.0
        clock.slower()
        clock.slower()
        assert clock.rate == 0.25
        clock.set_loop(20, 29)
        clock.playing = True
        seen = set()
        for _ in range(90):
            clock.advance(1 / 60)
            seen.add(clock.lead_frame)
            check()
        assert seen <= set(range(20, 30)) and min(seen) == 20  # wrapped inside the loop
        # Full speed for several loop passes: still exact, never outside the loop.
        clock.rate = 1.0
        for _ in range(200):
            clock.advance(0.017)
            assert 20 <= clock.lead_frame <= 29
        check()
        # Without a loop, playback stops at the lead's last frame.
        clock.loop = None
        clock.seek(85)
        clock.playing = True
        clock.advance(1.0)
        assert clock.lead_frame == 89 and not clock.playing
        check()
