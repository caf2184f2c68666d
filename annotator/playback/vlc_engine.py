"""python-vlc wrapper for real-time playback with sound, and nothing else.

VLC is good at one thing Facet needs: smooth real-time playback with audio. It is bad at the
thing Facet promises: measured here, seeks while paused land 2-3 frames off, ``get_time()`` is
stale after ``next_frame()`` and trails the picture on screen by 2-10 frames after a pause,
and there is no backward step. So the controller uses VLC only while playing forward, treats
its clock as an estimate, and on pause finds the frame VLC really shows by comparing a grab
of the video window with the exact decoded neighbours (:func:`match_shown_frame`).

VLC is optional: :meth:`VlcEngine.create` returns ``None`` (and logs why) when libvlc cannot
be loaded, and the controller falls back to timer-driven playback from the FrameSource.
No Qt here: the window id comes in as an int, and nothing calls back into Qt from VLC's
threads (the controller polls).
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from annotator.playback.vlc_sound import VlcSound

log = logging.getLogger(__name__)

# Titles and OSD would be painted into the picture and spoil the frame matching on pause.
_VLC_ARGS = [
    "--quiet",
    "--no-video-title-show",
    "--no-osd",
    "--no-snapshot-preview",
    "--no-xlib",
    "--no-stats",
    # Keep the pitch at every rate (VLC's scaletempo audio filter; VLC's default, but the
    # sound at 0.25x-4x depends on it, so it is asked for).
    "--audio-time-stretch",
]


class VlcEngine:
    """One libvlc instance and media player, embedded in a native window the UI provides."""

    def __init__(self, vlc_module: object, instance: object) -> None:
        self._vlc = vlc_module
        self._instance = instance
        self._player = instance.media_player_new()  # type: ignore[attr-defined]
        # Keys and clicks must reach Qt's shortcuts, not VLC's hotkeys.
        self._player.video_set_key_input(False)
        self._player.video_set_mouse_input(False)
        self._path: str | None = None
        self._started = False
        self._pending_s: float | None = None
        self._sound: VlcSound | None = None

    @classmethod
    def create(cls, extra_args: Sequence[str] = ()) -> VlcEngine | None:
        """A ready engine, or ``None`` when libvlc is missing or disabled (FACET_NO_VLC=1).

        FACET_VLC_ARGS adds libvlc options (shell words), e.g. ``--aout=afile
        --audiofile-file=out.wav`` to record the sound where there is no sound card.
        """
        if os.environ.get("FACET_NO_VLC"):
            log.info("VLC disabled by FACET_NO_VLC; using frame-source playback")
            return None
        try:
            import vlc

            env_args = shlex.split(os.environ.get("FACET_VLC_ARGS", ""))
            instance = vlc.Instance([*_VLC_ARGS, *env_args, *extra_args])
            if instance is None:
                raise RuntimeError("libvlc_new returned NULL (plugins missing?)")
            return cls(vlc, instance)
        except Exception as exc:  # noqa: BLE001 - OSError/NameError from python-vlc, RuntimeError
            log.warning("libvlc unavailable (%s); using frame-source playback", exc)
            return None

    # -- media --------------------------------------------------------------------------
    def open(self, path: str | Path) -> None:
        """Remember the file; the media is loaded on the first play so it can start at a time."""
        self.stop()
        self._path = str(path)
        self._started = False

    def sound(self) -> VlcSound:
        """The audio-only player on this instance (sound at the speeds VLC does not draw)."""
        if self._sound is None:
            self._sound = VlcSound(self._vlc, self._instance)
        return self._sound

    def set_window(self, win_id: int) -> None:
        """Embed VLC's video output in a native window (X11, Win32 or Cocoa)."""
        if sys.platform.startswith("linux"):
            self._player.set_xwindow(int(win_id))
        elif sys.platform == "win32":
            self._player.set_hwnd(int(win_id))
        elif sys.platform == "darwin":
            self._player.set_nsobject(int(win_id))

    # -- transport ----------------------------------------------------------------------
    def play_from(self, seconds: float, rate: float = 1.0) -> None:
        """Play from ``seconds`` (VLC's clock: container time); call :meth:`poll` on a timer.

        Measured: ``:start-time`` lands on a keyframe (frame 50 for a request of 20), while
        ``set_time`` on a playing or paused player is within a frame or two. So a player that
        is not running is started muted and seeks once it plays; the caller keeps VLC's
        surface hidden until :meth:`time_s` reaches the request.
        """
        if self._path is None:
            return
        self._player.set_rate(float(rate))
        if not self._started or self.state in ("stopped", "ended", "error", "idle"):
            media = self._instance.media_new(self._path)  # type: ignore[attr-defined]
            self._player.set_media(media)
            media.release()
            self._started = True
            self._pending_s = seconds
            self._player.audio_set_mute(True)
            self._player.play()
        else:
            self._pending_s = None
            self._player.set_time(round(seconds * 1000))
            self._player.set_pause(0)

    def poll(self) -> None:
        """Finish a start: seek once VLC plays, then unmute (VLC starts at 0 otherwise)."""
        if self._pending_s is not None and self.state == "playing":
            self._player.set_time(round(self._pending_s * 1000))
            self._pending_s = None
            self._player.audio_set_mute(False)

    def pause(self) -> None:
        self._player.set_pause(1)

    def stop(self) -> None:
        if self._started:
            self._player.stop()
        self._started = False
        if self._pending_s is not None:
            self._pending_s = None
            self._player.audio_set_mute(False)

    def set_rate(self, rate: float) -> None:
        self._player.set_rate(float(rate))

    def set_volume(self, percent: int) -> None:
        self._player.audio_set_volume(int(percent))

    def time_s(self) -> float | None:
        """VLC's clock in seconds: an estimate only, never a frame index on its own."""
        if self._pending_s is not None:
            return None  # still at 0 before the start seek
        ms = self._player.get_time()
        return None if ms is None or ms < 0 else ms / 1000.0

    @property
    def state(self) -> str:
        """``idle``, ``opening``, ``playing``, ``paused``, ``stopped``, ``ended`` or ``error``."""
        s = self._player.get_state()
        st = self._vlc.State  # type: ignore[attr-defined]
        return {
            st.NothingSpecial: "idle",
            st.Opening: "opening",
            st.Buffering: "opening",
            st.Playing: "playing",
            st.Paused: "paused",
            st.Stopped: "stopped",
            st.Ended: "ended",
            st.Error: "error",
        }.get(s, "idle")

    def release(self) -> None:
        self.stop()
        if self._sound is not None:
            self._sound.release()
            self._sound = None
        self._player.release()
        self._instance.release()  # type: ignore[attr-defined]


# -- which frame is VLC showing? ------------------------------------------------------------
MATCH_WIDTH = 160  # wide enough to tell neighbouring frames of a talking face apart
_MATCH_SIZE = (MATCH_WIDTH, 90)


def _small_gray(img: np.ndarray, size: tuple[int, int] = _MATCH_SIZE) -> np.ndarray:
    """Grey at a fixed size: scaling and colour conversion differ between VLC and PyAV."""
    import cv2

    gray = img[..., :3].astype(np.float32).mean(axis=2) if img.ndim == 3 else img
    return cv2.resize(gray.astype(np.float32), size, interpolation=cv2.INTER_AREA)


def letterbox_rect(win_w: int, win_h: int, video_w: int, video_h: int) -> tuple[int, int, int, int]:
    """Where VLC draws a video of that size in a window: aspect kept, centred."""
    if win_w <= 0 or win_h <= 0 or video_w <= 0 or video_h <= 0:
        return (0, 0, max(win_w, 0), max(win_h, 0))
    scale = min(win_w / video_w, win_h / video_h)
    w, h = max(1, round(video_w * scale)), max(1, round(video_h * scale))
    return ((win_w - w) // 2, (win_h - h) // 2, w, h)


# Mean abs grey difference (0-255) above which the grab is not this frame at all. Measured
# under Xvfb: the right frame differs by 1.5-4 (VLC's scaling and YUV conversion), a wrong
# one of a real clip by 16-23, a black or covered surface by far more.
MATCH_MAX_DIFF = 8.0
# Grey standard deviation below which a grab shows no picture at all.
_MIN_GRAB_STD = 1.0


class GrabMatcher:
    """Compares decoded frames with one grab of VLC's window (letterbox cropped once)."""

    def __init__(self, target: np.ndarray) -> None:
        self._target = target

    @classmethod
    def of(cls, shown: np.ndarray | None, video_size: tuple[int, int]) -> GrabMatcher | None:
        if shown is None or shown.size == 0:
            return None
        x, y, w, h = letterbox_rect(shown.shape[1], shown.shape[0], *video_size)
        crop = shown[y : y + h, x : x + w]
        if crop.size == 0:
            return None
        target = _small_gray(crop)
        if float(target.std()) < _MIN_GRAB_STD:
            # A black or uniform grab (compositor without window contents, covered
            # window): nothing to match, and searching would only cost decodes.
            log.warning("VLC grab is uniform (std %.1f); not matching it", float(target.std()))
            return None
        return cls(target)

    def difference(self, img: np.ndarray) -> float:
        """Mean absolute grey difference, 0-255 (any size of the exact decode)."""
        return float(np.abs(_small_gray(img) - self._target).mean())


def match_shown_frame(
    shown: np.ndarray, candidates: Sequence[tuple[int, np.ndarray]], video_size: tuple[int, int]
) -> tuple[int, float, float] | None:
    """The candidate most like the grabbed window: (index, its difference, next best's).

    ``shown`` is the RGB grab of VLC's whole window; the picture is cropped out of its
    letterbox first. Candidates are exact decodes (any size). Returns ``None`` when there
    is nothing to compare or nothing is close enough to be the picture.
    """
    matcher = GrabMatcher.of(shown, video_size)
    if matcher is None or not candidates:
        return None
    scored = sorted((matcher.difference(img), index) for index, img in candidates)
    best_d, best_i = scored[0]
    if best_d > MATCH_MAX_DIFF:
        return None
    runner_up = scored[1][0] if len(scored) > 1 else float("inf")
    return (best_i, best_d, runner_up)


def dump_grab(shown: np.ndarray, estimate: int) -> None:
    """Save the pause grab when FACET_VLC_GRAB_DIR is set: to see why a match failed."""
    folder = os.environ.get("FACET_VLC_GRAB_DIR")
    if not folder:
        return
    import cv2

    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"grab_est{estimate:06d}.png")
    cv2.imwrite(path, np.ascontiguousarray(shown[..., 2::-1]))
    log.info("saved VLC grab to %s", path)
