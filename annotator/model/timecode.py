"""SMPTE timecode <-> frame index, and parsing what a user types into "go to".

Pure and Qt-free. Implemented here rather than through the ``timecode`` package because that
package counts frames from 1, takes the rate as a string and treats a ':'-separated timecode
at 29.97 as drop-frame without saying so; the arithmetic is small and the tests cross-check
it against the package.

Drop-frame (29.97 = 30000/1001, 59.94 = 60000/1001) renumbers, it never skips pictures: the
labels ``;00`` and ``;01`` (``;00``-``;03`` at 59.94) are skipped at the start of every minute
except minutes divisible by ten, so the label stays close to wall-clock time. 23.976 counts at
a nominal 24 with no drop.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from annotator.model.timebase import Timebase

_NTSC_DROP = {Fraction(30000, 1001), Fraction(60000, 1001)}
_TC_RE = re.compile(r"^\s*(\d+)(?:([:;.])(\d+))?(?:([:;.])(\d+))?(?:([:;.])(\d+))?\s*$")
_SECONDS_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*s(?:ec(?:onds?)?)?\s*$", re.IGNORECASE)


def nominal_rate(fps: Fraction | float) -> int:
    """Integer frames-per-second counted by the timecode (24 for 23.976, 30 for 29.97)."""
    return max(1, round(Fraction(fps).limit_denominator(100000)))


def is_drop_frame(fps: Fraction | float) -> bool:
    """True for the NTSC rates that SMPTE counts with drop-frame (29.97 and 59.94)."""
    # Tolerant so a float 29.97 from a settings file still counts as NTSC.
    return any(abs(float(fps) - float(r)) < 0.005 for r in _NTSC_DROP)


def _drop_per_minute(nominal: int) -> int:
    return 2 * (nominal // 30)


def frame_to_smpte(frame: int, fps: Fraction | float, *, drop: bool | None = None) -> str:
    """``HH:MM:SS:FF`` of a 0-based frame index; ``;`` before the frames when drop-frame.

    ``drop=None`` picks drop-frame for 29.97/59.94 as editors and cameras do. Hours do not
    wrap at 24: an annotation file never needs time-of-day semantics.
    """
    if frame < 0:
        raise ValueError(f"negative frame index {frame}")
    nominal = nominal_rate(fps)
    if drop is None:
        drop = is_drop_frame(fps)
    label = int(frame)
    if drop:
        d = _drop_per_minute(nominal)
        per_10min = nominal * 600 - d * 9
        per_min = nominal * 60 - d
        tens, rem = divmod(label, per_10min)
        label += d * 9 * tens
        if rem > d:
            label += d * ((rem - d) // per_min)
    ff = label % nominal
    total_s = label // nominal
    hh, rest = divmod(total_s, 3600)
    mm, ss = divmod(rest, 60)
    sep = ";" if drop else ":"
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:02d}"


def smpte_to_frame(text: str, fps: Fraction | float, *, drop: bool | None = None) -> int:
    """Frame index of ``HH:MM:SS:FF`` (or ``;FF``). Fewer fields are right-aligned (``SS:FF``).

    At a drop-frame rate both separators are read as drop-frame, because that is the label
    Facet shows; a label that drop-frame skips (``00:01:00;00``) means the first real frame of
    that minute (``;02``), which is what a user typing it wants.
    """
    m = _TC_RE.match(text)
    if not m or m.group(2) is None:
        raise ValueError(f"not a timecode: {text!r}")
    fields = [int(g) for g in m.group(1, 3, 5, 7) if g is not None]
    while len(fields) < 4:
        fields.insert(0, 0)
    hh, mm, ss, ff = fields
    nominal = nominal_rate(fps)
    if drop is None:
        drop = is_drop_frame(fps)
    if ss >= 60 or mm >= 60:
        raise ValueError(f"minutes and seconds must be below 60: {text!r}")
    if ff >= nominal:
        raise ValueError(f"frame field {ff} must be below {nominal} in {text!r}")
    total_min = hh * 60 + mm
    if drop:
        d = _drop_per_minute(nominal)
        if ss == 0 and ff < d and mm % 10 != 0:
            ff = d
        return (hh * 3600 + mm * 60 + ss) * nominal + ff - d * (total_min - total_min // 10)
    return (hh * 3600 + mm * 60 + ss) * nominal + ff


def seconds_to_frame(seconds: float, fps: Fraction | float, timebase: Timebase | None) -> int:
    """The frame on screen at ``seconds``: from real timestamps when known (VFR-safe)."""
    if timebase is not None:
        return timebase.index_at(seconds)
    return max(0, math.floor(seconds * float(fps) + 1e-6))


def parse_position(text: str, fps: Fraction | float, timebase: Timebase | None = None) -> int:
    """What a user typed into "go to": ``1234`` (frame), ``00:01:02:03``/``;03`` or ``12.5s``.

    Returns an unclamped frame index; the caller clamps to the video. Raises ``ValueError``
    with the text in the message so a dialog can show it as is.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty position")
    if s.isdigit():
        return int(s)
    m = _SECONDS_RE.match(s)
    if m:
        return seconds_to_frame(float(m.group(1)), fps, timebase)
    try:
        return smpte_to_frame(s, fps)
    except ValueError:
        raise ValueError(
            f"cannot read {text!r}: type a frame number, HH:MM:SS:FF or seconds like 12.5s"
        ) from None


def format_seconds(seconds: float) -> str:
    """Seconds for the position label, millisecond resolution (``12.345 s``)."""
    return f"{seconds:.3f} s"
