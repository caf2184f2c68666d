"""Frame timestamps of MP4/MOV files from the container's sample tables, without demuxing.

An MP4 file lists every sample of a track in its ``moov`` box: decode times (``stts``),
composition offsets (``ctts``: presentation = decode + offset), sync samples (``stss``)
and sizes (``stsz``). FFmpeg's mov demuxer reads all of these when the file is opened and
exposes the result, with edit lists already applied, as the stream's index entries
(decode time, keyframe and discard flags; PyAV ``stream.index_entries``). Only the
composition offsets are not exposed, so this module reads the ``ctts`` box itself: a few
hundred kilobytes for a 30-minute file, against 1.4 GB of packets to demux.

The result is checked before it is trusted: the first packets demuxed must carry exactly
the decode and presentation times computed here (this also measures FFmpeg's constant
``dts_shift``), and the caller still decodes the first frame and the last GOP
(:func:`annotator.media.pts_index._verify`). Anything unexpected returns ``None`` and
the caller demuxes as before.
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Packets demuxed to check the computed times against FFmpeg's own (one GOP or two).
_CHECK_PACKETS = 300
_CONTAINERS = ("trak", "mdia", "minf", "stbl", "moov")


def _boxes(buf: bytes | memoryview, start: int, end: int) -> list[tuple[str, int, int]]:
    """(type, payload start, payload end) of the boxes in ``buf[start:end]``."""
    out = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", buf, pos)
        head = 8
        if size == 1:
            if pos + 16 > end:
                break
            size = struct.unpack_from(">Q", buf, pos + 8)[0]
            head = 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            break
        out.append((kind.decode("latin-1"), pos + head, pos + size))
        pos += size
    return out


def _read_moov(path: Path) -> bytes | None:
    """The ``moov`` box's payload, found by walking the top-level boxes (it may be last)."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        file_size = f.tell()
        pos = 0
        while pos + 8 <= file_size:
            f.seek(pos)
            head = f.read(16)
            if len(head) < 8:
                return None
            size, kind = struct.unpack_from(">I4s", head, 0)
            hlen = 8
            if size == 1:
                size = struct.unpack_from(">Q", head, 8)[0]
                hlen = 16
            elif size == 0:
                size = file_size - pos
            if size < hlen:
                return None
            if kind == b"moov":
                f.seek(pos + hlen)
                return f.read(size - hlen)
            pos += size
    return None


def _track_tables(moov: bytes, track_id: int) -> tuple[int, np.ndarray | None] | None:
    """(sample count, per-sample composition offsets or ``None``) of track ``track_id``."""
    for kind, s, e in _boxes(moov, 0, len(moov)):
        if kind != "trak":
            continue
        found: dict[str, tuple[int, int]] = {}

        def walk(lo: int, hi: int, found: dict[str, tuple[int, int]] = found) -> None:
            for k, a, b in _boxes(moov, lo, hi):
                if k in _CONTAINERS:
                    walk(a, b)
                elif k in ("tkhd", "stsz", "stz2", "ctts"):
                    found.setdefault(k, (a, b))

        walk(s, e)
        if "tkhd" not in found:
            continue
        a, _ = found["tkhd"]
        version = moov[a]
        tid = struct.unpack_from(">I", moov, a + (20 if version == 1 else 12))[0]
        if tid != track_id:
            continue
        if "stsz" not in found:
            return None  # stz2 (compact sizes) is rare: let the demuxer handle it
        a, _ = found["stsz"]
        _, count = struct.unpack_from(">II", moov, a + 4)
        if "ctts" not in found:
            return int(count), None
        a, b = found["ctts"]
        entries = struct.unpack_from(">I", moov, a + 4)[0]
        if a + 8 + entries * 8 > b:
            return None
        table = np.frombuffer(moov, dtype=">u4", count=entries * 2, offset=a + 8).reshape(-1, 2)
        counts = table[:, 0].astype(np.int64)
        offsets = table[:, 1].astype(np.int64)
        # Signed whatever the box version says: writers put negative offsets in version 0
        # boxes too, and FFmpeg reads them as signed (seen in the HEVC .mov sample).
        offsets = np.where(offsets >= 1 << 31, offsets - (1 << 32), offsets)
        per_sample = np.repeat(offsets, counts)
        if len(per_sample) != count:
            return None
        return int(count), per_sample
    return None


def index_from_sample_tables(
    path: Path, container: Any, vstream: Any
) -> tuple[list[int], list[int]] | None:
    """(presentation times of shown frames, keyframe times) from the sample tables.

    Same contract as the packet scan in :mod:`annotator.media.pts_index`: times in the
    stream's time base, sorted; frames before an edit list are left out of the first
    list. ``None`` when the file is not a plain MP4/MOV track this reader understands
    or the check against demuxed packets fails.
    """
    fmt = str(getattr(container.format, "name", ""))
    if "mp4" not in fmt and "mov" not in fmt:
        return None
    try:
        entries = vstream.index_entries
        n = len(entries)
        if n == 0:
            return None
        moov = _read_moov(path)
        if moov is None:
            return None
        tables = _track_tables(moov, int(vstream.id))
    except (OSError, struct.error, ValueError, AttributeError) as exc:
        log.info("%s: sample tables unreadable (%s); demuxing", path.name, exc)
        return None
    if tables is None:
        return None
    count, ctts = tables
    if count != n:  # edit lists that repeat or drop samples: FFmpeg rewrote the index
        log.info("%s: %d index entries for %d samples; demuxing", path.name, n, count)
        return None
    dts = np.fromiter((e.timestamp for e in entries), dtype=np.int64, count=n)
    key = np.fromiter((e.is_keyframe for e in entries), dtype=bool, count=n)
    discard = np.fromiter((e.is_discard for e in entries), dtype=bool, count=n)
    pts = dts + (ctts if ctts is not None else 0)
    import av

    try:  # a container of its own: the caller's must not be left part-way through the file
        with av.open(str(path)) as fresh:
            shift = _check_against_packets(fresh, fresh.streams[vstream.index], dts, pts)
    except (av.FFmpegError, OSError) as exc:
        log.info("%s: cannot check the sample tables (%s); demuxing", path.name, exc)
        return None
    if shift is None:
        log.info("%s: sample tables disagree with demuxed packets; demuxing", path.name)
        return None
    pts = pts + shift
    shown = np.sort(pts[~discard])
    if len(shown) == 0 or np.any(np.diff(shown) <= 0):
        return None
    return shown.tolist(), np.sort(pts[key]).tolist()


def _check_against_packets(
    container: Any, vstream: Any, dts: np.ndarray, pts: np.ndarray
) -> int | None:
    """FFmpeg's constant PTS shift (``dts_shift``), checked on the first packets."""
    shift: int | None = None
    k = 0
    for packet in container.demux(vstream):
        if packet.size == 0:
            continue
        if k >= len(dts) or packet.pts is None or packet.dts is None:
            return None
        if int(packet.dts) != int(dts[k]):
            return None
        d = int(packet.pts) - int(pts[k])
        if shift is None:
            shift = d
        elif d != shift:
            return None
        k += 1
        if k >= _CHECK_PACKETS:
            break
    return shift
