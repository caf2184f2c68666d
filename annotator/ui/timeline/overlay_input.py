"""What clicks and keys on an overlay lane mean: select the item, seek, let the source act.

The canvas forwards here so it stays a thin dispatcher; the source (candidates, cuts)
decides what a key does, the player owns the frame (``seek_requested``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from annotator.ui.timeline.overlays import OverlaySource
from annotator.ui.timeline.view import Hit, Region

if TYPE_CHECKING:
    from annotator.ui.timeline.canvas import TimelineCanvas

_BLOCKING = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def selected_source(canvas: TimelineCanvas) -> OverlaySource | None:
    key = canvas.selection.lane
    return canvas.cache.overlays.get(key) if key else None


def press(canvas: TimelineCanvas, hit: Hit) -> None:
    """A click on an overlay lane: the lane becomes the selected one (so A/R reach its
    source), events are deselected, and a click on an item selects it and seeks to it."""
    assert hit.lane is not None
    canvas.selection.clear()
    canvas.selection.set_lane(hit.lane.key)
    source = canvas.cache.overlays.get(hit.lane.key)
    if source is None:
        return
    if hit.region is Region.ITEM and hit.event_id is not None:
        items = source.items()
        if 0 <= hit.event_id < len(items):
            source.select(hit.event_id)
            canvas.seek_requested.emit(items[hit.event_id].start_frame)
    else:
        canvas.seek_requested.emit(hit.frame)


def key(canvas: TimelineCanvas, event: QKeyEvent) -> bool:
    """A plain letter while an overlay lane is selected goes to its source first."""
    source = selected_source(canvas)
    text = event.text().lower()
    if source is None or not text.isalpha() or event.modifiers() & _BLOCKING:
        return False
    return bool(source.handle_key(source.current(), text))


def tooltip(canvas: TimelineCanvas, hit: Hit) -> str:
    assert hit.lane is not None and hit.event_id is not None
    source = canvas.cache.overlays.get(hit.lane.key)
    if source is None or not 0 <= hit.event_id < len(source.items()):
        return ""
    it = source.items()[hit.event_id]
    frames = (
        f"frame {it.start_frame}"
        if it.start_frame == it.end_frame
        else f"frames {it.start_frame}–{it.end_frame}"
    )
    apex = f", apex {it.apex_frame}" if it.apex_frame is not None else ""
    return f"{hit.lane.label}: {it.label} · {frames}{apex} · {it.state.value}"
