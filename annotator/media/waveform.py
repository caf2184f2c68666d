"""Audio waveform of a video: min/max peaks per 1/100 s, computed once with PyAV and cached.

The timeline draws the sound under the faces so a coder sees where someone speaks, laughs
or gasps. Decoding an hour of audio takes tens of seconds, so the peaks are computed once
(on a worker: the caller passes ``progress`` and ``cancelled``) and kept in the user cache
beside the media index, keyed like it by the file's path, size and mtime.

Peaks, not samples: level 0 holds the minimum and maximum of the downmixed signal (the mean
of the channels, as float in [-1, 1]) over each 1/100 s bucket; every further level merges
``LEVEL_FACTOR`` buckets of the one before, so a zoomed-out view reads a few thousand
values, never the whole hour (the peak-file pyramid of audio editors such as Audacity's
summary blocks). :meth:`Waveform.columns` turns any time span into one min/max pair per
pixel column.

A video without an audio stream has no waveform (``None``), which is not an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

BASE_RATE_HZ = 100  # level-0 buckets per second
LEVEL_FACTOR = 4  # buckets of one level merged into one of the next
_CACHE_VERSION = 1

FloatArray = npt.NDArray[np.float32]
Progress = Callable[[int, int], None]  # (milliseconds decoded, milliseconds in all)


class WaveformError(Exception):
    """The audio could not be read: one line naming the file and the problem."""


class WaveformCancelled(Exception):
    """``cancelled()`` said stop: nothing is cached."""


@dataclass(frozen=True, eq=False)
class Waveform:
    """Peaks of one audio stream. ``start_s``: stream time of the first sample (the video's
    frame 0 is at its own start time; see :meth:`offset_from`)."""

    start_s: float
    sample_rate: int
    channels: int
    levels: tuple[FloatArray, ...]  # level k: (n_k, 2) float32 [min, max]
    rate_hz: int = BASE_RATE_HZ

    @property
    def bucket_count(self) -> int:
        return len(self.levels[0]) if self.levels else 0

    @property
    def duration_s(self) -> float:
        return self.bucket_count / self.rate_hz

    def bucket_s(self, level: int) -> float:
        return float(LEVEL_FACTOR**level) / self.rate_hz

    def level_for(self, column_s: float) -> int:
        """The coarsest level whose buckets are no wider than one column of ``column_s``."""
        level = 0
        while level + 1 < len(self.levels) and self.bucket_s(level + 1) <= column_s:
            level += 1
        return level

    def columns(self, t0: float, t1: float, n: int) -> tuple[FloatArray, FloatArray]:
        """Min and max of the signal in each of ``n`` equal columns from ``t0`` to ``t1``
        (stream seconds); NaN where a column holds no audio. A column narrower than a bucket
        shows the bucket it falls in."""
        if n <= 0 or t1 <= t0:
            nan = np.full(max(n, 0), np.nan, dtype=np.float32)
            return nan, nan.copy()
        return self.columns_at(t0 + (t1 - t0) / n * np.arange(n + 1))

    def columns_at(self, edges_s: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Min and max per column between consecutive ``edges_s`` (stream seconds, rising):
        columns of unequal duration, such as pixels over variable-frame-rate video."""
        edges = np.asarray(edges_s, dtype=np.float64)
        n = max(len(edges) - 1, 0)
        nan = np.full(n, np.nan, dtype=np.float32)
        if n == 0 or not self.levels:
            return nan, nan.copy()
        widths = np.diff(edges)
        level = self.level_for(float(np.median(widths)) if n else 0.0)
        data = self.levels[level]
        per_s = self.rate_hz / float(LEVEL_FACTOR**level)
        pos = (edges - self.start_s) * per_s
        lo = np.floor(pos[:-1]).astype(np.int64)
        hi = np.maximum(np.floor(pos[1:]).astype(np.int64), lo + 1)  # columns partition
        count = len(data)
        valid = (hi > 0) & (lo < count) & (widths > 0)
        mins, maxs = nan.copy(), nan.copy()
        if not valid.any():
            return mins, maxs
        lo_v = np.clip(lo[valid], 0, count - 1)
        hi_v = np.clip(hi[valid], lo_v + 1, count)
        # the level is the coarsest with buckets no wider than a typical column, so a column
        # spans a handful of buckets: gather them as a small (columns, k) matrix
        k = int((hi_v - lo_v).max())
        if k > 64:  # a few very wide columns (a long frame of VFR video): reduce one by one
            col_min = np.array([data[a:b, 0].min() for a, b in zip(lo_v, hi_v, strict=True)])
            col_max = np.array([data[a:b, 1].max() for a, b in zip(lo_v, hi_v, strict=True)])
        else:
            idx = lo_v[:, None] + np.arange(k)[None, :]
            inside = idx < hi_v[:, None]
            idx = np.minimum(idx, count - 1)
            col_min = np.where(inside, data[idx, 0], np.inf).min(axis=1)
            col_max = np.where(inside, data[idx, 1], -np.inf).max(axis=1)
        mins[valid] = col_min
        maxs[valid] = col_max
        return mins, maxs

    @property
    def peak(self) -> float:
        """The largest absolute sample value (for scaling a quiet recording up)."""
        if not self.levels or not len(self.levels[-1]):
            return 0.0
        top = self.levels[-1]
        return float(max(abs(float(top[:, 0].min())), abs(float(top[:, 1].max()))))

    def peak_between(self, t0: float, t1: float) -> tuple[float, float]:
        """Min and max of level 0 over ``[t0, t1)`` (stream seconds): tests and reports."""
        data = self.levels[0]
        a = max(0, int(np.floor((t0 - self.start_s) * self.rate_hz)))
        b = min(len(data), int(np.ceil((t1 - self.start_s) * self.rate_hz)))
        if b <= a:
            return (float("nan"), float("nan"))
        return (float(data[a:b, 0].min()), float(data[a:b, 1].max()))


# ----------------------------------------------------------------------------- computing
def _bucket_start(bucket: int, sample_rate: int, rate_hz: int) -> int:
    """First sample of ``bucket``: ceil(bucket * sample_rate / rate_hz), exact integers."""
    return -(-bucket * sample_rate // rate_hz)


class _Peaks:
    """Streaming min/max per bucket: samples arrive in decoder-sized chunks."""

    def __init__(self, sample_rate: int, rate_hz: int) -> None:
        self.sr, self.rate = sample_rate, rate_hz
        self.pending = np.zeros(0, dtype=np.float32)
        self.n0 = 0  # absolute index of pending[0]
        self.bucket = 0  # next bucket to emit
        self.out: list[FloatArray] = []

    def add(self, mono: FloatArray) -> None:
        self.pending = np.concatenate([self.pending, mono]) if len(self.pending) else mono
        total = self.n0 + len(self.pending)
        done = total * self.rate // self.sr  # buckets complete once ``total`` samples are in
        if done <= self.bucket:
            return
        bounds = (
            np.array(
                [_bucket_start(b, self.sr, self.rate) for b in range(self.bucket, done + 1)],
                dtype=np.int64,
            )
            - self.n0
        )
        self._emit(self.pending[: bounds[-1]], bounds[:-1])
        self.pending = self.pending[bounds[-1] :]
        self.n0 += int(bounds[-1])
        self.bucket = done

    def _emit(self, samples: FloatArray, starts: npt.NDArray[np.int64]) -> None:
        mins = np.minimum.reduceat(samples, starts)
        maxs = np.maximum.reduceat(samples, starts)
        self.out.append(np.stack([mins, maxs], axis=1).astype(np.float32))

    def finish(self) -> FloatArray:
        if len(self.pending):
            self._emit(self.pending, np.zeros(1, dtype=np.int64))
            self.pending = np.zeros(0, dtype=np.float32)
        if not self.out:
            return np.zeros((0, 2), dtype=np.float32)
        return np.concatenate(self.out)


def build_levels(level0: FloatArray) -> tuple[FloatArray, ...]:
    """Level 0 and every coarser level down to a single bucket."""
    levels = [np.ascontiguousarray(level0, dtype=np.float32)]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        n = len(prev)
        full = n // LEVEL_FACTOR * LEVEL_FACTOR
        blocks = prev[:full].reshape(-1, LEVEL_FACTOR, 2)
        mins, maxs = blocks[:, :, 0].min(axis=1), blocks[:, :, 1].max(axis=1)
        if full < n:
            mins = np.append(mins, prev[full:, 0].min())
            maxs = np.append(maxs, prev[full:, 1].max())
        levels.append(np.stack([mins, maxs], axis=1).astype(np.float32))
    return tuple(levels)


def has_audio(path: str | os.PathLike[str]) -> bool:
    import av

    try:
        with av.open(str(path)) as container:
            return bool(container.streams.audio)
    except (av.error.FFmpegError, OSError):
        return False


def compute_waveform(
    path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    rate_hz: int = BASE_RATE_HZ,
) -> Waveform | None:
    """Decode the first audio stream of ``path`` and return its peaks; ``None`` when the
    file has no audio. Damaged packets are skipped (their time shows as silence)."""
    import av

    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise WaveformError(f"{path.name}: cannot open: {exc}") from exc
    with container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        sample_rate = int(stream.codec_context.sample_rate or stream.rate or 0)
        if sample_rate <= 0:
            raise WaveformError(f"{path.name}: the audio stream has no sample rate")
        channels = int(stream.codec_context.channels or 1)
        total_ms = _duration_ms(container, stream)
        peaks = _Peaks(sample_rate, rate_hz)
        resampler = av.AudioResampler(format="fltp")  # any sample format -> planar float
        start_s: float | None = None
        done_ms = -1
        batch: list[FloatArray] = []  # decoded chunks, handed over about a second at a time
        batched = 0
        for packet in container.demux(stream):
            if cancelled is not None and cancelled():
                raise WaveformCancelled()
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                continue
            for frame in frames:
                if start_s is None:
                    start_s = float(frame.time) if frame.time is not None else 0.0
                for out in resampler.resample(frame):
                    mono = _mono(out)
                    batch.append(mono)
                    batched += len(mono)
                if batched >= sample_rate:
                    peaks.add(np.concatenate(batch))
                    batch, batched = [], 0
                if progress is not None and frame.time is not None and start_s is not None:
                    ms = int((float(frame.time) - start_s) * 1000)
                    if ms - done_ms >= 250:
                        done_ms = ms
                        progress(min(ms, total_ms), total_ms)
        for out in resampler.resample(None):
            batch.append(_mono(out))
        if batch:
            peaks.add(np.concatenate(batch))
        level0 = peaks.finish()
    if progress is not None:
        progress(total_ms, total_ms)
    return Waveform(
        start_s=start_s or 0.0,
        sample_rate=sample_rate,
        channels=channels,
        levels=build_levels(level0),
        rate_hz=rate_hz,
    )


def _mono(frame: Any) -> FloatArray:
    """The mean of the channels of a planar float frame, read straight from its planes."""
    n = int(frame.samples)
    planes = frame.planes
    if n <= 0 or not planes:
        return np.zeros(0, dtype=np.float32)
    acc = np.frombuffer(planes[0], dtype=np.float32, count=n).copy()
    for plane in planes[1:]:
        acc += np.frombuffer(plane, dtype=np.float32, count=n)
    if len(planes) > 1:
        acc /= np.float32(len(planes))
    return acc


def _duration_ms(container: Any, stream: Any) -> int:
    if stream.duration is not None and stream.time_base is not None:
        return max(1, int(float(stream.duration * stream.time_base) * 1000))
    if container.duration is not None:
        return max(1, int(container.duration / 1000))
    return 1


# ----------------------------------------------------------------------------- cache
def default_cache_dir() -> Path:
    """Beside the media index: ``$FACET_CACHE_DIR/waveform`` or the user cache folder."""
    env = os.environ.get("FACET_CACHE_DIR")
    if env:
        return Path(env) / "waveform"
    import platformdirs

    return Path(platformdirs.user_cache_dir("facet")) / "waveform"


def cache_key(path: Path) -> str:
    """(absolute path, size, mtime_ns) hash like the media index: a rewrite changes it."""
    st = path.stat()
    raw = f"waveform{_CACHE_VERSION}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def cache_file(path: Path, cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache_dir()) / f"{cache_key(Path(path))}.npz"


def load_cached(path: str | os.PathLike[str], cache_dir: Path | None = None) -> Waveform | None:
    file = cache_file(Path(path), cache_dir)
    if not file.exists():
        return None
    try:
        with np.load(file, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            levels = tuple(
                np.asarray(data[f"level{k}"], dtype=np.float32) for k in range(meta["levels"])
            )
        return Waveform(
            start_s=float(meta["start_s"]),
            sample_rate=int(meta["sample_rate"]),
            channels=int(meta["channels"]),
            levels=levels,
            rate_hz=int(meta["rate_hz"]),
        )
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable waveform cache %s: %s", file, exc)
        return None


def save_cached(
    path: str | os.PathLike[str], wave: Waveform, cache_dir: Path | None = None
) -> Path | None:
    """Atomic write (temp file, rename), so a second window never reads half a file."""
    file = cache_file(Path(path), cache_dir)
    meta = json.dumps(
        {
            "start_s": wave.start_s,
            "sample_rate": wave.sample_rate,
            "channels": wave.channels,
            "rate_hz": wave.rate_hz,
            "levels": len(wave.levels),
        }
    )
    arrays = {f"level{k}": lv for k, lv in enumerate(wave.levels)}
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".tmp.npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, meta=np.array(meta), **arrays)  # type: ignore[arg-type]
        os.replace(tmp, file)
    except OSError as exc:
        log.warning("cannot write waveform cache in %s: %s", file.parent, exc)
        return None
    return file


def load_or_compute(
    path: str | os.PathLike[str],
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Waveform | None:
    """The cached peaks of ``path``, computed (and cached) the first time."""
    cached = load_cached(path, cache_dir)
    if cached is not None:
        return cached
    wave = compute_waveform(path, progress=progress, cancelled=cancelled)
    if wave is not None:
        save_cached(path, wave, cache_dir)
    return wave
