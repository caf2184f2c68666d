"""Bench FrameSource against a naive seek+decode-per-request baseline on 1080p GOP-250 H.264.

Run: ``.venv/bin/python bench/bench_media.py [--frames 300] [--bframes 3] [--pace-ms 40]``

The clip (cached in /tmp/facet-bench) is real camera footage when the shared sample
``facenet_pytorch_crowd_1080p25.mp4`` is present (played forward and backward to fill the
length, so no scene cut resets the GOP), otherwise textured synthetic frames; every frame
also carries its barcode so the bench checks it measured the right frames.

Random seeks are measured twice: "preview" is the time until the exact frame index is
available as a picture from the preview proxy (``FrameSource.preview``; built first, its
build time reported), "random" the time until the full-quality exact frame is decoded.

Steps are paced like a held arrow key (``--pace-ms`` between requests, the key-repeat rate
of a person stepping); ``--pace-ms 0`` measures back-to-back requests. Numbers are
wall-clock on whatever else the machine is doing: run it twice and read the ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import Naive, pct

from annotator.media import FrameSource
from annotator.media.barcode import draw_index, read_index
from annotator.media.encode import VideoWriter, x264_params

SAMPLE = ROOT.parent / "shared" / "samples" / "video" / "facenet_pytorch_crowd_1080p25.mp4"
GOP = 250


def _source_frames(n: int) -> Callable[[int], np.ndarray]:
    if SAMPLE.exists():
        with av.open(str(SAMPLE)) as c:
            base = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        cycle = base + base[-2:0:-1]  # ping-pong: continuous motion, no cut
        return lambda i: cycle[i % len(cycle)].copy()
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 64, (1080 + 64, 1920 + 64, 3), dtype=np.uint8)

    def synth(i: int) -> np.ndarray:
        dy, dx = (i * 3) % 64, (i * 5) % 64
        img = noise[dy : dy + 1080, dx : dx + 1920].copy()
        img += np.linspace(0, 160, 1920, dtype=np.uint8)[None, :, None]
        return img

    return synth


def make_clip(n_frames: int, bframes: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "facet-bench"
    folder.mkdir(exist_ok=True)
    kind = "real" if SAMPLE.exists() else "synth"
    path = folder / f"bench_1080p_gop{GOP}_b{bframes}_{n_frames}_{kind}.mp4"
    if path.exists():
        return path
    print(f"encoding {path.name} ({kind} content, x264 veryfast crf 23) ...", flush=True)
    frames = _source_frames(n_frames)
    tmp = path.with_suffix(".part.mp4")
    options = {"preset": "veryfast", "crf": "23", "x264-params": x264_params(GOP, bframes)}
    with VideoWriter(tmp, size=(1920, 1080), fps=25, options=options) as writer:
        for i in range(n_frames):
            img = frames(i)
            draw_index(img, i)
            writer.write(img)
    os.replace(tmp, path)
    return path


def timed(get: Callable[[int], np.ndarray], order: list[int], pace_s: float) -> list[float]:
    out = []
    for i in order:
        t0 = time.perf_counter()
        img = get(i)
        dt = time.perf_counter() - t0
        out.append(dt * 1000)
        got = read_index(img)
        if got != i:
            raise AssertionError(f"asked frame {i}, got {got}")
        if pace_s:
            time.sleep(max(pace_s - dt, 0))
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--bframes", type=int, default=3)
    ap.add_argument("--pace-ms", type=float, default=40.0)
    ap.add_argument("--cache-mb", type=float, default=512)
    ap.add_argument("--seeks", type=int, default=40)
    ap.add_argument("--display", default="", help="request frames scaled, e.g. 960x540")
    ap.add_argument("--encode-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.encode_only:
        print(make_clip(args.frames, args.bframes))
        return 0
    # Encode in a child process: holding the source frames would inflate our peak RSS.
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--encode-only",
            "--frames",
            str(args.frames),
            "--bframes",
            str(args.bframes),
        ],
        check=True,
    )
    pace = args.pace_ms / 1000
    size = tuple(int(v) for v in args.display.split("x")) if args.display else None
    os.environ.setdefault("FACET_CACHE_DIR", str(Path(tempfile.gettempdir()) / "facet-bench"))
    path = make_clip(args.frames, args.bframes)
    rng = random.Random(1)
    results: dict[str, dict[str, list[float]]] = {"FrameSource": {}, "naive": {}}
    rss0 = rss_mb()

    # open-to-first-frame: first (cold) open builds and caches the PTS index
    for f in Path(os.environ["FACET_CACHE_DIR"], "media-index").glob("*.npz"):
        f.unlink()
    t0 = time.perf_counter()
    with FrameSource(path, cache_mb=args.cache_mb) as src:
        src.frame(0)
        cold_open = (time.perf_counter() - t0) * 1000
        pts = src.pts.copy()
        n = src.frame_count
    opens = []
    for _ in range(10):
        t0 = time.perf_counter()
        src = FrameSource(path, cache_mb=args.cache_mb)
        src.frame(0)
        opens.append((time.perf_counter() - t0) * 1000)
        src.close()
    results["FrameSource"]["open"] = opens

    # Preview proxy: built from scratch (child process, nice 10) before anything is timed.
    with FrameSource(path, cache_mb=args.cache_mb, prefetch=False) as src:
        shutil.rmtree(src.proxy_path, ignore_errors=True)
        t0 = time.perf_counter()
        if not src.build_proxy(block=True, timeout=3600):
            raise SystemExit("proxy build failed")
        proxy_build_s = time.perf_counter() - t0
        proxy_mb = sum(f.stat().st_size for f in src.proxy_path.iterdir()) / 1e6
        proxy = src.proxy
        assert proxy is not None
        proxy_dims = f"{proxy.width}x{proxy.height}"
        src_fps = float(src.fps)

    fwd = list(range(5, min(n, 5 + 150)))
    last_gop_start = 0
    back_from = min(GOP - 1, n - 1)
    back = list(range(back_from, max(back_from - 200, last_gop_start), -1))
    seeks = [rng.randrange(n) for _ in range(args.seeks)]

    with FrameSource(path, cache_mb=args.cache_mb) as src:

        def get(i: int) -> np.ndarray:
            return src.frame(i, size=size)

        get(4)
        results["FrameSource"]["forward"] = timed(get, fwd, pace)
        src.cache.clear()
        first_back = timed(get, back[:1], 0)
        results["FrameSource"]["backward"] = timed(get, back[1:], pace)
        src.wait_prefetch(30)
        rss_src = rss_mb()
    with FrameSource(path, cache_mb=args.cache_mb, prefetch=False) as src:

        def cold(i: int) -> np.ndarray:
            src.cache.clear()
            return src.frame(i, size=size)

        results["FrameSource"]["random"] = timed(cold, seeks, 0)

    with FrameSource(path, cache_mb=args.cache_mb, prefetch=False) as src:
        assert src.proxy_ready

        def preview(i: int) -> np.ndarray:
            """Seek request -> exact-index picture at display size, nothing cached."""
            assert src.proxy is not None
            src.proxy.cache.clear()
            img = src.preview(i, size=size)
            assert img is not None
            return img

        preview(0)  # opens the proxy decoder, like the first seek after open
        results["FrameSource"]["preview"] = timed(preview, seeks, 0)
        # The same picture scaled up to the video's own size (a window showing it 1:1).
        full_size = (src.width, src.height)

        def preview_full(i: int) -> np.ndarray:
            assert src.proxy is not None
            src.proxy.cache.clear()
            img = src.preview(i, size=size or full_size)
            assert img is not None
            return img

        results["FrameSource"]["preview_up"] = timed(preview_full, seeks, 0)

        def refine(i: int) -> np.ndarray:
            """Preview shown, exact frame decoded off the caller's thread (request + poll)."""
            src.cache.clear()
            src.request(i, size=size)
            while (img := src.cached(i, size=size)) is None:
                time.sleep(0.001)
            return img

        results["FrameSource"]["refine"] = timed(refine, seeks, 0)

    opens = []
    for _ in range(10):
        t0 = time.perf_counter()
        nv = Naive(path, pts, size)
        nv.frame(0)
        opens.append((time.perf_counter() - t0) * 1000)
        nv.close()
    results["naive"]["open"] = opens
    nv = Naive(path, pts, size)
    results["naive"]["forward"] = timed(nv.frame, fwd[:40], pace)
    results["naive"]["backward"] = timed(nv.frame, back[1:31], pace)
    results["naive"]["random"] = timed(nv.frame, seeks, 0)
    nv.close()
    # The naive tool has no preview: its seek shows the picture when the decode is done.
    for m in ("preview", "preview_up", "refine"):
        results["naive"][m] = results["naive"]["random"]

    targets = {
        "forward": 12,
        "backward": 20,
        "random": 150,
        "preview": 150,
        "preview_up": 150,
        "open": 300,
    }
    print(f"\nclip: {path.name}, {n} frames 1920x1080, GOP {GOP}, B-frames {args.bframes}")
    print(f"frames requested at {args.display or 'full size'}; load average {os.getloadavg()}")
    print(
        f"pace between steps: {args.pace_ms:.0f} ms, cache budget {args.cache_mb:.0f} MB, "
        f"cold open (index build + frame 0) {cold_open:.0f} ms, "
        f"first backward step into the GOP {first_back[0]:.0f} ms"
    )
    print(
        f"preview proxy: {proxy_dims}, built in {proxy_build_s:.1f} s "
        f"({n / proxy_build_s:.0f} fps = {n / proxy_build_s / src_fps:.1f}x real time), "
        f"{proxy_mb:.1f} MB"
    )
    print(
        "random = full-quality exact frame on the caller; preview = exact index from the "
        "proxy (preview_up: scaled to the video size); refine = full quality after the "
        "preview (background decode, polled)"
    )
    print(
        f"{'metric':10} {'FrameSource p50/p95 ms':>24} {'naive p50/p95 ms':>20} "
        f"{'ratio p95':>10} {'target p95':>11} {'p99/max ms':>16}"
    )
    for m in ("forward", "backward", "random", "preview", "preview_up", "refine", "open"):
        a, b = results["FrameSource"][m], results["naive"][m]
        a50, a95, b50, b95 = pct(a, 50), pct(a, 95), pct(b, 50), pct(b, 95)
        target = targets.get(m)  # refine: full quality after a preview, no target of its own
        goal = f"<= {target:4d} {'ok' if a95 <= target else 'MISSED':6}" if target else " " * 14
        print(
            f"{m:10} {a50:11.1f} / {a95:8.1f}   {b50:9.1f} / {b95:8.1f} {b95 / a95:9.1f}x"
            f"  {goal} {pct(a, 99):7.1f} / {max(a):6.1f}"
        )
    print(
        f"peak RSS: {rss0:.0f} MB before, {rss_src:.0f} MB after FrameSource runs "
        f"(+{rss_src - rss0:.0f} MB; cache budget {args.cache_mb:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
