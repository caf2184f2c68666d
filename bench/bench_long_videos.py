"""Issue 19's "done when", in one run: first picture, preview copy, orphans, prefetch.

Run: ``.venv/bin/python bench/bench_long_videos.py [--rounds 3] [--seeks 30]
[--sessions 5] [--minutes 2]`` (about 15 minutes; needs the 30-minute 1080p file of
``python bench/media_files.py long`` and mpv for the first-picture baseline).

1. ``bench_first_picture.py --rounds N``: first picture of ``run.py VIDEO`` on the 300-frame
   clip and the 30-minute file, first and later open, against mpv on the same files.
2. Orphans: ``run.py`` on the 30-minute file with a fresh cache; once its preview build
   child runs, the app is ended with SIGTERM, and in a second round with SIGKILL; the
   child must be gone within 5 s.
3. ``bench_seek.py --seeks N --files short``: full-quality jumps with the default
   prefetch against prefetch off (every answer barcode-checked: frame exactness).
4. ``bench_proxy_sessions.py``: the preview copy of the 30-minute file across five
   2-minute sessions.

Each part's own output is shown as it runs; a summary with met / MISSED per target ends it.
"""

from __future__ import annotations

import argparse
import os
import re
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


def _run(script: str, *args: str) -> list[str]:
    """Run a bench script, echoing its output; its lines."""
    cmd = [sys.executable, str(ROOT / "bench" / script), *args]
    print(f"\n$ {' '.join(cmd[1:])}", flush=True)
    lines: list[str] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as p:
        assert p.stdout is not None
        for line in p.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
    return lines


def orphan_check(video: Path, sig: signal.Signals) -> tuple[bool, str]:
    """End the app with ``sig`` while its build runs; (no child left within 5 s, detail)."""
    with tempfile.TemporaryDirectory(prefix="facet-orphans-") as home:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), str(video)],
            env=app_env(Path(home)),
            cwd=home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        children: list[int] = []
        while not children and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            children = proxy_build_children(proc.pid)
        if not children:
            proc.kill()
            proc.wait(10)
            return False, "no build child started within 60 s"
        time.sleep(2)  # the child is decoding and encoding
        proc.send_signal(sig)
        proc.wait(30)
        t0 = time.monotonic()
        left = children
        while left and time.monotonic() - t0 < 5:
            time.sleep(0.1)
            left = proxy_build_children(proc.pid)
        gone = time.monotonic() - t0
        if left:
            for c in left:
                os.kill(c, signal.SIGKILL)
            return False, f"build child {left} still running 5 s after {sig.name}"
        return True, f"build child gone {gone:.1f} s after {sig.name}"


def _grep(lines: list[str], pattern: str) -> list[str]:
    return [ln for ln in lines if re.search(pattern, ln)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="first-picture rounds")
    ap.add_argument("--seeks", type=int, default=30)
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument("--minutes", type=float, default=2.0)
    args = ap.parse_args()
    long = media_files.FOLDER / "long_1080p_30min_gop250.mp4"
    if not long.exists():
        print(f"needs the 30-minute file: run `python bench/media_files.py long` ({long})")
        return 2
    print(f"load average before: {os.getloadavg()}")
    summary: list[tuple[str, bool, str]] = []

    lines = _run("bench_first_picture.py", "--rounds", str(args.rounds))
    name, medians = "?", {}
    for line in lines:
        if m := re.match(r"^(\S+\.(?:mp4|mkv|mov)) \(", line):
            name = m.group(1)
        elif m := re.match(r"^(facet (?:first|later) open|mpv) +median +([\d.]+) s", line):
            medians[m.group(1)] = float(m.group(2))
        elif m := re.match(r"^target (facet (?:first|later) open) within 0\.5 s of mpv", line):
            tool = m.group(1)
            detail = f"{medians.get(tool, float('nan')):.2f} s, mpv {medians.get('mpv', 0):.2f} s"
            summary.append((f"first picture, {name}, {tool[6:]}", "MISSED" not in line, detail))
    if not any(what.startswith("first picture") for what, _, _ in summary):
        summary.append(("first picture within 0.5 s of mpv", False, "no mpv or no result"))

    for sig in (signal.SIGTERM, signal.SIGKILL):
        ok, detail = orphan_check(long, sig)
        print(f"\norphans, {sig.name}: {detail}", flush=True)
        summary.append((f"no build process left after {sig.name}", ok, detail))

    lines = _run("bench_seek.py", "--seeks", str(args.seeks), "--files", "short", "--no-floor")
    for line in _grep(lines, r"^defaults vs prefetch off p95|^defaults / prefetch off"):
        summary.append((line.split(":")[0], "SLOWER" not in line, line.split(":", 1)[1].strip()))
    wrong = [ln.split() for ln in lines if re.match(r"^(facet|facet_nopf) +\d", ln)]
    summary.append(
        (
            "frame exactness (barcodes), defaults and prefetch off",
            bool(wrong) and all(int(w[4]) == 0 for w in wrong),
            ", ".join(f"{w[0]} {w[4]} wrong" for w in wrong),
        )
    )

    lines = _run(
        "bench_proxy_sessions.py", "--sessions", str(args.sessions), "--minutes", str(args.minutes)
    )
    result = _grep(lines, r"^result:")
    summary.append(
        (
            f"preview copy of the 30-minute file completed across {args.sessions} "
            f"{args.minutes:g}-minute sessions",
            bool(result) and "COMPLETE after" in result[0],
            result[0].split(";")[0][len("result: ") :] if result else "no result",
        )
    )
    left = _grep(lines, r"build processes left [1-9]")
    summary.append(
        (
            "no build process left after any session (SIGTERM)",
            not left,
            f"{len(left)} sessions left one" if left else "none left",
        )
    )

    print(f"\nSummary (load average after: {os.getloadavg()})")
    for what, ok, detail in summary:
        print(f"  {'met   ' if ok else 'MISSED'}  {what}: {detail}")
    return 0 if all(ok for _, ok, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
