"""The barcode survives compression, scaling and cropping, and is absent when absent."""

from __future__ import annotations

import av
import numpy as np
import pytest

from annotator.media.barcode import draw_index, read_index, write_barcode_video


@pytest.mark.parametrize("index", [0, 1, 2, 255, 1000, 40000, 65535])
@pytest.mark.parametrize("shape", [(120, 160), (240, 320), (1080, 1920), (97, 131)])
def test_round_trip_any_size(index: int, shape: tuple[int, int]) -> None:
    img = np.full((*shape, 3), 128, np.uint8)
    draw_index(img, index)
    assert read_index(img) == index


def test_too_large_index_rejected() -> None:
    with pytest.raises(ValueError):
        draw_index(np.zeros((120, 160, 3), np.uint8), 1 << 16)


def test_absent_barcode_reads_none() -> None:
    rng = np.random.default_rng(1)
    assert read_index(np.zeros((120, 160, 3), np.uint8)) is None
    assert read_index(np.full((120, 160, 3), 255, np.uint8)) is None
    for _ in range(50):
        assert read_index(rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)) is None


def test_single_bit_error_detected() -> None:
    """Parity catches one flipped cell: a wrong index is worse than no index."""
    img = np.zeros((120, 160, 3), np.uint8)
    draw_index(img, 12345)
    edges = np.round(np.linspace(0, 160, 21 + 1)).astype(int)
    band = img[:30, edges[7] : edges[8]]
    band[...] = 255 - band
    assert read_index(img) is None


@pytest.mark.parametrize("codec, ext", [("libx264", ".mp4"), ("libx265", ".mkv")])
def test_survives_compression_and_scaling(tmp_path, codec: str, ext: str) -> None:
    path = tmp_path / f"bc{ext}"
    write_barcode_video(path, 30, size=(160, 120), gop=10, codec=codec, bframes=2)
    with av.open(str(path)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 30
    for i, f in enumerate(frames):
        assert read_index(f.to_ndarray(format="rgb24")) == i
        small = f.reformat(width=64, height=48, format="rgb24").to_ndarray()
        assert read_index(small) == i


def test_screenshot_crop_with_border_pixels() -> None:
    """A screenshot of the picture is the picture give or take a pixel of edge."""
    img = np.full((240, 320, 3), 90, np.uint8)
    draw_index(img, 777)
    assert read_index(img[1:-1, 2:-1]) == 777
    big = np.repeat(np.repeat(img, 3, axis=0), 3, axis=1)  # 3x zoomed display
    assert read_index(big) == 777
