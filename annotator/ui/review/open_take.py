"""Open one take of the project in the main player and code on it.

The main window's player, timeline and coding keys work on one media at a time. Switching
takes has to move all three together, or events typed on take 2's frames would be stored
against take 1: this module is the one place that does it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.model import ModelError


def code_take(window: Any, media_id: str) -> None:
    """Open ``media_id`` in ``window``'s player; its timeline lanes and new events follow.

    Raises ``ModelError`` when the take is unknown or its video cannot be opened (the
    player keeps the take it had)."""
    from annotator.io.media_link import resolve

    project = window.project
    media = project.media.get(media_id)
    if media is None:
        raise ModelError(f"no media {media_id!r}")
    controller = getattr(window, "controller", None)
    if controller is not None:
        base: Path | None = window.project_path or getattr(window, "_suggested_path", None)
        video = resolve(media, base)
        if not video.is_file():
            raise ModelError(f"{video}: video not found")
        controller.pause()
        if not controller.open(str(video)):
            raise ModelError(f"{video}: cannot open")
        if controller.source is not None:
            project.set_timebase(media_id, controller.source.timebase)
    coding = getattr(window, "coding", None)
    if coding is not None:
        coding.session.set_media(media_id)
        coding.timeline.set_media(media_id)


def coded_media(window: Any) -> str | None:
    """The media the main window's timeline shows (None without a timeline)."""
    coding = getattr(window, "coding", None)
    return coding.timeline.media_id if coding is not None else None
