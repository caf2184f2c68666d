"""The preview proxy build process: ``python -m annotator.media.proxy_build SRC OUT_DIR``.

The proxy is written in segments of ``segment`` source frames (one file each, written to
a ``.part`` name and renamed when complete and checked), so a build that is stopped (quit,
crash, SIGKILL) keeps every finished segment and the next one continues at the first
missing segment. Segment ``s{start}.mp4`` holds source frames ``start..start+len-1`` as its
frames ``0..len-1`` (ordinal: the source is decoded in index order, every frame once).
When the last segment is in place a ``complete`` file is written.

The parent talks to the child over the child's stdin: ``pause`` and ``resume`` lines stop
and continue decoding and encoding between two frames (the user plays, steps or seeks: the CPU is
theirs), and end-of-file (the parent exited, was killed, or crashed: the kernel closes
the pipe) makes the child delete its ``.part`` file and exit at once. So no build ever
outlives the app. A watchdog also exits when the parent process id changes (re-parented).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from annotator.media.errors import MediaError
from annotator.media.pts_index import (
    PtsIndex,
    build_index,
    load_cached,
    pick_video_stream,
    save_cached,
)

log = logging.getLogger(__name__)

KEYINT = 8
# Proxy frames are timed 1/25 s apart whatever the source: the proxy is ordinal, its
# timestamps only order the frames.
_PROXY_RATE = Fraction(25)
EXIT_PARENT_GONE = 3


class ParentLink:
    """The child's side of the pipe: pause/resume commands and the parent's death."""

    def __init__(self, stream: int, parent_pid: int, on_gone: Any) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stream = stream
        self._parent = parent_pid
        self._on_gone = on_gone
        threading.Thread(target=self._read, name="parent-pipe", daemon=True).start()
        threading.Thread(target=self._watch, name="parent-watch", daemon=True).start()

    def _read(self) -> None:
        # Raw reads on the descriptor: a daemon thread blocked inside sys.stdin's buffered
        # reader makes the interpreter abort at exit (it cannot take the buffer's lock).
        pending = b""
        while True:
            try:
                chunk = os.read(self._stream, 256)
            except OSError:
                chunk = b""
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip() == b"pause":
                    self._running.clear()
                elif line.strip() == b"resume":
                    self._running.set()
        self._on_gone()  # EOF: the parent closed the pipe or died

    def _watch(self) -> None:
        while True:
            time.sleep(0.5)
            if self._parent and os.getppid() != self._parent:
                self._on_gone()

    def wait_running(self) -> None:
        """Block while paused (the pipe reader keeps watching for the parent's death)."""
        self._running.wait()


def segment_name(start: int) -> str:
    return f"s{start:07d}.mp4"


def done_segments(out_dir: Path, n: int, segment: int) -> int:
    """How many segments from the first are complete (finished files, in order)."""
    k = 0
    while k * segment < n and (out_dir / segment_name(k * segment)).exists():
        k += 1
    return k


def _index(path: Path, index_cache: Path | None) -> PtsIndex:
    index = load_cached(path, index_cache) if index_cache is not None else None
    if index is None:
        with av.open(str(path)) as c:
            vs = pick_video_stream(c)
            if vs is None:
                raise MediaError(f"{path.name}: no video stream")
            index = build_index(path, c, vs)
        if index_cache is not None:
            save_cached(path, index_cache, index)
    return index


def _frames_from(path: Path, index: PtsIndex, start: int) -> tuple[Iterator[Any], Any]:
    """Decoded frames ``start, start+1, ...`` of ``path``, each once, and the stream.

    Seeks to the keyframe before ``start`` (resuming a build), decodes forward and drops
    what comes before; a gap raises instead of shifting indices. Ordinal streams (no
    usable timestamps) always decode from the first packet.
    """
    container = av.open(str(path))
    vs = pick_video_stream(container)
    assert vs is not None
    vs.thread_type = "AUTO"
    # Deblocking stays on: skipping it (skip_loop_filter) saves ~12 % of the decode but
    # raised the previews' mean error against the exact frame by ~40 % on the Hamilton
    # sample (1.7 -> 2.3 of 255), enough to blur a preview into its neighbours.
    ordinal = index.method == "ordinal"
    if start and not ordinal:
        container.seek(index.seek_pts(start), backward=True, any_frame=False, stream=vs)
    n = index.frame_count

    def frames() -> Iterator[Any]:
        expected = start
        count = -1
        try:
            for frame in container.decode(vs):
                count += 1
                if ordinal:
                    idx: int | None = count
                else:
                    idx = index.index_of_pts(frame.pts if frame.pts is not None else frame.dts)
                if idx is None or idx < expected:
                    continue
                if idx > expected:
                    raise MediaError(f"{path.name}: frame {expected} was not decoded")
                yield frame
                expected += 1
                if expected == n:
                    return
            raise MediaError(f"{path.name}: decoding stopped at frame {expected} of {n}")
        finally:
            container.close()

    return frames(), vs


_END = object()


class _ScaledAhead:
    """Source frames decoded and scaled to the proxy size in a thread, a few ahead.

    The encoder (the caller) and the decoder then run side by side on two cores instead
    of taking turns (measured on the 30-minute 1080p file: 77 -> 85 frames/s, PyAV
    releases the GIL in both). The thread also waits while the build is paused, and
    stops when ``close`` is called; an error in it is raised by ``__next__``.
    """

    def __init__(
        self,
        frames: Iterator[Any],
        size: tuple[int, int],
        link: ParentLink | None,
        depth: int = 8,
    ) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(frames, size, link), name="proxy-decode", daemon=True
        )
        self._thread.start()

    def _run(self, frames: Iterator[Any], size: tuple[int, int], link: ParentLink | None) -> None:
        w, h = size
        try:
            for frame in frames:
                if link is not None:
                    link.wait_running()
                if not self._put(frame.reformat(width=w, height=h, format="yuv420p")):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the encoder's thread, raised there
            self._put(exc)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> _ScaledAhead:
        return self

    def __next__(self) -> Any:
        item = self._queue.get()
        if item is _END:
            self._queue.put(_END)  # every later call ends too
            raise StopIteration
        if isinstance(item, BaseException):
            self._queue.put(item)
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _check_segment(path: Path, expected: int) -> None:
    """A segment's own packet table must list exactly ``expected`` frames."""
    with av.open(str(path)) as container:
        index = build_index(path, container, container.streams.video[0])
    if index.frame_count != expected or index.method not in ("packets", "tables"):
        raise MediaError(
            f"{path.name}: segment has {index.frame_count} frames, expected {expected}"
        )


def build(
    source: Path,
    out_dir: Path,
    *,
    size: tuple[int, int],
    segment: int,
    expected_frames: int | None = None,
    index_cache: Path | None = None,
    link: ParentLink | None = None,
    crf: int = 25,
    preset: str = "superfast",
) -> int:
    """Write the missing segments of the proxy of ``source``; returns the frame count.

    superfast/crf 25 (with fastdecode): ~2.5x the encoding speed of veryfast/crf 20 at
    about the same size (~8 KB a 960x540 frame); a preview copy has to finish within a
    few short sessions (issue 19), and its pictures are only shown while scrubbing.
    """
    index = _index(source, index_cache)
    n = index.frame_count
    if expected_frames is not None and n != expected_frames:
        raise MediaError(f"{source.name}: index has {n} frames, caller expected {expected_frames}")
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"frames": n, "segment": segment, "width": size[0], "height": size[1]}
    meta_path = out_dir / "meta.json"
    if not meta_path.exists():
        tmp_meta = out_dir / f"meta.json.{os.getpid()}.part"
        tmp_meta.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp_meta, meta_path)
    else:
        have = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(have, dict):
            raise MediaError(f"{out_dir.name}: unreadable proxy layout")
        if have != meta and {**have, "segment": segment} == meta:
            # a copy begun with another segment length (an older default): continue it
            segment = int(have["segment"])
        elif have != meta:
            raise MediaError(f"{out_dir.name}: proxy segments of another layout")
    first = done_segments(out_dir, n, segment) * segment
    if first < n:
        frames, _ = _frames_from(source, index, first)
        ahead = _ScaledAhead(frames, size, link)
        try:
            for seg_start in range(first, n, segment):
                count = min(segment, n - seg_start)
                _write_segment(out_dir, seg_start, count, ahead, size, crf, preset, link)
        finally:
            ahead.close()
    (out_dir / "complete").write_text(str(n), encoding="utf-8")
    return n


def _write_segment(
    out_dir: Path,
    start: int,
    count: int,
    frames: Iterator[Any],  # already at the proxy size, yuv420p
    size: tuple[int, int],
    crf: int,
    preset: str,
    link: ParentLink | None,
) -> None:
    final = out_dir / segment_name(start)
    tmp = out_dir / f"{final.name}.{os.getpid()}.part"
    w, h = size
    try:
        with av.open(str(tmp), "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=_PROXY_RATE)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.time_base = 1 / _PROXY_RATE
            stream.codec_context.time_base = 1 / _PROXY_RATE
            stream.codec_context.options = {
                "preset": preset,
                "crf": str(crf),
                "tune": "fastdecode",  # CAVLC, no deblocking: cheaper preview decodes
                "x264-params": f"keyint={KEYINT}:min-keyint={KEYINT}:scenecut=0:bframes=0",
            }
            # The codec's time base, not the stream's: the muxer rewrites the stream's
            # (mp4 timescale) once the header is out, and pts=k in it would collide.
            tb = stream.codec_context.time_base
            throttle = float(os.environ.get("FACET_PROXY_THROTTLE_S", "0") or 0)  # tests only
            for k in range(count):
                if link is not None:
                    link.wait_running()
                if throttle:
                    time.sleep(throttle)
                small = next(frames)
                small.pts = k
                small.time_base = tb
                for packet in stream.encode(small):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        _check_segment(tmp, count)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build an exact-index preview proxy in segments")
    ap.add_argument("source", type=Path)
    ap.add_argument("out", type=Path, help="the proxy's folder")
    ap.add_argument("--frames", type=int, default=None, help="expected source frame count")
    ap.add_argument("--size", required=True, help="WxH of the proxy")
    ap.add_argument("--segment", type=int, required=True)
    ap.add_argument("--index-cache", type=Path, default=None)
    ap.add_argument("--nice", type=int, default=0)
    ap.add_argument("--parent-pid", type=int, default=0)
    ap.add_argument("--budget-bytes", type=int, default=0)
    args = ap.parse_args(argv)
    if args.nice and hasattr(os, "nice"):
        os.nice(args.nice)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def gone() -> None:
        for part in args.out.glob(f"*.{os.getpid()}.part"):
            part.unlink(missing_ok=True)
        os._exit(EXIT_PARENT_GONE)

    link = None
    if args.parent_pid:
        if os.getppid() != args.parent_pid:
            return EXIT_PARENT_GONE  # the parent died before we got here
        link = ParentLink(sys.stdin.fileno(), args.parent_pid, gone)
    w, h = (int(v) for v in args.size.split("x"))
    t0 = time.monotonic()
    try:
        n = build(
            args.source,
            args.out,
            size=(w, h),
            segment=args.segment,
            expected_frames=args.frames,
            index_cache=args.index_cache,
            link=link,
        )
    except (MediaError, av.FFmpegError, OSError, StopIteration) as exc:
        print(f"proxy build failed: {exc}", file=sys.stderr)
        return 1
    log.info("proxy of %s: %d frames in %.1f s", args.source.name, n, time.monotonic() - t0)
    if args.budget_bytes:
        from annotator.media.proxy import prune

        try:
            prune(args.out.parent, args.out, args.budget_bytes)
        except OSError as exc:
            log.warning("cannot prune %s: %s", args.out.parent, exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
