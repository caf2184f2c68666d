"""The controller on every barcode clip kind and on the real samples (real FrameSource).

Every action sequence must leave ``current_image()`` showing the barcode of
``current_frame``: CFR, long GOP, VFR, 29.97, first PTS not 0, B-frames, HEVC.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from annotator.media import FrameSource
from annotator.media.barcode import read_index
from annotator.playback.player_controller import PlayerController
from tests.media.conftest import sample_video


def _shown(c: PlayerController, size: tuple[int, int] | None = None) -> int | None:
    img = c.current_image(size=size)
    assert img is not None
    return read_index(img)


def test_actions_on_every_clip_kind(qtbot, clip) -> None:
    c = PlayerController(use_vlc=False)
    assert c.open(clip.path)
    n = c.frame_count
    assert n == clip.n_frames
    rng = random.Random(clip.name)
    actions = [
        ("go_last", lambda: c.go_last()),
        ("left", lambda: c.step(-1)),
        ("ctrl+left", lambda: c.step(-10)),
        ("shift+left", lambda: c.step_seconds(-1.0)),
        ("home", lambda: c.go_first()),
        *[("right", lambda: c.step(1))] * 7,
        ("shift+right", lambda: c.step_seconds(1.0)),
        *[("seek", lambda: c.seek(rng.randrange(n)))] * 6,
        ("back", lambda: c.step(-3)),
    ]
    for name, act in actions:
        act()
        assert _shown(c) == c.current_frame, (clip.name, name, c.current_frame)
        assert _shown(c, (80, 60)) == c.current_frame, (clip.name, name, "scaled")
    c.seek(n // 2)
    c.play()
    qtbot.waitUntil(lambda: c.current_frame >= n // 2 + 3, timeout=5000)
    c.pause()
    assert _shown(c) == c.current_frame
    c.set_rate(-1.0)
    c.play()
    qtbot.waitUntil(lambda: c.current_frame <= n // 2, timeout=5000)
    c.pause()
    assert _shown(c) == c.current_frame
    c.shutdown()


@pytest.mark.parametrize(
    "name",
    [
        "pyfeat_no_face.mp4",
        "face_recognition_short_hamilton_clip.mp4",
        "pyfeat_face_noface_hevc_vfr.mov",
    ],
)
def test_real_samples_show_the_exact_frame(qtbot, name: str) -> None:
    """The picture after each key equals an independent decoder's frame of that index."""
    path = sample_video(name)
    c = PlayerController(use_vlc=False)
    assert c.open(path)
    with FrameSource(path, prefetch=False) as ref:
        for act in (
            c.go_last,
            lambda: c.step(-1),
            lambda: c.step_seconds(-1.0),
            c.go_first,
            lambda: c.step(5),
            lambda: c.step_seconds(1.0),
        ):
            act()
            img = c.current_image(size=(160, 90))
            np.testing.assert_array_equal(img, ref.frame(c.current_frame, size=(160, 90)))
    c.shutdown()


def test_frame_source_cache_keys_are_what_playback_looks_for(make_clip) -> None:
    """Playback skips to decoded frames by probing ``FrameSource.cache`` with these keys;
    if the cache's keys change, playback would stall 250 ms per frame: fail here instead."""
    from annotator.playback.timed_playback import latest_decoded

    clip = make_clip("cfr25_gop50")
    with FrameSource(clip.path, prefetch=False) as src:
        src.frame(7)
        src.frame(9, size=(80, 60))
        full = (src.width, src.height)
        assert latest_decoded(src.cache, None, full, 3, 8) == 7
        assert latest_decoded(src.cache, full, full, 3, 8) == 7
        assert latest_decoded(src.cache, (80, 60), full, 3, 10) == 9
