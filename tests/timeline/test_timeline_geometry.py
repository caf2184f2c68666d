"""Pure timeline geometry: no Qt imported anywhere here."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

from annotator.model import Event, EventKind, Media, Project
from annotator.ui.timeline.cache import TimelineCache
from annotator.ui.timeline.lanes import (
    FaceRow,
    LaneIndex,
    LaneKind,
    au_lane_key,
    coverage_runs,
    layout_lanes,
)
from annotator.ui.timeline.ruler import choose_step, ticks
from annotator.ui.timeline.view import HEADER_PX, RULER_PX, Region, TimelineView


def make_view(ppf: float = 10.0) -> TimelineView:
    rows = [FaceRow("A", "Ann", "#f00", (12,)), FaceRow("B", "Bob", "#00f", (1, 2))]
    v = TimelineView(
        frame_count=1000,
        width_px=HEADER_PX + 1000,
        height_px=600,
        px_per_frame=ppf,
        lanes=layout_lanes(rows),
    )
    v.clamp()
    return v


def test_geometry_modules_do_not_import_qt() -> None:
    assert not any(m.startswith("PySide6") for m in sys.modules if "ui.timeline" in m)
    import annotator.ui.timeline.view as view_mod

    src = Path(view_mod.__file__).read_text()
    assert "PySide6" not in src


def test_x_of_and_frame_at_are_inverse_on_frame_cells() -> None:
    v = make_view(10.0)
    assert v.x_of(0) == HEADER_PX
    assert v.frame_at(HEADER_PX + 0.1) == 0
    assert v.frame_at(HEADER_PX + 9.9) == 0
    assert v.frame_at(HEADER_PX + 10) == 1
    assert v.boundary_at(HEADER_PX + 14) == 1
    assert v.boundary_at(HEADER_PX + 16) == 2
    v.left_frame = 100
    assert v.frame_at(HEADER_PX + 25) == 102


def test_zoom_keeps_frame_under_cursor() -> None:
    v = make_view(2.0)
    x = HEADER_PX + 300
    before = v.frame_float_at(x)
    v.zoom_at(4.0, x)
    assert abs(v.frame_float_at(x) - before) < 1e-9
    v.zoom_at(1000, x)
    assert v.px_per_frame == 80.0  # clamped to single-frame zoom
    v.zoom_at(1e-9, x)
    assert v.px_per_frame == v.min_px_per_frame == 1.0  # whole video fits
    assert v.left_frame == 0


def test_visible_frames_and_scroll_clamp() -> None:
    v = make_view(10.0)
    assert v.visible_frames() == (0, 100)
    v.scroll_by(1e9)
    assert v.visible_frames()[1] == 999
    v.scroll_by(-1e9)
    assert v.left_frame == 0


def test_lane_index_bisect_culls_to_overlapping_candidates() -> None:
    idx = LaneIndex([(0, 500, 1), (10, 20, 2), (30, 40, 3), (600, 700, 4)])
    cand = [idx.ids[i] for i in idx.visible(100, 200) if idx.offsets[i] >= 100]
    assert cand == [1]
    assert [idx.ids[i] for i in idx.visible(650, 2000)] == [4]
    assert list(idx.visible(800, 900)) == []


def test_hit_test_edges_body_and_empty_lane() -> None:
    v = make_view(10.0)
    lane = next(ln for ln in v.lanes if ln.key == au_lane_key("A", 12))
    y = RULER_PX + lane.top_px + 5
    idx = {lane.key: LaneIndex([(10, 19, 7)])}  # x from 300 to 400 (track offset 200)
    assert v.hit_test(HEADER_PX + 101, y, idx).region is Region.ONSET_EDGE
    assert v.hit_test(HEADER_PX + 199, y, idx).region is Region.OFFSET_EDGE
    hit = v.hit_test(HEADER_PX + 150, y, idx)
    assert (hit.region, hit.event_id, hit.frame) == (Region.BODY, 7, 15)
    empty = v.hit_test(HEADER_PX + 500, y, idx)
    assert (empty.region, empty.frame, empty.lane) == (Region.LANE, 50, lane)
    assert v.hit_test(HEADER_PX + 50, 5, idx).region is Region.RULER
    assert v.hit_test(10, y, idx).region is Region.HEADER
    face = next(ln for ln in v.lanes if ln.kind is LaneKind.FACE)
    assert v.hit_test(HEADER_PX + 10, RULER_PX + face.top_px + 2, idx).region is Region.FACE


def test_hit_test_one_frame_event_can_still_be_moved() -> None:
    v = make_view(6.0)
    lane = next(ln for ln in v.lanes if ln.key == au_lane_key("A", 12))
    y = RULER_PX + lane.top_px + 5
    idx = {lane.key: LaneIndex([(10, 10, 1)])}
    assert v.hit_test(HEADER_PX + 63, y, idx).region is Region.BODY


def test_hit_test_prefers_selected_of_overlapping() -> None:
    v = make_view(10.0)
    lane = next(ln for ln in v.lanes if ln.key == au_lane_key("A", 12))
    y = RULER_PX + lane.top_px + 5
    idx = {lane.key: LaneIndex([(0, 50, 1), (10, 20, 2)])}
    assert v.hit_test(HEADER_PX + 150, y, idx).event_id == 2
    assert v.hit_test(HEADER_PX + 150, y, idx, prefer=[1]).event_id == 1


def test_ruler_uses_frames_zoomed_in_and_time_zoomed_out() -> None:
    fps = Fraction(30000, 1001)
    assert choose_step(80.0, fps).frames == 1
    assert choose_step(10.0, fps).frames == 5
    assert choose_step(0.5, fps).seconds == 5
    ts = ticks(0, 20, 10.0, fps)
    assert [t.frame for t in ts if t.major] == [0, 5, 10, 15, 20]
    out = ticks(0, 30 * 60, 0.5, fps)
    majors = [t for t in out if t.major]
    assert majors[1].label == "0:05" and majors[1].frame == 150  # ceil(5 * 29.97)
    assert all(0 <= t.frame <= 1800 for t in out)


def test_coverage_runs_merge_dense_events() -> None:
    idx = LaneIndex([(i * 10, i * 10 + 5, i) for i in range(100)])
    runs = coverage_runs(idx, idx.visible(0, 999), 0.0, 0.1, 100)
    assert runs == [(0, 100, 1)]
    runs = coverage_runs(idx, idx.visible(0, 999), 0.0, 1.0, 100)
    assert runs[0] == (0, 6, 1) and runs[1] == (10, 16, 1)


def test_cache_follows_model_signals_and_flags_duplicates() -> None:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=1000))
    p.add_face(name="Ann")
    cache = TimelineCache(p)
    cache.ensure()
    assert [ln.kind for ln in cache.lanes] == [
        LaneKind.MARKERS,
        LaneKind.FACE,
        LaneKind.EMOTION,
        LaneKind.NOTE,
    ]
    e1 = p.add_event(Event(0, "A", EventKind.AU, 10, 20, au=12))
    cache.ensure()
    assert cache.lane(au_lane_key("A", 12)) is not None
    assert cache.indexes[au_lane_key("A", 12)].ids == [e1.id]
    e2 = p.add_event(Event(0, "A", EventKind.AU, 15, 30, au=12))
    cache.ensure()
    assert (
        cache.duplicates
        == {e1.id, e2.id}
        == {a for pair in p.overlapping_duplicates() for a in pair}
    )
    p.update_event(e2.id, onset_frame=25)
    cache.ensure()
    assert cache.duplicates == set()
    p.remove_event(e1.id)
    p.remove_event(e2.id)
    cache.ensure()
    assert cache.lane(au_lane_key("A", 12)) is None
    cache.set_collapsed("A", True)
    cache.ensure()
    assert [ln.kind for ln in cache.lanes] == [LaneKind.MARKERS, LaneKind.FACE]


def test_frames_zoom_keeps_the_playhead_in_view_when_capped() -> None:
    """Issue 15: frame 100 at the Frames zoom showed 101-114 (the zoom cap moved it out)."""
    from annotator.ui.timeline.view import MAX_PX_PER_FRAME

    v = make_view(1.0)
    v.zoom_to_frames(8, 100)  # 1000 px / 8 frames is over the cap
    assert v.px_per_frame == MAX_PX_PER_FRAME
    f0, f1 = v.visible_frames()
    assert f0 < 100 < f1
    centre = v.frame_float_at(HEADER_PX + v.track_width_px / 2)
    assert abs(centre - 100.5) < 1
