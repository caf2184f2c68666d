"""Overlay lanes (candidates, cuts) without Qt: layout, hit-testing and the Cuts source."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

from annotator.model import Face, Marker, MarkerKind, Media, Project
from annotator.model.signals import Signal
from annotator.ui.timeline.cache import TimelineCache
from annotator.ui.timeline.lanes import (
    MARKER_LANE_PX,
    MARKERS_KEY,
    OVERLAY_LANE_PX,
    FaceRow,
    LaneIndex,
    LaneKind,
    layout_lanes,
)
from annotator.ui.timeline.overlays import (
    CUTS_KEY,
    ItemState,
    OverlayItem,
    Style,
    overlay_key,
)
from annotator.ui.timeline.view import HEADER_PX, RULER_PX, Region, TimelineView


class ListSource:
    """The smallest overlay source: a list and a model signal."""

    name = "test"
    style = Style.BARS

    def __init__(self, items: list[OverlayItem]) -> None:
        self.changed = Signal("changed")
        self.list = items
        self.keys: list[tuple[int | None, str]] = []

    def title(self) -> str:
        return "Test"

    def items(self) -> list[OverlayItem]:
        return self.list

    def current(self) -> int | None:
        return None

    def select(self, index: int) -> None:
        pass

    def handle_key(self, index: int | None, key: str) -> bool:
        self.keys.append((index, key))
        return True


def _view(overlays: list[tuple[tuple[str, str], str]], ppf: float = 10.0) -> TimelineView:
    rows = [FaceRow("A", "Ann", "#f00", (12,))]
    v = TimelineView(
        frame_count=1000,
        width_px=HEADER_PX + 1000,
        height_px=600,
        px_per_frame=ppf,
        lanes=layout_lanes(rows, (), overlays),
    )
    v.clamp()
    return v


def _y(v: TimelineView, key: tuple[str, str]) -> float:
    lane = next(ln for ln in v.lanes if ln.key == key)
    return v.y_of_lane(lane) + lane.height_px / 2


def test_overlay_modules_import_no_qt() -> None:
    code = (
        "import sys, annotator.ui.timeline.overlays, annotator.ui.timeline.cache, "
        "annotator.ui.timeline.view; "
        "assert not [m for m in sys.modules if m.startswith('PySide6')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_overlay_lanes_sit_under_the_markers_in_order() -> None:
    key = overlay_key("candidates")
    v = _view([(CUTS_KEY, "Cuts"), (key, "Candidates")])
    kinds = [(ln.key, ln.kind, ln.top_px) for ln in v.lanes[:4]]
    assert kinds == [
        (MARKERS_KEY, LaneKind.MARKERS, 0),
        (CUTS_KEY, LaneKind.OVERLAY, MARKER_LANE_PX),
        (key, LaneKind.OVERLAY, MARKER_LANE_PX + OVERLAY_LANE_PX),
        (("A", "face"), LaneKind.FACE, MARKER_LANE_PX + 2 * OVERLAY_LANE_PX),
    ]


def test_hit_inside_a_bar_gives_the_item_index_latest_onset_wins() -> None:
    key = overlay_key("test")
    v = _view([(key, "Test")])
    index = LaneIndex([(10, 30, 0), (20, 40, 1), (100, 104, 2)])
    y = _y(v, key)
    hit = v.hit_test(v.x_of(15.5), y, {key: index})
    assert (hit.region, hit.event_id, hit.lane.key) == (Region.ITEM, 0, key)  # type: ignore[union-attr]
    assert v.hit_test(v.x_of(25.5), y, {key: index}).event_id == 1  # overlap: painted last
    assert v.hit_test(v.x_of(102), y, {key: index}).event_id == 2
    empty = v.hit_test(v.x_of(70), y, {key: index})
    assert (empty.region, empty.event_id, empty.frame) == (Region.LANE, None, 70)
    assert v.hit_test(10, y, {key: index}).region is Region.HEADER


def test_one_frame_items_stay_clickable_zoomed_out() -> None:
    """A cut is one frame: at 0.5 px per frame it is grabbed within the pixel tolerance."""
    v = _view([(CUTS_KEY, "Cuts")], ppf=0.5)
    v.zoom_to_fit()
    index = LaneIndex([(300, 300, 0), (600, 600, 1)])
    y = _y(v, CUTS_KEY)
    assert v.hit_test(v.x_of(300) + 3, y, {CUTS_KEY: index}).event_id == 0
    assert v.hit_test(v.x_of(600) - 4, y, {CUTS_KEY: index}).event_id == 1
    assert v.hit_test(v.x_of(450), y, {CUTS_KEY: index}).region is Region.LANE
    assert v.hit_test(v.x_of(300), RULER_PX - 1, {CUTS_KEY: index}).region is Region.RULER


def _project() -> Project:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=500, fps=Fraction(25)))
    p.add_face(Face("A", "Ann"))
    return p


def test_cuts_lane_numbers_shots_and_leaves_the_markers_lane() -> None:
    p = _project()
    cache = TimelineCache(p)
    cache.ensure()
    assert cache.lane(CUTS_KEY) is None  # no cuts, no lane
    p.add_marker(Marker(0, MarkerKind.MARKER, 50, 50, "m1", text="note"))
    for f in (200, 120):
        p.add_marker(Marker(0, MarkerKind.CUT, f, f, "m1"))
    cache.ensure()
    lane = cache.lane(CUTS_KEY)
    assert lane is not None and lane.label == "Cuts (2)"
    items = cache.cuts.items()
    assert [(it.start_frame, it.label, it.state) for it in items] == [
        (120, "2", ItemState.MARK),
        (200, "3", ItemState.MARK),
    ]
    assert cache.indexes[CUTS_KEY].onsets == [120, 200]
    markers = cache.indexes[MARKERS_KEY]
    assert [p.markers[i].kind for i in markers.ids] == [MarkerKind.MARKER]  # cuts not here
    cut = next(m for m in p.markers.values() if m.start_frame == 120)
    p.remove_marker(cut.id)
    cache.ensure()
    assert cache.indexes[CUTS_KEY].onsets == [200] and cache.cuts.items()[0].label == "2"
    cache.close()


def test_overlay_source_lane_follows_its_items() -> None:
    p = _project()
    cache = TimelineCache(p)
    src = ListSource([])
    key = cache.add_overlay(src)
    cache.ensure()
    assert key == overlay_key("test") and cache.lane(key) is None  # empty: hidden
    src.list = [OverlayItem(40, 60, 50, "x"), OverlayItem(10, 12)]
    src.changed.emit()
    cache.ensure()
    lane = cache.lane(key)
    assert lane is not None and lane.kind is LaneKind.OVERLAY and lane.top_px == MARKER_LANE_PX
    index = cache.indexes[key]
    assert (index.onsets, index.ids) == ([10, 40], [1, 0])  # ids are positions in items()
    cache.remove_overlay(key)
    cache.ensure()
    assert cache.lane(key) is None and key not in cache.indexes
    cache.close()
