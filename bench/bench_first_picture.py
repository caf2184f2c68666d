"""First picture: ``python run.py VIDEO`` to frame 0 on screen, against mpv, same run.

Run: ``.venv/bin/python bench/bench_first_picture.py [--rounds 3] [--files short,long]``

- Facet: a fresh process ``run.py VIDEO`` (offscreen Qt, no VLC) with
  ``FACET_BENCH_FIRST_PICTURE`` set: the app prints the seconds from the bench's launch
  time until frame 0 is in the player view (then exits at once). "first open": empty
  index/proxy cache and an empty sha256 cache (fresh ``FACET_CACHE_DIR``, ``HOME`` and
  ``XDG_CACHE_HOME``); "later open": the same folders again.
- Before the runs the package's bytecode is compiled (``compileall``), as ``bash dev.sh``
  does at set-up: without it, with ``PYTHONDONTWRITEBYTECODE`` set, every start compiled
  the whole package (+0.2-0.3 s).
- mpv: ``mpv --no-config --vo=null --ao=null --frames=1 VIDEO``, wall time from launch to
  exit (it exits right after showing one frame; its exit is counted, ~10 ms).
Both read the file from the page cache (it was read just before). Rounds interleave the
tools; the median per tool is printed with the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import media_files
from benchlib import app_env


def facet(video: Path, home: Path) -> float:
    env = app_env(home)
    env["FACET_BENCH_FIRST_PICTURE"] = repr(time.time())
    out = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), str(video)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=home,
        check=False,
    )
    for line in out.stdout.splitlines():
        if line.startswith("first picture "):
            return float(line.split()[-1])
    raise RuntimeError(f"no first picture: {out.stderr[-500:]}")


def mpv(video: Path) -> float:
    t0 = time.time()
    subprocess.run(
        [
            "mpv",
            "--no-config",
            "--vo=null",
            "--ao=null",
            "--frames=1",
            "--really-quiet",
            str(video),
        ],
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.time() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--files", default="short,long")
    args = ap.parse_args()
    files = []
    for name in args.files.split(","):
        files.append(
            media_files.short_clip()
            if name == "short"
            else media_files.long_clip()
            if name == "long"
            else Path(name)
        )
    has_mpv = shutil.which("mpv") is not None
    # As `bash dev.sh` does at set-up: the package's bytecode compiled once, so a start does
    # not compile every module when PYTHONDONTWRITEBYTECODE is set (it is on this box).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "annotator"), str(ROOT / "run.py")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(
        f"package bytecode compiled (as dev.sh does); PYTHONDONTWRITEBYTECODE="
        f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')}"
    )
    print(f"load average before: {os.getloadavg()}")
    for video in files:
        video.read_bytes()  # into the page cache for both tools
        res: dict[str, list[float]] = {"facet first open": [], "facet later open": [], "mpv": []}
        for _ in range(args.rounds):
            home = Path(tempfile.mkdtemp(prefix="facet-first-"))
            try:
                if has_mpv:
                    res["mpv"].append(mpv(video))
                res["facet first open"].append(facet(video, home))
                res["facet later open"].append(facet(video, home))
            finally:
                shutil.rmtree(home, ignore_errors=True)
        size = video.stat().st_size / 1e6
        print(f"\n{video.name} ({size:.0f} MB), {args.rounds} rounds, load {os.getloadavg()}")
        base = statistics.median(res["mpv"]) if res["mpv"] else None
        for tool, xs in res.items():
            if not xs:
                continue
            med = statistics.median(xs)
            rel = f"  {med - base:+.2f} s vs mpv" if base is not None and tool != "mpv" else ""
            print(f"{tool:18} median {med:6.2f} s  (all: {', '.join(f'{x:.2f}' for x in xs)}){rel}")
        if base is not None:
            for tool in ("facet first open", "facet later open"):
                med = statistics.median(res[tool])
                print(
                    f"target {tool} within 0.5 s of mpv: {'met' if med <= base + 0.5 else 'MISSED'}"
                )
    print(f"\nload average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
