"""Preview copy across short sessions: ``run.py VIDEO`` five times, 2 minutes each.

Run: ``.venv/bin/python bench/bench_proxy_sessions.py [--sessions 5] [--minutes 2]
[--video PATH]`` (default: the 30-minute 1080p file of ``media_files.long_clip()``).

Each session is a fresh app process (offscreen Qt, no VLC) on the same video with the
same private cache folder (``FACET_CACHE_DIR``), left idle, then ended with SIGTERM (the
way a desktop session ends it; the build child sees its pipe close and exits). After each
session the bench counts the finished segments (``s*.mp4``) in the proxy folder, the
frames they hold, whether ``complete`` is written, and whether any build process
outlived the app. Baseline in the same run: the frames a session would need to build for
five sessions to complete the copy (total / sessions), and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import media_files
from benchlib import app_env, proxy_build_children


def _state(cache: Path) -> tuple[int, int, int, bool]:
    """(segments done, frames in them, total frames, complete) of the one proxy in cache."""
    folders = sorted((cache / "proxy").glob("*-p*"))
    if not folders:
        return 0, 0, 0, False
    folder = folders[0]
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return 0, 0, 0, False
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    n, seg = int(meta["frames"]), int(meta["segment"])
    done = sorted(folder.glob("s*.mp4"))
    frames = sum(min(seg, n - int(p.stem[1:])) for p in done)
    return len(done), frames, n, (folder / "complete").exists()


def session(video: Path, home: Path, seconds: float) -> tuple[float, list[int]]:
    env = app_env(home)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), str(video)],
        env=env,
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=seconds)
        print(
            f"  the app ended by itself after {time.monotonic() - t0:.0f} s (rc {proc.returncode})"
        )
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    elapsed = time.monotonic() - t0
    deadline = time.monotonic() + 5
    left = proxy_build_children(proc.pid)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = proxy_build_children(proc.pid)
    return elapsed, left


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--video", type=Path, default=None)
    args = ap.parse_args()
    video = args.video or media_files.long_clip()
    home = Path(tempfile.mkdtemp(prefix="facet-sessions-"))
    print(f"{video.name} ({video.stat().st_size / 1e6:.0f} MB); load average {os.getloadavg()}")
    before = 0
    try:
        for k in range(1, args.sessions + 1):
            load = os.getloadavg()
            elapsed, left = session(video, home, args.minutes * 60)
            segs, frames, n, complete = _state(home / "facet-cache")
            need = n / args.sessions if n else float("nan")
            print(
                f"session {k}: {elapsed:.0f} s, segments done {segs} ({frames}/{n} frames, "
                f"+{frames - before} this session, {(frames - before) / elapsed:.1f} frames/s; "
                f"five sessions need {need:.0f} per session), complete={complete}, "
                f"build processes left {len(left)}, load {load} -> {os.getloadavg()}",
                flush=True,
            )
            before = frames
            if complete:
                break
        segs, frames, n, complete = _state(home / "facet-cache")
        print(
            f"\nresult: {'COMPLETE' if complete else 'NOT complete'} after {k} sessions: "
            f"{frames}/{n} frames ({100 * frames / max(n, 1):.0f}%); "
            f"load average {os.getloadavg()}"
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
