"""PlayerController: the one owner of the current frame (QtCore only, no widgets).

Everything that moves the playhead (keys, timeline, go-to, playback) asks the controller;
the controller changes ``current_frame`` and announces it with ``frame_changed``. Whenever
it is not playing, the picture the UI paints is ``FrameSource.frame(current_frame)``: the
exact frame, so the frame on screen is the frame an annotation stores.

Two playback paths:
- VLC (forward at 1x, picture and sound) when libvlc loads and the UI attached a native surface.
  VLC's clock is only an estimate: on pause the controller grabs VLC's picture (through a
  grabber the UI provides), matches it against decoded neighbours of the estimate (-2..+15
  frames, measured to cover VLC's lag) and settles on the frame VLC really showed.
- Frame-source playback, driven by a QTimer that follows real timestamps against a wall
  clock, so a late tick drops frames instead of slowing down; it moves only to frames the
  prefetch worker has decoded. Used for reverse, every speed but 1x, offscreen runs (tests,
  CI) and whenever VLC is unavailable or does not start where asked. From 0.25x to 4x
  forward a second, audio-only VLC player plays the sound at the same rate, pitch kept
  (``vlc_sound``); slower, faster and in reverse there is no sound.

Seeks (timeline click, go-to, Home/End) to a frame not yet decoded show the preview proxy's
picture of the *same* frame at once (``showing_preview``; the index is exact, the quality
is the proxy's), ask the source for the exact frame off the GUI thread, and emit
``picture_refined`` when it is ready, so the UI repaints at full quality. Steps and
playback never use previews: they are served by the cache and the prefetch worker.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

from annotator.model.timebase import Timebase
from annotator.model.timecode import parse_position
from annotator.playback.indexing import IndexFollow
from annotator.playback.seek_preview import SeekPreview, maybe_build_proxy
from annotator.playback.shuttle import RATES as RATES  # re-exported: the keys use it
from annotator.playback.shuttle import Shuttle
from annotator.playback.source import FrameSourceLike, Grabber, Opener, default_source_factory
from annotator.playback.timed_playback import latest_decoded, plan_tick
from annotator.playback.vlc_follower import VlcFollower
from annotator.playback.vlc_path import VlcPath
from annotator.playback.vlc_sound import SoundFollower
from annotator.workspace import Loop, Workspace

log = logging.getLogger(__name__)

# VLC draws the picture only at 1x. Measured at 2x: right after a seek its clock jumps 2 s
# ahead in 0.4 s, so neither the playhead nor the pause match could be trusted; other speeds
# draw from the frame source (exact) and VLC plays only their sound (vlc_sound).
_VLC_RATES = (1.0,)
# Wait for VLC's picture to stop before grabbing it (pause is asynchronous in VLC).
_SETTLE_MS = 120


class PlayerController(QObject, VlcPath, IndexFollow, Shuttle, Opener):
    """Owns the current frame, the rate and the playback engine. The A-B loop is the
    :class:`~annotator.workspace.Workspace`'s (a private one when used alone): read while
    playing, set by ``[``/``]``, re-announced as the Qt signal ``loop_changed``."""

    frame_changed = Signal(int)
    playing_changed = Signal(bool)
    rate_changed = Signal(float)  # signed: negative plays in reverse
    media_opened = Signal(object)  # the FrameSource
    media_closed = Signal()
    loop_changed = Signal(object, object)  # loop A, loop B (frame or None)
    error_occurred = Signal(str)  # one line, for a status bar or dialog
    # True while VLC's surface shows the picture (UI shows it); False: paint current_image().
    video_surface_changed = Signal(bool)
    # The exact, full-quality picture of this (current) frame replaces the preview shown.
    picture_refined = Signal(int)
    # The open video's index is built in a worker (annotator.playback.indexing): the
    # frames reachable now (all exact), and each progress report (the last one is done).
    frame_count_changed = Signal(int)
    index_progressed = Signal(object)  # annotator.media.index_worker.IndexProgress

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        source_factory: Callable[[str], FrameSourceLike] | None = None,
        use_vlc: bool | None = None,
        build_proxy: bool | None = None,
        sound: bool | None = None,
        vlc_args: Sequence[str] = (),
        workspace: Workspace | None = None,
    ) -> None:
        """``build_proxy``: ``None`` builds preview proxies for videos where they pay off
        (``FrameSource.proxy_worthwhile``) unless ``FACET_NO_PROXY`` is set; ``True``
        always, ``False`` never. ``sound``: sound at the speeds VLC does not draw
        (0.25x-4x); ``None`` = once the UI attached a video surface (the real window, not
        offscreen runs), ``True`` whenever libvlc loads. ``vlc_args``: extra libvlc options."""
        super().__init__(parent)
        self._source_factory = source_factory or default_source_factory
        self._src: FrameSourceLike | None = None
        self._tb: Timebase | None = None
        self._path: str | None = None
        self._current = 0
        self._display_size: tuple[int, int] | None = None
        self._playing = False
        self._rate = 1.0
        self._workspace = workspace if workspace is not None else Workspace()
        self._workspace.events.loop_changed.connect(self._on_workspace_loop)
        # Frame-source playback clock.
        self._clock = QElapsedTimer()
        self._stall = QElapsedTimer()
        self._stall.start()
        self._anchor_t = 0.0
        self._tick = QTimer(self)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._on_tick_timeout)
        # VLC path.
        if use_vlc is None:
            use_vlc = not os.environ.get("FACET_NO_VLC")
        self._want_vlc = use_vlc
        self._want_sound = sound
        self._vlc_args = tuple(vlc_args)
        self._engine: Any = None
        self._sound: SoundFollower | None = None
        self._surface_attached = False
        self._grabber: Grabber | None = None
        self._vlc: VlcFollower | None = None  # while a video is open and VLC is usable
        self._vlc_active = False  # VLC drives this playback
        self._vlc_shown = False  # VLC's surface shows the picture
        self._vlc_settle = QTimer(self)
        self._vlc_settle.setSingleShot(True)
        self._vlc_settle.timeout.connect(self._settle_after_vlc_pause)
        self._settling = False
        # Preview proxy: the frame whose preview is shown while its exact decode runs.
        self._build_proxy = build_proxy
        self._preview = SeekPreview(self)
        self._preview.refined.connect(self.picture_refined)
        self._init_index_follow()

    # -- properties ---------------------------------------------------------------------
    @property
    def source(self) -> FrameSourceLike | None:
        return self._src

    @property
    def path(self) -> str | None:
        return self._path

    @property
    def timebase(self) -> Timebase | None:
        return self._tb

    @property
    def current_frame(self) -> int:
        return self._current

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def workspace(self) -> Workspace:
        """The workspace whose A-B loop this controller plays."""
        return self._workspace

    @property
    def loop(self) -> Loop:
        """The workspace's A-B loop (the controller keeps no copy)."""
        return self._workspace.loop

    @property
    def using_vlc(self) -> bool:
        """True while VLC (not the frame source) is driving playback."""
        return self._vlc_active

    @property
    def showing_preview(self) -> bool:
        """True while the picture for the current frame is the proxy's (exact index,
        preview quality); ``picture_refined`` follows when the exact frame is ready."""
        return self._preview.frame is not None

    def current_time_s(self) -> float:
        return self._tb.time_s(self._current) if self._tb is not None else 0.0

    def current_image(self, size: tuple[int, int] | None = None) -> np.ndarray | None:
        """The exact picture of the current frame (``size`` = scaled decode for display).

        The size is remembered for prefetching: a prefetch at another size than the one
        displayed fills the cache with frames nobody asks for (measured: reverse play of
        1080p at a 640x360 display fell to 4 fps).
        """
        if self._src is None:
            return None
        self._display_size = size
        if self._preview.frame is not None:
            img = None if self._playing else self._preview.image(self._current, size)
            if img is not None:
                return img
            self._end_preview()
        return self._src.frame(self._current, size=size)

    def _start_preview(self, target: int) -> None:
        self._preview.start(self._src, target, self._display_size)

    def _end_preview(self) -> None:
        self._preview.end()

    def _prefetch(self, frame: int, direction: int) -> None:
        assert self._src is not None
        if not 0 <= frame < self.frame_count:
            return
        if self._display_size is None:
            self._src.prefetch(frame, direction)
        else:
            self._src.prefetch(frame, direction, size=self._display_size)

    # -- media --------------------------------------------------------------------------
    def open(self, path: str | Path, *, source: FrameSourceLike | None = None) -> bool:
        """Open a video (``source``: from :meth:`open_source`); on failure emit
        ``error_occurred`` and keep the previous one."""
        try:
            src = source if source is not None else self._make_source(str(path))
        except Exception as exc:  # noqa: BLE001 - MediaError or whatever a broken file raises
            msg = str(exc) or f"{path}: cannot open"
            log.warning("open failed: %s", msg)
            self.error_occurred.emit(msg)
            return False
        self.close()
        self._src = src
        self._tb = src.timebase
        self._path = str(path)
        self._current = 0
        self._index_opened(src)
        # the previous video's loop (and its label) must not follow
        self._workspace.set_loop(None, None)
        if self._want_vlc and self._engine is None:
            from annotator.playback.vlc_engine import VlcEngine

            self._engine = VlcEngine.create(self._vlc_args)
            self._want_vlc = self._engine is not None
        self._make_follower()
        log.info("opened %s: %d frames at %s fps", path, src.frame_count, src.fps)
        self.media_opened.emit(src)
        self.frame_changed.emit(0)
        note = self._index_opened_note(src)
        if note:  # a damaged file: what was indexed is usable, say where it stopped
            self.error_occurred.emit(note)
        self._prefetch(1, 1)
        if self.index_complete:  # else when it is (whether it pays off needs the GOPs)
            maybe_build_proxy(src, self._build_proxy)
        return True

    def close(self) -> None:
        if self._src is None:
            return
        self.pause()
        self._vlc_settle.stop()
        self._settling = False
        if self._engine is not None:
            self._engine.stop()
        if self._sound is not None:
            self._sound.stop()
        self._vlc = None
        self._sound = None
        self._end_preview()
        self._src.close()  # also stops a proxy build still running
        self._src = None
        self._tb = None
        self._path = None
        self.media_closed.emit()

    def shutdown(self) -> None:
        """Close the media and release libvlc (call from the window's closeEvent)."""
        self.close()
        if self._engine is not None:
            self._engine.release()
            self._engine = None

    # -- VLC surface (provided by the UI) -----------------------------------------------
    def attach_video_surface(self, win_id: int, grabber: Grabber | None) -> bool:
        """Give VLC a native window and a way to grab it; returns whether VLC will be used."""
        if not self._want_vlc:
            return False
        if self._engine is None:
            from annotator.playback.vlc_engine import VlcEngine

            self._engine = VlcEngine.create(self._vlc_args)
            if self._engine is None:
                self._want_vlc = False
                return False
            self._make_follower()
        self._engine.set_window(win_id)
        self._grabber = grabber
        self._surface_attached = True
        return True

    # -- navigation ---------------------------------------------------------------------
    def seek(self, frame: int) -> int:
        """Make ``frame`` (clamped) current; while playing, playback continues from there.

        Paused, a seek to a frame not decoded yet shows its preview first (see
        ``showing_preview``) and the exact picture when it is ready.
        """
        return self._move(frame, preview=True)

    def _move(self, frame: int, *, preview: bool) -> int:
        if self._src is None:
            return 0
        self._finish_settling()
        target = min(max(int(frame), 0), self.frame_count - 1)
        if self._playing:
            self._end_preview()
            if self._vlc_active:
                self._vlc.start(target, self._rate)  # type: ignore[union-attr]
            self._set_current(target)
            self._restart_clock()
        else:
            if target != self._current:
                if preview:
                    self._start_preview(target)
                else:
                    self._end_preview()
            self._set_current(target)
        return target

    def step(self, n: int) -> int:
        """Pause, then move ``n`` frames (negative = back): stepping is always exact."""
        if self._src is None:
            return 0
        self.pause()
        self._finish_settling()
        return self._move(self._current + int(n), preview=False)

    def step_seconds(self, seconds: float) -> int:
        """Pause and move by ``seconds`` of real time, rounded to the nearest whole frame.

        Uses the real timestamps, so on VFR video one second is one second, and always moves
        at least one frame so a long-held frame cannot trap the user.
        """
        if self._src is None or self._tb is None:
            return 0
        self.pause()
        self._finish_settling()
        ts = self._tb.timestamps
        t = float(ts[self._current]) + float(seconds)
        i = int(np.searchsorted(ts, t))
        candidates = [c for c in (i - 1, i) if 0 <= c < len(ts)]
        target = min(candidates, key=lambda c: (abs(float(ts[c]) - t), c))
        if seconds > 0 and target <= self._current:
            target = self._current + 1
        elif seconds < 0 and target >= self._current:
            target = self._current - 1
        return self._move(target, preview=False)

    def go_first(self) -> int:
        self.pause()
        return self.seek(0)

    def go_last(self) -> int:
        self.pause()
        return self.seek(self.frame_count - 1)

    def go_to(self, text: str) -> int:
        """Jump to what a user typed: frame number, SMPTE timecode or ``12.5s``.

        Raises ``ValueError`` (message fit for a dialog) when the text cannot be read.
        """
        if self._src is None or self._tb is None:
            raise ValueError("no video is open")
        frame = parse_position(text, self._src.fps, self._tb)
        self.pause()
        return self.seek(frame)

    # -- loop ---------------------------------------------------------------------------
    def set_loop_a(self, frame: int | None = None) -> None:
        """``[``: loop start at ``frame`` (default: the frame on screen), in the workspace."""
        self._finish_settling()
        a = self._current if frame is None else int(frame)
        self._set_loop(a, self._workspace.loop[1])

    def set_loop_b(self, frame: int | None = None) -> None:
        """``]``: loop end at ``frame`` (default: the frame on screen), in the workspace."""
        self._finish_settling()
        b = self._current if frame is None else int(frame)
        self._set_loop(self._workspace.loop[0], b)

    def clear_loop(self) -> None:
        self._workspace.set_loop(None, None)

    def _set_loop(self, a: int | None, b: int | None) -> None:
        if a is not None and b is not None and a > b:
            a, b = b, a
        self._workspace.set_loop(a, b)

    def _on_workspace_loop(self, loop: Loop) -> None:
        self.loop_changed.emit(loop[0], loop[1])

    # -- play / pause -------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self._src is None or self._playing:
            return
        self._finish_settling()
        self._end_preview()
        last = self.frame_count - 1
        a, b = self._workspace.loop
        if a is not None and b is not None:
            # with a loop, playback stays in it: resume where the playhead is when it is
            # inside, else (or at its far end) from the loop's start (its end in reverse)
            if self._rate > 0 and not a <= self._current < b:
                self._set_current(a)
            elif self._rate < 0 and not a < self._current <= b:
                self._set_current(b)
        elif self._rate > 0 and self._current >= last and self.index_complete:
            self._set_current(0)  # (while indexing, the last frame so far: it plays on)
        elif self._rate < 0 and self._current <= 0:
            self._set_current(last)
        self._playing = True
        self._start_engine()
        log.debug(
            "play from %d at %sx (%s)",
            self._current,
            self._rate,
            "vlc" if self._vlc_active else "frame source",
        )
        self.playing_changed.emit(True)

    def pause(self) -> None:
        """Stop playback; the picture becomes the exact frame (after VLC settles)."""
        if not self._playing:
            return
        self._playing = False
        self._tick.stop()
        if self._sound is not None:
            self._sound.silence()
        log.debug("pause at %d (%s)", self._current, "vlc" if self._vlc_active else "frame source")
        if self._vlc_active:
            self._vlc.pause()  # type: ignore[union-attr]
            self._vlc_active = False
            if self._vlc_shown:
                self._settling = True
                self._vlc_settle.start(_SETTLE_MS)
            # else: VLC never got on screen; the exact current frame is still shown.
        self.playing_changed.emit(False)

    def _start_engine(self) -> None:
        assert self._src is not None and self._tb is not None
        use_vlc = (
            self._vlc is not None
            and not self._vlc.unreliable
            and self._surface_attached
            and self._rate in _VLC_RATES
            and self.index_complete  # VLC's clock would run past the frames indexed
        )
        if use_vlc:
            # The surface is shown only once VLC plays from the right time (Follow.STARTED):
            # until then the exact current frame stays on screen.
            self._vlc_active = True
            self._vlc_shown = False
            if self._sound is not None:
                self._sound.silence()  # VLC's own player has the sound
            self._vlc.start(self._current, self._rate)  # type: ignore[union-attr]
        else:
            self._vlc_active = False
        self._restart_clock()
        self._stall.restart()
        self._tick.start(self._tick_interval_ms())

    def _restart_playback(self) -> None:
        """Rate or direction changed while playing: re-pick the engine from the current frame."""
        if self._vlc_active:
            self._vlc.pause()  # type: ignore[union-attr]
            self._vlc_active = False
            if self._vlc_shown:
                self._settling = True
                self._settle_after_vlc_pause()
        self._tick.stop()
        self._start_engine()

    def _restart_clock(self) -> None:
        if self._tb is None:
            return
        self._anchor_t = self._tb.time_s(self._current)
        self._clock.restart()
        if self._playing and not self._vlc_active and self._sound_on():
            self._sound.start(self._anchor_t, self._rate)  # type: ignore[union-attr]

    def _sound_on(self) -> bool:
        """Sound for frame-source playback: VLC loaded, and wanted (see ``sound``)."""
        if self._sound is None:
            return False
        return self._surface_attached if self._want_sound is None else self._want_sound

    @property
    def playing_sound(self) -> bool:
        """True while VLC plays sound: its own 1x playback or the audio-only player."""
        if not self._playing:
            return False
        return self._vlc_active or (self._sound is not None and self._sound.active)

    def _tick_interval_ms(self) -> int:
        if self._tb is None:
            return 10
        if self._vlc_active:
            return 15
        frame_ms = self._tb.last_frame_duration_s * 1000 / abs(self._rate)
        return int(min(max(frame_ms / 2, 4), 20))

    def _on_tick_timeout(self) -> None:
        if not self._playing or self._tb is None or self._src is None:
            return
        if self._vlc_active:
            self._on_vlc_tick()
            return
        t = self._anchor_t + self._rate * self._clock.nsecsElapsed() / 1e9
        if self._sound is not None:
            self._sound.follow(t)
        src = self._src
        tick = plan_tick(
            self._tb,
            t,
            self._current,
            self._rate,
            self.loop,
            lambda prev, target: latest_decoded(
                getattr(src, "cache", None),
                self._display_size,
                (src.width, src.height),
                prev,
                target,
            ),
            self._stall.elapsed(),
        )
        if tick.frame is not None:
            self._set_current(tick.frame)
            self._stall.restart()
        if tick.restart_clock:
            self._restart_clock()
        if tick.stop and self._hold_for_index(tick.frame):
            return  # at the frames indexed so far: waits for more (annotator.playback.indexing)
        if tick.stop:
            self.pause()
        elif tick.prefetch is not None:
            self._prefetch(*tick.prefetch)

    # -- helpers ------------------------------------------------------------------------
    def _set_current(self, frame: int) -> None:
        if frame == self._current:
            return
        self._current = frame
        self.frame_changed.emit(frame)
