"""Cached timeline geometry built from the project and kept current by its signals.

Rebuilding 100,000 sorted events on every paint would blow the frame budget, so the cache
keeps the event ids of each lane, marks only the lanes an edit touched as dirty, and
rebuilds those lanes' indexes on the next ``ensure()`` (OpenShot ``geometry/base.py``).
Pure Python: it subscribes to the model's Qt-free signals. Overlay lanes (``overlays``)
are indexed the same way from their sources; the Cuts lane is one of them, built in, so the
Markers lane keeps notes, dialogue and plain markers only.
"""

from __future__ import annotations

import dataclasses
import gc
import weakref
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from annotator.model.entities import Event, EventKind, Face, Marker, MarkerKind
from annotator.model.project import Project
from annotator.model.timebase import Timebase
from annotator.ui.lane_overlaps import LaneOverlaps, flagged_sorted
from annotator.ui.timeline.lanes import (
    MARKERS_KEY,
    FaceRow,
    Lane,
    LaneIndex,
    LaneKey,
    layout_lanes,
)
from annotator.ui.timeline.overlays import (
    CutsSource,
    OverlaySource,
    connect_changed,
    overlay_key,
)


def face_key(face: str) -> LaneKey:
    return (face, "face")


_PREBUILT: list[tuple[weakref.ref[Project], TimelineCache]] = []


def prebuild(project: Project) -> None:
    """Build the cache of ``project``'s first video now, on the worker that loaded it and
    before any view sees it (nothing else reads or edits it yet): the build is the
    largest part of binding a large project (1.2 s of the GUI thread at 100k events on a
    loaded box). :func:`cache_for` hands it to the timeline; the cache follows the
    project's signals from here on, so an edit made in between is in it."""
    cache = TimelineCache(project)
    for overlaps in cache._overlaps.values():
        overlaps.prepare()  # the first edit of a lane then does not sort it
    for index in cache.indexes.values():
        index.arrays()  # the first zoomed-out paint then converts no lists (1M: ~0.7 s)
    drop_prebuilt()
    _PREBUILT.append((weakref.ref(project), cache))


def drop_prebuilt() -> None:
    """Forget a prebuilt cache (the project it was built for is not shown after all)."""
    while _PREBUILT:
        _PREBUILT.pop()[1].close()


def cache_for(project: Project, media_id: str | None = None) -> TimelineCache:
    """The prebuilt cache when it is this project's and this video's, else a new one."""
    if _PREBUILT:
        ref, cache = _PREBUILT[-1]
        if ref() is project and cache.media_id == (
            media_id or (project.primary_media.id if project.primary_media else "m1")
        ):
            _PREBUILT.clear()
            return cache
        drop_prebuilt()
    return TimelineCache(project, media_id)


class TimelineCache:
    """Per-lane indexes, lane layout and duplicate flags for one media of a project."""

    def __init__(self, project: Project, media_id: str | None = None) -> None:
        self.project = project
        self.media_id = media_id or (project.primary_media.id if project.primary_media else "m1")
        self.collapsed: set[str] = set()
        self.extra_aus: dict[str, set[int]] = defaultdict(set)  # lanes added from the palette
        self.indexes: dict[LaneKey, LaneIndex] = {}
        self.lanes: list[Lane] = []
        self.duplicates: set[int] = set()  # AU events overlapping a same-AU event on a face
        self.revision = 0  # bumps whenever anything drawable changed
        self._members: dict[LaneKey, set[int]] = defaultdict(set)
        self._overlaps: dict[LaneKey, LaneOverlaps] = {}  # AU lanes: duplicate flags
        self._timebase: Timebase | None = None
        # the player's table while the video's index is built and the project does not
        # know the length yet (annotator.ui.timeline.index_extent); never the project's
        self._indexing: Timebase | None = None
        self._dirty: set[LaneKey] = set()
        self._layout_dirty = True
        self.overlays: dict[LaneKey, OverlaySource] = {}
        self.curves: Any = None  # a curves.CurveStore once the faces module attaches one
        self.waveform: Any = None  # a waveform_lane.WaveformState once dialogue attaches one
        self._dialogue: tuple[Any, Any] | None = None  # (markers index, its dialogue SpanIndex)
        self._unsubscribe: dict[LaneKey, Callable[[], None]] = {}
        self.cuts = CutsSource(project, self.media_id)
        self._rebuild_all()
        self.add_overlay(self.cuts)
        for sig, slot in self._subscriptions():
            sig.connect(slot)

    def _subscriptions(self) -> list[tuple[Any, Callable[..., None]]]:
        """Model signals this cache follows; one list so close() undoes exactly these."""
        p = self.project
        structure = self._on_project_structure_changed
        return [
            (p.event_added, self._on_project_event_added),
            (p.event_changed, self._on_project_event_changed),
            (p.event_removed, self._on_project_event_removed),
            (p.face_added, structure),
            (p.face_removed, structure),
            (p.marker_added, structure),
            (p.marker_removed, structure),
            (p.face_changed, self._on_project_face_changed),
            (p.marker_changed, self._on_project_marker_changed),
            (p.media_added, self.invalidate_timebase),
            (p.media_changed, self.invalidate_timebase),
        ]

    def close(self) -> None:
        for sig, slot in self._subscriptions():
            sig.disconnect(slot)
        for key in list(self.overlays):
            self.remove_overlay(key)
        self.cuts.close()
        self.set_curves(None)
        self.set_waveform(None)

    # ------------------------------------------------------------------ curve lanes
    def set_curves(self, store: Any) -> None:
        """Curve lanes under each face from ``store`` (a ``curves.CurveStore``)."""
        if self.curves is not None:
            self.curves.changed.disconnect(self._on_curves_changed)
        self.curves = store
        if store is not None:
            store.changed.connect(self._on_curves_changed)
        self._on_curves_changed()

    def _on_curves_changed(self) -> None:
        self._layout_dirty = True
        self.revision += 1

    # ------------------------------------------------------------------ audio lane
    def set_waveform(self, state: Any) -> None:
        """The audio lane under the markers from ``state`` (``waveform_lane.WaveformState``)."""
        if self.waveform is not None:
            self.waveform.changed.disconnect(self._on_curves_changed)
        self.waveform = state
        if state is not None:
            state.changed.connect(self._on_curves_changed)
        self._on_curves_changed()

    def dialogue_cues(self) -> Any:
        """The take's dialogue markers as an ``analysis.dialogue.SpanIndex`` (for the
        emotion-during-dialogue marks), rebuilt only when the markers lane is."""
        from annotator.analysis.dialogue import SpanIndex

        self.ensure()
        index = self.indexes.get(MARKERS_KEY)
        if self._dialogue is None or self._dialogue[0] is not index:
            ms = self.project.markers
            spans = (
                []
                if index is None
                else [
                    (ms[i].start_frame, ms[i].end_frame, i)
                    for i in index.ids
                    if i in ms and ms[i].kind is MarkerKind.DIALOGUE
                ]
            )
            self._dialogue = (index, SpanIndex(spans))
        return self._dialogue[1]

    # ------------------------------------------------------------------ overlay lanes
    def add_overlay(self, source: OverlaySource) -> LaneKey:
        """Show ``source`` as a lane under the markers (only while it has items)."""
        key = overlay_key(source.name)
        if key in self.overlays:
            self.remove_overlay(key)
        self.overlays[key] = source
        self._unsubscribe[key] = connect_changed(source, lambda: self._touch((key,), True))
        self._touch((key,), layout=True)
        return key

    def remove_overlay(self, key: LaneKey) -> None:
        if self.overlays.pop(key, None) is not None:
            self._unsubscribe.pop(key)()
            self.indexes.pop(key, None)
            self._touch((), layout=True)

    # ------------------------------------------------------------------ queries
    def ensure(self) -> None:
        """Rebuild whatever an edit made stale; cheap when nothing changed."""
        if self._layout_dirty:
            self._rebuild_layout()
        if self._dirty:
            for key in self._dirty:
                self._rebuild_lane(key)
            self._dirty.clear()

    def timebase(self) -> Timebase:
        """The media's timebase, kept until the media changes: the project builds a nominal
        one per call, a frame-count-long loop, and micro/macro is asked per painted bar."""
        if self._timebase is None:
            tb = self._indexing
            if tb is None or not self._length_unknown():
                tb = self.project.timebase(self.media_id)
            self._timebase = tb
        return self._timebase

    def invalidate_timebase(self, *_args: object) -> None:
        self._timebase = None
        self.revision += 1

    def _length_unknown(self) -> bool:
        """The project does not know this video's length yet (frame count 0, no table)."""
        media = self.project.media.get(self.media_id)
        return (
            media is not None
            and media.frame_count <= 0
            and not self.project.has_real_timebase(self.media_id)
        )

    def set_indexing_timebase(self, timebase: Timebase | None) -> bool:
        """Draw with ``timebase`` (the frames indexed so far) instead of the project's
        until it is ``None`` again; True when that changed what is drawn."""
        if timebase is self._indexing:
            return False
        self._indexing = timebase
        self.invalidate_timebase()
        return True

    def lane(self, key: LaneKey) -> Lane | None:
        return next((ln for ln in self.lanes if ln.key == key), None)

    def add_au_lane(self, face: str, au: int) -> None:
        if au not in self.extra_aus[face]:
            self.extra_aus[face].add(au)
            self._layout_dirty = True
            self.revision += 1

    def set_collapsed(self, face: str, collapsed: bool) -> None:
        (self.collapsed.add if collapsed else self.collapsed.discard)(face)
        self._dirty.add(face_key(face))
        self._layout_dirty = True
        self.revision += 1

    # ------------------------------------------------------------------ building
    @staticmethod
    def lane_key_of(event: Event) -> LaneKey:
        return event.lane_key

    def _keys_of(self, event: Event) -> tuple[LaneKey, LaneKey]:
        return event.lane_key, face_key(event.face)

    def _rebuild_all(self) -> None:
        """:meth:`_build_all` with the cyclic garbage collector paused: the build allocates
        a tuple per event, and with a million events alive every collection it triggers
        walks them all (measured: 13.7 s instead of ~3 s at 1M events). Nothing built here
        forms a cycle, so pausing frees nothing late."""
        paused = gc.isenabled()
        gc.disable()
        try:
            self._build_all()
        finally:
            if paused:
                gc.enable()

    def _build_all(self) -> None:
        """Every lane from the project in one pass: events grouped by (face, kind, AU)
        with their frames, so each lane's index is one C-level sort of tuples (a
        1,000,000-event project opens in seconds, not by a set insert per event and a
        second pass per lane)."""
        # keyed on plain values: hashing an Enum member runs Python code, per event
        groups: dict[tuple[str, int | None, str], list[tuple[int, int, int]]] = {}
        au_kind, emotion_kind = EventKind.AU, EventKind.EMOTION
        mid = self.media_id
        for e in self.project.events.values():
            if e.media == mid:
                k = e.kind
                gk = (
                    e.face,
                    e.au,
                    "au" if k is au_kind else "emotion" if k is emotion_kind else k.value,
                )
                g = groups.get(gk)
                if g is None:
                    g = groups[gk] = []
                g.append((e.onset_frame, e.offset_frame, e.id))
        self._members.clear()
        self.indexes.clear()
        self._overlaps.clear()
        self.duplicates = set()
        self._dirty = set(self.overlays)
        for (face, au, kind), items in groups.items():
            key: LaneKey = (face, f"au:{au}") if kind == EventKind.AU.value else (face, kind)
            ids = {t[2] for t in items}
            self._members[key] = ids
            self._members[face_key(face)] |= ids
            index = LaneIndex(items)
            self.indexes[key] = index
            if kind == EventKind.AU.value:
                self._flag_duplicates(key, index, items)
            self._dirty.add(face_key(face))
        for m in self.project.markers.values():
            if m.media == self.media_id and m.kind is not MarkerKind.CUT:
                self._members[MARKERS_KEY].add(m.id)
        self._dirty.add(MARKERS_KEY)
        self._layout_dirty = True
        self.revision += 1

    def event_count(self, face: str) -> int:
        return len(self._members.get(face_key(face), ()))

    def _rebuild_lane(self, key: LaneKey) -> None:
        source = self.overlays.get(key)
        if source is not None:
            items = source.items()
            self.indexes[key] = LaneIndex(
                (it.start_frame, it.end_frame, i) for i, it in enumerate(items)
            )
            return
        ids = self._members.get(key)
        if key[1] == "face" and key[0] not in self.collapsed:
            # the all-events row of a face is only drawn while the face is collapsed; an
            # expanded face would pay for re-sorting all its events on every edit
            self.indexes.pop(key, None)
            return
        if not ids:
            self.indexes.pop(key, None)
            self._members.pop(key, None)
            self._flag_duplicates(key, None)
            return
        if key == MARKERS_KEY:
            ms = self.project.markers
            self.indexes[key] = LaneIndex((ms[i].start_frame, ms[i].end_frame, i) for i in ids)
            return
        evs = self.project.events
        index = LaneIndex((evs[i].onset_frame, evs[i].offset_frame, i) for i in ids)
        self.indexes[key] = index
        if key[1].startswith("au:"):
            self._flag_duplicates(key, index)

    def _flag_duplicates(
        self, key: LaneKey, index: LaneIndex | None, items: list[tuple[int, int, int]] | None = None
    ) -> None:
        """Same-AU events on one face lane that overlap another (the model's
        overlapping_duplicates, per lane; edits then update it in O(overlaps))."""
        old = self._overlaps.pop(key, None)
        if old is not None:
            self.duplicates -= old.flagged()
        if index is None:
            return
        lane = LaneOverlaps(
            items
            if items is not None
            else zip(index.onsets, index.offsets, index.ids, strict=True),
            flagged_sorted(index.onsets, index.offsets, index.ids),
        )
        self._overlaps[key] = lane
        self.duplicates |= lane.flagged()

    def _edit_lane(self, key: LaneKey, event: Event, add: bool) -> None:
        """One event in or out of a lane: the lane's index and duplicate flags follow in
        place (O(log n) plus the events it overlaps) instead of a rebuild of the lane."""
        index = self.indexes.get(key)
        if index is None or key in self._dirty:
            self._dirty.add(key)
            return
        if add:
            index.insert(event.onset_frame, event.offset_frame, event.id)
        elif not index.remove(event.onset_frame, event.offset_frame, event.id):
            self._dirty.add(key)
            return
        lane = self._overlaps.get(key)
        if lane is None:
            return
        changed = (
            lane.add(event.onset_frame, event.offset_frame, event.id)
            if add
            else lane.remove(event.id)
        )
        for eid in changed:
            if eid in lane.flags:
                self.duplicates.add(eid)
            else:
                self.duplicates.discard(eid)

    def _rebuild_layout(self) -> None:
        rows = []
        for f in self.project.faces.values():
            aus = {
                int(k[1][3:])
                for k, ids in self._members.items()
                if ids and k[0] == f.id and k[1].startswith("au:")
            }
            rows.append(FaceRow(f.id, f.name, f.colour, tuple(sorted(aus | self.extra_aus[f.id]))))
        if self.curves is not None:
            rows = [
                dataclasses.replace(r, curves=tuple(self.curves.shown_names(r.id))) for r in rows
            ]
        overlays = [(key, src.title()) for key, src in self.overlays.items() if src.items()]
        wave = self.waveform
        audio = wave.title() if wave is not None and wave.visible else None
        self.lanes = layout_lanes(rows, self.collapsed, overlays, audio)
        self._layout_dirty = False

    def _touch(self, keys: tuple[LaneKey, ...], layout: bool = False) -> None:
        self._dirty.update(keys)
        if layout:
            self._layout_dirty = True
        self.revision += 1

    # ------------------------------------------------------------------ model signals
    def _on_project_event_added(self, event: Event) -> None:
        if event.media != self.media_id:
            return
        keys = self._keys_of(event)
        new_lane = event.lane_key not in self._members
        for k in keys:
            self._members[k].add(event.id)
            self._edit_lane(k, event, True)
        self._touch((), layout=new_lane and event.kind is EventKind.AU)

    def _on_project_event_removed(self, event: Event) -> None:
        if event.media != self.media_id:
            return
        keys = self._keys_of(event)
        for k in keys:
            self._members[k].discard(event.id)
            self._edit_lane(k, event, False)
        gone = not self._members.get(event.lane_key)
        if gone:
            self._dirty.add(event.lane_key)  # the lane goes: drop its index
        self._touch((), layout=gone and event.kind is EventKind.AU)

    def _on_project_event_changed(self, event: Event, old: Event) -> None:
        self._on_project_event_removed(old)
        self._on_project_event_added(event)

    def _on_project_structure_changed(self, _item: Face | Marker) -> None:
        self._rebuild_all()

    def _on_project_face_changed(self, face: Face, old: Face) -> None:
        if (face.name, face.colour) != (old.name, old.colour):
            self._layout_dirty = True
        self.revision += 1

    def _on_project_marker_changed(self, marker: Marker, old: Marker) -> None:
        self._members[MARKERS_KEY].discard(old.id)
        if marker.media == self.media_id and marker.kind is not MarkerKind.CUT:
            self._members[MARKERS_KEY].add(marker.id)
        self._touch((MARKERS_KEY,))
