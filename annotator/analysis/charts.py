"""Static chart images (RGB uint8 arrays, PNG bytes) for reports, drawn with OpenCV.

Reports are written headless (CLI, batch workers) where no Qt may run, and matplotlib is
not a dependency; these charts are plain enough for cv2 primitives.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import cv2
import numpy as np

from annotator.model.timebase import MICRO_MAX_S

BG = (255, 255, 255)
FG = (40, 40, 40)
BAR = (58, 142, 230)
ACCENT = (230, 85, 58)
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _canvas(w: int, h: int) -> np.ndarray:
    img = np.empty((h, w, 3), np.uint8)
    img[:] = BG
    return img


def _text(
    img: np.ndarray, s: str, x: int, y: int, scale: float = 0.4, colour: tuple[int, int, int] = FG
) -> None:
    cv2.putText(img, s, (x, y), _FONT, scale, colour, 1, cv2.LINE_AA)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    title: str = "",
    size: tuple[int, int] = (640, 320),
) -> np.ndarray:
    w, h = size
    img = _canvas(w, h)
    _text(img, title, 10, 18, 0.5)
    left, bottom, top = 40, h - 30, 30
    n = max(1, len(values))
    vmax = max(values, default=0) or 1
    bw = (w - left - 10) / n
    for k, (lab, v) in enumerate(zip(labels, values, strict=True)):
        x0 = int(left + k * bw + 2)
        y0 = int(bottom - (bottom - top) * v / vmax)
        cv2.rectangle(img, (x0, y0), (int(x0 + bw - 4), bottom), BAR, -1)
        _text(img, str(lab), x0, bottom + 14, 0.35)
    cv2.line(img, (left, bottom), (w - 10, bottom), FG, 1)
    _text(img, f"{vmax:g}", 4, top + 4, 0.35)
    return img


def duration_histogram_chart(
    edges: np.ndarray, counts: np.ndarray, size: tuple[int, int] = (640, 320)
) -> np.ndarray:
    """Histogram of event durations with the 0.5 s micro-expression limit as a red line."""
    w, h = size
    img = bar_chart(
        [f"{e:.1f}" if k % 5 == 0 else "" for k, e in enumerate(edges[:-1])],
        counts.tolist(),
        "event durations (s)",
        size,
    )
    left, span = 40, (w - 50) / max(edges[-1], 1e-9)
    x = int(left + MICRO_MAX_S * span)
    cv2.line(img, (x, 26), (x, h - 30), ACCENT, 2)
    _text(img, "micro 0.5 s", x + 4, 40, 0.4, ACCENT)
    return img


def heatmap(
    labels: Sequence[str], matrix: np.ndarray, title: str = "", cell: int = 28
) -> np.ndarray:
    n = len(labels)
    pad = 40
    img = _canvas(pad + n * cell + 10, pad + n * cell + 10)
    _text(img, title, 4, 14, 0.45)
    vmax = float(matrix.max()) if matrix.size else 1.0
    for i in range(n):
        _text(img, str(labels[i]), 4, pad + i * cell + cell // 2 + 4, 0.35)
        _text(img, str(labels[i]), pad + i * cell + 4, pad - 6, 0.35)
        for j in range(n):
            v = float(matrix[i, j]) / vmax if vmax else 0.0
            colour = tuple(int(255 - v * (255 - c)) for c in BAR)
            x0, y0 = pad + j * cell, pad + i * cell
            cv2.rectangle(img, (x0, y0), (x0 + cell - 1, y0 + cell - 1), colour, -1)
    return img


def timeline_chart(
    rows: dict[str, list[tuple[int, int, str]]], n_frames: int, size: tuple[int, int] = (640, 160)
) -> np.ndarray:
    """One row per face, each emotion event a labelled coloured span."""
    w, _ = size
    h = 30 + 30 * max(1, len(rows))
    img = _canvas(w, h)
    left = 40
    span = (w - left - 10) / max(n_frames, 1)
    palette: dict[str, tuple[int, int, int]] = {}
    for r, (face, segs) in enumerate(rows.items()):
        y = 20 + 30 * r
        _text(img, face, 4, y + 16)
        for on, off, label in segs:
            if label not in palette:
                r, g, b = (
                    int(c)
                    for c in np.random.default_rng(zlib.crc32(label.encode())).integers(60, 220, 3)
                )
                palette[label] = (r, g, b)
            colour = palette[label]
            x0, x1 = int(left + on * span), int(left + (off + 1) * span)
            cv2.rectangle(img, (x0, y), (max(x1, x0 + 1), y + 22), colour, -1)
            _text(img, label[:10], x0 + 2, y + 15, 0.35)
    return img


def png_bytes(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()
