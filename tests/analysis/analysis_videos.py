"""Small generated videos with known content for the analysis tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.media.barcode import draw_index


def scene(shot: int, i: int, size: tuple[int, int]) -> np.ndarray:
    """Shot ``shot`` at frame ``i``: its own palette and texture, moving every frame (pans
    and a per-frame barcode are what a cut detector must not mistake for cuts)."""
    w, h = size
    rng = np.random.default_rng(shot)
    yy = np.arange(h)[:, None]
    xx = np.arange(w)[None, :]
    fx, fy, speed = rng.integers(1, 5), rng.integers(1, 5), int(rng.integers(2, 6))
    base = rng.integers(0, 256, 3)
    img = np.empty((h, w, 3), np.uint8)
    for c in range(3):
        img[..., c] = (
            (base[c] + 40 * np.sin((xx * fx + yy * fy + i * speed) / 9.0 + c))
            .clip(0, 255)
            .astype(np.uint8)
        )
    r = 10 + 4 * shot
    cx, cy = (i * speed * 2) % w, h // 2
    img[max(0, cy - r) : cy + r, max(0, cx - r) : cx + r] = 255 - base.astype(np.uint8)
    draw_index(img, i)
    return img


def write_shots_video(
    path: Path, cuts: list[int], n: int, *, size: tuple[int, int] = (160, 96), fps: int = 25
) -> None:
    """Hard cuts at the frames in ``cuts`` (each the first frame of a new shot)."""
    from annotator.media.encode import VideoWriter

    with VideoWriter(
        path, size=size, fps=fps, options={"preset": "ultrafast", "crf": "20"}
    ) as writer:
        for i in range(n):
            shot = sum(1 for c in cuts if c <= i)
            writer.write(scene(shot, i, size))
