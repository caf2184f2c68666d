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
low priority (:mod:`annotator.media.proxy_build`), which never holds our GIL, pauses
while the user plays, steps or seeks, and exits when its parent does (a pipe it watches).
The proxy is a folder of segments (``segment_frames()`` source frames each), each written
to a temporary name, checked and renamed: a stopped build keeps its finished segments,
the next open continues where it stopped, and every finished segment serves previews at
once. Proxies live in the user cache next to the PTS index, keyed like it (path, size,
mtime), so a second open reuses them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import av
import numpy as np

from annotator.media.errors import MediaError
from annotator.media.pts_index import PtsIndex, build_index, cache_key, load_cached, save_cached

log = logging.getLogger(__name__)

PROXY_VERSION = 2  # 2: a folder of segments
MAX_SIDE = 960
# Proxies pay off when an exact seek may decode more than about 30 frames of 720p
# (~28 Mpx): below that a full-quality seek is already quick, and tiny test clips must not
# spawn encoders.
_WORTH_PIXEL_FRAMES = 30 * 1280 * 720
# The proxy folder is pruned to this size after each build (least recently used first):
# at ~1.2 GB per hour of 1080p camera footage, an unbounded cache would fill disks.
DEFAULT_BUDGET_GB = 20.0
# A .part file older than this belongs to a build that died (a live one rewrites it).
_STALE_PART_S = 24 * 3600
# The build pauses while the user plays, steps or seeks, and resumes after this long idle.
IDLE_RESUME_S = 1.5


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
    """The folder of the proxy of ``source``: keyed by path, size and mtime like the index."""
    return directory / f"{cache_key(source)}-p{PROXY_VERSION}"


def segment_frames() -> int:
    """Source frames per proxy segment (``FACET_PROXY_SEGMENT``; 250 = 10 s at 25 fps).

    A session that ends mid-segment loses that segment's work: on a busy 2-core machine the
    (niced) build makes 12-25 frames/s, so 1500-frame segments (60-120 s each) never
    finished within a 2-minute session and every session redid the same one."""
    try:
        return max(int(os.environ.get("FACET_PROXY_SEGMENT", "250")), 8)
    except ValueError:
        return 250


def entries(directory: Path) -> list[Path]:
    """Every proxy in ``directory``: segment folders and old single-file proxies."""
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if re.fullmatch(r"[0-9a-f]{32}-p\d+(\.mp4)?", p.name)
    )


def _size_and_used(entry: Path) -> tuple[int, float]:
    files = [entry] if entry.is_file() else [f for f in entry.iterdir() if f.is_file()]
    size, used = 0, 0.0
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        size += st.st_size
        used = max(used, st.st_atime, st.st_mtime)
    return size, used


def _remove(entry: Path) -> None:
    if entry.is_dir():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def prune(directory: Path, keep: Path | None, budget_bytes: int) -> list[Path]:
    """Delete least recently used proxies beyond ``budget_bytes`` and dead builds' parts.

    "Used" is the latest access or modification time of a proxy's files (proxies are
    read, never rewritten; relatime updates the access time at least daily). ``keep`` is
    never deleted. Runs in the build process, so the GUI never waits on it.
    """
    now = time.time()
    removed: list[Path] = []
    ranked: list[tuple[float, int, Path]] = []
    total = 0
    for entry in entries(directory):
        if entry.is_dir():
            for part in entry.glob("*.part"):
                try:
                    if now - part.stat().st_mtime > _STALE_PART_S:
                        part.unlink(missing_ok=True)
                        removed.append(part)
                except OSError:
                    continue
        size, used = _size_and_used(entry)
        total += size
        if keep is None or entry != keep:
            ranked.append((used, size, entry))
    for _, size, entry in sorted(ranked):
        if total <= budget_bytes:
            break
        _remove(entry)
        removed.append(entry)
        total -= size
    if removed:
        log.info("pruned %d old proxies / dead builds in %s", len(removed), directory)
    return removed


def folder_usage(directory: Path | None = None) -> tuple[int, int]:
    """(bytes, number of proxies) in the proxy folder, for Preferences."""
    directory = directory or default_proxy_dir()
    found = entries(directory)
    return sum(_size_and_used(e)[0] for e in found), len(found)


def clear(directory: Path | None = None, keep: set[Path] | None = None) -> int:
    """Delete every proxy in the folder except ``keep`` (proxies being built or read
    now); returns the bytes freed. Proxies are caches: they are rebuilt when needed."""
    directory = directory or default_proxy_dir()
    freed = 0
    for entry in entries(directory):
        if keep and entry in keep:
            continue
        freed += _size_and_used(entry)[0]
        _remove(entry)
    return freed


def budget_bytes() -> int:
    """Proxy folder budget: ``FACET_PROXY_CACHE_GB`` or 20 GB."""
    try:
        gb = float(os.environ.get("FACET_PROXY_CACHE_GB", DEFAULT_BUDGET_GB))
    except ValueError:
        gb = DEFAULT_BUDGET_GB
    return int(gb * 1024**3)


# --- the build process, seen from the parent --------------------------------------------
class ProxyBuild:
    """A proxy build running in a child process at low priority.

    The child's stdin is a pipe from us: it pauses and resumes on our word
    (:meth:`activity` pauses it, :data:`IDLE_RESUME_S` later it resumes), and exits when
    the pipe closes, which the kernel does when this process exits for any reason
    (Ctrl+Q, SIGTERM, SIGINT, SIGKILL, a crash): no build outlives the app.
    """

    def __init__(
        self,
        source: Path,
        out: Path,
        *,
        expected_frames: int,
        index_cache: Path | None,
        size: tuple[int, int],
        segment: int | None = None,
    ) -> None:
        self.source = source
        self.out = out
        self.started = time.monotonic()
        self.segment = segment or segment_frames()
        cmd = [
            sys.executable,
            "-m",
            "annotator.media.proxy_build",
            str(source),
            str(out),
            "--frames",
            str(expected_frames),
            "--size",
            f"{size[0]}x{size[1]}",
            "--segment",
            str(self.segment),
            "--nice",
            "10",
            "--parent-pid",
            str(os.getpid()),
            "--budget-bytes",
            str(budget_bytes()),
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
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._err,
            env=env,
            close_fds=True,
            **kwargs,
        )
        self._pipe_lock = threading.Lock()
        self._paused = False
        self._last_activity = 0.0
        self._resumer: threading.Thread | None = None
        log.info("building preview proxy of %s (pid %d)", source.name, self._proc.pid)

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def paused(self) -> bool:
        return self._paused

    def running(self) -> bool:
        return self._proc.poll() is None

    def _tell(self, word: str) -> None:
        stdin = self._proc.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(word.encode() + b"\n")
            stdin.flush()
        except (OSError, ValueError):
            pass  # the child is gone: nothing to pause

    def activity(self) -> None:
        """The user plays, steps or seeks: pause the build until they have been idle
        for :data:`IDLE_RESUME_S`. Cheap when called per frame (a write on change only)."""
        self._last_activity = time.monotonic()
        with self._pipe_lock:
            if not self._paused and self.running():
                self._paused = True
                self._tell("pause")
            if self._resumer is None:
                self._resumer = threading.Thread(
                    target=self._resume_when_idle, name="proxy-resume", daemon=True
                )
                self._resumer.start()

    def _resume_when_idle(self) -> None:
        while True:
            wait = self._last_activity + IDLE_RESUME_S - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, 0.5))
                continue
            with self._pipe_lock:
                if time.monotonic() - self._last_activity < IDLE_RESUME_S:
                    continue
                if self._paused:
                    self._paused = False
                    self._tell("resume")
                self._resumer = None
                return

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
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        return ok

    def succeeded(self) -> bool | None:
        """``None`` while running, then whether the child exited cleanly."""
        if self._proc.poll() is None:
            return None
        return self.wait(0)

    def kill(self) -> None:
        """Stop the build, keeping its finished segments (the next open continues); the
        segment being written is a ``.part`` file and is deleted."""
        if self._proc.poll() is None:
            self._proc.kill()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.warning("proxy build %d did not exit after kill", self._proc.pid)
        self._err.close()
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        for part in self.out.glob(f"*.{self._proc.pid}.part"):
            part.unlink(missing_ok=True)


# --- reading -----------------------------------------------------------------------------
class ProxyReader:
    """Decode proxy frames by source index from the finished segments.

    Frame ``i`` is frame ``i - start`` of the segment starting at ``start``; a segment not
    yet built gives ``None`` (:meth:`has`). Keeps a small LRU of its own so scrubbing
    back and forth costs nothing, and never touches the full-quality cache (previews must
    not evict exact frames nor be mistaken for them).
    """

    def __init__(
        self,
        folder: Path,
        frame_count: int,
        segment: int,
        size: tuple[int, int],
        index_cache: Path | None,
        *,
        cache_mb: float = 32,
    ) -> None:
        from annotator.media.frame_cache import FrameCache

        self.path = folder
        self.frame_count = frame_count
        self.segment = segment
        self.width, self.height = size
        self._index_cache = index_cache
        self.cache = FrameCache(int(cache_mb * 1024 * 1024))
        self._lock = threading.Lock()
        self._decoders: dict[int, Any] = {}  # segment start -> SeekingDecoder (LRU of 2)
        self._known: set[int] = set()  # segment starts seen complete

    @classmethod
    def open(cls, folder: Path, index_cache: Path | None, expected_frames: int) -> ProxyReader:
        """Open a proxy folder (complete or not); :class:`MediaError` when it does not
        belong to a source of ``expected_frames`` frames."""
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            frames, segment = int(meta["frames"]), int(meta["segment"])
            size = (int(meta["width"]), int(meta["height"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MediaError(f"{folder.name}: unreadable proxy ({exc})") from exc
        if frames != expected_frames:
            raise MediaError(f"{folder.name}: proxy has {frames} frames, source {expected_frames}")
        return cls(folder, frames, segment, size, index_cache)

    @property
    def complete(self) -> bool:
        return (self.path / "complete").exists()

    def _start(self, i: int) -> int:
        return (i // self.segment) * self.segment

    def has(self, i: int) -> bool:
        """Whether frame ``i``'s segment is finished (a stat until it is, then a set)."""
        from annotator.media.proxy_build import segment_name

        start = self._start(i)
        if start in self._known:
            return True
        if (self.path / segment_name(start)).exists():
            self._known.add(start)
            return True
        return False

    def built_frames(self) -> int:
        """Frames covered by finished segments (progress)."""
        return sum(
            min(self.segment, self.frame_count - s)
            for s in range(0, self.frame_count, self.segment)
            if self.has(s)
        )

    def _decoder(self, start: int) -> Any:
        from annotator.media.decoder import SeekingDecoder
        from annotator.media.proxy_build import segment_name

        dec = self._decoders.pop(start, None)
        if dec is None:
            path = self.path / segment_name(start)
            index = _load_index(path, self._index_cache)
            expected = min(self.segment, self.frame_count - start)
            if index.frame_count != expected:
                raise MediaError(f"{path.name}: {index.frame_count} frames, expected {expected}")
            # Single-threaded decode: frame threads add a pipeline delay of one frame per
            # thread to every seek, more than the 8-frame GOP decode itself.
            dec = SeekingDecoder(path, index, threads="NONE", skip_nonref=False)
        self._decoders[start] = dec
        while len(self._decoders) > 2:
            oldest = next(iter(self._decoders))
            self._decoders.pop(oldest).close()
        return dec

    def frame(self, i: int, size: tuple[int, int] | None = None) -> np.ndarray | None:
        """RGB of source frame ``i`` at proxy quality, scaled to ``size`` when given;
        ``None`` while its segment is not built."""
        from annotator.media.decoder import lookup

        if size is not None and tuple(size) == (self.width, self.height):
            size = None
        arr = lookup(self.cache, size, i)
        if arr is not None:
            return arr
        if not self.has(i):
            return None
        start = self._start(i)
        with self._lock:
            try:
                dec = self._decoder(start)
                # The segment's frame k is source frame start + k; the cache keys by source.
                local: np.ndarray | None = dec.decode_range(
                    i - start, i - start, size, _Shifted(self.cache, start)
                )
            except (av.FFmpegError, OSError) as exc:
                raise MediaError(f"{self.path.name}: proxy decode error at {i} ({exc})") from exc
        if local is None:
            raise MediaError(f"{self.path.name}: proxy frame {i} cannot be decoded")
        return local

    def close(self) -> None:
        with self._lock:
            for dec in self._decoders.values():
                dec.close()
            self._decoders.clear()
        self.cache.clear()


class _Shifted:
    """A FrameCache view whose frame numbers are offset by a segment's first frame."""

    def __init__(self, cache: Any, offset: int) -> None:
        self._c, self._o = cache, offset

    def _k(self, key: tuple[Any, int]) -> tuple[Any, int]:
        return (key[0], key[1] + self._o)

    def get(self, key: tuple[Any, int]) -> Any:
        return self._c.get(self._k(key))

    def put(self, key: tuple[Any, int], value: Any) -> None:
        self._c.put(self._k(key), value)

    def has_frame(self, size: Any, i: int) -> bool:
        return bool(self._c.has_frame(size, i + self._o))

    def __contains__(self, key: tuple[Any, int]) -> bool:
        return self._k(key) in self._c


def _load_index(path: Path, index_cache: Path | None) -> PtsIndex:
    cached = load_cached(path, index_cache) if index_cache is not None else None
    if cached is not None:
        return cached
    with av.open(str(path)) as container:
        index = build_index(path, container, container.streams.video[0])
    if index_cache is not None:
        save_cached(path, index_cache, index)
    return index
