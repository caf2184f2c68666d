#!/usr/bin/env python3
"""End-to-end under Xvfb: sound of the real app at 1/2x, 1/8x and in reverse (issue 15.1).

    .venv/bin/python tests/e2e/xvfb_sound.py [--out DIR]

Runs ``run.py tone.mp4`` (a barcode video with a 440 Hz tone) through xvfb_keys.py's probe
mode, with VLC's file audio output (``FACET_VLC_ARGS=--aout=afile ...``: no sound card
here), and presses the keys a user would: Shift+Down (1/2x), Space, Space; Shift+Down twice
(1/8x), Space, Space; J (reverse 1x), K, once the docks are built and the event loop
answers. Checks: at 1/2x the picture reached at least FOLLOW of the frames the 1/2x clock
passed while it played (the time measured by the app's probe, not between the key
presses) and the WAV VLC wrote holds the tone at 440 Hz (pitch kept) for at least a
second; at 1/8x and in reverse it does not grow. Exit status 0 when all hold, 77 when a
tool is missing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "media"), str(HERE.parents[1])]

import numpy as np  # noqa: E402
from tone_video import dominant_hz, loud_seconds, write_tone_video  # noqa: E402
from xvfb_common import lacks_tools, out_folder  # noqa: E402
from xvfb_keys import Driver  # noqa: E402


def wav_samples(path: Path) -> tuple[np.ndarray, int]:
    """First channel of the WAV VLC is still writing (its header sizes are set at close)."""
    data = path.read_bytes() if path.exists() else b""
    if len(data) < 44:
        return np.zeros(0), 48000
    channels = int.from_bytes(data[22:24], "little") or 1
    rate = int.from_bytes(data[24:28], "little") or 48000
    usable = (len(data) - 44) // (2 * channels) * 2 * channels
    pcm = np.frombuffer(data[44 : 44 + usable], np.int16).reshape(-1, channels)
    return pcm[:, 0].astype(np.float64), rate


FPS = 25  # write_tone_video's rate
# Share of the frames the clock passed that the picture must have reached (it skips to
# the clock's frame when late; the slack covers the probe's 20 ms and the last tick).
FOLLOW = 0.6


class SoundDriver(Driver):
    def run(self) -> bool:
        self.start_xvfb()
        wav = self.out / "sound.wav"
        self.env["FACET_VLC_ARGS"] = f"--aout=afile --audiofile-file={wav}"
        clip = write_tone_video(self.out / "tone.mp4", 12.0, 440.0, size=(320, 240))
        self.start_app(clip)
        self.wait_for_player()
        st = self.state() or {}
        if not st.get("vlc_attached"):
            print("VLC not attached (libvlc missing?): nothing to check", file=sys.stderr)
            raise SystemExit(77)
        self.wait_idle()
        ok = True

        def play(seconds: float, start: str = "space", stop: str = "space") -> tuple[int, float]:
            """(frames moved, seconds it played by the app's own probe): the keys go
            through the X server and the app's event queue, which under load take their
            time; the picture must follow the time it really played."""
            frame0 = int((self.state() or {}).get("frame", 0))
            self.key(start)
            began = self.wait_playing(True)
            time.sleep(seconds)
            self.key(stop)
            ended = self.wait_playing(False)
            time.sleep(1.0)  # pause settles; VLC's buffered tail is written
            moved = int((self.state() or {}).get("frame", 0)) - frame0
            return moved, max(ended - began, 0.0)

        self.key("shift+Down")
        moved, played = play(3.0)
        want = 0.5 * FPS * played  # frames the 1/2x clock passed while it played
        samples, rate = wav_samples(wav)
        half_loud, half_hz = loud_seconds(samples, rate), dominant_hz(samples, rate)
        follows = moved > 10 and moved >= FOLLOW * want
        half_ok = follows and half_loud >= 1.0 and abs(half_hz - 440.0) < 5
        print(
            f"1/2x: {moved} frames in {played:.2f} s of playing (clock: {want:.0f}), "
            f"{half_loud:.2f} s of sound at {half_hz:.1f} Hz: {half_ok}"
        )
        ok &= half_ok
        for name, keys in (("1/8x", ("shift+Down", "shift+Down")), ("reverse", ())):
            size = wav.stat().st_size if wav.exists() else 0
            for k in keys:
                self.key(k)
            moved, played = play(2.0, *(("j", "k") if name == "reverse" else ()))
            grown = (wav.stat().st_size if wav.exists() else 0) - size
            silent = moved != 0 and grown == 0
            print(f"{name}: {moved} frames in {played:.2f} s, WAV grew {grown} bytes: {silent}")
            ok &= silent
        return ok

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Until the docks are built and the event loop answers (a fresh probe): keys sent
        before would be handled seconds later, all at once."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.state() or {}
            if st.get("ready") and time.time() - float(st.get("t", 0)) < 0.2:
                return
            time.sleep(0.05)
        raise RuntimeError(f"app not ready: {self.state()}")

    def wait_playing(self, playing: bool, timeout: float = 30.0) -> float:
        """The app's own time (probe stamp) when ``playing`` was first seen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.state() or {}
            if bool(st.get("playing")) == playing:
                return float(st.get("t", time.time()))
            time.sleep(0.01)
        raise RuntimeError(f"playing never became {playing}: {self.state()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if lacks_tools():
        return 77
    out = out_folder(args.out, "facet-sound-")
    driver = SoundDriver(out, use_vlc=True)
    try:
        ok = driver.run()
    finally:
        driver.stop()
    print("PASS" if ok else f"FAIL (screenshots and app.log in {out})")
    if ok and args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
