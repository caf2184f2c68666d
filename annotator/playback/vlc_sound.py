"""Sound through VLC while our exact frames draw the picture (no Qt; the controller polls).

At 1x forward VLC plays picture and sound (``vlc_engine``); at every other speed the
picture is the frame source's exact decode and a second VLC player plays only the audio
track (media option ``:no-video``) at the same rate. VLC keeps the pitch with its
scaletempo filter (``--audio-time-stretch``, on by default, asked for explicitly in
``vlc_engine._VLC_ARGS``). Measured with VLC 3.0 and the file audio output
(``tests/media/test_vlc_sound.py``): a 440 Hz tone stays at 440 Hz at 0.25x, 0.5x and 4x,
and 2 s of media record about 4 s of sound at 0.5x; with time stretch off it drops to 220.

Sound plays forward from :data:`SOUND_MIN_RATE` to :data:`SOUND_MAX_RATE`; slower, faster
or in reverse there is none (VLC's time stretch is unintelligible below 0.25x and VLC plays
no audio backwards). The picture's clock (wall time x rate) stays the master: VLC's clock,
read every tick, is moved back in step when it drifts more than :data:`RESYNC_WALL_S` of
wall time from ours.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)

SOUND_MIN_RATE = 0.25
SOUND_MAX_RATE = 4.0
# Drift (in seconds of wall time, so the same at every rate) before VLC is moved back.
RESYNC_WALL_S = 0.25
# Drift checks no more often than this: VLC's clock moves in coarse steps (0.25-0.5 s).
CHECK_EVERY_S = 1.0


def plays_sound(rate: float) -> bool:
    """True for the signed rates that have sound: forward, 0.25x to 4x."""
    return SOUND_MIN_RATE - 1e-9 <= rate <= SOUND_MAX_RATE + 1e-9


class VlcSound:
    """A VLC media player that plays only the audio track of the open file."""

    def __init__(self, vlc_module: Any, instance: Any) -> None:
        self._vlc = vlc_module
        self._instance = instance
        self._player = instance.media_player_new()
        self._path: str | None = None
        self._loaded = False

    def open(self, path: str | None) -> None:
        self.stop()
        self._path = None if path is None else str(path)
        self._loaded = False

    def play_from(self, seconds: float, rate: float) -> None:
        """Play the sound from ``seconds`` (container time) at ``rate``."""
        if self._path is None:
            return
        if self._loaded and self.state in ("playing", "paused"):
            self._player.set_rate(float(rate))
            self._player.set_time(round(seconds * 1000))
            self._player.set_pause(0)
            return
        # :start-time on an audio-only media lands within an audio packet (no keyframes),
        # so the sound starts where asked without a muted seek.
        media = self._instance.media_new(self._path, ":no-video", f":start-time={seconds:.3f}")
        self._player.set_media(media)
        media.release()
        self._loaded = True
        self._player.set_rate(float(rate))
        self._player.play()

    def set_time(self, seconds: float) -> None:
        self._player.set_time(round(seconds * 1000))

    def pause(self) -> None:
        if self._loaded:
            self._player.set_pause(1)

    def stop(self) -> None:
        if self._loaded:
            self._player.stop()
        self._loaded = False

    def time_s(self) -> float | None:
        ms = self._player.get_time()
        return None if ms is None or ms < 0 else ms / 1000.0

    @property
    def state(self) -> str:
        s = self._player.get_state()
        st = self._vlc.State
        if s == st.Playing:
            return "playing"
        if s == st.Paused:
            return "paused"
        if s in (st.Opening, st.Buffering):
            return "opening"
        if s == st.NothingSpecial:
            return "idle"
        return "stopped"  # stopped, ended or error

    def release(self) -> None:
        self.stop()
        self._player.release()


class SoundFollower:
    """Plays the sound in step with the frame-source clock, or keeps it silent."""

    def __init__(self, sound: Any, offset_s: float) -> None:
        self._sound = sound
        self._offset_s = offset_s  # VLC counts from the container's zero, we from frame 0
        self._rate = 0.0
        self._active = False
        self._check_at = 0.0
        self._last_t: float | None = None
        self._last_change = 0.0
        self.resyncs = 0

    @property
    def active(self) -> bool:
        """True while the sound plays (a rate with sound, forward)."""
        return self._active

    def start(self, media_t: float, rate: float) -> None:
        """Play from ``media_t`` (our time axis) at ``rate``; silent where there is no sound."""
        if not plays_sound(rate):
            self.silence()
            return
        self._rate = rate
        self._active = True
        self._last_t = None
        self._check_at = time.monotonic() + CHECK_EVERY_S
        self._sound.play_from(max(media_t, 0.0) + self._offset_s, rate)

    def follow(self, media_t: float) -> None:
        """Called every tick with the picture clock's media time: keep VLC near it."""
        if not self._active:
            return
        t = self._sound.time_s()
        now = time.monotonic()
        if t is None or self._sound.state != "playing":
            return
        if t != self._last_t:
            self._last_t, self._last_change = t, now
        if now < self._check_at:
            return
        self._check_at = now + CHECK_EVERY_S
        vlc_t = self._last_t + self._rate * (now - self._last_change) - self._offset_s
        drift_wall = (vlc_t - media_t) / self._rate
        if abs(drift_wall) > RESYNC_WALL_S:
            log.debug("sound %.3f s (wall) off the picture; moving it back", drift_wall)
            self.resyncs += 1
            self._sound.set_time(media_t + self._offset_s)
            self._last_t = None

    def silence(self) -> None:
        if self._active:
            self._sound.pause()
        self._active = False

    def stop(self) -> None:
        self._active = False
        self._sound.stop()
