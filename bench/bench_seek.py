"""Full-quality random seeks: Facet against plain PyAV and mpv, same files, same run.

Run: ``.venv/bin/python bench/bench_seek.py [--seeks 60] [--files short,long] [--no-mpv]``

Every tool is asked for the same random frames (seeded) and every answer is checked by
the barcode each bench frame carries (mpv's by a screenshot taken after the timed seek).

- ``facet``: ``FrameSource`` with its defaults (prefetch on, 512 MB cache kept across
  seeks), requests back to back, so the prefetch started by one seek is still running
  when the next arrives (the contention of issue 19).
- ``facet_nopf``: the same with ``prefetch=False``: defaults must be no slower.
- ``pyav``: plain PyAV, one open container with ``thread_type="AUTO"`` (frame threads, as
  Facet decodes); per request seek to the keyframe, decode until the target PTS, convert it
  to RGB. The targets are measured against this row.
- ``pyav_default`` (``--no-pyav-default`` leaves it out): the same loop with the stream as
  ``av.open`` sets it up (``thread_type`` SLICE: one thread on one-slice-per-frame files).
- ``floor`` (not a target, ``--no-floor`` leaves it out): the least work an exact cold
  seek can do with FFmpeg: plain PyAV as above, but with ``skip_frame=NONREF`` for every
  packet presenting before the target (nothing kept behind it, nothing parked, no cache).
  Its p95 over plain PyAV's is the decode-bound limit of a seek that cannot continue a
  parked decoder: the only exact skip FFmpeg offers is the non-reference frames.
- ``mpv``: one headless mpv (``--vo=null --ao=null --pause --hr-seek=yes``, defaults
  otherwise: hr-seek-framedrop on, auto decoder threads) driven over JSON IPC on a unix
  socket: time from sending ``seek <t> absolute+exact`` to mpv's ``playback-restart``
  event (the target frame has been decoded and handed to the video output). Then,
  untimed, ``screenshot-to-file ... video`` and the barcode of the PNG is read.

Tools run in blocks of ``--block`` seeks (default 1: every target is asked of every tool
in turn), the order of tools rotating per block, so load changes on the shared machine hit
all of them alike; the load average is printed. With blocks of 5, two identical code paths
(defaults and prefetch off in a run of jumps) differed by 17 % at the per-seek median at
load 5; alternated seek by seek they differed by 3 %.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import media_files
from benchlib import Naive

from annotator.media import FrameSource
from annotator.media.barcode import read_index


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))] if s else float("nan")


class PlainPyAV(Naive):
    """benchlib's plain PyAV reader at full size (``threads=None``: ``av.open``'s own
    threading)."""

    def __init__(self, path: Path, pts: np.ndarray, threads: str | None = "AUTO") -> None:
        super().__init__(path, pts, threads=threads)


class Floor(PlainPyAV):
    """Plain PyAV that skips every non-reference frame before the target (see module doc)."""

    def frame(self, i: int) -> np.ndarray:
        target = int(self.pts[i])
        cc = self.s.codec_context
        self.c.seek(target, backward=True, any_frame=False, stream=self.s)
        for packet in self.c.demux(self.s):
            before = packet.pts is not None and packet.pts < target
            cc.skip_frame = "NONREF" if before else "DEFAULT"
            for f in packet.decode():
                if f.pts == target:
                    cc.skip_frame = "DEFAULT"
                    return f.to_ndarray(format="rgb24")
        raise RuntimeError(f"frame {i} not reached")


class Mpv:
    """A headless mpv driven over its JSON IPC socket."""

    def __init__(self, path: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="facet-mpv-"))
        self.sock_path = self.dir / "ipc.sock"
        self.proc = subprocess.Popen(
            [
                "mpv",
                "--no-config",
                "--pause",
                "--vo=null",
                "--ao=null",
                "--hr-seek=yes",
                "--really-quiet",
                f"--input-ipc-server={self.sock_path}",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            if self.sock_path.exists():
                break
            time.sleep(0.05)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(str(self.sock_path))
        self.f = self.sock.makefile("rwb")
        self._wait_event("playback-restart", send=None)

    def _send(self, *command: object) -> None:
        self.f.write((json.dumps({"command": list(command)}) + "\n").encode())
        self.f.flush()

    def _wait_event(self, name: str, send: tuple[object, ...] | None) -> None:
        if send is not None:
            self._send(*send)
        while True:
            msg = json.loads(self.f.readline())
            if msg.get("event") == name:
                return

    def _reply(self, *command: object) -> object:
        self._send(*command)
        while True:
            msg = json.loads(self.f.readline())
            if "error" in msg:
                return msg.get("data")

    def seek(self, t: float) -> None:
        self._wait_event("playback-restart", send=("seek", t, "absolute+exact"))

    def shown_index(self) -> int | None:
        import cv2

        png = self.dir / "shot.png"
        self._reply("screenshot-to-file", str(png), "video")
        img = cv2.imread(str(png))
        return None if img is None else read_index(img[..., ::-1])

    def close(self) -> None:
        try:
            self._send("quit")
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def skip_check(path: Path) -> str:
    """Is ``skip_frame = "NONREF"`` really applied? Decode the longest keyframe-to-target
    run on a fresh Facet decoder and count what the decoder outputs: skipped frames never
    come out; the last frames before the target (kept for back steps) must all come out."""
    from annotator.media.decoder import SeekingDecoder
    from annotator.media.frame_cache import FrameCache

    with FrameSource(path, prefetch=False, cache_mb=0) as src:
        index = src._index
        keys = [int(np.searchsorted(src.pts, k)) for k in index.key_pts[:2]]
        target = (keys[1] - 1) if len(keys) > 1 else src.frame_count - 1
        run = target - keys[0] + 1
        dec = SeekingDecoder(path, index, stream_index=src.stream_index)
        out: list[int] = []
        real_next = dec._next

        def counting() -> tuple[int | None, object] | None:
            item = real_next()
            if item is not None and item[0] is not None:
                out.append(item[0])
            return item

        dec._next = counting  # type: ignore[method-assign]
        t0 = time.perf_counter()
        arr = dec.decode_range(target - 2, target, None, FrameCache(0), raw_from=target - 24)
        dt = time.perf_counter() - t0
        dec.close()
    tail = set(range(target - 24, target + 1))
    shown = len({i for i in out if i <= target})
    ok = arr is not None and read_index(arr) == media_files.expected_index(path, target)
    return (
        f"skip_frame NONREF check: target {target}, {run} frames from its keyframe, decoder "
        f"output {shown} ({run - shown} skipped); the last 25 up to the target all output: "
        f"{tail <= set(out)}; target exact: {ok}; {dt * 1000:.0f} ms"
    )


def bench_file(
    path: Path, n_seeks: int, block: int, use_mpv: bool, use_floor: bool, use_default: bool = True
) -> dict[str, list[float]]:
    with FrameSource(path, prefetch=False) as probe:
        pts, n, times = probe.pts.copy(), probe.frame_count, probe.timestamps.copy()
        start_s = probe.start_s
    rng = random.Random(7)
    seeks = [rng.randrange(n) for _ in range(n_seeks)]
    facet = FrameSource(path)
    nopf = FrameSource(path, prefetch=False)
    plain = PlainPyAV(path, pts)
    plain_default = PlainPyAV(path, pts, threads=None) if use_default else None
    floor = Floor(path, pts) if use_floor else None
    mpv = Mpv(path) if use_mpv else None
    wrong: dict[str, int] = {}
    res: dict[str, list[float]] = {
        "facet": [],
        "facet_nopf": [],
        "pyav": [],
        "pyav_default": [],
        "floor": [],
        "mpv": [],
    }

    def run(name: str, get: Callable[[int], int | None], order: list[int]) -> None:
        for i in order:
            t0 = time.perf_counter()
            got = get(i)
            res[name].append((time.perf_counter() - t0) * 1000)
            if name == "mpv":
                assert mpv is not None
                got = mpv.shown_index()  # untimed
            if got != media_files.expected_index(path, i):
                wrong[name] = wrong.get(name, 0) + 1

    def mpv_get(i: int) -> None:
        assert mpv is not None
        # mpv's time axis starts at the container's zero; a frame's time is its PTS.
        mpv.seek(start_s + float(times[i]))

    tools: list[tuple[str, Callable[[int], int | None]]] = [
        ("facet", lambda i: read_index(facet.frame(i))),
        ("facet_nopf", lambda i: read_index(nopf.frame(i))),
        ("pyav", lambda i: read_index(plain.frame(i))),
    ]
    if plain_default is not None:
        tools.append(("pyav_default", lambda i: read_index(plain_default.frame(i))))
    if floor is not None:
        tools.append(("floor", lambda i: read_index(floor.frame(i))))
    if mpv is not None:
        tools.append(("mpv", mpv_get))  # type: ignore[arg-type]
    try:
        for b, lo in enumerate(range(0, n_seeks, block)):
            chunk = seeks[lo : lo + block]
            k = b % len(tools)
            for name, get in tools[k:] + tools[:k]:
                run(name, get, chunk)
                if name == "facet":
                    facet.wait_prefetch(30)  # its leftover prefetch must not slow the others
    finally:
        facet.close()
        nopf.close()
        plain.close()
        if plain_default is not None:
            plain_default.close()
        if floor is not None:
            floor.close()
        if mpv is not None:
            mpv.close()
    res["_wrong"] = [float(wrong.get(t, 0)) for t, _ in tools]
    res["_tools"] = [t for t, _ in tools]  # type: ignore[list-item]
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeks", type=int, default=60)
    ap.add_argument("--block", type=int, default=1)
    ap.add_argument("--files", default="short,long")
    ap.add_argument("--no-mpv", action="store_true")
    ap.add_argument("--no-floor", action="store_true", help="leave out the NONREF cold-seek floor")
    ap.add_argument(
        "--no-pyav-default",
        action="store_true",
        help="leave out PyAV with av.open's own threading (the pyav row has frame threads)",
    )
    args = ap.parse_args()
    os.environ.setdefault("FACET_CACHE_DIR", str(media_files.FOLDER / "cache"))
    use_mpv = not args.no_mpv and shutil.which("mpv") is not None
    files = []
    for name in args.files.split(","):
        if name == "short":
            files.append(media_files.short_clip())
        elif name == "long":
            p = media_files.FOLDER / "long_1080p_30min_gop250.mp4"
            if p.exists():
                files.append(p)
            else:
                print(f"skipping the 30-minute file: run `python bench/media_files.py long` ({p})")
        else:
            files.append(Path(name))
    print(f"load average before: {os.getloadavg()}")
    for path in files:
        print(skip_check(path))
        t0 = time.time()
        r = bench_file(
            path, args.seeks, args.block, use_mpv, not args.no_floor, not args.no_pyav_default
        )
        tools = r.pop("_tools")
        wrong = dict(zip(tools, r.pop("_wrong"), strict=True))
        print(
            f"\n{path.name}: {args.seeks} random full-quality seeks per tool "
            f"({time.time() - t0:.0f} s), load average {os.getloadavg()}"
        )
        print(
            f"{'tool':12} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'wrong':>6}  vs plain PyAV p95"
        )
        print(
            "(pyav: PyAV with frame threads, thread_type AUTO; pyav_default: PyAV as av.open "
            "sets it up, thread_type SLICE)"
        )
        base = pct(r["pyav"], 95)
        for t in tools:
            xs = r[t]
            print(
                f"{t:12} {pct(xs, 50):8.0f} {pct(xs, 95):8.0f} {max(xs):8.0f} "
                f"{int(wrong[t]):6d}  {pct(xs, 95) / base:5.2f}x"
            )
        fp = pct(r["facet"], 95)
        print(
            f"target facet p95 <= 0.5 x pyav ({0.5 * base:.0f} ms): "
            f"{'met' if fp <= 0.5 * base else 'MISSED'}"
        )
        if r["pyav_default"]:
            dp = pct(r["pyav_default"], 95)
            print(
                f"facet p95 vs PyAV with av.open's defaults ({dp:.0f} ms): {fp / dp:.2f}x "
                f"({'<= 0.5x' if fp <= 0.5 * dp else '> 0.5x'})"
            )
        if use_mpv:
            mp = pct(r["mpv"], 95)
            print(f"target facet p95 < mpv p95 ({mp:.0f} ms): {'met' if fp < mp else 'MISSED'}")
        nf = pct(r["facet_nopf"], 95)
        print(
            f"defaults vs prefetch off p95: {fp:.0f} vs {nf:.0f} ms "
            f"({'no slower' if fp <= nf * 1.05 else 'SLOWER'})"
        )
        # Same targets, same order: the per-seek ratio is less noisy than two p95s.
        pairs = [a / b for a, b in zip(r["facet"], r["facet_nopf"], strict=True) if b > 20]
        if pairs:
            m = pct(pairs, 50)
            print(
                f"defaults / prefetch off, same target, per seek where off took > 20 ms: "
                f"median {m:.2f} ({'no slower' if m <= 1.05 else 'SLOWER'})"
            )
        if r["floor"]:
            print(
                f"cold-seek floor (NONREF before the target, fresh seek each time): "
                f"p95 {pct(r['floor'], 95):.0f} ms = {pct(r['floor'], 95) / base:.2f}x plain PyAV"
            )
    print(f"\nload average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
