"""The project's side of a video index built in a worker (issue 17 item 4, issue 19 item 1).

The player shows frame 0 while the frame index is still being built
(:mod:`annotator.playback.indexing`). Until it is complete the project keeps what it knew:

- a project's media record keeps its stored ``frame_count`` and the project its nominal
  timebase (a partial table is never attached: the timeline and the event checks would
  shrink to the frames indexed so far);
- a new project's media record gets ``frame_count`` 0 (unknown; the event checks then
  bound nothing and a save writes 0, never a partial count) and is filled in when the
  index is done, like a background sha256: not an edit, the saved state stays.

When the index is done the real timebase is attached (:func:`apply_index`) and the
document controller announces ``media_indexed`` so the views re-read the length.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from annotator.io.media_link import resolve
from annotator.model import Media
from annotator.workspace import Workspace


def index_complete(src: Any) -> bool:
    return bool(getattr(src, "index_complete", True))


def unknown_while_indexing(media: Media, src: Any) -> Media:
    """A new media record from a source still indexing: its frame count is not known yet."""
    return media if index_complete(src) else dataclasses.replace(media, frame_count=0)


def apply_index(workspace: Workspace, media_id: str, src: Any) -> bool:
    """Attach ``src``'s complete index to ``media_id``: its real timebase, and the frame
    count and VFR flag where the record does not know them. False while still indexing."""
    if not index_complete(src):
        return False
    project = workspace.project
    media = project.media.get(media_id)
    if media is None:
        return False
    if media.frame_count == 0:
        clean = not workspace.dirty
        project.update_media(media_id, frame_count=int(src.frame_count), vfr=bool(src.vfr))
        if clean:
            workspace.mark_saved()
    project.set_timebase(media_id, src.timebase)
    return True


def shown_media(workspace: Workspace, controller: Any) -> str | None:
    """The take whose video the player shows (``None`` when they do not match)."""
    mid = workspace.current_media_id
    if mid is None or controller is None or controller.path is None:
        return None
    media = workspace.project.media.get(mid)
    if media is None or str(resolve(media, workspace.file)) != str(Path(controller.path)):
        return None
    return mid
