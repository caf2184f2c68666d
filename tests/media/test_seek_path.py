"""The full-quality seek path (issue 17.1, 19.4): parked decoders continue instead of seeking,
non-reference frames before the target are really skipped, a jump starts no prefetch."""

from __future__ import annotations

from typing import Any

import pytest

from annotator.media import FrameSource
from annotator.media.barcode import read_index
from annotator.media.decoder import SeekingDecoder
from annotator.media.decoder_pool import POOL_SIZE, pool_size_for
from annotator.media.frame_cache import FrameCache


def _positions(src: FrameSource) -> list[int | None]:
    assert src._pool is not None
    return src._pool.positions()


def test_a_jump_continues_from_the_nearest_parked_decoder(make_clip, index_cache, opened) -> None:
    clip = make_clip("long_gop250")  # keyframes at 0 and 250
    src = FrameSource(clip.path, prefetch=False, cache_mb=0, index_cache_dir=index_cache)
    opened.append(src)
    assert src._pool is not None and src._pool._size == POOL_SIZE == 4
    assert read_index(src.frame(240)) == 240
    assert _positions(src) == [240]
    assert read_index(src.frame(100)) == 100  # behind the parked one: a second decoder seeks
    assert _positions(src) == [100, 240]
    parked = src._decoder
    assert read_index(src.frame(200)) == 200  # continues from 100, 240 stays parked
    assert src._decoder is parked and _positions(src) == [200, 240]
    assert read_index(src.frame(245)) == 245  # the nearer of the two (240) continues
    assert _positions(src) == [245, 200]
    assert read_index(src.frame(260)) == 260  # another GOP: a new decoder while there is room
    assert _positions(src) == [260, 245, 200]
    assert read_index(src.frame(50)) == 50
    assert _positions(src) == [50, 260, 245, 200]
    assert read_index(src.frame(20)) == 20  # the pool is full: the least recently used seeks
    assert _positions(src) == [20, 50, 260, 245]
    assert read_index(src.frame(230)) == 230  # continues from 50 (nearest before it)
    assert _positions(src) == [230, 20, 260, 245]
    for i in (0, 299, 1, 249, 250):
        assert read_index(src.frame(i)) == i


def test_fewer_parked_decoders_for_large_pictures() -> None:
    assert pool_size_for(1920, 1080) == 4
    assert pool_size_for(2560, 1440) == 3
    assert pool_size_for(3840, 2160) == 2


@pytest.mark.parametrize("name", ["bframes", "hevc_bframes", "mpeg2_ps"])
def test_nonref_frames_before_the_target_are_skipped(make_clip, name: str, opened) -> None:
    """Skipped frames never come out of the decoder; the kept tail and the target do."""
    clip = make_clip(name)
    src = FrameSource(clip.path, prefetch=False, index_cache_dir=False)
    opened.append(src)
    index = src._index
    target = src.keyframe_before(clip.n_frames - 1) - 1  # last frame of the previous GOP
    key = src.keyframe_before(target)
    out: list[int] = []
    for skip in (True, False):
        dec = SeekingDecoder(clip.path, index, stream_index=src.stream_index, skip_nonref=skip)
        real: Any = dec._next

        def counting(real: Any = real) -> Any:
            item = real()
            if item is not None and item[0] is not None:
                out.append(item[0])
            return item

        dec._next = counting  # type: ignore[method-assign]
        arr = dec.decode_range(target, target, None, FrameCache(0), raw_from=target - 3)
        dec.close()
        assert arr is not None and read_index(arr) == target
        shown = {i for i in out if key <= i <= target}
        assert set(range(target - 3, target + 1)) <= shown  # the tail is decoded in full
        if skip:
            assert len(shown) < target - key + 1, "skip_frame=NONREF skipped nothing"
        else:
            assert len(shown) == target - key + 1
        out.clear()


def test_a_jump_starts_no_prefetch_a_step_back_does(make_clip, index_cache, opened) -> None:
    clip = make_clip("long_gop250")
    src = FrameSource(clip.path, index_cache_dir=index_cache)
    opened.append(src)
    for i in (200, 40, 230):
        assert read_index(src.frame(i)) == i
        assert src._prefetcher is None  # nothing decodes beside the next jump
    assert read_index(src.frame(229)) == 229  # a step back: the window behind fills
    assert src._prefetcher is not None
    assert src.wait_prefetch(30)
    for i in range(228, 200, -1):
        assert src.cache.has_frame(None, i), i
    src.request(120)
    for _ in range(300):
        if src.cached(120) is not None:
            break
        import time

        time.sleep(0.05)
    assert read_index(src.cached(120)) == 120
