"""Overlay lanes: rows that other modules put on the timeline (candidates, cuts, ...).

The timeline owns events and markers; anything else worth seeing against time (spotted
candidates, shot boundaries, later a detector's output) arrives as an ``OverlaySource``: a
title, a list of ``OverlayItem`` and a ``changed`` notification. The timeline lays the
lane out, culls, paints and hit-tests it with the same geometry as event lanes, and hands
clicks and keys back to the source, which owns what they mean. Pure Python, so the layout
and hit rules are tested without Qt; a Qt ``Signal`` works as ``changed`` all the same.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from annotator.model.entities import Marker, MarkerKind
from annotator.model.project import Project
from annotator.model.signals import Signal
from annotator.ui.timeline.lanes import LaneKey

CUTS_KEY: LaneKey = ("", "overlay:cuts")


def overlay_key(name: str) -> LaneKey:
    """Overlay lanes have no face, so they sort with the project-wide rows at the top."""
    return ("", f"overlay:{name}")


class ItemState(enum.Enum):
    """How an item is drawn: pending items ask for a decision, decided ones step back."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MARK = "mark"  # a plain mark with nothing to decide (a cut)


class Style(enum.Enum):
    BARS = "bars"  # onset..offset bars with an apex tick
    LINES = "lines"  # one vertical line per item at its start frame (cuts)


@dataclass(frozen=True, slots=True)
class OverlayItem:
    start_frame: int
    end_frame: int  # inclusive
    apex_frame: int | None = None
    label: str = ""
    state: ItemState = ItemState.PENDING
    colour: str = "#c9a227"


@runtime_checkable
class OverlaySource(Protocol):
    """What a module supplies to get a lane: the timeline only reads and forwards."""

    name: str  # stable, unique: the lane key is ``overlay_key(name)``
    style: Style
    changed: Any  # anything with ``connect``/``disconnect`` of a no-argument callable

    def title(self) -> str: ...

    def items(self) -> Sequence[OverlayItem]: ...

    def current(self) -> int | None:
        """The item the source considers selected (drawn highlighted), if any."""
        ...

    def select(self, index: int) -> None:
        """The user clicked item ``index`` (the timeline seeks to its start itself)."""
        ...

    def handle_key(self, index: int | None, key: str) -> bool:
        """A key (lower-case text) while the lane is selected; True when it was used."""
        ...


class CutsSource:
    """Shot boundaries: the project's ``CUT`` markers of one media, numbered like the scene
    breakdown (a cut's frame is the first frame of shot ``n``; frame 0 starts shot 1)."""

    name = "cuts"
    style = Style.LINES

    def __init__(self, project: Project, media_id: str) -> None:
        self.project = project
        self.media_id = media_id
        self.changed = Signal("cuts_changed")
        self._items: list[OverlayItem] | None = None
        self._ids: list[int] = []
        self._current: int | None = None
        for sig in (project.marker_added, project.marker_removed):
            sig.connect(self._on_marker)
        project.marker_changed.connect(self._on_marker)

    def close(self) -> None:
        for sig in (
            self.project.marker_added,
            self.project.marker_removed,
            self.project.marker_changed,
        ):
            sig.disconnect(self._on_marker)

    def _on_marker(self, marker: Marker, old: Marker | None = None) -> None:
        if MarkerKind.CUT in (marker.kind, old.kind if old else None):
            self._items = None
            self.changed.emit()

    def title(self) -> str:
        n = len(self.items())
        return f"Cuts ({n})" if n else "Cuts"

    def marker_ids(self) -> list[int]:
        """Marker id of each item, in item order."""
        self.items()
        return self._ids

    def items(self) -> Sequence[OverlayItem]:
        if self._items is None:
            cuts = sorted(
                (m.start_frame, m.id)
                for m in self.project.markers.values()
                if m.kind is MarkerKind.CUT and m.media == self.media_id
            )
            starts = sorted({f for f, _ in cuts if f > 0})
            shot = {f: i + 2 for i, f in enumerate(starts)}
            self._ids = [mid for _, mid in cuts]
            self._items = [
                OverlayItem(f, f, None, str(shot.get(f, "")), ItemState.MARK, "#4de1ff")
                for f, _ in cuts
            ]
        return self._items

    def current(self) -> int | None:
        return self._current

    def select(self, index: int) -> None:
        self._current = index
        self.changed.emit()

    def handle_key(self, index: int | None, key: str) -> bool:
        return False


def connect_changed(source: OverlaySource, slot: Callable[[], None]) -> Callable[[], None]:
    """Subscribe ``slot`` to ``source.changed``; returns the function that unsubscribes."""

    def on_changed(*_args: Any) -> None:
        slot()

    source.changed.connect(on_changed)

    def undo() -> None:
        try:
            source.changed.disconnect(on_changed)
        except (RuntimeError, TypeError):  # a Qt source already deleted
            pass

    return undo
