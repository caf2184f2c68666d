"""EDL and markers CSV: every timecode written maps back to the marker's frame."""

from __future__ import annotations

import csv
import io
import re
from fractions import Fraction

import pytest
from reviewhelpers import marker, project

from annotator.io.edl import edl_text, markers_csv
from annotator.model import MarkerKind
from annotator.model.timecode import smpte_to_frame

EVENT_RE = re.compile(r"^(\d{3})  (\S+)\s+V     C        (\S{11}) (\S{11}) (\S{11}) (\S{11})$")


def _events(edl: str) -> list[tuple[int, int, list[str]]]:
    """(record in frame, record out frame, comment lines) per event."""
    out: list[tuple[int, int, list[str]]] = []
    for line in edl.split("\r\n"):
        m = EVENT_RE.match(line)
        if m:
            out.append((m.group(5), m.group(6), []))  # type: ignore[arg-type]
        elif line.startswith("* ") and out:
            out[-1][2].append(line)
    return out  # type: ignore[return-value]


def test_edl_at_25_fps_has_one_event_per_marker_with_loc_and_comment() -> None:
    p = project(frames=2000)
    marker(p, MarkerKind.NOTE, 90, 97, "smile leaks\nhere", author="coach")
    marker(p, MarkerKind.CUT, 500)
    edl = edl_text(p)
    assert edl.startswith("TITLE: Scene 4\r\nFCM: NON-DROP FRAME\r\n")
    events = _events(edl)
    assert len(events) == 2
    rin, rout, comments = events[0]
    assert (rin, rout) == ("00:00:03:15", "00:00:03:23")  # out is exclusive: frame 98
    assert comments == [
        "* FROM CLIP NAME: missing.mp4",
        "* LOC: 00:00:03:15 YELLOW  smile leaks here",
        "* COMMENT: note by coach: smile leaks here",
    ]
    assert events[1][2][1].startswith("* LOC: 00:00:20:00 RED")
    edl.encode("ascii")


@pytest.mark.parametrize(
    "fps, frame, label",
    [
        (Fraction(30000, 1001), 1800, "00:01:00;02"),  # first label of minute 1 is ;02
        (Fraction(30000, 1001), 17982, "00:10:00;00"),  # minute 10 keeps ;00
        (Fraction(30000, 1001), 1799, "00:00:59;29"),
        (Fraction(60000, 1001), 3600, "00:01:00;04"),
        (Fraction(24000, 1001), 1440, "00:01:00:00"),  # 23.976 counts at 24, no drop
    ],
)
def test_edl_drop_frame_timecodes_match_frames(fps: Fraction, frame: int, label: str) -> None:
    p = project(frames=40000, fps=fps)
    marker(p, MarkerKind.MARKER, frame, frame + 2, "x")
    edl = edl_text(p)
    drop = fps in (Fraction(30000, 1001), Fraction(60000, 1001))
    assert ("FCM: DROP FRAME" in edl) is drop
    ((rin, rout, comments),) = _events(edl)
    assert rin == label
    assert smpte_to_frame(rin, fps) == frame
    assert smpte_to_frame(rout, fps) == frame + 3
    assert comments[1].startswith(f"* LOC: {label} GREEN")


def test_every_drop_frame_label_round_trips_over_eleven_minutes() -> None:
    fps = Fraction(30000, 1001)
    p = project(frames=20000, fps=fps)
    for f in range(0, 19800, 1799):  # strides across minute and ten-minute boundaries
        marker(p, MarkerKind.NOTE, f, f, f"n{f}")
    for rin, _rout, comments in _events(edl_text(p)):
        frame = smpte_to_frame(rin, fps)
        assert comments[2].endswith(f"n{frame}")


def test_edl_refuses_more_events_than_cmx3600_numbers() -> None:
    p = project(frames=5000)
    for f in range(1000):
        marker(p, MarkerKind.MARKER, f)
    with pytest.raises(ValueError, match="at most 999"):
        edl_text(p)


def test_edl_text_is_ascii_single_lines() -> None:
    p = project()
    marker(p, MarkerKind.NOTE, 5, 5, "Zoë's\tcafé — \u0007look")
    line = next(ln for ln in edl_text(p).split("\r\n") if ln.startswith("* LOC"))
    assert line == "* LOC: 00:00:00:05 YELLOW  Zoe's cafe look"


def test_markers_csv_timecodes_and_seconds() -> None:
    fps = Fraction(30000, 1001)
    p = project(frames=4000, fps=fps)
    marker(p, MarkerKind.DIALOGUE, 1800, 1829, "=SUM(A1)")
    marker(p, MarkerKind.NOTE, 3, 3, "look")
    rows = list(csv.DictReader(io.StringIO(markers_csv(p))))
    assert [r["kind"] for r in rows] == ["note", "dialogue"]
    r = rows[1]
    assert r["start_tc"] == "00:01:00;02" and smpte_to_frame(r["end_tc"], fps) == 1829
    assert float(r["start_s"]) == pytest.approx(1800 * 1001 / 30000, abs=1e-6)
    assert float(r["duration_s"]) == pytest.approx(30 * 1001 / 30000, abs=1e-6)
    assert r["text"] == "'=SUM(A1)"  # formula injection escaped
