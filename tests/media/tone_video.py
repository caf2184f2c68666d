"""A short barcode video with a pure tone on its audio track (sound tests, no sound card)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from annotator.media.barcode import draw_index

SAMPLE_RATE = 48000


def write_tone_video(
    path: Path,
    seconds: float,
    freq: float = 440.0,
    fps: int = 25,
    size: tuple[int, int] = (160, 96),
) -> Path:
    """H.264 barcode frames (frame index readable from the pixels) + AAC sine at ``freq``."""
    n_frames = round(seconds * fps)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        audio = out.add_stream("aac", rate=SAMPLE_RATE)
        audio.layout = "mono"
        for i in range(n_frames):
            img = np.full((size[1], size[0], 3), 40, np.uint8)
            draw_index(img, i)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        total = round(seconds * SAMPLE_RATE)
        t = np.arange(total) / SAMPLE_RATE
        wave = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
        for start in range(0, total, 1024):
            chunk = wave[start : start + 1024]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = start
            frame.time_base = Fraction(1, SAMPLE_RATE)
            out.mux(audio.encode(frame))
        out.mux(audio.encode())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """First channel of a 16-bit (or float) WAV as float samples, and its sample rate."""
    import wave

    with wave.open(str(path)) as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        data = w.readframes(w.getnframes())
    dtype = {2: np.int16, 4: np.float32}[width]
    samples = np.frombuffer(data, dtype=dtype).reshape(-1, channels)[:, 0].astype(np.float64)
    return samples, rate


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency of the middle half (numpy FFT, Hann window)."""
    seg = samples[len(samples) // 4 : 3 * len(samples) // 4]
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    return float(np.fft.rfftfreq(len(seg), 1 / rate)[int(np.argmax(spectrum))])


def loud_seconds(samples: np.ndarray, rate: int, floor: float = 300.0) -> float:
    """Seconds of sound above ``floor`` (16-bit units, in 10 ms windows): silence not counted."""
    win = rate // 100
    n = len(samples) // win
    if n == 0:
        return 0.0
    rms = np.sqrt((samples[: n * win].reshape(n, win) ** 2).mean(axis=1))
    return float((rms > floor).sum()) / 100
