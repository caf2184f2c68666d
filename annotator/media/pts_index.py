"""The PTS table: which presentation timestamps a video really decodes to, in order.

A frame index is a position in this table, never ``seconds * fps``: that product drifts
on VFR video, on 30000/1001 and on streams whose first PTS is not 0. Container metadata
lies too (a sample claims 98 frames and decodes 95: three packets sit before an edit list
and are discarded), so the table comes from packets, checked against real decodes.

Building it demuxes packets without decoding (milliseconds), then decodes only the first
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
from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np

from annotator.media.errors import MediaError

log = logging.getLogger(__name__)

_CACHE_VERSION = 4


@dataclass(frozen=True, eq=False)
class PtsIndex:
    """Per-frame PTS in presentation order plus the keyframe PTS used as seek points."""

    pts: np.ndarray  # int64, presentation order, strictly increasing
    key_pts: np.ndarray  # int64, sorted PTS of keyframe packets (may precede pts[0])
    time_base: Fraction
    # How the table was obtained: "packets", "decode", or "ordinal" (no usable PTS: frame i
    # is the decoder's i-th output, time_base is 1/fps, and seeking decodes from the start).
    method: str = "packets"
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


def _index_from_packets(container: Any, vstream: Any) -> tuple[list[int], list[int], bool]:
    """PTS of decodable packets and keyframe packets; ``ok`` False when packets can't be trusted."""
    pts: list[int] = []
    keys: list[int] = []
    ok = True
    for packet in container.demux(vstream):
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


def _index_from_decode(path: Path, stream_index: int) -> tuple[list[int], list[int], bool]:
    """One full decode pass: slow but the ground truth for any stream FFmpeg decodes.

    Returns the PTS in output order, keyframe PTS, and whether the PTS are usable: the
    decoder outputs presentation order, so real PTS must rise strictly. Raw elementary
    streams have none and AVI with B-frames carries decode-order numbers instead.
    """
    with av.open(str(path)) as container:
        vstream = cast(av.VideoStream, container.streams[stream_index])  # a video stream index
        vstream.thread_type = "AUTO"
        pts: list[int] = []
        keys: list[int] = []
        usable = True
        for frame in container.decode(vstream):
            p = frame.pts
            if p is None or (pts and p <= pts[-1]):
                usable = False
                p = pts[-1] + 1 if pts else 0
            pts.append(int(p))
            if frame.key_frame:
                keys.append(int(p))
    if not keys and pts:
        keys = [pts[0]]
    return pts, sorted(set(keys)), usable


def build_index(path: Path, container: Any, vstream: Any) -> PtsIndex:
    """Packets first, confirmed by a first-frame and last-GOP decode; full decode otherwise."""
    time_base = Fraction(vstream.time_base)
    pts, keys, ok = _index_from_packets(container, vstream)
    method = "packets"
    if ok:
        try:
            ok = _verify(container, vstream, pts, keys)
        except av.FFmpegError as exc:
            log.info("%s: verification decode failed (%s); full decode", path.name, exc)
            ok = False
    if not ok:
        method = "decode"
        try:
            dec_pts, dec_keys, usable = _index_from_decode(path, vstream.index)
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
    log.debug("%s: %d frames indexed from %s", path.name, len(pts), method)
    return PtsIndex(
        pts=np.asarray(pts, dtype=np.int64),
        key_pts=np.asarray(keys, dtype=np.int64),
        time_base=time_base,
        method=method,
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
            )
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable index cache %s: %s", file, exc)
        return None


def save_cached(path: Path, cache_dir: Path, index: PtsIndex) -> None:
    """Atomic write (temp file + rename) so a concurrent open never reads half a file."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"time_base": str(index.time_base), "method": index.method})
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp.npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, pts=index.pts, key_pts=index.key_pts, meta=np.array(meta))
        os.replace(tmp, cache_dir / f"{cache_key(path)}.npz")
    except OSError as exc:
        log.warning("cannot write index cache in %s: %s", cache_dir, exc)
