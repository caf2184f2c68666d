"""Barcode test videos, written once per session: every frame shows its own index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from samples_dir import SAMPLES  # noqa: E402

from annotator.media.barcode import write_barcode_video

SAMPLE_VIDEOS = SAMPLES / "video"

# Irregular presentation times (seconds): 20, 50, 33, 70 and 10 ms gaps in a repeating mix.
_GAPS = [0.020, 0.050, 0.033, 0.070, 0.010, 0.040]
VFR_TIMES = np.concatenate([[0.0], np.cumsum([_GAPS[i % len(_GAPS)] for i in range(69)])])


@dataclass(frozen=True)
class Clip:
    name: str
    path: Path
    n_frames: int
    kwargs: dict[str, Any]


CLIP_SPECS: dict[str, dict[str, Any]] = {
    "cfr25_gop50": dict(n_frames=120, fps=Fraction(25), gop=50),
    "long_gop250": dict(n_frames=300, fps=Fraction(25), gop=250),
    "vfr": dict(n_frames=70, timestamps_s=VFR_TIMES.tolist(), gop=30),
    "ntsc": dict(n_frames=90, fps=Fraction(30000, 1001), gop=30),
    "start_pts_mkv": dict(n_frames=60, fps=Fraction(25), gop=20, start_pts=1234, ext=".mkv"),
    "start_pts_ts": dict(n_frames=60, fps=Fraction(25), gop=20, start_pts=90, ext=".ts"),
    "bframes": dict(n_frames=90, fps=Fraction(25), gop=30, bframes=3),
    "hevc_bframes": dict(
        n_frames=60, fps=Fraction(25), gop=24, bframes=2, codec="libx265", ext=".mkv"
    ),
    # No usable timestamps: AVI stores decode-order numbers, raw H.264 has none at all.
    "avi_bframes": dict(n_frames=50, fps=Fraction(25), gop=20, bframes=2, ext=".avi"),
    "raw_h264": dict(n_frames=40, fps=Fraction(25), gop=15, ext=".h264"),
    "vp9_webm": dict(n_frames=40, fps=Fraction(25), gop=15, codec="libvpx-vp9", ext=".webm"),
    "mpeg2_ps": dict(
        n_frames=50, fps=Fraction(25), gop=12, bframes=2, codec="mpeg2video", ext=".mpg"
    ),
}


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("barcode-clips")


def _make(clip_dir: Path, name: str) -> Clip:
    spec = dict(CLIP_SPECS[name])
    ext = spec.pop("ext", ".mp4")
    path = clip_dir / f"{name}{ext}"
    if not path.exists():
        write_barcode_video(path, size=(160, 120), **spec)
    return Clip(name, path, spec["n_frames"], spec)


@pytest.fixture(scope="session", params=sorted(CLIP_SPECS))
def clip(request: pytest.FixtureRequest, clip_dir: Path) -> Clip:
    """Each barcode clip kind in turn (CFR, long GOP, VFR, NTSC, start PTS, B-frames)."""
    return _make(clip_dir, request.param)


@pytest.fixture(scope="session")
def make_clip(clip_dir: Path) -> Any:
    return lambda name: _make(clip_dir, name)


@pytest.fixture
def index_cache(tmp_path: Path) -> Path:
    """A private index cache folder so tests see cold and warm opens deterministically."""
    return tmp_path / "index-cache"


def sample_video(name: str) -> Path:
    path = SAMPLE_VIDEOS / name
    if not path.exists():
        pytest.skip(f"sample video {name} not available")
    return path


@pytest.fixture
def opened() -> Iterator[list[Any]]:
    """Collects FrameSources and closes them even when a test fails (stops workers)."""
    sources: list[Any] = []
    yield sources
    for src in sources:
        src.close()
