#!/usr/bin/env python3
"""End-to-end under Xvfb: real key presses into ``run.py VIDEO``, checked from screenshots.

    .venv/bin/python tests/e2e/xvfb_keys.py [--out DIR] [--no-vlc] [--keep]

1. Starts Xvfb on a free display and writes a barcode clip (every frame shows its index).
2. Runs ``run.py clip.mp4`` (through this script's ``--app`` mode, which only adds a probe:
   a timer that writes the controller's frame, the frame label's text and the picture's
   screen rectangle to a JSON file; it changes nothing in the app).
3. Sends the issue's keys with xdotool (Home, Right x7, Left x3, Shift+Right, End, Left,
   Space, wait, Space, Right, Left), no click first: the player must have focus on its own.
4. After each key, takes ``import -window root`` screenshots until the barcode read from the
   screen, the controller's frame and the label agree with the expected frame (or time out).
   After a Space the expected frame is whatever the controller settles on; the next keys
   are checked relative to it.

Exit status 0 when every step matched; a JSON report goes to ``--out`` with the screenshots.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from xvfb_common import (
    grab_screen,
    key,
    lacks_tools,
    launch,
    out_folder,
    private_home,
    read_probe,
    run_probed,
    start_xvfb,
    stop,
)
from xvfb_common import tools_missing as tools_missing  # noqa: F401  (old import place)

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_FRAMES = 300  # 10-12 s: the play/pause steps never run into the end
SIZE = (640, 480)
CLIPS = ("cfr", "offset", "vfr", "ntsc")


def clip_spec(kind: str) -> tuple[dict[str, object], list[float]]:
    """write_barcode_video arguments and the presentation times (s from frame 0) they give.

    cfr: 25 fps GOP 50. offset: first PTS at 2 s (VLC counts from the container's zero).
    vfr: frames alternately 30 and 50 ms long. ntsc: 30000/1001 (drop-frame timecode).
    """
    if kind == "cfr":
        return {"fps": Fraction(25), "gop": 50}, [i / 25 for i in range(N_FRAMES)]
    if kind == "offset":
        return (
            {"fps": Fraction(25), "gop": 50, "start_pts": 50},
            [i / 25 for i in range(N_FRAMES)],
        )
    if kind == "vfr":
        ts = [0.0]
        for i in range(1, N_FRAMES):
            ts.append(round(ts[-1] + (0.03 if i % 2 else 0.05), 6))
        return {"fps": Fraction(25), "gop": 50, "timestamps_s": ts}, ts
    if kind == "ntsc":
        fps = Fraction(30000, 1001)
        return {"fps": fps, "gop": 60}, [float(i / fps) for i in range(N_FRAMES)]
    raise ValueError(f"unknown clip kind {kind!r}")


def one_second_from(ts: list[float], frame: int) -> int:
    """Shift+Right's target: the frame nearest to t + 1 s (independent of the app's code)."""
    t = ts[frame] + 1.0
    return min(range(len(ts)), key=lambda i: (abs(ts[i] - t), i))


# ---------------------------------------------------------------- app mode (inside the app)
def run_app(video: str, probe_path: str) -> int:
    """Start the real app via run.py, plus a read-only probe timer writing state as JSON."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    def state_of(w: Any) -> dict[str, object] | None:
        ctl = getattr(w, "controller", None)
        pw = getattr(w, "player_widget", None)
        if ctl is None or pw is None or not w.isVisible() or ctl.source is None:
            return None
        view = pw.frame_view
        x, y, rw, rh = view.view.image_rect(ctl.source.width, ctl.source.height)
        tl = view.mapToGlobal(QPoint(0, 0))
        focus = QApplication.focusWidget()
        return {
            "frame": ctl.current_frame,
            "playing": ctl.is_playing,
            "shown": pw.shown_frame,
            "label": pw.transport.frame_label.text(),
            "timecode": pw.transport.timecode_label.text(),
            "rect": [tl.x() + x, tl.y() + y, rw, rh],
            "using_vlc": ctl.using_vlc,
            "vlc_attached": bool(getattr(ctl, "_surface_attached", False)),
            "focus": focus.objectName() if focus is not None else None,
            "active": QApplication.activeWindow() is not None,
            # run.py builds the docks after the first picture (finish_startup): keys
            # pressed before that wait in the event queue until it is done
            "ready": bool(getattr(w, "components_ready", True)),
        }

    verbose = ["-v"] if os.environ.get("FACET_E2E_VERBOSE") else []
    return run_probed([video, *verbose], probe_path, state_of, 20)


# ---------------------------------------------------------------- driver (outside the app)
class Driver:
    def __init__(self, out: Path, use_vlc: bool, clip: str = "cfr") -> None:
        self.out = out
        self.clip_kind = clip
        self.clip_args, self.times = clip_spec(clip)
        self.use_vlc = use_vlc
        self.env = dict(os.environ)
        self.xvfb: subprocess.Popen[bytes] | None = None
        self.app: subprocess.Popen[bytes] | None = None
        self.probe = out / "probe.json"
        self.steps: list[dict[str, object]] = []
        self.shot_no = 0

    def start_xvfb(self) -> None:
        self.xvfb = start_xvfb("1600x1000x24", self.env)
        private_home(self.env, self.out)
        if not self.use_vlc:
            self.env["FACET_NO_VLC"] = "1"

    def make_clip(self) -> Path:
        from annotator.media.barcode import write_barcode_video

        clip = self.out / "clip.mp4"
        write_barcode_video(clip, N_FRAMES, size=SIZE, **self.clip_args)  # type: ignore[arg-type]
        return clip

    def start_app(self, clip: Path) -> None:
        args = ["--app", str(clip), "--probe", str(self.probe)]
        self.app = launch(Path(__file__).resolve(), args, self.env, self.out / "app.log")

    def state(self) -> dict[str, object] | None:
        return read_probe(self.probe)

    def screenshot(self, name: str) -> object:
        import cv2

        bgr = grab_screen(self.env)
        self.shot_no += 1
        cv2.imwrite(
            str(self.out / f"{self.shot_no:02d}_{name}.png"), bgr, [cv2.IMWRITE_PNG_COMPRESSION, 1]
        )
        return bgr[..., ::-1]

    def screen_index(self, rgb: object, rect: list[float]) -> int | None:
        from annotator.media.barcode import read_index

        x, y, w, h = (round(v) for v in rect)
        return read_index(rgb[y : y + h, x : x + w])  # type: ignore[index]

    def key(self, keysym: str) -> None:
        key(self.env, keysym)

    def wait_for(self, name: str, expected: int | None, timeout: float = 8.0) -> dict[str, object]:
        """Poll until screen barcode == controller frame == label (== expected if given)."""
        deadline = time.monotonic() + timeout
        last: dict[str, object] = {}
        while time.monotonic() < deadline:
            st = self.state()
            # Settled: not playing and our exact frame (not VLC's surface) is what is shown.
            if st is None or st.get("playing") or st.get("shown") != st.get("frame"):
                time.sleep(0.05)
                continue
            rgb = self.screenshot(name)
            shot_done = time.time()
            st2 = self.state() or st
            while st2.get("t", 0) <= shot_done and time.monotonic() < deadline:
                time.sleep(0.02)  # a probe written after the grab: nothing moved meanwhile
                st2 = self.state() or st2
            same = all(st2.get(k) == st.get(k) for k in ("frame", "label", "shown", "playing"))
            on_screen = self.screen_index(rgb, st2["rect"])  # type: ignore[arg-type]
            frame = st2["frame"]
            want = frame if expected is None else expected
            label_ok = st2["label"] == f"Frame {want} / {N_FRAMES - 1}"
            last = {
                "key": name,
                "expected": want,
                "controller": frame,
                "screen": on_screen,
                "label": st2["label"],
                "timecode": st2["timecode"],
                "shown": st2["shown"],
                "using_vlc": st2["using_vlc"],
                "vlc_attached": st2["vlc_attached"],
                "focus": st2["focus"],
                "shot": self.shot_no,
            }
            if same and on_screen == want == frame and label_ok and not st2["playing"]:
                last["ok"] = True
                self.steps.append(last)
                print(
                    f"  {name:<12} expected {want:>4}  screen {on_screen!s:>4}  "
                    f"{st2['label']}  {st2['timecode']}  ok",
                    flush=True,
                )
                return last
            time.sleep(0.1)
        last["ok"] = False
        self.steps.append(last)
        print(f"  {name:<12} MISMATCH {last}", flush=True)
        return last

    def wait_for_player(self) -> None:
        """Until the player shows frame 0 and has the keyboard focus (no click)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = self.state()
            if st is not None and st.get("focus") == "player" and st.get("shown") == 0:
                break
            if self.app is not None and self.app.poll() is not None:
                raise RuntimeError(f"app exited early: see {self.out / 'app.log'}")
            time.sleep(0.1)
        else:
            raise RuntimeError(f"app did not show the player with focus: {self.state()}")

    def run(self) -> bool:
        self.start_xvfb()
        clip = self.make_clip()
        self.start_app(clip)
        self.wait_for_player()
        time.sleep(0.5)  # let the first paint reach the X server
        print(f"app up: vlc_attached={self.state()['vlc_attached']}", flush=True)  # type: ignore[index]
        last = N_FRAMES - 1
        plan: list[tuple[str, str, int | None]] = [("Home", "Home", 0)]
        plan += [("Right", f"Right{k}", k) for k in range(1, 8)]
        plan += [("Left", f"Left{k}", 7 - k) for k in range(1, 4)]
        plan += [
            ("shift+Right", "Shift+Right", one_second_from(self.times, 4)),
            ("End", "End", last),
            ("Left", "Left", last - 1),
        ]
        ok = True
        for keysym, name, want in plan:
            self.key(keysym)
            ok &= bool(self.wait_for(name, want)["ok"])
        # Space at last-1: plays to the end and stops there.
        self.key("space")
        time.sleep(0.3)
        ok &= bool(self.wait_for("Space1", None)["ok"])
        # Space at the end: restarts from 0 and keeps playing (VLC when available).
        self.key("space")
        time.sleep(1.5)
        playing_state = self.state() or {}
        rgb = self.screenshot("playing")
        playing_idx = self.screen_index(rgb, playing_state.get("rect", [0, 0, 1, 1]))  # type: ignore[arg-type]
        print(
            f"  while playing: controller {playing_state.get('frame')}, vlc "
            f"{playing_state.get('using_vlc')}, screen barcode {playing_idx}",
            flush=True,
        )
        self.key("space")
        settled = self.wait_for("Space2", None)
        ok &= bool(settled["ok"])
        base = int(settled["controller"])  # type: ignore[call-overload]
        self.key("Right")
        ok &= bool(self.wait_for("Right", min(base + 1, last))["ok"])
        self.key("Left")
        ok &= bool(self.wait_for("Left", min(base + 1, last) - 1)["ok"])
        logs = sorted((self.out / "home").rglob("facet.log"))
        vlc_lines = [ln for f in logs for ln in f.read_text().splitlines() if "VLC paused" in ln]
        for ln in vlc_lines:
            print(f"  app log: {ln}", flush=True)
        report = {
            "ok": ok,
            "steps": self.steps,
            "vlc_pause_log": vlc_lines,
            "playing": {
                "controller": playing_state.get("frame"),
                "vlc": playing_state.get("using_vlc"),
                "screen": playing_idx,
            },
        }
        (self.out / "report.json").write_text(json.dumps(report, indent=1))
        return ok

    def stop(self) -> None:
        stop((self.app, self.xvfb), 5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", help=argparse.SUPPRESS)
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help="folder for screenshots and report.json")
    ap.add_argument("--no-vlc", action="store_true", help="frame-source playback only")
    ap.add_argument("--clip", choices=CLIPS, default="cfr", help="kind of barcode clip")
    args = ap.parse_args(argv)
    if args.app:
        return run_app(args.app, args.probe)
    if lacks_tools():
        return 77
    out = out_folder(args.out, "facet-e2e-")
    drv = Driver(out, use_vlc=not args.no_vlc, clip=args.clip)
    try:
        ok = drv.run()
    finally:
        drv.stop()
    print(f"{'PASS' if ok else 'FAIL'}: screenshots and report in {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
