"""The take switch of a window: which video of the project is shown, opened through the
one path that keeps the player, the project's timebase and every component on the same
take (the documents controller's half about takes; see :mod:`annotator.ui.documents`)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.io.media_link import resolve
from annotator.model import ModelError, Project
from annotator.ui.background import release_builds
from annotator.ui.media_index import apply_index, shown_media

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from annotator.ui.context import AppContext
    from annotator.workspace import Workspace


class TakeSwitch:
    """Methods of DocumentController about the take on screen."""

    if TYPE_CHECKING:
        ctx: AppContext
        workspace: Workspace
        media_indexed: SignalInstance
        _pending_source: tuple[str, Any] | None

    def open_first_media(self) -> None:
        first = self._remembered_media(self.workspace.project)
        if first is None:
            return
        try:
            self.open_media(first)
        except ModelError as e:  # a missing video must not stop the project opening
            # (status bar only: the user has just declined to relink it)
            self.ctx.show_message(str(e), 8000)
            if self.ctx.controller is not None:
                self.ctx.controller.close()  # never leave the previous project's video up
            # Components still follow the take, so its events show without a picture.
            self.set_current_media(first)

    def open_media(self, media_id: str) -> None:
        """Show take ``media_id``: open its video in the player, attach its real timebase,
        make it the current media (``workspace.events.media_switched``).

        The one place that switches takes, so the player, the timeline, new events, face
        boxes, notes and analysis can never disagree about which video they work on.
        Raises ``ModelError`` when the take is unknown or its video cannot be opened (the
        player and every component keep the take they had)."""
        project = self.workspace.project
        media = project.media.get(media_id)
        if media is None:
            raise ModelError(f"no media {media_id!r}")
        controller = self.ctx.controller
        if controller is not None:
            video = resolve(media, self.workspace.file)
            if not video.is_file():
                raise ModelError(f"{video}: video not found")
            controller.pause()
            pending = self._pending_source
            # the same file (the record keeps the resolved path; the user may open a link)
            same = pending is not None and os.path.realpath(pending[0]) == os.path.realpath(video)
            opened_src = pending[1] if pending is not None and same else None
            self._pending_source = None
            try:
                opened = controller.open(str(video), source=opened_src)
            except Exception as e:  # a broken decoder raises anything: one error type out
                raise ModelError(f"{video}: {e}") from e
            if not opened:
                raise ModelError(f"{video}: cannot open")
            if controller.source is not None:  # else when the index is done
                apply_index(self.workspace, media_id, controller.source)
        self.set_current_media(media_id)

    def _on_index_progressed(self, progress: Any) -> None:
        """The player's video finished indexing: the project gets its real timebase."""
        controller = self.ctx.controller
        if not progress.done or controller is None or controller.source is None:
            return
        release_builds()  # the views of a large project opening wait for the index
        media_id = shown_media(self.workspace, controller)
        if media_id is not None and apply_index(self.workspace, media_id, controller.source):
            self.media_indexed.emit(media_id)

    def _drop_pending_source(self) -> None:
        if self._pending_source is not None:
            _path, src = self._pending_source
            self._pending_source = None
            src.close()

    def set_current_media(self, media_id: str) -> None:
        self._remember_media(media_id)
        self.workspace.set_media(media_id)
        if len(self.workspace.project.media) > 1:
            self.ctx.show_message(f"Showing {self.take_label()}", 6000)

    def take_label(self) -> str:
        """'take m2 (b.mp4)': which video is open, for the title and status bar."""
        mid = self.workspace.media_id
        media = self.workspace.project.media.get(mid) if mid else None
        return f"take {media.id} ({Path(media.path).name})" if media else ""

    def _media_settings_key(self, path: Path | None = None) -> str | None:
        path = path if path is not None else self.workspace.path
        if path is None:
            return None
        digest = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()
        return f"last_media/{digest[:16]}"

    def _remembered_id(self, path: Path) -> str | None:
        """The take id last open for the project file ``path`` (read on the GUI thread)."""
        key = self._media_settings_key(path)
        last = self.ctx.settings.value(key) if key is not None else None
        return last if isinstance(last, str) else None

    def _remember_media(self, media_id: str) -> None:
        key = self._media_settings_key()
        if key is not None:
            self.ctx.settings.setValue(key, media_id)

    def _remembered_media(self, project: Project) -> str | None:
        """The take last open for this project file (if it still has it), else the first."""
        path = self.workspace.path
        return first_media(project, self._remembered_id(path) if path is not None else None)


def first_media(project: Project, remembered: str | None) -> str | None:
    """The take a project opens on: the one remembered (if it still has it), else its first."""
    if remembered is not None and remembered in project.media:
        return remembered
    primary = project.primary_media
    return primary.id if primary is not None else None
