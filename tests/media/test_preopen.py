"""run.py's video opened on a thread while the GUI libraries import (issue 19 item 1):
the player takes that source over; its index is built once the player has it."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from annotator.media.barcode import read_index, write_barcode_video
from annotator.playback import preopen
from annotator.playback.player_controller import PlayerController

pytestmark = pytest.mark.index_in_background


@pytest.fixture(autouse=True)
def _fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACET_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(preopen, "_pending", None)


def test_deferred_progress_replays_the_latest_report() -> None:
    got: list[int] = []
    deferred = preopen.DeferredProgress()
    deferred(1)
    deferred(2)
    deferred.bind(got.append)
    deferred(3)
    assert got == [2, 3]


def test_the_player_takes_the_source_opened_on_the_thread(qtbot, tmp_path: Path) -> None:
    video = tmp_path / "take.mp4"
    write_barcode_video(video, 50, fps=Fraction(25), size=(160, 120), gop=10)
    preopen.preopen_argv(["-v", str(video)])
    job = preopen._pending
    assert job is not None
    job.thread.join(30)
    assert job.src is not None and read_index(job.src.frame(0)) == 0
    # the index worker waits for the player (it must not compete with the imports)
    assert not job.src.wait_index(0.3) and job.src.frame_count == 1
    c = PlayerController(use_vlc=False, build_proxy=False)
    try:
        assert c.open(video)
        assert c.source is job.src and preopen._pending is None
        qtbot.waitUntil(lambda: c.frame_count == 50, timeout=5000)
        c.go_last()
        assert read_index(c.current_image()) == 49
    finally:
        c.shutdown()


def test_a_file_that_does_not_open_fails_where_the_player_opens_it(qtbot, tmp_path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    preopen.preopen(bad)
    c = PlayerController(use_vlc=False, build_proxy=False)
    errors: list[str] = []
    c.error_occurred.connect(errors.append)
    assert not c.open(bad)
    assert len(errors) == 1 and "notes.mp4" in errors[0] and "\n" not in errors[0]
    c.shutdown()


def test_projects_and_other_videos_are_not_taken(tmp_path: Path) -> None:
    project = tmp_path / "a.facet.json"
    project.write_text("{}")
    preopen.preopen(project)
    assert preopen._pending is None
    video = tmp_path / "take.mp4"
    write_barcode_video(video, 5, fps=Fraction(25), size=(64, 48), gop=5)
    preopen.preopen(video)
    assert preopen.take(tmp_path / "other.mp4") is None
    taken = preopen.take(video)
    assert taken is not None
    taken[0].close()
