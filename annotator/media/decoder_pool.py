"""A few seek decoders parked at different places, so a jump often continues instead of seeking.

A decoder that last output frame ``p`` reaches any later frame of the same GOP by decoding
on from ``p``; a seek instead restarts at the keyframe and decodes the whole run again. In
a long GOP (250 frames) that run is the whole cost of a jump. With one decoder only the
latest target is a starting point; with several, earlier targets stay parked too, so a jump
back to between an earlier target and the next keyframe continues from there.

How many: measured on the 300-frame 1080p GOP-250 bench clip (30 seeded random targets),
the 95th-percentile run a jump decodes is 124 frames with 2 decoders, 78 with 3 or 4 (60
targets: 113, 61, 32); each parked 1080p H.264 decoder holds about 43 MB (its reference
pictures and frame-thread buffers). So 4 up to 1080p, fewer for larger pictures.

The pool is not thread-safe: :class:`annotator.media.frame_source.FrameSource` uses it
under its caller lock. Each decoder costs one container and FFmpeg's frame buffers (tens
of MB at 1080p); the second one is opened on first need only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.media.decoder import SeekingDecoder
from annotator.media.pts_index import PtsIndex

# Decoders the caller's path keeps (the prefetch worker has its own), up to 1080p.
POOL_SIZE = 4
# Beyond these many pixels a parked decoder weighs 2-4x more: keep fewer.
_LARGE_PIXELS = 1920 * 1088
_HUGE_PIXELS = 2560 * 1600


def pool_size_for(width: int, height: int) -> int:
    """Parked decoders for this picture size: about 170 MB of them at most."""
    pixels = int(width) * int(height)
    if pixels <= _LARGE_PIXELS:
        return POOL_SIZE
    return 3 if pixels <= _HUGE_PIXELS else 2


class DecoderPool:
    """Seek decoders, most recently used first; :meth:`pick` chooses one for a target."""

    def __init__(
        self,
        path: Path,
        index: PtsIndex,
        *,
        stream_index: int = 0,
        size: int = POOL_SIZE,
        container: Any = None,
    ) -> None:
        self._path = path
        self._index = index
        self._stream_index = stream_index
        self._size = max(int(size), 1)
        self._decoders = [
            SeekingDecoder(path, index, stream_index=stream_index, container=container)
        ]

    @property
    def current(self) -> SeekingDecoder:
        """The decoder used last (its position is where forward steps continue)."""
        return self._decoders[0]

    def pick(self, start: int) -> SeekingDecoder:
        """The decoder to reach frame ``start`` with, made the current one.

        One that can continue (parked before ``start`` in its GOP) wins, the nearest to
        ``start`` first; otherwise one parked nowhere (unused, or its run ended), then a
        new decoder while the pool has room, else the least recently used one seeks (the
        most recent stays parked for the next jump).
        """
        able = [d for d in self._decoders if d.can_continue(start)]
        idle = [d for d in self._decoders if d.position is None]  # parked nowhere useful
        if able:
            best = max(able, key=lambda d: d.position if d.position is not None else -1)
        elif idle:
            best = idle[0]
        elif len(self._decoders) < self._size:
            best = SeekingDecoder(self._path, self._index, stream_index=self._stream_index)
            self._decoders.append(best)
        else:
            best = self._decoders[-1]
        self._decoders.remove(best)
        self._decoders.insert(0, best)
        return best

    def set_index(self, index: PtsIndex, *, reset: bool = False) -> None:
        """A new PTS table (the worker's index grew or was replaced). ``reset`` when it does
        not extend the old one: parked positions mean other frames then, so all decoders
        close and seek afresh."""
        self._index = index
        if reset:
            for d in self._decoders[1:]:
                d.close()
            del self._decoders[1:]
            self._decoders[0].close()
            self._decoders[0] = SeekingDecoder(self._path, index, stream_index=self._stream_index)
            return
        for d in self._decoders:
            d.index = index

    def positions(self) -> list[int | None]:
        """Where each decoder is parked, most recent first (tests and benches)."""
        return [d.position for d in self._decoders]

    def close(self) -> None:
        for d in self._decoders:
            d.close()
