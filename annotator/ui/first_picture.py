"""The first picture of ``python run.py VIDEO`` (issue 19 item 1).

:mod:`annotator.playback.preopen` opened the video (container, frame 0) on a thread while
the window's modules imported. :func:`show_preopened` paints that source's frame 0 in the
player's view at once (the exact decode at the view's size, what the player's own open
shows), before the documents' modules (project files, saving) are imported; the project
on the video is made right after the picture is on screen (:func:`open_shown_video`,
from ``MainWindow.finish_startup``, before any key is delivered), and the player takes
the same source over: the video is opened once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop

from annotator.playback import preopen

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow
    from annotator.ui.player import PlayerWidget

log = logging.getLogger(__name__)


def show_preopened(player: PlayerWidget, path: Path) -> bool:
    """Paint frame 0 of the source opened for ``path``; False when there is none (then
    the documents open the file as always, and word any problem)."""
    src = preopen.peek(path)
    if src is None:
        return False
    view = player.frame_view
    view.set_video_size(src.width, src.height)
    try:
        image = src.frame(0, size=view.display_size())
    except Exception:  # noqa: BLE001 - a broken frame 0: the documents' open words it
        log.warning("%s: frame 0 could not be shown at once", path, exc_info=True)
        return False
    view.set_frame_image(0, image)
    return True


def open_shown_video(window: MainWindow, video: Path) -> None:
    """The documents' open of ``video`` (a new project on it, or the project file next to
    it); the player takes the pre-opened source over, its index starts on the next turn."""
    window.documents.open_path(video)
    QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    if window.controller.source is None:  # not opened after all: no picture without it
        view = window.player_widget.frame_view
        view.set_frame_image(None, None)
        view.set_message("No video")
    preopen.discard(video)  # not taken (the project shows another take): closed
