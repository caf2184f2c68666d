"""Seek to picture on screen, through the real PlayerController and PlayerWidget (offscreen).

Run: ``.venv/bin/python bench/bench_seek_gui.py`` (after ``bench_media.py`` wrote its clip).

``bench_media.py`` times ``FrameSource.preview`` alone; this adds what the GUI adds: the
controller's checks, the ndarray -> QImage copy, the transport labels and one paint. The
proxy build is started by ``PlayerController.open`` as in the app (waited for, not timed
here). For each of ``--seeks`` random frames (caches cleared first): time from
``controller.seek(i)`` until the widget has painted frame i (barcode read from the
widget's image) and until the exact full-quality frame replaced it (``picture_refined``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import pct

CLIP = Path(tempfile.gettempdir()) / "facet-bench" / "bench_1080p_gop250_b3_300_real.mp4"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeks", type=int, default=40)
    ap.add_argument("--window", default="1000x640", help="player widget size")
    args = ap.parse_args()
    if not CLIP.exists():
        raise SystemExit(f"{CLIP} missing: run bench/bench_media.py first")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["FACET_NO_VLC"] = "1"
    os.environ.setdefault("FACET_CACHE_DIR", str(CLIP.parent))
    from PySide6.QtWidgets import QApplication

    from annotator.media.barcode import read_index
    from annotator.playback.player_controller import PlayerController
    from annotator.ui.player.frame_view import qimage_to_ndarray
    from annotator.ui.player.player_widget import PlayerWidget

    app = QApplication([])
    ctl = PlayerController(use_vlc=False)
    widget = PlayerWidget(ctl, embed_vlc=False)
    w, h = (int(v) for v in args.window.split("x"))
    widget.resize(w, h)
    widget.show()
    app.processEvents()
    ctl.open(CLIP)
    src = ctl.source
    assert src is not None
    while not (src.proxy_path / "complete").exists():  # built by open(), as in the app
        if not src.proxy_building and not (src.proxy_path / "complete").exists():
            raise SystemExit("no proxy build was started")
        app.processEvents()
        time.sleep(0.01)

    def painted() -> int | None:
        image = widget.frame_view.image()
        return None if image is None else read_index(qimage_to_ndarray(image))

    rng = random.Random(4)
    shown: list[float] = []
    exact: list[float] = []
    previews = 0
    while len(shown) < args.seeks:
        i = rng.randrange(src.frame_count)
        if i == ctl.current_frame:
            continue
        src.wait_prefetch(10)
        src.cache.clear()
        if src.proxy is not None:
            src.proxy.cache.clear()
        t0 = time.perf_counter()
        ctl.seek(i)
        app.processEvents()
        t1 = time.perf_counter()
        if widget.frame_view.frame != i or painted() != i:
            raise AssertionError(f"seek to {i}: painted {painted()}")
        previews += ctl.showing_preview
        while ctl.showing_preview:
            app.processEvents()
            time.sleep(0.002)
        t2 = time.perf_counter()
        if painted() != i:
            raise AssertionError(f"seek to {i}: refined picture shows {painted()}")
        shown.append((t1 - t0) * 1000)
        exact.append((t2 - t0) * 1000)
    print(f"display {widget.frame_view.display_size()}, {len(shown)} seeks, {previews} previews")
    print(f"seek -> frame i painted      p50 {pct(shown, 50):6.1f}  p95 {pct(shown, 95):6.1f} ms")
    print(f"seek -> full quality painted p50 {pct(exact, 50):6.0f}  p95 {pct(exact, 95):6.0f} ms")
    print(f"load average {os.getloadavg()}")
    ctl.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
