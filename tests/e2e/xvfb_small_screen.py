#!/usr/bin/env python3
"""End-to-end under Xvfb: the real app on small screens, checked on a screenshot (issue 15.2).

    .venv/bin/python tests/e2e/xvfb_small_screen.py [--out DIR] [--size 1366x768]

Starts Xvfb at the size (and openbox when installed: a window manager's title bar must fit
too), runs ``run.py`` on the demo project with a probe that writes the screen rectangles of
the window frame, picture, transport, timeline canvas and status bar, takes a screenshot and
checks: the window frame is on the screen, the transport and status bar are inside it, the
timeline canvas shows at least the ruler, a face row and four lanes, and the picture on the
screenshot is the current frame (the demo's barcode read back from the pixels).
Exit status 0 when all hold, 77 when a tool is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from xvfb_common import (  # noqa: E402
    grab_screen,
    lacks_tools,
    launch,
    private_home,
    run_probed,
    start_openbox,
    start_xvfb,
    stop,
)


def run_app(probe_path: str) -> int:
    """run.py (the demo) plus a read-only probe of where things are on the screen."""
    from PySide6.QtCore import QPoint, QRect

    def rect(widget) -> list[int]:  # type: ignore[no-untyped-def]
        tl = widget.mapToGlobal(QPoint(0, 0))
        return [tl.x(), tl.y(), widget.width(), widget.height()]

    def state_of(w: Any) -> dict[str, object] | None:
        ctl = getattr(w, "controller", None)
        if ctl is None or not w.isVisible() or ctl.source is None:
            return None
        if not getattr(w, "components_ready", True):
            return None  # run.py shows the player first; the timeline comes next
        pw = w.player_widget
        view = pw.frame_view
        x, y, rw, rh = view.view.image_rect(ctl.source.width, ctl.source.height)
        tl = view.mapToGlobal(QPoint(0, 0))
        frame: QRect = w.frameGeometry()
        return {
            "screen": list(w.screen().geometry().getRect()),
            "frame_geometry": list(frame.getRect()),
            "picture": [tl.x() + x, tl.y() + y, rw, rh],
            "video_size": [ctl.source.width, ctl.source.height],
            "current": ctl.current_frame,
            "transport": rect(pw.transport),
            "transport_visible": pw.transport.isVisible(),
            "canvas": rect(w.coding.timeline.canvas),
            "status": rect(w.statusBar()),
            "status_visible": w.statusBar().isVisible(),
            "minimum": list(w.minimumSizeHint().toTuple()),
        }

    return run_probed([], probe_path, state_of, 200)


def inside(r: list[int], screen: list[int]) -> bool:
    x, y, w, h = r
    sx, sy, sw, sh = screen
    return x >= sx and y >= sy and x + w <= sx + sw and y + h <= sy + sh


def check(size: str, out: Path) -> bool:
    import cv2

    from annotator.demo import BARCODE_BOX
    from annotator.media.barcode import read_index
    from annotator.ui.timeline.lanes import FACE_ROW_PX, LANE_PX
    from annotator.ui.timeline.view import RULER_PX

    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["FACET_NO_VLC"] = "1"  # the layout is the subject here
    private_home(env, out)
    procs: list[subprocess.Popen[bytes] | None] = []
    try:
        procs.append(start_xvfb(f"{size}x24", env))
        wm = start_openbox(env)
        procs.append(wm)
        probe = out / "probe.json"
        app = launch(
            Path(__file__).resolve(), ["--app", "--probe", str(probe)], env, out / "app.log"
        )
        procs.append(app)
        deadline = time.monotonic() + 120
        state = None
        while time.monotonic() < deadline:
            if app.poll() is not None:
                print(f"app exited early: see {out / 'app.log'}")
                return False
            try:
                state = json.loads(probe.read_text())
            except (OSError, ValueError):
                state = None
            if state is not None and time.time() - state["t"] < 1:
                time.sleep(2.0)  # the window manager maximizes; the layout settles
                state = json.loads(probe.read_text())
                break
            time.sleep(0.2)
        if state is None:
            print("no probe from the app")
            return False
        bgr = grab_screen(env)
        cv2.imwrite(str(out / f"screen-{size}.png"), bgr)
        rgb = bgr[..., ::-1]
        screen = state["screen"]
        px, py, pw_, ph = state["picture"]
        scale = pw_ / state["video_size"][0]
        bx, by, bw, bh = (round(v * scale) for v in BARCODE_BOX)
        shown = read_index(
            rgb[round(py) + by : round(py) + by + bh, round(px) + bx : round(px) + bx + bw]
        )
        cx, cy, cw, ch = state["canvas"]
        canvas_on_screen = min(cy + ch, screen[1] + screen[3]) - max(cy, screen[1])
        results = {
            "window frame on screen": inside(state["frame_geometry"], screen),
            "minimum within 1280x700": state["minimum"][0] <= 1280 and state["minimum"][1] <= 700,
            "transport on screen": state["transport_visible"]
            and inside(state["transport"], screen),
            "status bar on screen": state["status_visible"] and inside(state["status"], screen),
            "timeline shows 4 lanes": canvas_on_screen >= RULER_PX + FACE_ROW_PX + 4 * LANE_PX,
            "picture on screenshot is the current frame": shown == state["current"],
        }
        print(f"{size} (window manager: {'openbox' if wm else 'none'}): {json.dumps(state)}")
        for what, ok in results.items():
            print(f"  {what}: {ok}")
        return all(results.values())
    finally:
        stop(reversed(procs), 10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--size", action="append", help="screen size WxH (default 1366x768, 1280x720)")
    args = ap.parse_args(argv)
    if args.app:
        return run_app(args.probe)
    if lacks_tools(("Xvfb", "import")):
        return 77
    ok = True
    for size in args.size or ["1366x768", "1280x720"]:
        out = (args.out or Path(tempfile.mkdtemp(prefix="facet-small-"))) / size
        out.mkdir(parents=True, exist_ok=True)
        ok &= check(size, out)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
