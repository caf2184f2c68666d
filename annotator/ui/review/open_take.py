"""Open one take of the project in the main player and code on it.

The main window owns the notion of the current media (``MainWindow.open_media`` and its
``media_switched`` signal): the player, timeline, coding keys, face boxes, notes and
analysis all follow it. This module is the takes window's way in, so the "Code" button
goes through the same switch as everything else.
"""

from __future__ import annotations

from typing import Protocol


class TakeSwitch(Protocol):
    """What can switch the take on screen (the main window)."""

    def open_media(self, media_id: str) -> None: ...

    @property
    def current_media_id(self) -> str | None: ...


def code_take(window: TakeSwitch, media_id: str) -> None:
    """Open ``media_id`` in ``window``'s player; everything that works on the video on
    screen follows (through ``window.media_switched``).

    Raises ``ModelError`` when the take is unknown or its video cannot be opened (the
    window keeps the take it had)."""
    window.open_media(media_id)


def coded_media(window: TakeSwitch) -> str | None:
    """The media open in the main window (None before a project with media is open)."""
    return window.current_media_id
