"""SMPTE timecode conversions, drop-frame included, cross-checked against the timecode package."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from annotator.model import Timebase
from annotator.model.timecode import (
    frame_to_smpte,
    is_drop_frame,
    nominal_rate,
    parse_position,
    smpte_to_frame,
)

NTSC = Fraction(30000, 1001)
NTSC60 = Fraction(60000, 1001)
FILM = Fraction(24000, 1001)


@pytest.mark.parametrize(
    ("frame", "fps", "text"),
    [
        (0, NTSC, "00:00:00;00"),
        (1799, NTSC, "00:00:59;29"),
        (1800, NTSC, "00:01:00;02"),
        (3597, NTSC, "00:01:59;29"),
        (3598, NTSC, "00:02:00;02"),
        (17982, NTSC, "00:10:00;00"),
        (17981, NTSC, "00:09:59;29"),
        (107892, NTSC, "01:00:00;00"),
        (3600, NTSC60, "00:01:00;04"),
        (35964, NTSC60, "00:10:00;00"),
        (100, FILM, "00:00:04:04"),
        (25 * 3661 + 7, Fraction(25), "01:01:01:07"),
        (30, Fraction(30), "00:00:01:00"),
    ],
)
def test_known_labels(frame: int, fps: Fraction, text: str) -> None:
    assert frame_to_smpte(frame, fps) == text
    assert smpte_to_frame(text, fps) == frame


def test_rates() -> None:
    assert nominal_rate(FILM) == 24 and not is_drop_frame(FILM)
    assert nominal_rate(NTSC) == 30 and is_drop_frame(NTSC)
    assert is_drop_frame(29.97) and is_drop_frame(NTSC60)
    assert not is_drop_frame(Fraction(30))


@pytest.mark.parametrize("fps", [NTSC, NTSC60, FILM, Fraction(25), Fraction(30), Fraction(50)])
def test_round_trip_every_frame_of_an_hour_sampled(fps: Fraction) -> None:
    rng = np.random.default_rng(4)
    # The first minutes, both ten-minute boundaries (29.97 and 59.94), then random frames.
    frames = [*range(4000), *range(17900, 18100), *range(35900, 36100)]
    frames += rng.integers(0, 10_000_000, 1000).tolist()
    for f in frames:
        assert smpte_to_frame(frame_to_smpte(f, fps), fps) == f


def test_labels_are_monotonic_and_never_skipped_label_is_shown() -> None:
    labels = [frame_to_smpte(f, NTSC) for f in range(36000)]
    assert labels == sorted(labels)
    assert len(set(labels)) == len(labels)
    for lab in labels:
        mm, ss, ff = int(lab[3:5]), int(lab[6:8]), int(lab[9:11])
        if ss == 0 and mm % 10 != 0:
            assert ff >= 2, lab


@pytest.mark.parametrize(("fps", "rate"), [(NTSC, "29.97"), (NTSC60, "59.94"), (FILM, "23.976")])
def test_agrees_with_timecode_package(fps: Fraction, rate: str) -> None:
    tc_mod = pytest.importorskip("timecode")
    for f in list(range(0, 5000, 7)) + [17981, 17982, 17983, 107891, 107892, 1_000_003]:
        # The package counts frames from 1.
        assert frame_to_smpte(f, fps) == str(tc_mod.Timecode(rate, frames=f + 1)), f


def test_skipped_drop_label_means_first_real_frame_of_minute() -> None:
    assert smpte_to_frame("00:01:00;00", NTSC) == smpte_to_frame("00:01:00;02", NTSC) == 1800


def test_parse_position_forms() -> None:
    assert parse_position("1234", Fraction(25)) == 1234
    assert parse_position(" 00:01:02:03 ", Fraction(25)) == (62 * 25) + 3
    assert parse_position("00:01:02;03", NTSC) == smpte_to_frame("00:01:02;03", NTSC)
    assert parse_position("12.5s", Fraction(25)) == 312
    assert parse_position("02:03", Fraction(25)) == 53  # SS:FF
    assert parse_position("0.5 sec", Fraction(30)) == 15


def test_parse_seconds_uses_real_timestamps_on_vfr() -> None:
    tb = Timebase(np.array([0.0, 0.1, 0.15, 0.5, 0.9]), Fraction(10))
    assert parse_position("0.49s", Fraction(10), tb) == 2
    assert parse_position("0.5s", Fraction(10), tb) == 3


@pytest.mark.parametrize("bad", ["", "abc", "00:61:00:00", "00:00:00:25", "1.2.3.4.5", "-5"])
def test_parse_position_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_position(bad, Fraction(25))
