"""Exact-index preview proxies: a small, short-GOP copy of a video for instant seeks.

A frame-exact seek in the source must decode from the keyframe before the target: on a
250-frame GOP that is ~125 frames at 1080p on average, 300-900 ms on this class of machine.
Editing tools answer with a proxy; so do we, with one rule they do not need: the proxy is
*ordinal*. Its k-th frame in presentation order is source frame k (the source is decoded
in index order, every frame exactly once, and written with ``pts = k``), so a preview
shows the exact frame the user asked for, only at lower quality. Full quality follows from
the source.

The proxy is H.264, long side <= 960 px, a keyframe every 8 frames and no B-frames, so
any frame is at most 7 small decodes away (~10 ms). It is built in a separate process at
low priority (``python -m annotator.media.proxy SRC OUT``), which never holds our GIL
and yields the CPU to the GUI and the prefetch worker. The child writes to a temporary
name, checks the frame count, then renames: a killed build leaves no proxy that looks
complete. Proxies live in the user cache next to the PTS index, keyed like it (path,
size, mtime), so a second open reuses them.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from annotator.media.errors import MediaError
from annotator.media.pts_index import (
    PtsIndex,
    build_index,
    cache_key,
    load_cached,
    pick_video_stream,
    save_cached,
)

log = logging.getLogger(__name__)

PROXY_VERSION = 1
MAX_SIDE = 960
KEYINT = 8
# Proxies pay off when an exact seek may decode more than about 30 frames of 720p
# (~28 Mpx): below that a full-quality seek is already quick, and tiny test clips must not
# spawn encoders.
_WORTH_PIXEL_FRAMES = 30 * 1280 * 720
# The proxy folder is pruned to this size after each build (least recently used first):
# at ~1.2 GB per hour of 1080p camera footage, an unbounded cache would fill disks.
DEFAULT_BUDGET_GB = 20.0
# A .part file older than this belongs to a build that died (a live one rewrites it).
_STALE_PART_S = 24 * 3600
# Proxy frames are timed 1/25 s apart whatever the source: the proxy is ordinal, its
# timestamps only order the frames.
_PROXY_RATE = Fraction(25)


def proxy_size(width: int, height: int, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """Preview size: long side at most ``max_side``, aspect kept, both sides even (4:2:0)."""
    scale = min(1.0, max_side / max(width, height))
    w = max(2, round(width * scale / 2) * 2)
    h = max(2, round(height * scale / 2) * 2)
    return w, h


def max_gop_frames(index: PtsIndex) -> int:
    """Longest keyframe-to-keyframe run in frames: the worst case of an exact seek."""
    n = index.frame_count
    keys = np.searchsorted(index.pts, index.key_pts, side="left")
    keys = np.unique(np.clip(keys, 0, n))
    bounds = np.concatenate([[0], keys[keys > 0], [n]])
    return int(np.diff(bounds).max()) if len(bounds) > 1 else n


def worthwhile(width: int, height: int, gop_frames: int) -> bool:
    """Whether a proxy makes random seeks noticeably faster for this stream shape."""
    return gop_frames * width * height > _WORTH_PIXEL_FRAMES


def default_proxy_dir() -> Path:
    """Next to the PTS index cache: ``$FACET_CACHE_DIR/proxy`` or the user cache."""
    env = os.environ.get("FACET_CACHE_DIR")
    if env:
        return Path(env) / "proxy"
    import platformdirs

    return Path(platformdirs.user_cache_dir("facet")) / "proxy"


def proxy_path(source: Path, directory: Path) -> Path:
    """Where the proxy of ``source`` lives: keyed by path, size and mtime like the index."""
    return directory / f"{cache_key(source)}-p{PROXY_VERSION}.mp4"


def part_path(out: Path, pid: int) -> Path:
    """The temporary name a build process writes to (never mistaken for a proxy)."""
    return out.with_name(f"{out.name}.{pid}.part")


def prune(directory: Path, keep: Path | None, budget_bytes: int) -> list[Path]:
    """Delete least recently used proxies beyond ``budget_bytes`` and dead builds' parts.

    "Used" is the later of access and modification time (proxies are read, never
    rewritten; relatime updates the access time at least daily). ``keep`` is never deleted.
    Runs in the build process, so the GUI never waits on it. Returns what was deleted.
    """
    now = time.time()
    removed: list[Path] = []
    entries: list[tuple[float, int, Path]] = []
    for f in directory.glob(f"*-p{PROXY_VERSION}.mp4*"):
        try:
            st = f.stat()
        except OSError:
            continue
        if f.name.endswith(".part"):
            if now - st.st_mtime > _STALE_PART_S:
                f.unlink(missing_ok=True)
                removed.append(f)
        elif keep is None or f != keep:
            entries.append((max(st.st_atime, st.st_mtime), st.st_size, f))
    total = sum(size for _, size, _ in entries)
    if keep is not None and keep.exists():
        total += keep.stat().st_size
    for _, size, f in sorted(entries):
        if total <= budget_bytes:
            break
        f.unlink(missing_ok=True)
        removed.append(f)
        total -= size
    if removed:
        log.info("pruned %d old proxies / dead builds in %s", len(removed), directory)
    return removed


def budget_bytes() -> int:
    """Proxy folder budget: ``FACET_PROXY_CACHE_GB`` or 20 GB."""
    try:
        gb = float(os.environ.get("FACET_PROXY_CACHE_GB", DEFAULT_BUDGET_GB))
    except ValueError:
        gb = DEFAULT_BUDGET_GB
    return int(gb * 1024**3)


# --- building (runs in the child process) ----------------------------------------------
def _source_frames(path: Path, index_cache: Path | None) -> tuple[Iterator[Any], int, Any]:
    """Decoded frames of ``path`` in index order, each exactly once, and the frame count.

    Decodes from the first packet without seeking: frames whose PTS the table does not
    know (before an edit list) are skipped, and a gap raises instead of shifting indices.
    """
    container = av.open(str(path))
    vs = pick_video_stream(container)
    if vs is None:
        container.close()
        raise MediaError(f"{path.name}: no video stream")
    index = load_cached(path, index_cache) if index_cache is not None else None
    if index is None:
        index = build_index(path, container, vs)
        if index_cache is not None:
            save_cached(path, index_cache, index)
        stream_index = vs.index
        container.close()
        container = av.open(str(path))
        vs = container.streams[stream_index]
    vs.thread_type = "AUTO"
    n = index.frame_count
    ordinal = index.method == "ordinal"

    def frames() -> Iterator[Any]:
        expected = 0
        try:
            for count, frame in enumerate(container.decode(vs)):
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

    return frames(), n, vs


def build(
    source: Path,
    out: Path,
    *,
    max_side: int = MAX_SIDE,
    expected_frames: int | None = None,
    index_cache: Path | None = None,
    crf: int = 20,
    preset: str = "veryfast",
) -> int:
    """Write the proxy of ``source`` to ``out`` atomically; returns its frame count.

    Raises :class:`MediaError` (and leaves nothing at ``out``) when the source cannot be
    decoded whole or the written proxy does not hold exactly one frame per source frame.
    """
    frames, n, vs = _source_frames(source, index_cache)
    if expected_frames is not None and n != expected_frames:
        raise MediaError(f"{source.name}: index has {n} frames, caller expected {expected_frames}")
    w, h = proxy_size(int(vs.codec_context.width), int(vs.codec_context.height), max_side)
    tmp = part_path(out, os.getpid())
    out.parent.mkdir(parents=True, exist_ok=True)
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
            for k, frame in enumerate(frames):
                small = frame.reformat(width=w, height=h, format="yuv420p")
                small.pts = k
                small.time_base = tb
                for packet in stream.encode(small):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        got = _verify(tmp, n)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if index_cache is not None:  # the reader then opens the proxy without demuxing it
        _load_index(out, index_cache)
    return got


def _verify(path: Path, expected: int) -> int:
    """The proxy's packet table (checked by a first-frame and last-GOP decode) must list
    exactly ``expected`` frames, or the ordinal mapping would be off."""
    with av.open(str(path)) as container:
        vs = container.streams.video[0]
        index = build_index(path, container, vs)
    if index.frame_count != expected or index.method not in ("packets", "tables"):
        raise MediaError(
            f"{path.name}: proxy has {index.frame_count} frames ({index.method}), source {expected}"
        )
    return index.frame_count


def _load_index(path: Path, index_cache: Path | None) -> PtsIndex:
    cached = load_cached(path, index_cache) if index_cache is not None else None
    if cached is not None:
        return cached
    with av.open(str(path)) as container:
        index = build_index(path, container, container.streams.video[0])
    if index_cache is not None:
        save_cached(path, index_cache, index)
    return index


# --- the build process, seen from the parent --------------------------------------------
class ProxyBuild:
    """A proxy build running in a child process at low priority."""

    def __init__(
        self,
        source: Path,
        out: Path,
        *,
        expected_frames: int,
        index_cache: Path | None,
        max_side: int = MAX_SIDE,
    ) -> None:
        self.source = source
        self.out = out
        self.started = time.monotonic()
        cmd = [
            sys.executable,
            "-m",
            "annotator.media.proxy",
            str(source),
            str(out),
            "--frames",
            str(expected_frames),
            "--max-side",
            str(max_side),
            "--nice",
            "10",
        ]
        if index_cache is not None:
            cmd += ["--index-cache", str(index_cache)]
        kwargs: dict[str, Any] = {}
        if sys.platform == "win32":
            kwargs["creationflags"] = subprocess.BELOW_NORMAL_PRIORITY_CLASS  # type: ignore[attr-defined]
        # Niceness is set by the child itself (--nice), not by preexec_fn: preexec_fn is
        # unsafe in a process that already runs threads (decode workers, Qt's own).
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        # stderr to a file, not a pipe: nobody reads it while the child runs, and a full
        # pipe would stall the build.
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._err,
            env=env,
            **kwargs,
        )
        log.info("building preview proxy of %s (pid %d)", source.name, self._proc.pid)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def running(self) -> bool:
        return self._proc.poll() is None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the child exits; True when it succeeded."""
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        ok = self._proc.returncode == 0
        if not ok and not self._err.closed:
            self._err.seek(0)
            tail = self._err.read().decode(errors="replace").strip().splitlines()[-1:]
            log.warning(
                "proxy build of %s failed (%s): %s",
                self.source.name,
                self._proc.returncode,
                tail[0] if tail else "",
            )
        self._err.close()
        return ok

    def succeeded(self) -> bool | None:
        """``None`` while running, then whether the child exited cleanly."""
        if self._proc.poll() is None:
            return None
        return self.wait(0)

    def kill(self) -> None:
        """Stop the build and remove its half-written file (the final name is never
        written before the file is complete, so nothing else needs cleaning)."""
        if self._proc.poll() is None:
            self._proc.kill()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.warning("proxy build %d did not exit after kill", self._proc.pid)
        self._err.close()
        part_path(self.out, self._proc.pid).unlink(missing_ok=True)


# --- reading -----------------------------------------------------------------------------
class ProxyReader:
    """Decode proxy frames by source index: seek to the keyframe <= i, decode forward.

    Keeps a small LRU of its own so scrubbing back and forth over a few frames costs
    nothing, and never touches the full-quality cache (previews must not evict exact frames
    nor be mistaken for them).
    """

    def __init__(self, path: Path, index: PtsIndex, *, cache_mb: float = 32) -> None:
        import threading

        from annotator.media.decoder import SeekingDecoder
        from annotator.media.frame_cache import FrameCache

        self.path = path
        self.index = index
        self.frame_count = index.frame_count
        # Single-threaded decode: frame threads add a pipeline delay of one frame per
        # thread to every seek, more than the 8-frame GOP decode itself.
        self._decoder = SeekingDecoder(path, index, threads="NONE", skip_nonref=False)
        self.cache = FrameCache(int(cache_mb * 1024 * 1024))
        self._lock = threading.Lock()
        with av.open(str(path)) as c:
            cc = c.streams.video[0].codec_context
            self.width, self.height = int(cc.width), int(cc.height)

    @classmethod
    def open(cls, path: Path, index_cache: Path | None, expected_frames: int) -> ProxyReader:
        """Open a finished proxy; :class:`MediaError` when it does not match the source."""
        try:
            index = _load_index(path, index_cache)
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"{path.name}: unreadable proxy ({exc})") from exc
        if index.frame_count != expected_frames:
            raise MediaError(
                f"{path.name}: proxy has {index.frame_count} frames, source {expected_frames}"
            )
        return cls(path, index)

    def frame(self, i: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """RGB of proxy frame ``i`` (source frame ``i``), scaled to ``size`` when given."""
        from annotator.media.decoder import lookup

        if size is not None and tuple(size) == (self.width, self.height):
            size = None
        arr = lookup(self.cache, size, i)
        if arr is not None:
            return arr
        with self._lock:
            try:
                arr = self._decoder.decode_range(i, i, size, self.cache)
            except av.FFmpegError as exc:
                raise MediaError(f"{self.path.name}: proxy decode error at {i} ({exc})") from exc
        if arr is None:
            raise MediaError(f"{self.path.name}: proxy frame {i} cannot be decoded")
        return arr

    def close(self) -> None:
        with self._lock:
            self._decoder.close()
        self.cache.clear()


def main(argv: list[str] | None = None) -> int:
    """``python -m annotator.media.proxy SRC OUT``: the build process."""
    ap = argparse.ArgumentParser(description="Build an exact-index preview proxy")
    ap.add_argument("source", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--frames", type=int, default=None, help="expected source frame count")
    ap.add_argument("--max-side", type=int, default=MAX_SIDE)
    ap.add_argument("--index-cache", type=Path, default=None)
    ap.add_argument("--nice", type=int, default=0)
    args = ap.parse_args(argv)
    if args.nice and hasattr(os, "nice"):
        os.nice(args.nice)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    t0 = time.monotonic()
    try:
        n = build(
            args.source,
            args.out,
            max_side=args.max_side,
            expected_frames=args.frames,
            index_cache=args.index_cache,
        )
    except (MediaError, av.FFmpegError, OSError) as exc:
        print(f"proxy build failed: {exc}", file=sys.stderr)
        return 1
    log.info("proxy of %s: %d frames in %.1f s", args.source.name, n, time.monotonic() - t0)
    try:
        prune(args.out.parent, args.out, budget_bytes())
    except OSError as exc:
        log.warning("cannot prune %s: %s", args.out.parent, exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
