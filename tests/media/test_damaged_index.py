"""A video that cannot be read to its end: what was indexed stays usable, and the user is
told where it stopped (issue 19, bad input)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.media import FrameSource
from annotator.media.barcode import read_index
from annotator.playback.player_controller import PlayerController
from tests.media.conftest import CLIP_SPECS


@pytest.fixture(params=["cut", "garbage"])
def damaged(request, make_clip, tmp_path: Path) -> Path:
    data = make_clip("start_pts_mkv").path.read_bytes()  # 60 frames, Matroska
    half = len(data) // 2
    path = tmp_path / f"{request.param}.mkv"
    if request.param == "cut":
        path.write_bytes(data[:half])
    else:
        path.write_bytes(data[:half] + b"\xff" * (len(data) - half))
    return path


def test_frames_before_the_damage_stay_usable_and_the_stop_is_named(damaged: Path) -> None:
    with FrameSource(damaged, index_cache_dir=False, prefetch=False) as src:
        n = src.frame_count
        assert 0 < n < 60
        assert src.index_note.startswith(f"{damaged.name}: indexed {n} frames")
        assert f"cannot be read past frame {n - 1}" in src.index_note
        for i in (0, n // 2, n - 1):
            assert read_index(src.frame(i)) == i


def test_the_player_says_where_the_index_stopped(qtbot, damaged: Path) -> None:
    ctl = PlayerController(
        use_vlc=False,
        build_proxy=False,
        source_factory=lambda p: FrameSource(p, index_cache_dir=False),
    )
    messages: list[str] = []
    ctl.error_occurred.connect(messages.append)
    assert ctl.open(damaged)
    assert len(messages) == 1 and "cannot be read past frame" in messages[0]
    ctl.go_last()
    assert read_index(ctl.current_image()) == ctl.frame_count - 1
    ctl.shutdown()


@pytest.mark.parametrize("name", sorted(CLIP_SPECS))
def test_whole_files_carry_no_note(make_clip, name: str) -> None:
    with FrameSource(make_clip(name).path, index_cache_dir=False, prefetch=False) as src:
        assert src.index_note == ""
