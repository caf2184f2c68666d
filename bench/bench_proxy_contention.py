"""Does a proxy build slow the player down? Seeks and steps while builds run back to back.

Run: ``.venv/bin/python bench/bench_proxy_contention.py`` (after ``bench_media.py`` has
written its clip). For each mode (no build, build at nice 10 as the player starts it, build
at nice 0) it measures 20 cold full-quality random seeks and 115 forward steps paced at
40 ms while proxy builds of the bench clip run one after another in child processes.
Modes are interleaved over ``--rounds`` so a change in the machine's other load hits all.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import pct

from annotator.media import FrameSource
from annotator.media.barcode import read_index

CLIP = Path(tempfile.gettempdir()) / "facet-bench" / "bench_1080p_gop250_b3_300_real.mp4"


class Builds:
    """Proxy builds of ``clip`` one after another until stopped (killed mid-build)."""

    def __init__(self, clip: Path, nice: int, folder: Path) -> None:
        self.clip, self.nice, self.folder = clip, nice, folder
        self.done = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        time.sleep(1.0)  # past the child's start-up, into decoding and encoding
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            out = self.folder / f"p{self.done}"
            cmd = [
                sys.executable,
                "-m",
                "annotator.media.proxy_build",
                str(self.clip),
                str(out),
                "--size",
                "960x540",
                "--segment",
                "1500",
            ]
            proc = subprocess.Popen(
                [*cmd, "--nice", str(self.nice)], stderr=subprocess.DEVNULL, cwd=ROOT
            )
            while proc.poll() is None and not self._stop.wait(0.05):
                pass
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            else:
                self.done += 1
            shutil.rmtree(out, ignore_errors=True)


def measure(clip: Path) -> tuple[list[float], list[float]]:
    rng = random.Random(5)
    seeks = [rng.randrange(300) for _ in range(20)]
    cold: list[float] = []
    with FrameSource(clip, prefetch=False) as src:
        for i in seeks:
            src.cache.clear()
            t0 = time.perf_counter()
            img = src.frame(i)
            cold.append((time.perf_counter() - t0) * 1000)
            assert read_index(img) == i
    steps: list[float] = []
    with FrameSource(clip) as src:
        src.frame(4)
        for i in range(5, 120):
            t0 = time.perf_counter()
            src.frame(i)
            dt = time.perf_counter() - t0
            steps.append(dt * 1000)
            time.sleep(max(0.04 - dt, 0))
    return cold, steps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    if not CLIP.exists():
        raise SystemExit(f"{CLIP} missing: run bench/bench_media.py first")
    os.environ.setdefault("FACET_CACHE_DIR", str(CLIP.parent))
    folder = Path(tempfile.mkdtemp(prefix="facet-contention-"))
    print(f"{'build':10} {'cold seek p50/p95 ms':>22} {'step p95/max ms':>16} {'builds':>7}")
    for _ in range(args.rounds):
        for mode in ("none", "nice 10", "nice 0"):
            if mode == "none":
                cold, steps = measure(CLIP)
                done = 0
            else:
                with Builds(CLIP, int(mode.split()[1]), folder) as builds:
                    cold, steps = measure(CLIP)
                done = builds.done
            print(
                f"{mode:10} {pct(cold, 50):10.0f} / {pct(cold, 95):6.0f}"
                f"   {pct(steps, 95):6.1f} / {max(steps):5.1f} {done:7d}"
            )
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
