"""Frame-index barcodes: every test frame carries its own index in its pixels.

Frame accuracy cannot be checked by trusting the decoder's own idea of which frame it
returned; the only honest witness is the picture itself. So test videos paint their index
as a row of big black/white cells across the top band of the frame. The layout is defined
in fractions of the picture, never pixels, so the code survives lossy H.264/HEVC at
160x120, scaled display decodes and a screenshot crop of the picture.

Layout (left to right, top band = rows ``[0, 0.25 * H)``)::

    [white][black] b15 ... b0 [parity] [black][white]

``parity`` makes the count of set data bits plus parity even; together with the fixed
start/end markers and a "every cell clearly bright or dark" check it lets ``read_index``
return ``None`` for frames without a barcode instead of a random number.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

BAND_FRACTION = 0.25  # top quarter of the frame holds the code
_WHITE = 255
_BLACK = 0
# A sampled cell counts as white/black only when clearly so; grey means "no barcode".
_HI = 160.0
_LO = 95.0


def _n_cells(bits: int) -> int:
    return bits + 5  # 2 start markers, data bits, parity, 2 end markers


def _cell_values(index: int, bits: int) -> list[int]:
    if index < 0 or index >= (1 << bits):
        raise ValueError(f"index {index} does not fit in {bits} bits")
    data = [(index >> (bits - 1 - k)) & 1 for k in range(bits)]
    parity = sum(data) & 1
    return [1, 0, *data, parity, 0, 1]  # 1 = white


def _edges(n: int, cells: int) -> np.ndarray:
    return np.round(np.linspace(0, n, cells + 1)).astype(int)


def draw_index(img: np.ndarray, index: int, *, bits: int = 16) -> None:
    """Paint ``index`` as a barcode into the top band of an RGB uint8 image, in place."""
    if img.ndim != 3 or img.shape[2] < 3:
        raise ValueError("draw_index needs an (H, W, 3) image")
    h, w = img.shape[:2]
    band_h = max(1, round(h * BAND_FRACTION))
    values = _cell_values(index, bits)
    xs = _edges(w, len(values))
    for k, v in enumerate(values):
        img[:band_h, xs[k] : xs[k + 1], :3] = _WHITE if v else _BLACK


def read_index(img: np.ndarray, *, bits: int = 16) -> int | None:
    """Read the index painted by :func:`draw_index`, or ``None`` when there is none.

    Samples the middle half of each cell (away from compression ringing at the cell
    edges), by relative position, so any scale of the same picture reads the same.
    """
    h, w = img.shape[:2]
    cells = _n_cells(bits)
    if w < cells * 2 or h < 8:
        return None
    band_h = h * BAND_FRACTION
    y0, y1 = int(band_h * 0.25), max(int(band_h * 0.75), int(band_h * 0.25) + 1)
    band = img[y0:y1] if img.ndim == 2 else img[y0:y1, :, :3]
    cell_w = w / cells
    levels: list[int] = []
    for k in range(cells):
        x0 = round((k + 0.25) * cell_w)
        x1 = max(round((k + 0.75) * cell_w), x0 + 1)
        m = float(band[:, x0:x1].mean())  # only the sampled patches: cheap at 4K
        if m >= _HI:
            levels.append(1)
        elif m <= _LO:
            levels.append(0)
        else:
            return None
    if levels[:2] != [1, 0] or levels[-2:] != [0, 1]:
        return None
    data = levels[2 : 2 + bits]
    if (sum(data) & 1) != levels[2 + bits]:
        return None
    value = 0
    for b in data:
        value = (value << 1) | b
    return value


def _background(h: int, w: int, i: int) -> np.ndarray:
    """A moving, textured picture below the band so encoders do realistic work."""
    yy = np.arange(h, dtype=np.int32)[:, None]
    xx = np.arange(w, dtype=np.int32)[None, :]
    r = (xx * 3 + i * 5) % 256
    g = (yy * 2 + i * 3) % 256
    b = ((xx + yy) // 4 + i * 7) % 256
    return np.stack(np.broadcast_arrays(r, g, b), axis=2).astype(np.uint8)


def write_barcode_video(
    path: str | Path,
    n_frames: int,
    *,
    fps: Fraction | int = Fraction(25),
    size: tuple[int, int] = (320, 240),
    gop: int = 50,
    codec: str = "libx264",
    timestamps_s: Sequence[float] | None = None,
    start_pts: int = 0,
    bframes: int = 0,
    time_base: Fraction | None = None,
) -> None:
    """Write a test video whose frame ``i`` (presentation order) shows barcode ``i``.

    ``timestamps_s`` gives irregular (VFR) presentation times in seconds from the first
    frame; ``start_pts`` shifts every PTS (in ``time_base`` units) so the stream does not
    start at 0. The container follows the file suffix (.mp4, .mkv, .mov, .ts).
    """
    from annotator.media.encode import VideoWriter, x264_params  # PyAV only here

    fps = Fraction(fps)
    w, h = size
    if time_base is None:
        time_base = Fraction(1, 1000) if timestamps_s is not None else 1 / fps
    if timestamps_s is not None and len(timestamps_s) != n_frames:
        raise ValueError("timestamps_s must give one time per frame")
    opts: dict[str, str] = {}
    if codec == "libx264":
        opts = {"preset": "ultrafast", "crf": "18", "x264-params": x264_params(gop, bframes)}
    elif codec == "libx265":
        opts = {
            "preset": "ultrafast",
            "crf": "18",
            "x265-params": x264_params(gop, bframes) + ":log-level=error",
        }
    with VideoWriter(
        path,
        size=(w, h),
        fps=fps,
        codec=codec,
        options=opts,
        time_base=time_base,
        gop=gop,
        bframes=bframes,
    ) as writer:
        for i in range(n_frames):
            img = _background(h, w, i)
            draw_index(img, i)
            if timestamps_s is not None:
                t = Fraction(timestamps_s[i]).limit_denominator(1_000_000)
                pts = start_pts + round(t / time_base)
            else:
                pts = start_pts + round(Fraction(i) / fps / time_base)
            writer.write(img, pts)
    log.debug("wrote barcode video %s (%d frames)", path, n_frames)
