"""Waveform peaks (annotator.media.waveform): generated tone/silence files with known peaks,
the real samples against a direct decode, the pyramid, the per-column view, the cache."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from samples_dir import sample

from annotator.media import waveform as wf
from annotator.media.waveform import (
    LEVEL_FACTOR,
    Waveform,
    WaveformCancelled,
    build_levels,
    compute_waveform,
    load_cached,
    load_or_compute,
)

RATE = 8000


def tone(seconds: float, left: float, right: float, freq: float = 440.0) -> np.ndarray:
    """(2, n) float signal: a sine of amplitude ``left`` / ``right`` per channel."""
    t = np.arange(int(seconds * RATE)) / RATE
    s = np.sin(2 * np.pi * freq * t)
    return np.stack([left * s, right * s])


def write_av(
    path: Path,
    signal: np.ndarray | None,
    *,
    video_frames: int = 0,
    codec: str = "pcm_s16le",
    rate: int = RATE,
) -> Path:
    """A file with an optional video stream (grey frames, 25 fps) and a stereo audio stream
    of ``signal`` (float in [-1, 1], shape (2, n))."""
    with av.open(str(path), "w") as c:
        v = None
        if video_frames:
            v = c.add_stream("mpeg4", rate=25)
            v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = c.add_stream(codec, rate=rate, layout="stereo") if signal is not None else None
        if v is not None:
            for i in range(video_frames):
                img = np.full((48, 64, 3), (i * 7) % 255, np.uint8)
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                frame.pts = i
                frame.time_base = Fraction(1, 25)
                for p in v.encode(frame):
                    c.mux(p)
        if a is not None and signal is not None:
            chunk = 1024
            fmt = "s16" if codec == "pcm_s16le" else "fltp"
            for k in range(0, signal.shape[1], chunk):
                part = signal[:, k : k + chunk]
                if fmt == "s16":
                    data = np.round(part.T * 32767).astype(np.int16).reshape(1, -1)
                else:
                    data = part.astype(np.float32)
                frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="stereo")
                frame.sample_rate = rate
                frame.pts = k
                frame.time_base = Fraction(1, rate)
                for p in a.encode(frame):
                    c.mux(p)
            for p in a.encode():
                c.mux(p)
        if v is not None:
            for p in v.encode():
                c.mux(p)
    return path


def test_tone_and_silence_peaks(tmp_path) -> None:
    """One second of silence, one of a 0.5 tone, one of silence: each 1/100 s bucket holds
    the true extremes (16-bit PCM, so within 1/32767)."""
    sig = np.concatenate([np.zeros((2, RATE)), tone(1.0, 0.5, 0.5), np.zeros((2, RATE))], axis=1)
    path = write_av(tmp_path / "tone.wav", sig)
    w = compute_waveform(path)
    assert w is not None
    assert (w.sample_rate, w.channels) == (RATE, 2)
    assert w.bucket_count == 300
    lv = w.levels[0]
    assert np.abs(lv[:100]).max() < 1e-4  # silence
    assert np.abs(lv[200:]).max() < 1e-4
    # 440 Hz: every 10 ms bucket holds 4.4 periods, so both extremes
    np.testing.assert_allclose(lv[100:200, 0], -0.5, atol=2e-3)
    np.testing.assert_allclose(lv[100:200, 1], 0.5, atol=2e-3)
    assert w.peak_between(0.0, 0.99) == pytest.approx((0.0, 0.0), abs=1e-4)
    assert w.peak_between(1.0, 2.0) == pytest.approx((-0.5, 0.5), abs=2e-3)


def test_downmix_is_the_mean_of_the_channels(tmp_path) -> None:
    path = write_av(tmp_path / "left.wav", tone(0.5, 0.8, 0.0))
    w = compute_waveform(path)
    assert w is not None
    np.testing.assert_allclose(w.levels[0][:, 1], 0.4, atol=2e-3)
    np.testing.assert_allclose(w.levels[0][:, 0], -0.4, atol=2e-3)


def test_video_with_tone_and_video_without_audio(tmp_path) -> None:
    with_audio = write_av(
        tmp_path / "av.mkv",
        np.concatenate([np.zeros((2, RATE)), tone(1.0, 0.25, 0.25)], axis=1),
        video_frames=50,
    )
    w = compute_waveform(with_audio)
    assert w is not None and w.duration_s == pytest.approx(2.0, abs=0.02)
    assert w.peak_between(1.05, 1.95)[1] == pytest.approx(0.25, abs=3e-3)
    assert w.peak_between(0.0, 0.95)[1] == pytest.approx(0.0, abs=1e-3)
    silent = write_av(tmp_path / "mute.mkv", None, video_frames=20)
    assert compute_waveform(silent) is None  # no lane, no error
    assert not wf.has_audio(silent) and wf.has_audio(with_audio)


def test_aac_tone_through_a_real_codec(tmp_path) -> None:
    sig = np.concatenate([np.zeros((2, 8000)), tone(1.0, 0.5, 0.5)], axis=1)
    path = write_av(tmp_path / "aac.mp4", sig, codec="aac", rate=8000)
    w = compute_waveform(path)
    assert w is not None
    # lossy and with encoder delay: the loud second is loud, the quiet one is quiet
    assert 0.4 < w.peak_between(1.2, 1.8)[1] < 0.6
    assert w.peak_between(0.1, 0.7)[1] < 0.02


def direct_peaks(path: Path) -> tuple[float, np.ndarray, int]:
    """Decode everything into one array with plain PyAV and take min/max per 1/100 s."""
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        rs = av.AudioResampler(format="fltp")
        chunks, start = [], None
        for frame in c.decode(s):
            if start is None:
                start = float(frame.time)
            for out in rs.resample(frame):
                chunks.append(out.to_ndarray())
        for out in rs.resample(None):
            chunks.append(out.to_ndarray())
        sr = s.codec_context.sample_rate
    mono = np.concatenate(chunks, axis=1).mean(axis=0, dtype=np.float32)
    n = -(-len(mono) * 100 // sr)
    peaks = np.empty((n, 2), np.float32)
    for b in range(n):
        seg = mono[-(-b * sr // 100) : -(-(b + 1) * sr // 100)]
        peaks[b] = seg.min(), seg.max()
    return float(start or 0.0), peaks, sr


@pytest.mark.parametrize(
    "name",
    [
        "video/face_recognition_short_hamilton_clip.mp4",  # AAC 44.1 kHz, audio starts 8 ms in
        "video/pyfeat_single_face.mp4",  # MP3
        "video/pyfeat_face_noface_hevc_vfr.mov",  # audio starts 2.43 s into the file
    ],
)
def test_real_samples_match_a_direct_decode(name) -> None:
    path = sample(name)
    w = compute_waveform(path)
    assert w is not None
    start, peaks, sr = direct_peaks(path)
    assert w.sample_rate == sr
    assert w.start_s == pytest.approx(start)
    assert w.bucket_count == len(peaks)
    np.testing.assert_allclose(w.levels[0], peaks, atol=1e-6)
    assert np.abs(peaks).max() > 0.001  # there is sound in these clips


def test_hamilton_audio_starts_before_the_video() -> None:
    """The first video PTS of the Hamilton clip is 0.852 s, its audio starts at 0.008 s."""
    w = compute_waveform(sample("video/face_recognition_short_hamilton_clip.mp4"))
    assert w is not None
    assert w.start_s == pytest.approx(0.008, abs=1e-3)
    assert w.duration_s == pytest.approx(10.0, abs=0.05)


def test_levels_are_min_max_of_the_finer_level() -> None:
    rng = np.random.default_rng(3)
    raw = rng.uniform(-1, 1, (1003, 2)).astype(np.float32)
    level0 = np.stack([raw.min(1), raw.max(1)], 1)
    levels = build_levels(level0)
    assert len(levels[-1]) == 1
    for fine, coarse in zip(levels, levels[1:], strict=False):
        assert len(coarse) == -(-len(fine) // LEVEL_FACTOR)
        for i in (0, len(coarse) // 2, len(coarse) - 1):
            block = fine[i * LEVEL_FACTOR : (i + 1) * LEVEL_FACTOR]
            assert coarse[i, 0] == block[:, 0].min() and coarse[i, 1] == block[:, 1].max()
    assert levels[-1][0, 0] == level0[:, 0].min() and levels[-1][0, 1] == level0[:, 1].max()


@pytest.mark.parametrize(
    "t0,t1,n",
    [(0.0, 10.03, 700), (2.0, 2.5, 900), (3.3, 3.31, 50), (-1.0, 4.0, 333), (9.0, 12.0, 64)],
)
def test_columns_against_brute_force(t0, t1, n) -> None:
    """Each column shows the extremes of the level-0 buckets it covers (at zoom-out from the
    coarse level, which holds the same extremes on bucket boundaries), NaN off the audio."""
    rng = np.random.default_rng(7)
    raw = rng.uniform(-1, 1, (1003, 2)).astype(np.float32)
    level0 = np.stack([raw.min(1), raw.max(1)], 1)
    w = Waveform(start_s=0.0, sample_rate=8000, channels=1, levels=build_levels(level0))
    mins, maxs = w.columns(t0, t1, n)
    width = (t1 - t0) / n
    level = w.level_for(width)
    assert w.bucket_s(level) <= width or level == 0
    k = LEVEL_FACTOR**level
    for c in range(n):
        a, b = t0 + c * width, t0 + (c + 1) * width
        lo = int(np.floor(a * 100 / k)) * k
        hi = max(int(np.floor(b * 100 / k)) * k, lo + k)
        lo, hi = max(lo, 0), min(hi, 1003)
        if hi <= lo:
            assert np.isnan(mins[c]) and np.isnan(maxs[c])
            continue
        assert mins[c] == level0[lo:hi, 0].min()
        assert maxs[c] == level0[lo:hi, 1].max()


def test_cache_round_trip_and_cancel(tmp_path, monkeypatch) -> None:
    path = write_av(tmp_path / "t.wav", tone(0.3, 0.3, 0.3))
    with pytest.raises(WaveformCancelled):
        load_or_compute(path, cache_dir=tmp_path / "c", cancelled=lambda: True)
    assert load_cached(path, tmp_path / "c") is None  # nothing half-written
    seen: list[tuple[int, int]] = []
    w = load_or_compute(path, cache_dir=tmp_path / "c", progress=lambda d, t: seen.append((d, t)))
    assert w is not None and seen and seen[-1][0] == seen[-1][1]
    assert len(list((tmp_path / "c").glob("*.npz"))) == 1

    def boom(*_a, **_k):
        raise AssertionError("computed again instead of read from the cache")

    monkeypatch.setattr(wf, "compute_waveform", boom)
    again = load_or_compute(path, cache_dir=tmp_path / "c")
    assert again is not None and again.start_s == w.start_s
    assert len(again.levels) == len(w.levels)
    for a, b in zip(again.levels, w.levels, strict=True):
        np.testing.assert_array_equal(a, b)
    # a rewrite of the file is another key
    path.write_bytes(path.read_bytes())
    import os

    os.utime(path, ns=(1, 1))
    assert load_cached(path, tmp_path / "c") is None


def test_unreadable_cache_is_ignored(tmp_path) -> None:
    path = write_av(tmp_path / "t.wav", tone(0.2, 0.3, 0.3))
    file = wf.cache_file(path, tmp_path / "c")
    file.parent.mkdir()
    file.write_bytes(b"not an npz")
    assert load_cached(path, tmp_path / "c") is None
    assert load_or_compute(path, cache_dir=tmp_path / "c") is not None


def test_not_a_media_file_is_one_line(tmp_path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_text("hello")
    with pytest.raises(wf.WaveformError, match=r"^bad\.mp4: "):
        compute_waveform(bad)


def test_columns_at_unequal_edges_against_brute_force() -> None:
    """Columns of unequal duration (pixels over variable-frame-rate video)."""
    rng = np.random.default_rng(9)
    raw = rng.uniform(-1, 1, (2000, 2)).astype(np.float32)
    level0 = np.stack([raw.min(1), raw.max(1)], 1)
    w = Waveform(start_s=0.5, sample_rate=8000, channels=1, levels=build_levels(level0))
    edges = np.cumsum(np.concatenate([[0.4], rng.choice([0.013, 0.02, 0.05, 0.031], 300)]))
    mins, maxs = w.columns_at(edges)
    width = float(np.median(np.diff(edges)))
    k = LEVEL_FACTOR ** w.level_for(width)
    for c in range(len(edges) - 1):
        lo = int(np.floor((edges[c] - 0.5) * 100 / k)) * k
        hi = max(int(np.floor((edges[c + 1] - 0.5) * 100 / k)) * k, lo + k)
        lo, hi = max(lo, 0), min(hi, 2000)
        if hi <= lo:
            assert np.isnan(mins[c])
            continue
        assert mins[c] == level0[lo:hi, 0].min() and maxs[c] == level0[lo:hi, 1].max()
