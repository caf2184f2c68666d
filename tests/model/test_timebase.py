from fractions import Fraction

import numpy as np
import pytest

from annotator.model.timebase import Timebase, scale_of


def test_nominal_ntsc_has_exact_frame_times():
    tb = Timebase.nominal(30000, Fraction(30000, 1001))
    assert tb.time_s(29970) == pytest.approx(29970 * 1001 / 30000)
    # index_at never drifts: every frame's own start time maps back to that frame
    for i in (0, 1, 999, 17982, 29999):
        assert tb.index_at(tb.time_s(i)) == i
        assert tb.index_at(tb.time_s(i) + 0.0001) == i


def test_vfr_duration_uses_real_timestamps():
    ts = np.array([0.0, 0.04, 0.05, 0.2, 0.24])
    tb = Timebase(ts, Fraction(25))
    assert tb.duration_s(0, 0) == pytest.approx(0.04)
    assert tb.duration_s(1, 2) == pytest.approx(0.16)  # 0.04 -> 0.2 (end of frame 2)
    assert tb.index_at(0.1) == 2
    assert tb.index_at(-1) == 0
    assert tb.index_at(99) == 4
    assert tb.end_s(4) == pytest.approx(0.28)  # last frame lasts a typical frame


def test_micro_macro_boundary():
    assert scale_of(0.5) == "micro"
    assert scale_of(0.52) == "macro"
    tb = Timebase.nominal(100, Fraction(25))
    assert scale_of(tb.duration_s(10, 21)) == "micro"  # 12 frames = 0.48 s
    assert scale_of(tb.duration_s(10, 22)) == "macro"  # 13 frames = 0.52 s
    assert tb.duration_s(10, 22) == pytest.approx(0.52)


def test_empty_timebase_refused():
    with pytest.raises(ValueError):
        Timebase(np.array([]), Fraction(25))
