"""Takes side by side: two or more videos of one scene, aligned on a sync frame each,
stepped, slowed down and looped together.

The shared position lives in :class:`~annotator.review.takes.TakesClock` (Qt-free); this
window owns one decoder per take, a timer that feeds the clock real elapsed time, and one
pane per take that shows the exact frame the clock asks for. Sync frames are edited with
undo commands (``SetSyncFrameCommand``); the panes follow ``media_changed``. Adding and
removing a take are undo commands too (``AddMediaCommand``/``RemoveMediaCommand``): the
window follows ``media_added``/``media_removed`` whichever way they happen. Under each
picture a compact timeline strip (``TakeStrip``) shows that take's own events.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QHideEvent,
    QKeyEvent,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.commands.review import (
    AddMediaCommand,
    RemoveMediaCommand,
    SetSyncFrameCommand,
)
from annotator.model import Media, ModelError, Project
from annotator.model.timecode import frame_to_smpte
from annotator.review.notes import notes_at
from annotator.review.sync import Take, offset_s
from annotator.review.takes import TakesClock
from annotator.ui.player.frame_view import FrameView
from annotator.ui.review.note_canvas import NoteCanvas, NoteOverlay
from annotator.ui.review.take_strip import TakeStrip

log = logging.getLogger(__name__)

TICK_MS = 15


class TakePane(QWidget):
    """One take: its picture, where it is, its sync frame (the spin box nudges it) and,
    given a project and undo stack, a strip of its own timeline lanes."""

    sync_edited = Signal(str, int)  # media id, new sync frame
    remove_requested = Signal(str)  # media id
    code_requested = Signal(str)  # media id: open it in the main window's player
    seek_requested = Signal(str, int)  # media id, a frame of this take
    shown = Signal(str)  # media id: laid out at its real size, about to be painted

    def __init__(
        self,
        media: Media,
        parent: QWidget | None = None,
        *,
        project: Project | None = None,
        stack: Any = None,
    ) -> None:
        super().__init__(parent)
        self.media_id = media.id
        self.fps = media.fps
        self.view = FrameView(self)
        self.view.set_video_size(media.width, media.height)
        self.notes = NoteCanvas(self.view)  # this take's own notes, in its video pixels
        self.notes.set_video_size((media.width, media.height))
        self.title = QLabel(
            f"<b>{media.id}</b> · {Path(media.path).name} · {float(media.fps):.3f} fps"
        )
        self.position = QLabel("")
        self.position.setObjectName("takePosition")
        self.position.setStyleSheet("font-family: monospace")
        self.sync = QSpinBox(self)
        self.sync.setRange(0, max(media.frame_count - 1, 0))
        self.sync.setValue(media.sync_frame or 0)
        self.sync.setPrefix("sync frame ")
        self.sync.setToolTip(
            "The frame this take is aligned on (the clap, the first word); "
            "the arrows nudge it one frame"
        )
        self.sync.setKeyboardTracking(False)
        self.sync.valueChanged.connect(lambda v: self.sync_edited.emit(self.media_id, v))
        self.remove = QPushButton("Remove", self)
        self.remove.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.remove.setToolTip(
            "Take this video out of the project (undoable; refused "
            "while events, notes or boxes are on it)"
        )
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self.media_id))
        self.code = QPushButton("Code", self)
        self.code.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.code.setToolTip(
            "Open this take in the main window: its timeline lanes, and new events are stored on it"
        )
        self.code.clicked.connect(lambda: self.code_requested.emit(self.media_id))
        self.strip: TakeStrip | None = None
        if project is not None and stack is not None:
            self.strip = TakeStrip(project, stack, media.id, self)
            self.strip.seek_requested.connect(lambda f: self.seek_requested.emit(self.media_id, f))
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.sync)
        head.addWidget(self.code)
        head.addWidget(self.remove)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(head)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.position)
        if self.strip is not None:
            lay.addWidget(self.strip)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)  # the view got its real size before this (pending resize)
        self.shown.emit(self.media_id)

    def show_frame(self, frame: int, image: Any, inside: bool) -> None:
        self.view.set_frame_image(frame, image)
        state = "" if inside else "  (outside this take: held)"
        self.position.setText(f"frame {frame}  {frame_to_smpte(frame, self.fps)}{state}")
        if self.strip is not None:
            self.strip.set_playhead(frame)

    def close_pane(self) -> None:
        if self.strip is not None:
            self.strip.close_strip()

    def set_sync(self, frame: int) -> None:
        self.sync.blockSignals(True)
        self.sync.setValue(frame)
        self.sync.blockSignals(False)


class TakesWindow(QWidget):
    """Top-level window; ``add_take`` probes a video and adds it to the project."""

    message = Signal(str)
    code_requested = Signal(str)  # media id (the main window opens it in its player)

    def __init__(
        self,
        project: Project,
        stack: Any,
        project_path: Path | None = None,
        parent: QWidget | None = None,
        *,
        app_shortcuts: list[QShortcut] | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        # The player's keys are application-wide: while this window is open they would
        # take Space and the arrows from it, so they rest until it closes. (Resting only
        # while it is the active window proved unreliable: activation is up to the window
        # manager and does not always follow a click.)
        self._app_shortcuts = list(app_shortcuts or [])
        self.setWindowTitle("Takes side by side — Facet")
        self.setObjectName("takesWindow")
        self.project = project
        self.stack = stack
        self.project_path = project_path
        self.sources: dict[str, Any] = {}
        self.panes: dict[str, TakePane] = {}
        self.clock: TakesClock | None = None
        self._elapsed = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

        self.grid = QGridLayout()
        self.status = QLabel("")
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, tip, slot in (
            ("first", "|◀", "First frame of the lead take", lambda: self._seek(0)),
            ("back", "◀", "Previous frame (Left)", lambda: self.step(-1)),
            ("play", "Play", "Play / pause together (Space)", self.toggle_play),
            ("forward", "▶", "Next frame (Right)", lambda: self.step(1)),
            ("slower", "Slower", "Halve the speed (down to 1/8x)", self._on_slower),
            ("faster", "Faster", "Double the speed (up to 2x)", self._on_faster),
            ("loop_a", "Loop A", "Loop from this frame ([)", lambda: self._loop_end(0)),
            ("loop_b", "Loop B", "Loop to this frame (])", lambda: self._loop_end(1)),
            ("loop_all", "Loop all", "Loop where every take has pictures", self._on_loop_all),
            ("no_loop", "No loop", "Stop looping", self._on_no_loop),
            (
                "sync_here",
                "Sync all here",
                "Make the frames shown now the sync frames",
                self.sync_all_here,
            ),
            (
                "add",
                "Add take…",
                "Add another video of the scene to the project",
                self._on_add_clicked,
            ),
        ):
            b = QPushButton(text, self)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and arrows stay with the window
            b.setToolTip(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
            self.buttons[key] = b
        bar.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addLayout(self.grid, 1)
        lay.addWidget(self.status)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        project.media_changed.connect(self._on_project_media_changed)
        project.media_added.connect(self._on_project_media_added)
        project.media_removed.connect(self._on_project_media_removed)
        for sig in (project.marker_added, project.marker_changed, project.marker_removed):
            sig.connect(self._on_project_markers_changed)
        self.rebuild()

    # -- takes ---------------------------------------------------------------------------
    def _open_source(self, media: Media) -> Any:
        from annotator.io.media_link import resolve
        from annotator.media import FrameSource

        path = resolve(media, self.project_path)
        if not path.is_file():
            raise ModelError(f"{path}: video not found")
        src = FrameSource(path, prefetch=False)
        self.project.set_timebase(media.id, src.timebase)
        return src

    def rebuild(self) -> None:
        """One pane per project media, lead first; keeps the lead on its frame."""
        keep = self.clock.lead_frame if self.clock is not None else None
        loop = self.clock.loop if self.clock is not None else None
        rate = self.clock.rate if self.clock is not None else 1.0
        for mid, media in self.project.media.items():
            if mid not in self.sources:
                try:
                    self.sources[mid] = self._open_source(media)
                except Exception as e:  # noqa: BLE001 - a missing take must not stop the rest
                    self.message.emit(str(e))
                    self.status.setText(str(e))
                    continue
            if mid not in self.panes:
                pane = TakePane(media, self, project=self.project, stack=self.stack)
                pane.sync_edited.connect(self.set_sync)
                pane.remove_requested.connect(self.remove_take)
                pane.seek_requested.connect(self.seek_take)
                pane.code_requested.connect(self.code_requested)
                pane.shown.connect(lambda mid: self.refresh(only=mid))
                self.panes[mid] = pane
        for gone in [mid for mid in self.panes if mid not in self.project.media]:
            self._drop_pane(gone)
        for pane in self.panes.values():  # re-flow: a removed take leaves no hole
            self.grid.removeWidget(pane)
        for i, pane in enumerate(self.panes.values()):
            self.grid.addWidget(pane, i // 2, i % 2)
        takes = [
            Take(mid, self.sources[mid].timebase, self.project.media[mid].sync_frame or 0)
            for mid in self.panes
        ]
        if not takes:
            self.clock = None
            return
        self.clock = TakesClock(takes)
        self.clock.rate, self.clock.loop = rate, loop
        if keep is not None:  # the lead stays on its frame when a sync frame changes
            self.clock.seek(keep)
        self.refresh()

    def _drop_pane(self, media_id: str) -> None:
        pane = self.panes.pop(media_id)
        pane.close_pane()
        self.grid.removeWidget(pane)
        pane.deleteLater()
        src = self.sources.pop(media_id, None)
        if src is not None:
            src.close()

    def add_take(self, video: str | Path) -> str:
        """Probe ``video`` and add it to the project as another take: one undo step."""
        from annotator.io.media_link import media_from_video

        mid = self.project.next_media_id()
        media, timebase = media_from_video(video, self.project_path, mid)
        self.stack.push(AddMediaCommand(self.project, media, timebase))  # type: ignore[arg-type]
        return mid

    def remove_take(self, media_id: str) -> None:
        """Take a video out of the project (undoable); refused, with the reason in the
        status line, while anything is coded on it or it is the only one."""
        try:
            self.stack.push(RemoveMediaCommand(self.project, media_id))
        except ModelError as e:
            self.message.emit(str(e))
            self.status.setText(str(e))

    def seek_take(self, media_id: str, frame: int) -> None:
        """A click on a take's strip: every take moves to the moment that take's frame is
        on screen, so the clicked take shows exactly that frame (the lead shows its frame
        at that moment; a lead-frame seek could land the clicked take one frame early)."""
        if self.clock is None:
            return
        take = next((k for k in self.clock.takes if k.media_id == media_id), None)
        if take is None:
            return
        self._stop_timer()
        f = min(max(int(frame), 0), take.timebase.frame_count - 1)
        self.clock.pos_s = offset_s(take, f)
        self.refresh()

    def set_sync(self, media_id: str, frame: int) -> None:
        try:
            self.stack.push(SetSyncFrameCommand(self.project, media_id, frame))
        except ModelError as e:
            self.message.emit(str(e))

    def sync_all_here(self) -> None:
        """Every take's shown frame becomes its sync frame: one undo step."""
        if self.clock is None:
            return
        self.stack.beginMacro("Sync takes here")
        try:
            for take, aligned in zip(self.clock.takes, self.clock.frames(), strict=True):
                self.stack.push(SetSyncFrameCommand(self.project, take.media_id, aligned.frame))
        finally:
            self.stack.endMacro()

    # -- transport -----------------------------------------------------------------------
    def step(self, n: int) -> None:
        if self.clock is not None:
            self._stop_timer()
            self.clock.step(n)
            self.refresh()

    def _seek(self, frame: int) -> None:
        if self.clock is not None:
            self.clock.seek(frame)
            self.refresh()

    def toggle_play(self) -> None:
        if self.clock is None:
            return
        if self.clock.playing:
            self._stop_timer()
        else:
            self.clock.playing = True
            self._elapsed.start()
            self._timer.start()
        self.refresh()

    def _stop_timer(self) -> None:
        self._timer.stop()
        if self.clock is not None:
            self.clock.playing = False

    def advance(self, elapsed_s: float) -> None:
        """Move playback by ``elapsed_s`` of wall time (the timer's measured interval)."""
        if self.clock is not None:
            self.clock.advance(elapsed_s)
            if not self.clock.playing:
                self._timer.stop()
            self.refresh()

    def _on_timer_timeout(self) -> None:
        self.advance(self._elapsed.restart() / 1000.0)

    def _on_slower(self) -> None:
        if self.clock is not None:
            self.clock.slower()
            self.refresh()

    def _on_faster(self) -> None:
        if self.clock is not None:
            self.clock.faster()
            self.refresh()

    def _loop_end(self, which: int) -> None:
        if self.clock is None:
            return
        here = self.clock.lead_frame
        a, b = self.clock.loop or (here, here)
        self.clock.set_loop(here, b) if which == 0 else self.clock.set_loop(a, here)
        self.refresh()

    def _on_loop_all(self) -> None:
        if self.clock is not None:
            self.clock.set_loop()
            self.refresh()

    def _on_no_loop(self) -> None:
        if self.clock is not None:
            self.clock.loop = None
            self.refresh()

    def _on_add_clicked(self) -> None:
        from annotator.ui.main_window import VIDEO_FILTER

        path, _ = QFileDialog.getOpenFileName(self, "Add a take", "", VIDEO_FILTER)
        if path:
            try:
                self.add_take(path)
            except Exception as e:  # noqa: BLE001 - an unreadable video: say so
                self.message.emit(str(e))
                self.status.setText(str(e))

    # -- views ---------------------------------------------------------------------------
    def refresh(self, only: str | None = None) -> None:
        """Decode every pane's frame at the size it is shown (``only``: that take's pane)."""
        if self.clock is None:
            return
        for take, aligned in zip(self.clock.takes, self.clock.frames(), strict=True):
            if only is not None and take.media_id != only:
                continue
            pane = self.panes[take.media_id]
            try:
                img = self.sources[take.media_id].frame(
                    aligned.frame, size=pane.view.display_size()
                )
            except Exception as e:
                log.exception("take %s frame %d", take.media_id, aligned.frame)
                pane.view.set_message(str(e))
                continue
            pane.show_frame(aligned.frame, img, aligned.inside)
            pane.notes.set_notes(
                [
                    NoteOverlay(m.text, m.drawing)
                    for m in notes_at(self.project.markers.values(), take.media_id, aligned.frame)
                ]
            )
        c = self.clock
        loop = f"loop {c.loop[0]}-{c.loop[1]}" if c.loop else "no loop"
        self.buttons["play"].setText("Pause" if c.playing else "Play")
        self.status.setText(
            f"lead frame {c.lead_frame} · {c.rate:g}x · {loop} · {len(c.takes)} takes"
        )

    def _on_project_media_changed(self, media: Media, old: Media) -> None:
        pane = self.panes.get(media.id)
        if pane is not None:
            pane.set_sync(media.sync_frame or 0)
        if media.sync_frame != old.sync_frame:
            self.rebuild()

    def _on_project_markers_changed(self, *_: object) -> None:
        self.refresh()

    def _on_project_media_added(self, _media: Media) -> None:
        self.rebuild()

    def _on_project_media_removed(self, _media: Media) -> None:
        self._stop_timer()
        self.rebuild()

    def showEvent(self, event: QShowEvent) -> None:
        self._rest_app_shortcuts(True)
        super().showEvent(event)
        # A refresh before the panes had their size decoded small (measured: 160x90 for a
        # 1080p take in a 480x270 pane, blurry until the first step): each pane refreshes
        # itself when shown, laid out, before its first paint (TakePane.shown); once more
        # here after the window manager settles the size.
        self._refit_later()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.isVisible():
            self._refit_later()

    def _refit_later(self) -> None:
        """One refresh once the size settles (a resize drag sends many events)."""
        timer = getattr(self, "_refit_timer", None)
        if timer is None:
            timer = self._refit_timer = QTimer(self)
            timer.setSingleShot(True)
            timer.setInterval(30)
            timer.timeout.connect(self.refresh)
        timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._rest_app_shortcuts(False)
        super().hideEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Space plays, Left/Right step, [ and ] set the loop; keys reach here from any
        child that does not use them (the buttons take no focus)."""
        actions = {
            Qt.Key.Key_Space: self.toggle_play,
            Qt.Key.Key_Right: lambda: self.step(1),
            Qt.Key.Key_Left: lambda: self.step(-1),
            Qt.Key.Key_BracketLeft: lambda: self._loop_end(0),
            Qt.Key.Key_BracketRight: lambda: self._loop_end(1),
        }
        action = actions.get(Qt.Key(event.key()))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def _rest_app_shortcuts(self, rest: bool) -> None:
        for sc in self._app_shortcuts:
            try:
                sc.setEnabled(not rest)
            except RuntimeError:  # the main window went away first
                pass

    def closeEvent(self, event: QCloseEvent) -> None:
        self._rest_app_shortcuts(False)
        self._stop_timer()
        self.project.media_changed.disconnect(self._on_project_media_changed)
        self.project.media_added.disconnect(self._on_project_media_added)
        self.project.media_removed.disconnect(self._on_project_media_removed)
        for sig in (
            self.project.marker_added,
            self.project.marker_changed,
            self.project.marker_removed,
        ):
            sig.disconnect(self._on_project_markers_changed)
        for pane in self.panes.values():
            pane.close_pane()
        for src in self.sources.values():
            src.close()
        self.sources.clear()
        super().closeEvent(event)
