"""The PTS table: which presentation timestamps a video really decodes to, in order.

A frame index is a position in this table, never ``seconds * fps``: that product drifts
on VFR video, on 30000/1001 and on streams whose first PTS is not 0. Container metadata
lies too (a sample claims 98 frames and decodes 95: three packets sit before an edit list
and are discarded), so the table comes from packets, checked against real decodes.

MP4/MOV files are read from their sample tables (:mod:`annotator.media.mp4_tables`, no
demux at all); other containers demux packets without decoding (milliseconds per
thousand frames); either way only the first
frame and the last GOP to confirm the packets tell the truth; anything odd (packets
without PTS, duplicates, corrupt packets, a mismatch) falls back to one full decode pass.
The result is cached on disk so a second open is instant.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np

from annotator.media.errors import MediaError

log = logging.getLogger(__name__)

_CACHE_VERSION = 5
# How often a scan reports progress (seconds).
_REPORT_EVERY_S = 0.25

# Progress of an index scan: (PTS so far in scan order, keyframe PTS in scan order,
# fraction of the file done 0..1, whether the PTS are already in presentation order).
# It may raise to abort the scan (the worker's cancel).
Report = Callable[[list[int], list[int], float, bool], None]


@dataclass(frozen=True, eq=False)
class PtsIndex:
    """Per-frame PTS in presentation order plus the keyframe PTS used as seek points."""

    pts: np.ndarray  # int64, presentation order, strictly increasing
    key_pts: np.ndarray  # int64, sorted PTS of keyframe packets (may precede pts[0])
    time_base: Fraction
    # How the table was obtained: "tables" (MP4 sample tables), "packets", "decode", or "ordinal" (no usable PTS: frame i
    # is the decoder's i-th output, time_base is 1/fps, and seeking decodes from the start).
    method: str = "packets"
    # Set when the file could not be read to its end: what was indexed and where it stopped.
    note: str = ""
    _pos: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._pos.update({int(p): i for i, p in enumerate(self.pts.tolist())})
        object.__setattr__(self, "_key_list", self.key_pts.tolist())

    @property
    def frame_count(self) -> int:
        return len(self.pts)

    def index_of_pts(self, pts: int | None) -> int | None:
        """Frame index of a decoded frame's PTS, ``None`` if the table does not know it."""
        if pts is None:
            return None
        return self._pos.get(int(pts))

    def seek_pts(self, index: int) -> int:
        """PTS of the last keyframe at or before frame ``index`` (where decoding must start)."""
        target = int(self.pts[index])
        keys: list[int] = self._key_list  # type: ignore[attr-defined]
        k = bisect_right(keys, target) - 1
        if k < 0:
            return int(self.pts[0]) if not keys else min(int(keys[0]), int(self.pts[0]))
        return int(keys[k])

    def earlier_seek_pts(self, seek_pts: int) -> int | None:
        """The keyframe before ``seek_pts``: a retry point when a seek landed too late."""
        keys: list[int] = self._key_list  # type: ignore[attr-defined]
        k = bisect_right(keys, seek_pts - 1) - 1
        return int(keys[k]) if k >= 0 else None


def pick_video_stream(container: Any) -> Any | None:
    """The first real video stream: cover art (attached pictures) is not a video."""
    from av.stream import Disposition

    for stream in container.streams.video:
        if not (stream.disposition & Disposition.attached_pic):
            return stream
    return None


def _fail(path: Path, problem: str) -> MediaError:
    return MediaError(f"{path.name}: {problem}")


def _file_fraction(packet: Any, file_size: int) -> float:
    pos = packet.pos
    return min(max(pos / file_size, 0.0), 1.0) if pos is not None and pos >= 0 else 0.0


def _index_from_packets(
    container: Any, vstream: Any, report: Report | None = None
) -> tuple[list[int], list[int], bool]:
    """PTS of decodable packets and keyframe packets; ``ok`` False when packets can't be trusted.

    ``report`` is called every :data:`_REPORT_EVERY_S` with what was scanned so far.
    """
    pts: list[int] = []
    keys: list[int] = []
    ok = True
    file_size = max(int(getattr(container, "size", 0) or 0), 1)
    next_report = time.monotonic() + _REPORT_EVERY_S
    for packet in container.demux(vstream):
        if report is not None and time.monotonic() >= next_report:
            report(pts, keys, _file_fraction(packet, file_size), False)
            next_report = time.monotonic() + _REPORT_EVERY_S
        if packet.size == 0:  # the demuxer's end-of-stream flush packet
            continue
        if packet.pts is None or packet.is_corrupt:
            ok = False
            continue
        if packet.is_keyframe:
            keys.append(int(packet.pts))
        if packet.is_discard:  # before an edit list: demuxed but never shown
            continue
        pts.append(int(packet.pts))
    pts.sort()
    if len(set(pts)) != len(pts):
        ok = False
    keys.sort()
    return pts, keys, ok


def _decoded_pts(frame: Any) -> int | None:
    p: int | None = frame.pts if frame.pts is not None else frame.dts
    return p


def _verify(container: Any, vstream: Any, pts: list[int], keys: list[int]) -> bool:
    """Decode the first frame and the last GOP; both must match the packet table."""
    if not pts:
        return False
    container.seek(keys[0] if keys else pts[0], backward=True, any_frame=False, stream=vstream)
    first = next((_decoded_pts(f) for f in container.decode(vstream)), None)
    if first != pts[0]:
        log.info("first decoded pts %s != packet pts %s", first, pts[0])
        return False
    k = bisect_right(keys, pts[-1]) - 1
    tail_from = keys[k] if k >= 0 else pts[0]
    container.seek(tail_from, backward=True, any_frame=False, stream=vstream)
    tail = [_decoded_pts(f) for f in container.decode(vstream)]
    if not tail or tail[0] is None:  # a frame without any timestamp cannot match the table
        return False
    expected = pts[bisect_right(pts, tail[0]) - 1 :]
    if tail != expected:
        log.info("tail decode (%d frames) does not match packets (%d)", len(tail), len(expected))
        return False
    return True


def _verify_tables(container: Any, vstream: Any, pts: list[int], keys: list[int]) -> bool:
    """The cheaper check for sample tables: the first frame decodes to ``pts[0]``, the
    last GOP's packets (demuxed, not decoded) carry exactly the table's last times, and
    that GOP's keyframe decodes. Decoding the whole last GOP took 1-5 s at 1080p on 2
    shared cores; a file cut short or a table that lies about its tail still fails here."""
    if not pts or not keys:
        return False
    container.seek(keys[0], backward=True, any_frame=False, stream=vstream)
    first = next((_decoded_pts(f) for f in container.decode(vstream)), None)
    if first != pts[0]:
        log.info("first decoded pts %s != table pts %s", first, pts[0])
        return False
    k = bisect_right(keys, pts[-1]) - 1
    tail_from = keys[max(k, 0)]
    container.seek(tail_from, backward=True, any_frame=False, stream=vstream)
    tail: list[int] = []
    decoded_key = False
    for packet in container.demux(vstream):
        if packet.size == 0:
            continue
        if packet.pts is None or packet.is_corrupt:
            return False
        if not decoded_key:  # the keyframe must decode (an error raises FFmpegError)
            packet.decode()
            decoded_key = True
        if not packet.is_discard:
            tail.append(int(packet.pts))
    tail.sort()
    if not tail:
        return False
    expected = pts[bisect_right(pts, tail[0]) - 1 :]
    if tail != expected:
        log.info("tail packets (%d) do not match the sample tables (%d)", len(tail), len(expected))
        return False
    return True


def _index_from_decode(
    path: Path, stream_index: int, report: Report | None = None
) -> tuple[list[int], list[int], bool, str]:
    """One full decode pass: slow but the ground truth for any stream FFmpeg decodes.

    Returns the PTS in output order, keyframe PTS, whether the PTS are usable (the
    decoder outputs presentation order, so real PTS must rise strictly. Raw elementary
    streams have none and AVI with B-frames carries decode-order numbers instead), and
    a note saying where decoding stopped when bad data ends it early ("" otherwise).
    """
    with av.open(str(path)) as container:
        vstream = cast(av.VideoStream, container.streams[stream_index])  # a video stream index
        vstream.thread_type = "AUTO"
        pts: list[int] = []
        keys: list[int] = []
        usable = True
        stopped = ""
        total = vstream.frames or 0
        next_report = time.monotonic() + _REPORT_EVERY_S
        try:
            for frame in container.decode(vstream):
                if report is not None and usable and time.monotonic() >= next_report:
                    report(pts, keys, min(len(pts) / total, 1.0) if total else 0.0, True)
                    next_report = time.monotonic() + _REPORT_EVERY_S
                p = frame.pts
                if p is None or (pts and p <= pts[-1]):
                    usable = False
                    p = pts[-1] + 1 if pts else 0
                pts.append(int(p))
                if frame.key_frame:
                    keys.append(int(p))
        except av.FFmpegError as exc:
            if not pts:
                raise
            # Bad data part-way: keep every frame before it usable and say where it stopped.
            # an opened video stream always has a time base (PyAV types it Optional)
            at = float((pts[-1] - pts[0]) * Fraction(cast(Fraction, vstream.time_base)))
            stopped = (
                f"{path.name}: indexed {len(pts)} frames; the video cannot be read past "
                f"frame {len(pts) - 1} ({at:.2f} s): {str(exc).splitlines()[0][:120]}"
            )
            log.warning("%s", stopped)
    if not keys and pts:
        keys = [pts[0]]
    return pts, sorted(set(keys)), usable, stopped


def _short_of_header(
    path: Path, container: Any, vstream: Any, pts: list[int], time_base: Fraction
) -> str:
    """A note when the readable frames end well before the duration the header gives
    (a cut or damaged file): the frames indexed stay usable, the user is told where."""
    try:
        if vstream.duration:
            declared = float(vstream.duration * Fraction(vstream.time_base))
            start = vstream.start_time if vstream.start_time is not None else pts[0]
        elif container.duration and not container.streams.audio:
            declared = container.duration / 1e6
            start = round((container.start_time or 0) / 1e6 / time_base)
        else:
            return ""
    except (TypeError, ValueError, ZeroDivisionError):
        return ""
    step = float((pts[-1] - pts[0]) * time_base) / max(len(pts) - 1, 1)
    end = float(pts[-1] * time_base) + step  # on the container's clock
    # Muxers disagree whether a duration counts from the first timestamp or from zero
    # (Matroska written with a start offset): take the earlier end, never a false alarm.
    declared_end = min(float(start * time_base) + declared, declared)
    span = declared_end - float(pts[0] * time_base)
    if declared_end - end <= max(0.5, 0.03 * span):
        return ""
    shown = end - float(pts[0] * time_base)
    return (
        f"{path.name}: indexed {len(pts)} frames ({shown:.2f} s); the file says "
        f"{declared:.2f} s but cannot be read past frame {len(pts) - 1}"
    )


def final_prefix(
    pts: list[int], keys: list[int], in_order: bool
) -> tuple[list[int], list[int]] | None:
    """The part of a scan in progress that later packets cannot change: (sorted PTS, keys).

    Packets come in decode order, so a later packet may still present before one already
    seen, but not before the keyframe ahead of the last one seen (open-GOP leading
    pictures reach back into the previous GOP, never two GOPs back). ``None`` while
    fewer than two keyframes were seen. A decode pass (``in_order``) is final as it goes.
    """
    if in_order:
        return (list(pts), sorted(set(keys))) if pts and keys else None
    if len(keys) < 2:
        return None
    bound = keys[-2]
    shown = sorted(p for p in pts if p < bound)
    if not shown:
        return None
    return shown, sorted(k for k in keys if k < bound)


def build_index(
    path: Path, container: Any, vstream: Any, *, report: Report | None = None
) -> PtsIndex:
    """Sample tables (MP4/MOV) or packets, confirmed by decodes; full decode otherwise.

    ``report``: progress of the packet scan or decode pass (see :data:`Report`), for a
    caller that shows frames while the index is still being built.
    """
    time_base = Fraction(vstream.time_base)
    from annotator.media.mp4_tables import index_from_sample_tables

    tables = index_from_sample_tables(path, container, vstream)
    if tables is not None:
        pts, keys = tables
        ok = True
        method = "tables"
    else:
        pts, keys, ok = _index_from_packets(container, vstream, report)
        method = "packets"
    if ok:
        try:
            check = _verify_tables if method == "tables" else _verify
            ok = check(container, vstream, pts, keys)
        except av.FFmpegError as exc:
            log.info("%s: verification decode failed (%s); full decode", path.name, exc)
            ok = False
    if not ok and method == "tables":  # the verification decode disagreed: packets then
        log.info("%s: sample tables failed the decode check; demuxing", path.name)
        method = "packets"
        with av.open(str(path)) as fresh:
            vs = fresh.streams[vstream.index]
            pts, keys, ok = _index_from_packets(fresh, vs, report)
            if ok:
                try:
                    ok = _verify(fresh, vs, pts, keys)
                except av.FFmpegError:
                    ok = False
    note = ""
    if not ok:
        method = "decode"
        try:
            dec_pts, dec_keys, usable, note = _index_from_decode(path, vstream.index, report)
        except av.FFmpegError as exc:
            raise _fail(path, f"cannot decode video ({exc})") from exc
        keys = sorted(set(keys) | set(dec_keys)) if keys else dec_keys
        pts = dec_pts
        if not usable:
            # Frame i is the i-th frame the decoder outputs; times are nominal.
            log.warning("%s: no usable timestamps; frames counted in decode output", path.name)
            method = "ordinal"
            rate = vstream.average_rate or vstream.guessed_rate or 25
            time_base = 1 / Fraction(rate)
            pts = list(range(len(dec_pts)))
            keys = [0]
    if not pts:
        raise _fail(path, "the video stream has no decodable frames")
    if not note and method != "ordinal":
        note = _short_of_header(path, container, vstream, pts, time_base)
    log.debug("%s: %d frames indexed from %s", path.name, len(pts), method)
    return PtsIndex(
        pts=np.asarray(pts, dtype=np.int64),
        key_pts=np.asarray(keys, dtype=np.int64),
        time_base=time_base,
        method=method,
        note=note,
    )


def cache_key(path: Path) -> str:
    """(absolute path, size, mtime_ns) hash: cheap, and any rewrite of the file changes it."""
    st = path.stat()
    raw = f"{_CACHE_VERSION}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def default_cache_dir() -> Path:
    env = os.environ.get("FACET_CACHE_DIR")
    if env:
        return Path(env) / "media-index"
    import platformdirs

    return Path(platformdirs.user_cache_dir("facet")) / "media-index"


def load_cached(path: Path, cache_dir: Path) -> PtsIndex | None:
    file = cache_dir / f"{cache_key(path)}.npz"
    if not file.exists():
        return None
    try:
        with np.load(file, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            return PtsIndex(
                pts=data["pts"].astype(np.int64),
                key_pts=data["key_pts"].astype(np.int64),
                time_base=Fraction(meta["time_base"]),
                method=meta["method"],
                note=str(meta.get("note", "")),
            )
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable index cache %s: %s", file, exc)
        return None


def save_cached(path: Path, cache_dir: Path, index: PtsIndex) -> None:
    """Atomic write (temp file + rename) so a concurrent open never reads half a file."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        meta = json.dumps(
            {"time_base": str(index.time_base), "method": index.method, "note": index.note}
        )
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp.npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, pts=index.pts, key_pts=index.key_pts, meta=np.array(meta))
        os.replace(tmp, cache_dir / f"{cache_key(path)}.npz")
    except OSError as exc:
        log.warning("cannot write index cache in %s: %s", cache_dir, exc)
