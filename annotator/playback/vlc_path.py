"""The VLC half of PlayerController: following VLC's clock and settling on the shown frame.

A mixin, so the controller stays one object with one set of signals (QtCore only, no
widgets). The controller owns every attribute used here; see ``PlayerController.__init__``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from annotator.playback.vlc_follower import Follow, VlcFollower, find_shown_frame
from annotator.playback.vlc_sound import SoundFollower

if TYPE_CHECKING:
    from PySide6.QtCore import QElapsedTimer, QTimer, SignalInstance

    from annotator.model.timebase import Timebase
    from annotator.playback.source import FrameSourceLike, Grabber

log = logging.getLogger("annotator.playback.player_controller")


class VlcPath:
    """Methods of PlayerController that drive and follow VLC."""

    if TYPE_CHECKING:
        _src: FrameSourceLike | None
        _tb: Timebase | None
        _path: str | None
        _current: int
        _playing: bool
        _rate: float
        loop: tuple[int | None, int | None]
        _engine: Any
        _grabber: Grabber | None
        _vlc: VlcFollower | None
        _sound: SoundFollower | None
        _want_sound: bool | None
        _vlc_active: bool
        _vlc_shown: bool
        _vlc_settle: QTimer
        _settling: bool
        _stall: QElapsedTimer
        _tick: QTimer
        playing_changed: SignalInstance
        video_surface_changed: SignalInstance

        def _set_current(self, frame: int) -> None: ...
        def _restart_clock(self) -> None: ...
        def _tick_interval_ms(self) -> int: ...

    def _on_vlc_tick(self) -> None:
        """Follow VLC (interpolated between its coarse clock steps) for labels and loops."""
        assert self._vlc is not None and self._src is not None
        status = self._vlc.poll()
        if status is Follow.ENDED:
            self._vlc_active = False
            self._vlc_shown = False
            self._playing = False
            self._tick.stop()
            self.playing_changed.emit(False)
            self.video_surface_changed.emit(False)
            self._set_current(self._src.frame_count - 1)
            return
        if status is Follow.STARTING and not self._vlc_shown:
            return
        if status is Follow.LOST:
            if self._vlc_shown:  # VLC shows the wrong place: back to the exact frame
                self._vlc_shown = False
                self.video_surface_changed.emit(False)
            return
        if status is Follow.FAILED:
            self._vlc_active = False
            if self._vlc_shown:
                self._vlc_shown = False
                self.video_surface_changed.emit(False)
            self._restart_clock()
            self._stall.restart()
            self._tick.start(self._tick_interval_ms())
            return
        if status is Follow.STARTED and not self._vlc_shown:
            self._vlc_shown = True
            self.video_surface_changed.emit(True)
        target = self._vlc.frame_estimate()
        if target is None:
            return
        a, b = self.loop
        if a is not None and b is not None and target > b:
            self._vlc.start(a, self._rate)
            self._set_current(a)
            return
        if target > self._current:  # VLC never goes back while playing forward
            self._set_current(target)

    def _settle_after_vlc_pause(self) -> None:
        """Find the frame VLC is showing, make it current, then hand the picture back to us."""
        self._vlc_settle.stop()
        if not self._settling and self._vlc_active:
            return
        self._settling = False
        if self._src is None or self._tb is None:
            return
        t = self._vlc.time_s() if self._vlc is not None else None
        estimate = max(self._tb.index_at(t) if t is not None else 0, self._current)
        chosen = estimate
        shown = None
        if self._grabber is not None:
            try:
                shown = self._grabber()
            except Exception as exc:  # noqa: BLE001 - a failed grab must not break pausing
                log.warning("grabbing the VLC picture failed: %s", exc)
        if shown is not None:
            found = find_shown_frame(self._src, shown, estimate, float(self._src.fps))
            if found is not None:
                chosen = found
        self._set_current(chosen)
        self._vlc_shown = False
        self.video_surface_changed.emit(False)

    def _make_follower(self) -> None:
        """A VlcFollower for the open video, when VLC is loaded."""
        self._vlc = None
        if self._engine is None or self._path is None or self._tb is None:
            return
        self._engine.open(self._path)
        # VLC counts time from the container's zero, we from the first frame (first PTS).
        offset_s = float(getattr(self._src, "start_s", 0.0) or 0.0)
        self._vlc = VlcFollower(self._engine, self._tb, offset_s)
        sound = getattr(self._engine, "sound", None)  # the audio-only player (not in fakes)
        self._sound = None
        if callable(sound) and self._want_sound is not False:
            player = sound()
            player.open(self._path)
            self._sound = SoundFollower(player, offset_s)

    def _finish_settling(self) -> None:
        """A key during VLC's settle delay must act on the settled frame, not the estimate."""
        if self._settling:
            self._settle_after_vlc_pause()
