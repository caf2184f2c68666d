"""FrameSource returns exactly frame i, whatever the stream shape or the access order."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from annotator.media import FrameSource, MediaError, probe
from annotator.media.barcode import read_index
from annotator.model import Timebase


def _orders(n: int, seed: int = 7) -> dict[str, list[int]]:
    rng = random.Random(seed)
    return {
        "forward": list(range(n)),
        "backward": list(range(n - 1, -1, -1)),
        "random": [rng.randrange(n) for _ in range(min(n, 60))],
    }


@pytest.mark.parametrize("order", ["forward", "backward", "random"])
def test_frame_shows_its_own_index(clip, order, index_cache, opened) -> None:
    src = FrameSource(clip.path, index_cache_dir=index_cache)
    opened.append(src)
    assert src.frame_count == clip.n_frames
    for i in _orders(src.frame_count)[order]:
        img = src.frame(i)
        assert img.shape == (120, 160, 3) and img.dtype == np.uint8
        assert read_index(img) == i, f"{clip.name}: asked {i}"


def test_frames_exact_without_cache_or_prefetch(make_clip, index_cache, opened) -> None:
    """With a zero budget every request decodes: exactness must not depend on the cache."""
    clip = make_clip("bframes")
    src = FrameSource(clip.path, cache_mb=0, prefetch=False, index_cache_dir=index_cache)
    opened.append(src)
    for i in [89, 0, 45, 44, 46, 30, 29, 31, 88, 1]:
        assert read_index(src.frame(i)) == i


def test_scaled_decode_is_the_same_frame(make_clip, index_cache, opened) -> None:
    clip = make_clip("long_gop250")
    src = FrameSource(clip.path, index_cache_dir=index_cache)
    opened.append(src)
    for i in [260, 3, 259, 258, 100, 299]:
        small = src.frame(i, size=(80, 60))
        assert small.shape == (60, 80, 3)
        assert read_index(small) == i
        assert read_index(src.frame(i)) == i
    assert src.frame(5, size=(160, 120)).shape == (120, 160, 3)  # native size = full frame


def test_timestamps_from_real_pts(make_clip, index_cache, opened) -> None:
    from tests.media.conftest import VFR_TIMES

    clip = make_clip("vfr")
    src = FrameSource(clip.path, index_cache_dir=index_cache)
    opened.append(src)
    assert src.vfr
    assert src.timestamps[0] == 0.0
    np.testing.assert_allclose(src.timestamps, VFR_TIMES, atol=1e-3)
    assert isinstance(src.timebase, Timebase)
    for i in [0, 5, 33, 69]:
        t = float(src.timestamps[i])
        assert src.index_at(t) == i
        assert src.index_at(t + 0.004) == i  # mid-frame: still that frame (gaps >= 10 ms)
        assert read_index(src.frame(src.index_at(t))) == i


def test_ntsc_rate_and_no_drift(make_clip, index_cache, opened) -> None:
    clip = make_clip("ntsc")
    src = FrameSource(clip.path, index_cache_dir=index_cache)
    opened.append(src)
    assert src.fps == Fraction(30000, 1001)
    assert not src.vfr
    assert src.timestamps[-1] == pytest.approx(89 * 1001 / 30000, abs=1e-4)
    assert [src.index_at(float(t)) for t in src.timestamps] == list(range(90))


@pytest.mark.parametrize("name", ["start_pts_mkv", "start_pts_ts"])
def test_first_pts_not_zero(make_clip, name, index_cache, opened) -> None:
    clip = make_clip(name)
    src = FrameSource(clip.path, index_cache_dir=index_cache)
    opened.append(src)
    assert src.start_pts > 0 and src.start_s > 0
    assert src.pts[0] == src.start_pts and src.timestamps[0] == 0.0
    assert src.timestamps[1] == pytest.approx(0.04, abs=1e-3)
    assert read_index(src.frame(src.index_at(0.0))) == 0
    assert read_index(src.frame(src.index_at(1.0))) == 25


def test_metadata(make_clip, index_cache, opened) -> None:
    clip = make_clip("cfr25_gop50")
    with FrameSource(clip.path, index_cache_dir=index_cache) as src:
        assert (src.width, src.height, src.codec) == (160, 120, "h264")
        assert src.fps == 25 and isinstance(src.fps, Fraction)
        assert src.duration_s == pytest.approx(120 / 25)
        assert src.pts.dtype == np.int64 and src.timestamps.dtype == np.float64
        assert not src.has_audio and src.time_base > 0
    with pytest.raises(MediaError):
        src.frame(0)  # closed
    src.close()  # twice is fine


def test_out_of_range(make_clip, index_cache, opened) -> None:
    src = FrameSource(make_clip("cfr25_gop50").path, index_cache_dir=index_cache)
    opened.append(src)
    with pytest.raises(IndexError):
        src.frame(120)
    with pytest.raises(IndexError):
        src.frame(-1)


def test_index_cached_on_disk(make_clip, index_cache, opened) -> None:
    clip = make_clip("long_gop250")
    a = FrameSource(clip.path, index_cache_dir=index_cache, prefetch=False)
    opened.append(a)
    assert list(index_cache.glob("*.npz"))
    b = FrameSource(clip.path, index_cache_dir=index_cache, prefetch=False)
    opened.append(b)
    np.testing.assert_array_equal(a.pts, b.pts)
    assert read_index(b.frame(123)) == 123


def test_prefetch_fills_cache_behind(make_clip, index_cache, opened) -> None:
    clip = make_clip("long_gop250")
    src = FrameSource(clip.path, index_cache_dir=index_cache)
    opened.append(src)
    src.frame(200)
    src.frame(199)  # a step back: the worker fills the window behind
    assert src.wait_prefetch(timeout=30)
    for i in range(198, 170, -1):
        assert src.cache.has_frame(None, i), i
    assert read_index(src.frame(180)) == 180


def test_cache_respects_budget(make_clip, index_cache, opened) -> None:
    clip = make_clip("long_gop250")
    frame_bytes = 160 * 120 * 3
    src = FrameSource(clip.path, cache_mb=20 * frame_bytes / 2**20, index_cache_dir=index_cache)
    opened.append(src)
    for i in range(250, 150, -1):
        assert read_index(src.frame(i)) == i
    src.wait_prefetch(timeout=30)
    assert src.cache.nbytes <= 20 * frame_bytes
    assert len(src.cache) <= 40  # raw YUV pictures weigh half an RGB frame


def test_returned_frames_are_read_only(make_clip, index_cache, opened) -> None:
    src = FrameSource(make_clip("cfr25_gop50").path, index_cache_dir=index_cache)
    opened.append(src)
    with pytest.raises(ValueError):
        src.frame(3)[0, 0, 0] = 1


def test_missing_file(tmp_path) -> None:
    with pytest.raises(MediaError, match=r"^nope\.mp4: "):
        FrameSource(tmp_path / "nope.mp4")


def test_corrupt_file(tmp_path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(MediaError, match=r"^bad\.mp4: "):
        FrameSource(bad)


def test_text_file(tmp_path) -> None:
    txt = tmp_path / "notes.mp4"
    txt.write_text("not a video\n")
    with pytest.raises(MediaError, match=r"^notes\.mp4: "):
        FrameSource(txt)


def test_audio_only_file(tmp_path) -> None:
    import av

    path = tmp_path / "tone.wav"
    with av.open(str(path), "w") as c:
        s = c.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for p in s.encode(frame):
            c.mux(p)
        for p in s.encode():
            c.mux(p)
    with pytest.raises(MediaError, match="no video stream"):
        FrameSource(path)


def test_truncated_file_counts_only_decodable_frames(make_clip, tmp_path, opened) -> None:
    data = make_clip("start_pts_ts").path.read_bytes()
    cut = tmp_path / "cut.ts"
    cut.write_bytes(data[: len(data) * 2 // 3])
    src = FrameSource(cut, index_cache_dir=tmp_path / "c")
    opened.append(src)
    assert 0 < src.frame_count < 60
    for i in [src.frame_count - 1, 0, src.frame_count // 2]:
        assert read_index(src.frame(i)) == i


def test_probe(make_clip) -> None:
    info = probe(make_clip("ntsc").path)
    assert info["frame_count"] == 90 and info["container_frames"] in (0, 90)
    assert info["fps"] == "30000/1001" and info["fps_float"] == pytest.approx(29.97, abs=0.01)
    assert info["codec"] == "h264" and (info["width"], info["height"]) == (160, 120)
    assert info["vfr"] is False and info["first_pts"] == 0 and info["has_audio"] is False
    assert set(info) >= {"duration_s", "time_base"}


@pytest.mark.parametrize("cache_mb", [0, 64])
@pytest.mark.parametrize("name", ["bframes", "hevc_bframes", "long_gop250"])
def test_pixels_equal_sequential_decode(make_clip, name, cache_mb, index_cache, opened) -> None:
    """Skipping unreferenced B-frames on the way to a target must not change one pixel."""
    import av

    clip = make_clip(name)
    with av.open(str(clip.path)) as c:
        ref = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    src = FrameSource(clip.path, cache_mb=cache_mb, index_cache_dir=index_cache)
    opened.append(src)
    rng = random.Random(11)
    jumps = [rng.randrange(len(ref)) for _ in range(12)]
    order = [j - d for j in jumps for d in range(0, 6)]  # jump, then step back (raw frames)
    for i in [i for i in order if i >= 0] + [len(ref) - 1, 0]:
        np.testing.assert_array_equal(src.frame(i), ref[i], err_msg=f"{name} frame {i}")


def test_cached_and_keyframe_before(make_clip, index_cache, opened) -> None:
    clip = make_clip("cfr25_gop50")  # keyframes at 0, 50, 100
    src = FrameSource(clip.path, prefetch=False, index_cache_dir=index_cache)
    opened.append(src)
    assert src.cached(70) is None
    assert [src.keyframe_before(i) for i in (0, 49, 50, 70, 119)] == [0, 0, 50, 50, 100]
    img = src.frame(70)
    assert src.cached(70) is img and src.cached(70, size=(80, 60)) is None
    assert read_index(src.frame(src.keyframe_before(70))) == 50


def test_back_steps_after_a_jump_use_raw_frames(make_clip, index_cache, opened) -> None:
    """A jump keeps the pictures decoded on the way: the next back steps decode nothing."""
    clip = make_clip("long_gop250")
    src = FrameSource(clip.path, prefetch=False, index_cache_dir=index_cache)
    opened.append(src)
    assert read_index(src.frame(240)) == 240
    assert src.cache.has_frame(None, 230)
    assert decoder_position(src) == 240
    for i in range(239, 225, -1):
        assert read_index(src.frame(i)) == i
    assert decoder_position(src) == 240  # served from cache, no seek
    assert read_index(src.frame(100, size=(80, 60))) == 100
    assert read_index(src.frame(99, size=(80, 60))) == 99  # raw frame, scaled on demand


def decoder_position(src: FrameSource) -> int | None:
    return src._decoder.position  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["bframes", "vfr", "start_pts_mkv", "hevc_bframes"])
def test_iter_frames_in_order(make_clip, name, index_cache, opened) -> None:
    clip = make_clip(name)
    src = FrameSource(clip.path, prefetch=False, index_cache_dir=index_cache)
    opened.append(src)
    got = [(i, read_index(img)) for i, img in src.iter_frames()]
    assert got == [(i, i) for i in range(clip.n_frames)]
    part = [(i, read_index(img)) for i, img in src.iter_frames(17, 29, size=(80, 60))]
    assert part == [(i, i) for i in range(17, 29)]
    assert len(src.cache) == 0  # a pass leaves the player's cache alone


def test_concurrent_callers_and_worker(make_clip, index_cache, opened) -> None:
    """Two threads stepping in opposite directions while the worker prefetches: no crash,
    every frame exact (raw pictures are converted under a per-frame lock)."""
    import threading

    clip = make_clip("long_gop250")
    src = FrameSource(clip.path, cache_mb=8, index_cache_dir=index_cache)
    opened.append(src)
    errors: list[str] = []

    def walk(order: list[int]) -> None:
        for i in order:
            got = read_index(src.frame(i, size=(80, 60) if i % 3 == 0 else None))
            if got != i:
                errors.append(f"asked {i} got {got}")

    threads = [
        threading.Thread(target=walk, args=(list(range(240, 170, -1)),)),
        threading.Thread(target=walk, args=(list(range(180, 250)),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors


@pytest.mark.parametrize("name", ["avi_bframes", "raw_h264"])
def test_streams_without_usable_pts_count_decoder_output(
    make_clip, name, index_cache, opened
) -> None:
    clip = make_clip(name)
    src = FrameSource(clip.path, index_cache_dir=index_cache)
    opened.append(src)
    assert src.index_method == "ordinal"
    assert src.frame_count == clip.n_frames
    assert src.timestamps[1] == pytest.approx(0.04)
    again = FrameSource(clip.path, index_cache_dir=index_cache, prefetch=False)
    opened.append(again)
    assert again.index_method == "ordinal"  # from the disk cache
    assert [read_index(again.frame(i)) for i in (30, 2, 29, 28)] == [30, 2, 29, 28]


def test_second_open_reads_the_cached_index(make_clip, index_cache, opened, monkeypatch) -> None:
    """A warm open must not demux the file again (that is what makes it instant)."""
    import annotator.media.frame_source as fs_module

    clip = make_clip("long_gop250")
    first = FrameSource(clip.path, index_cache_dir=index_cache, prefetch=False)
    opened.append(first)

    def no_build(*args: object) -> None:
        raise AssertionError("index rebuilt although cached")

    monkeypatch.setattr(fs_module, "build_index", no_build)
    second = FrameSource(clip.path, index_cache_dir=index_cache, prefetch=False)
    opened.append(second)
    np.testing.assert_array_equal(second.pts, first.pts)
    assert read_index(second.frame(249)) == 249
    clip.path.touch()  # a modified file (new mtime) is indexed again
    with pytest.raises(AssertionError, match="rebuilt"):
        FrameSource(clip.path, index_cache_dir=index_cache, prefetch=False)
