"""The fast seek path decodes the same pixels as a plain sequential decode (issue 17.1).

The seek path uses FFmpeg frame threads, skips non-reference frames before the kept tail
(``skip_frame=NONREF``), continues parked decoders across jumps and keeps raw pictures
behind the target. None of that may change a single pixel: here the decoded planes of the
kept raw pictures and the RGB of every target are hashed and compared against a
single-threaded decode of every frame with nothing skipped, on the real sample clips, the
barcode clips and (slow) the bench files of ``bench/media_files.py`` when present.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from annotator.media import FrameSource
from tests.media.conftest import sample_video

BENCH = Path(tempfile.gettempdir()) / "facet-bench"  # bench/media_files.py FOLDER


def _planes_md5(frame: Any) -> str:
    """Hash of the visible samples of every plane (line padding excluded)."""
    h = hashlib.md5()
    wide = any(tag in frame.format.name for tag in ("10", "12", "16"))
    for plane in frame.planes:
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
        h.update(np.ascontiguousarray(rows[:, : plane.width * (2 if wide else 1)]).data)
    return h.hexdigest()


def _md5(arr: np.ndarray) -> str:
    return hashlib.md5(np.ascontiguousarray(arr).data).hexdigest()


def _sequential(path: Path, pts: np.ndarray, lo: int = 0, hi: int | None = None) -> dict:
    """Plane and RGB hashes of frames ``lo..hi-1``: one thread, no skipping, decoded in
    order from the keyframe at or before ``lo`` (the start of the file when ``lo`` is 0)."""
    hi = len(pts) if hi is None else hi
    want = {int(pts[i]): i for i in range(lo, hi)}
    out: dict[int, tuple[str, str]] = {}
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_count = 1
        if lo:
            c.seek(int(pts[lo]), backward=True, any_frame=False, stream=s)
        for f in c.decode(s):
            i = want.get(f.pts if f.pts is not None else f.dts)
            if i is not None:
                out[i] = (_planes_md5(f), _md5(f.to_ndarray(format="rgb24")))
            if len(out) == len(want):
                break
    assert len(out) == len(want), f"{path.name}: sequential decode gave {len(out)} frames"
    return out


def _check_seek_path(src: FrameSource, ref: dict, order: list[int]) -> int:
    """Request each frame through the seek path; compare the target's RGB and the planes
    of every raw picture it kept. Returns how many raw pictures were compared."""
    raw_checked: set[int] = set()
    for i in order:
        arr = src.frame(i)
        assert _md5(arr) == ref[i][1], f"{src.path.name}: frame {i} RGB differs"
        for j in range(max(i - 30, 0), i):
            raw = src.cache.get(("raw", j))
            if raw is not None and j in ref and j not in raw_checked:
                assert _planes_md5(raw.frame) == ref[j][0], f"{src.path.name}: planes of {j}"
                raw_checked.add(j)
    return len(raw_checked)


@pytest.mark.parametrize(
    "name",
    [
        "facenet_pytorch_crowd_1080p25.mp4",
        "pyfeat_WolfgangLanger_Pexels.mp4",
        "pyfeat_face_noface_hevc_vfr.mov",
        "face_recognition_short_hamilton_clip.mp4",
    ],
)
def test_real_clip_seek_path_equals_sequential_decode(name, index_cache, opened) -> None:
    path = sample_video(name)
    src = FrameSource(path, prefetch=False, index_cache_dir=index_cache)
    opened.append(src)
    ref = _sequential(path, src.pts)
    n = src.frame_count
    rng = random.Random(11)
    order = [rng.randrange(n) for _ in range(12)] + [n - 1, n - 2, 0, n // 2, n // 2 - 1]
    assert _check_seek_path(src, ref, order) > 0


@pytest.mark.parametrize("name", ["bframes", "long_gop250", "hevc_bframes"])
def test_barcode_clip_seek_path_equals_sequential_decode(make_clip, name, opened) -> None:
    clip = make_clip(name)
    src = FrameSource(clip.path, prefetch=False, index_cache_dir=False)
    opened.append(src)
    ref = _sequential(clip.path, src.pts)
    n = src.frame_count
    rng = random.Random(5)
    assert _check_seek_path(src, ref, [rng.randrange(n) for _ in range(15)] + [n - 1, 1]) > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "gops"),
    [("clip_1080p_gop250_b3_300.mp4", [0, 1]), ("long_1080p_30min_gop250.mp4", [80, 164])],
)
def test_bench_file_seek_path_equals_sequential_decode(name, gops, opened) -> None:
    """The bench's 1080p GOP-250 files: two whole GOPs, targets spread over each."""
    path = BENCH / name
    if not path.exists():
        pytest.skip(f"{path} not generated (python bench/media_files.py)")
    src = FrameSource(path, prefetch=False, index_cache_dir=False)
    opened.append(src)
    rng = random.Random(9)
    for g in gops:
        lo = src.keyframe_before(g * 250)
        hi = min(src.keyframe_before(lo + 260), src.frame_count)
        hi = src.frame_count if hi <= lo else hi
        ref = _sequential(path, src.pts, lo, hi)
        order = rng.sample(range(lo, hi), 6) + [hi - 1, lo + 30]
        assert _check_seek_path(src, ref, order) > 0
