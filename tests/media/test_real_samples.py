"""Real clips (../shared/samples/video): frame(i) equals a straight sequential decode.

Skipped cleanly when the samples are not present; never copied into the repository.
"""

from __future__ import annotations

import random

import av
import numpy as np
import pytest

from annotator.media import FrameSource, probe
from tests.media.conftest import sample_video


def _sequential(path, size=None) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        out = []
        for f in c.decode(video=0):
            if size is None:
                out.append(f.to_ndarray(format="rgb24"))
            else:
                out.append(f.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray())
        return out


def test_no_face_counts_decodable_frames(index_cache, opened) -> None:
    path = sample_video("pyfeat_no_face.mp4")
    src = FrameSource(path, index_cache_dir=index_cache)
    opened.append(src)
    assert src.frame_count == 95
    assert probe(path)["container_frames"] == 98
    assert src.timestamps[0] == 0.0
    ref = _sequential(path, size=(240, 135))
    assert len(ref) == 95
    for i in [94, 0, 50, 49, 1, 93, 2]:
        np.testing.assert_array_equal(src.frame(i, size=(240, 135)), ref[i], err_msg=str(i))


def test_hamilton_starts_at_nonzero_pts(index_cache, opened) -> None:
    path = sample_video("face_recognition_short_hamilton_clip.mp4")
    src = FrameSource(path, index_cache_dir=index_cache)
    opened.append(src)
    assert src.start_pts > 0 and src.start_s > 0
    assert src.timestamps[0] == 0.0
    ref = _sequential(path, size=(160, 90))
    assert src.frame_count == len(ref)
    rng = random.Random(3)
    order = [rng.randrange(len(ref)) for _ in range(25)] + list(range(120, 100, -1))
    for i in order:
        np.testing.assert_array_equal(src.frame(i, size=(160, 90)), ref[i], err_msg=str(i))


@pytest.mark.parametrize(
    "name", ["pyfeat_face_noface_hevc_vfr.mov", "pyfeat_noface_face_hevc_vfr.mov"]
)
def test_hevc_vfr(name, index_cache, opened) -> None:
    path = sample_video(name)
    src = FrameSource(path, index_cache_dir=index_cache)
    opened.append(src)
    assert src.codec == "hevc" and src.frame_count == 169 and src.vfr
    ref = _sequential(path, size=(192, 108))
    assert len(ref) == 169
    rng = random.Random(5)
    order = [rng.randrange(169) for _ in range(20)] + list(range(168, 150, -1)) + [0, 1, 2]
    for i in order:
        np.testing.assert_array_equal(src.frame(i, size=(192, 108)), ref[i], err_msg=str(i))
    np.testing.assert_array_equal(src.frame(77), _full_frame(path, 77))


def _full_frame(path, index: int) -> np.ndarray:
    with av.open(str(path)) as c:
        for n, f in enumerate(c.decode(video=0)):
            if n == index:
                return f.to_ndarray(format="rgb24")
    raise AssertionError("frame not found")
