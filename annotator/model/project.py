"""The project: one video study with faces, events and markers, edited only through methods.

Every mutator validates, changes one thing, and announces it with a past-tense signal
carrying the new and old values, so undo commands can wrap each call and views can follow
without rescanning the project.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from annotator.model.entities import (
    FACE_COLOURS,
    Curve,
    Event,
    EventKind,
    Face,
    FaceBox,
    Marker,
    Media,
    Vocabulary,
)
from annotator.model.signals import Signal
from annotator.model.team import Dispute, TeamInfo
from annotator.model.timebase import Timebase, scale_of

SCHEMA_VERSION = 2
#: What a snapshot shares with the live project until the live one edits it (the curves
#: list is only ever replaced whole, so it is shared as it is; the small vocabulary is
#: copied).
SHARED_CONTAINERS = ("media", "faces", "events", "markers", "disputes")


class ModelError(ValueError):
    """An edit the model refuses; the message is fit to show a user."""


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


class Project:
    def __init__(self, title: str = "Untitled", annotator: str = "") -> None:
        self.schema_version = SCHEMA_VERSION
        self.title = title
        self.annotator = annotator
        self.created = _now()
        self.modified = self.created
        self.media: dict[str, Media] = {}
        self.faces: dict[str, Face] = {}
        self.events: dict[int, Event] = {}
        self.markers: dict[int, Marker] = {}
        self.curves: list[Curve] = []
        self.vocabulary = Vocabulary()
        self.team: TeamInfo | None = None  # gold projects: the coders' files and merge rule
        self.disputes: dict[int, Dispute] = {}
        self._timebases: dict[str, Timebase] = {}
        self._nominal_timebases: dict[str, tuple[tuple[int, Fraction], Timebase]] = {}
        self.revision = 0  # bumps on every change; saving records the revision it wrote
        self.saved_revision = 0
        self._max_event_id: int | None = None
        # containers a live snapshot also holds: name -> [container, snapshots holding it]
        self._shared: dict[str, list[Any]] = {}

        self.event_added = Signal("event_added")  # (event)
        self.event_changed = Signal("event_changed")  # (event, old)
        self.event_removed = Signal("event_removed")  # (event)
        self.face_added = Signal("face_added")
        self.face_changed = Signal("face_changed")  # (face, old)
        self.face_removed = Signal("face_removed")
        self.marker_added = Signal("marker_added")
        self.marker_changed = Signal("marker_changed")  # (marker, old)
        self.marker_removed = Signal("marker_removed")
        self.media_added = Signal("media_added")
        self.media_changed = Signal("media_changed")  # (media, old)
        self.media_removed = Signal("media_removed")  # (media)
        self.curves_changed = Signal("curves_changed")
        self.vocabulary_changed = Signal("vocabulary_changed")
        self.dispute_changed = Signal(
            "dispute_changed"
        )  # (dispute or None if removed, old or None)
        self.changed = Signal("changed")  # () after any of the above

    # ---------------------------------------------------------------- snapshots
    def share_containers(self) -> dict[str, Any]:
        """The containers as they are, for a snapshot to hold (copy on write): the next
        edit of each copies it first, once, so a snapshot of a million events costs
        nothing to take and the edits pay only for what they change.
        :meth:`release_containers` when the snapshot is gone."""
        held = {name: getattr(self, name) for name in SHARED_CONTAINERS}
        for name, value in held.items():
            entry = self._shared.get(name)
            if entry is not None and entry[0] is value:
                entry[1] += 1
            else:
                self._shared[name] = [value, 1]
        return held

    def release_containers(self, held: dict[str, Any]) -> None:
        """A snapshot holding ``held`` is gone (any thread: only counts change)."""
        for name, value in held.items():
            entry = self._shared.get(name)
            if entry is not None and entry[0] is value:
                entry[1] -= 1
                if entry[1] <= 0:
                    self._shared.pop(name, None)

    def _own(self, name: str) -> None:
        """Before an edit of container ``name``: copy it when a snapshot holds it."""
        entry = self._shared.pop(name, None)
        if entry is None or entry[0] is not getattr(self, name):
            return
        setattr(self, name, dict(entry[0]))

    # ---------------------------------------------------------------- bookkeeping
    def _touch(self) -> None:
        self.revision += 1
        self.modified = _now()
        self.changed.emit()

    @property
    def dirty(self) -> bool:
        """Changed since it was loaded or last saved."""
        return self.revision != self.saved_revision

    def next_event_id(self) -> int:
        """max(id) + 1, kept incrementally: adding 100,000 events must not be quadratic."""
        if self._max_event_id is None:
            self._max_event_id = max(self.events, default=0)
        return self._max_event_id + 1

    def next_marker_id(self) -> int:
        return max(self.markers, default=0) + 1

    def next_face_id(self) -> str:
        for i in range(26 * 27):
            fid = chr(65 + i % 26) + (str(i // 26) if i >= 26 else "")
            if fid not in self.faces:
                return fid
        raise ModelError("too many faces")

    # ---------------------------------------------------------------- media
    def add_media(self, media: Media, index: int | None = None) -> Media:
        """Add ``media`` last, or at ``index`` (undo of a removal keeps the order, and with
        it which media is primary and the saved file)."""
        if media.id in self.media:
            raise ModelError(f"media id {media.id!r} already exists")
        self._own("media")
        self.media[media.id] = media
        if index is not None and 0 <= index < len(self.media) - 1:
            items = list(self.media.items())
            items.insert(index, items.pop())
            self._own("media")
            self.media.clear()
            self.media.update(items)
        self.media_added.emit(media)
        self._touch()
        return media

    def update_media(self, media_id: str, **changes: Any) -> tuple[Media, Media]:
        old = self._get_media(media_id)
        new = dataclasses.replace(old, **changes)
        self._own("media")
        self.media[media_id] = new
        if "frame_count" in changes:
            self._timebases.pop(media_id, None)
        self.media_changed.emit(new, old)
        self._touch()
        return new, old

    def media_references(self, media_id: str) -> list[str]:
        """What still points at ``media_id`` (events, markers, face boxes, curves), as
        short phrases; removing a media while any remain would orphan coded work."""
        found = []
        counts = (
            ("event", sum(e.media == media_id for e in self.events.values())),
            ("marker", sum(m.media == media_id for m in self.markers.values())),
            ("face box", sum(b.media == media_id for f in self.faces.values() for b in f.boxes)),
            ("curve", sum(c.media == media_id for c in self.curves)),
        )
        for what, n in counts:
            if n:
                found.append(
                    f"{n} {what}{'es' if what.endswith('x') else 's'}" if n > 1 else f"1 {what}"
                )
        return found

    def remove_media(self, media_id: str) -> tuple[Media, int]:
        """Take a media out of the project (undo of adding a take); returns it and its
        position so ``add_media(media, index=...)`` puts it back where it was. Refused
        for the only media (every project has one video) and while anything references
        it: the caller removes or moves that work first."""
        media = self._get_media(media_id)
        if len(self.media) == 1:
            raise ModelError(f"{media_id!r} is the project's only media")
        refs = self.media_references(media_id)
        if refs:
            raise ModelError(f"media {media_id!r} is still used by {', '.join(refs)}")
        index = list(self.media).index(media_id)
        self._own("media")
        del self.media[media_id]
        self._timebases.pop(media_id, None)
        self._nominal_timebases.pop(media_id, None)
        self.media_removed.emit(media)
        self._touch()
        return media, index

    @property
    def primary_media(self) -> Media | None:
        return next(iter(self.media.values()), None)

    def next_media_id(self) -> str:
        i = 1
        while f"m{i}" in self.media:
            i += 1
        return f"m{i}"

    def _get_media(self, media_id: str) -> Media:
        try:
            return self.media[media_id]
        except KeyError:
            raise ModelError(f"no media {media_id!r}") from None

    def set_timebase(self, media_id: str, timebase: Timebase) -> None:
        """Attach the real frame timestamps the media engine read (not saved)."""
        self._timebases[media_id] = timebase

    def timebase(self, media_id: str | None = None) -> Timebase:
        """Real timestamps when the engine supplied them, else the nominal rate."""
        mid = media_id or (self.primary_media.id if self.primary_media else "")
        if mid in self._timebases:
            return self._timebases[mid]
        m = self.media.get(mid)
        if m is None:
            return Timebase.nominal(1, Fraction(25))
        # Building a nominal timebase loops over every frame; views ask per event (micro or
        # macro, durations), so keep it until the frame count or rate changes.
        key = (max(m.frame_count, 1), m.fps)
        cached = self._nominal_timebases.get(mid)
        if cached is None or cached[0] != key:
            cached = (key, Timebase.nominal(*key))
            self._nominal_timebases[mid] = cached
        return cached[1]

    def has_real_timebase(self, media_id: str) -> bool:
        return media_id in self._timebases

    # ---------------------------------------------------------------- faces
    def add_face(self, face: Face | None = None, *, name: str = "", colour: str = "") -> Face:
        if face is None:
            fid = self.next_face_id()
            colour = colour or FACE_COLOURS[len(self.faces) % len(FACE_COLOURS)]
            face = Face(fid, name or f"Face {fid}", colour)
        if face.id in self.faces:
            raise ModelError(f"face {face.id!r} already exists")
        if not face.id.strip():
            raise ModelError("a face needs an id")
        self._own("faces")
        self.faces[face.id] = face
        self.face_added.emit(face)
        self._touch()
        return face

    def update_face(self, face_id: str, **changes: Any) -> tuple[Face, Face]:
        old = self._get_face(face_id)
        if "id" in changes and changes["id"] != face_id:
            raise ModelError("a face id cannot change; merge faces instead")
        new = dataclasses.replace(old, **changes)
        self._own("faces")
        self.faces[face_id] = new
        self.face_changed.emit(new, old)
        self._touch()
        return new, old

    def remove_face(self, face_id: str) -> Face:
        face = self._get_face(face_id)
        if any(e.face == face_id for e in self.events.values()):
            raise ModelError(f"face {face_id!r} still has events; remove or move them first")
        self._own("faces")
        del self.faces[face_id]
        self.face_removed.emit(face)
        self._touch()
        return face

    def restore_face(self, face: Face, index: int) -> Face:
        """Put a removed face back at its old position (undo of remove or merge), so the
        face order, and with it the saved file, is exactly as before."""
        self.add_face(face)
        if 0 <= index < len(self.faces) - 1:
            items = list(self.faces.items())
            items.insert(index, items.pop())
            self._own("faces")
            self.faces.clear()
            self.faces.update(items)
        return face

    def set_face_box(
        self, face_id: str, box: FaceBox | None, *, media: str = "", frame: int = -1
    ) -> tuple[Face, Face]:
        """Set (or with ``box=None`` remove) the keyframe of a face on one frame."""
        face = self._get_face(face_id)
        key_media = box.media if box else media
        key_frame = box.frame if box else frame
        boxes = [b for b in face.boxes if not (b.media == key_media and b.frame == key_frame)]
        if box is not None:
            boxes.append(box)
        boxes.sort(key=lambda b: (b.media, b.frame))
        return self.update_face(face_id, boxes=tuple(boxes))

    def _get_face(self, face_id: str) -> Face:
        try:
            return self.faces[face_id]
        except KeyError:
            raise ModelError(f"no face {face_id!r}") from None

    # ---------------------------------------------------------------- events
    def check_event(self, event: Event) -> list[str]:
        """Hard problems that make an event invalid (empty when fine)."""
        problems = []
        if event.face not in self.faces:
            problems.append(f"unknown face {event.face!r}")
        if event.onset_frame < 0:
            problems.append("onset_frame must be >= 0")
        if event.onset_frame > event.offset_frame:
            problems.append("onset_frame must be <= offset_frame")
        if event.apex_frame is not None and not (
            event.onset_frame <= event.apex_frame <= event.offset_frame
        ):
            problems.append("apex_frame must lie between onset_frame and offset_frame")
        media = self.media.get(event.media)
        if media is None:
            problems.append(f"unknown media {event.media!r}")
        elif media.frame_count and event.offset_frame >= media.frame_count:
            problems.append(
                f"offset_frame {event.offset_frame} is past the last frame "
                f"({media.frame_count - 1})"
            )
        if event.kind is EventKind.AU and (event.au is None or not 0 <= event.au <= 99):
            problems.append("an AU event needs an AU number 0-99")
        if event.kind is EventKind.EMOTION and not event.emotion:
            problems.append("an emotion event needs a label")
        if event.confidence is not None and not 0.0 <= event.confidence <= 1.0:
            problems.append("confidence must be between 0 and 1")
        return problems

    def add_event(self, event: Event) -> Event:
        """Insert ``event``; id 0 asks for a fresh id. Re-adding a removed event keeps its id."""
        if event.id <= 0:
            event = dataclasses.replace(event, id=self.next_event_id())
        if event.id in self.events:
            raise ModelError(f"event {event.id} already exists")
        problems = self.check_event(event)
        if problems:
            raise ModelError(f"event {event.id}: " + "; ".join(problems))
        if event.kind is EventKind.EMOTION and event.emotion not in self.vocabulary.emotions:
            self.add_emotion_label(event.emotion or "")
        self._own("events")
        self.events[event.id] = event
        if self._max_event_id is not None and event.id > self._max_event_id:
            self._max_event_id = event.id
        self.event_added.emit(event)
        self._touch()
        return event

    def update_event(self, event_id: int, **changes: Any) -> tuple[Event, Event]:
        old = self._get_event(event_id)
        if "id" in changes and changes["id"] != event_id:
            raise ModelError("an event id cannot change")
        new = dataclasses.replace(old, **changes)
        problems = self.check_event(new)
        if problems:
            raise ModelError(f"event {event_id}: " + "; ".join(problems))
        if new.kind is EventKind.EMOTION and new.emotion not in self.vocabulary.emotions:
            self.add_emotion_label(new.emotion or "")
        self._own("events")
        self.events[event_id] = new
        self.event_changed.emit(new, old)
        self._touch()
        return new, old

    def replace_event(self, event: Event) -> tuple[Event, Event]:
        """Put a whole event value back (undo of an update)."""
        fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(Event)}
        fields.pop("id")
        return self.update_event(event.id, **fields)

    def remove_event(self, event_id: int) -> Event:
        event = self._get_event(event_id)
        self._own("events")
        del self.events[event_id]
        if event_id == self._max_event_id:
            self._max_event_id = None  # recomputed on the next request
        self.event_removed.emit(event)
        self._touch()
        return event

    def _get_event(self, event_id: int) -> Event:
        try:
            return self.events[event_id]
        except KeyError:
            raise ModelError(f"no event {event_id}") from None

    def events_of(
        self, face: str | None = None, kind: EventKind | None = None, media: str | None = None
    ) -> list[Event]:
        return sorted(
            (
                e
                for e in self.events.values()
                if (face is None or e.face == face)
                and (kind is None or e.kind is kind)
                and (media is None or e.media == media)
            ),
            key=lambda e: (e.onset_frame, e.offset_frame, e.id),
        )

    def aus_in_use(self, face: str | None = None) -> list[int]:
        return sorted(
            {
                e.au
                for e in self.events.values()
                if e.kind is EventKind.AU and e.au is not None and (face is None or e.face == face)
            }
        )

    def duration_s(self, event: Event) -> float:
        return self.timebase(event.media).duration_s(event.onset_frame, event.offset_frame)

    def scale(self, event: Event) -> str:
        return scale_of(self.duration_s(event))

    def overlapping_duplicates(self) -> list[tuple[int, int]]:
        """Pairs of AU events with the same AU on one face whose frames overlap."""
        out: list[tuple[int, int]] = []
        by_lane: dict[tuple[str, str, str], list[Event]] = {}
        for e in self.events.values():
            if e.kind is EventKind.AU:
                by_lane.setdefault((e.media, e.face, str(e.au)), []).append(e)
        for evs in by_lane.values():
            evs.sort(key=lambda e: (e.onset_frame, e.id))
            active: list[Event] = []
            for e in evs:
                active = [a for a in active if a.offset_frame >= e.onset_frame]
                out.extend((a.id, e.id) for a in active)
                active.append(e)
        return sorted(out)

    # ---------------------------------------------------------------- markers
    def add_marker(self, marker: Marker) -> Marker:
        if marker.id <= 0:
            marker = dataclasses.replace(marker, id=self.next_marker_id())
        if marker.id in self.markers:
            raise ModelError(f"marker {marker.id} already exists")
        if not 0 <= marker.start_frame <= marker.end_frame:
            raise ModelError(f"marker {marker.id}: start_frame must be <= end_frame and >= 0")
        self._own("markers")
        self.markers[marker.id] = marker
        self.marker_added.emit(marker)
        self._touch()
        return marker

    def update_marker(self, marker_id: int, **changes: Any) -> tuple[Marker, Marker]:
        old = self.markers.get(marker_id)
        if old is None:
            raise ModelError(f"no marker {marker_id}")
        new = dataclasses.replace(old, **changes)
        if not 0 <= new.start_frame <= new.end_frame:
            raise ModelError(f"marker {marker_id}: start_frame must be <= end_frame and >= 0")
        self._own("markers")
        self.markers[marker_id] = new
        self.marker_changed.emit(new, old)
        self._touch()
        return new, old

    def remove_marker(self, marker_id: int) -> Marker:
        self._own("markers")
        marker = self.markers.pop(marker_id, None)
        if marker is None:
            raise ModelError(f"no marker {marker_id}")
        self.marker_removed.emit(marker)
        self._touch()
        return marker

    # ---------------------------------------------------------------- curves, vocabulary
    def set_curves(self, curves: Iterable[Curve]) -> list[Curve]:
        old = self.curves
        self.curves = list(curves)
        self.curves_changed.emit()
        self._touch()
        return old

    def remove_emotion_label(self, label: str) -> None:
        """Take a label out of the vocabulary (undo of adding it); refused while in use."""
        if any(e.emotion == label for e in self.events.values()):
            raise ModelError(f"emotion {label!r} is still used by events")
        if label in self.vocabulary.emotions:
            self.vocabulary.emotions.remove(label)
            self.vocabulary_changed.emit()
            self._touch()

    def set_vocabulary(self, vocabulary: Vocabulary) -> Vocabulary:
        """Replace the vocabulary (a coding scheme's import); returns the old one. Labels
        still used by events must stay in it."""
        used = {e.emotion for e in self.events.values() if e.emotion}
        missing = sorted(used - set(vocabulary.emotions))
        if missing:
            raise ModelError(f"emotion {missing[0]!r} is still used by events")
        old = self.vocabulary
        self.vocabulary = vocabulary
        self.vocabulary_changed.emit()
        self._touch()
        return old

    def add_emotion_label(self, label: str) -> None:
        label = label.strip()
        if not label:
            raise ModelError("an emotion label cannot be empty")
        if label not in self.vocabulary.emotions:
            self.vocabulary.emotions.append(label)
            self.vocabulary_changed.emit()
            self._touch()

    # ---------------------------------------------------------------- disputes (gold projects)
    def set_dispute(self, dispute: Dispute) -> Dispute | None:
        """Add a dispute or replace it by id (settling, reopening); returns the old value."""
        old = self.disputes.get(dispute.id)
        self._own("disputes")
        self.disputes[dispute.id] = dispute
        self.dispute_changed.emit(dispute, old)
        self._touch()
        return old

    def remove_dispute(self, dispute_id: int) -> Dispute:
        """Take a dispute out (undo of a merge that brought it in); returns it."""
        if dispute_id not in self.disputes:
            raise ModelError(f"no dispute {dispute_id}")
        self._own("disputes")
        old = self.disputes.pop(dispute_id)
        self.dispute_changed.emit(None, old)
        self._touch()
        return old

    def set_header(self, title: str, annotator: str, team: TeamInfo | None) -> bool:
        """Title, annotator and team record at once (a merge taking the file's); a change
        moves the revision like any other. True when something changed."""
        if (title, annotator, team) == (self.title, self.annotator, self.team):
            return False
        self.title, self.annotator, self.team = title, annotator, team
        self._touch()
        return True

    def open_disputes(self) -> list[Dispute]:
        """Disputes still to settle, in time order (the adjudicator's next/previous)."""
        return sorted(
            (d for d in self.disputes.values() if d.open),
            key=lambda d: (d.media, d.span, d.face, d.id),
        )
