"""PlayerController: every action sequence ends on the right frame, and the image is that frame.

Frame-source playback only (offscreen, no VLC): the timer path is what reverse, slow motion,
CI and machines without libvlc use. No sleeps: wait on signals or conditions.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from annotator.media.barcode import read_index
from annotator.playback.player_controller import RATES, PlayerController
from tests.media.player_fakes import FakeSource


@pytest.fixture
def src() -> FakeSource:
    return FakeSource(100, Fraction(25))


@pytest.fixture
def ctl(qtbot, src: FakeSource) -> PlayerController:
    c = PlayerController(source_factory=lambda path: src, use_vlc=False)
    assert c.open("fake.mp4")
    yield c
    c.shutdown()


def shown(c: PlayerController) -> int | None:
    img = c.current_image()
    assert img is not None
    return read_index(img)


def test_open_emits_media_and_frame_zero(qtbot, src: FakeSource) -> None:
    c = PlayerController(source_factory=lambda path: src, use_vlc=False)
    seen: list[int] = []
    c.frame_changed.connect(seen.append)
    with qtbot.waitSignal(c.media_opened):
        c.open("x.mp4")
    assert seen == [0]
    assert c.current_frame == 0 and shown(c) == 0


def test_open_failure_keeps_previous_media(qtbot, ctl: PlayerController, src: FakeSource) -> None:
    def boom(path: str) -> FakeSource:
        raise OSError(f"{path}: not a video")

    ctl.seek(5)
    ctl._source_factory = boom
    with qtbot.waitSignal(ctl.error_occurred) as blocker:
        assert not ctl.open("bad.txt")
    assert blocker.args == ["bad.txt: not a video"]
    assert ctl.source is src and ctl.current_frame == 5 and not src.closed


def test_done_when_key_sequence(ctl: PlayerController) -> None:
    """The issue's sequence: Home, Right x7, Left x3, Shift+Right, End, Left."""
    expected = []
    ctl.go_first()
    expected.append((ctl.current_frame, 0))
    for _ in range(7):
        ctl.step(1)
    expected.append((ctl.current_frame, 7))
    for _ in range(3):
        ctl.step(-1)
    expected.append((ctl.current_frame, 4))
    ctl.step_seconds(1)
    expected.append((ctl.current_frame, 29))
    ctl.go_last()
    expected.append((ctl.current_frame, 99))
    ctl.step(-1)
    expected.append((ctl.current_frame, 98))
    assert [a for a, _ in expected] == [b for _, b in expected]
    assert shown(ctl) == 98


def test_step_and_seek_clamp(ctl: PlayerController) -> None:
    assert ctl.step(-5) == 0
    assert ctl.seek(1000) == 99
    assert ctl.step(1) == 99
    assert ctl.step(-10) == 89 and shown(ctl) == 89


def test_step_seconds_uses_timestamps_on_vfr(qtbot) -> None:
    ts = np.array([0.0, 0.04, 0.5, 0.52, 1.0, 1.6, 2.0, 2.04])
    s = FakeSource(len(ts), Fraction(25), ts)
    c = PlayerController(source_factory=lambda p: s, use_vlc=False)
    c.open("vfr")
    assert c.step_seconds(1) == 4  # 0.0 + 1 s -> frame at 1.0
    assert c.step_seconds(1) == 6  # 1.0 + 1 -> 2.0
    assert c.step_seconds(-1) == 4
    c.seek(2)
    assert c.step_seconds(0.01) == 3  # never stuck: at least one frame
    c.shutdown()


def test_go_to_frame_timecode_seconds(ctl: PlayerController) -> None:
    assert ctl.go_to("42") == 42
    assert ctl.go_to("00:00:02:05") == 55
    assert ctl.go_to("1.5s") == 37
    assert ctl.go_to("99999") == 99
    with pytest.raises(ValueError):
        ctl.go_to("nonsense")
    assert ctl.current_frame == 99


def test_play_reaches_end_and_pauses(qtbot, src: FakeSource) -> None:
    s = FakeSource(20, Fraction(100))  # 0.2 s clip
    c = PlayerController(source_factory=lambda p: s, use_vlc=False)
    c.open("x")
    seen: list[int] = []
    c.frame_changed.connect(seen.append)
    with qtbot.waitSignal(c.playing_changed, timeout=3000, check_params_cb=lambda p: not p):
        c.play()
    assert c.current_frame == 19 and shown(c) == 19
    assert seen == sorted(seen) and seen[-1] == 19
    c.shutdown()


def test_play_pause_settles_on_a_frame_and_image_matches(qtbot, ctl: PlayerController) -> None:
    ctl.play()
    assert ctl.is_playing
    qtbot.waitUntil(lambda: ctl.current_frame >= 3, timeout=3000)
    ctl.toggle_play()
    assert not ctl.is_playing
    f = ctl.current_frame
    assert 3 <= f < 99 and shown(ctl) == f
    ctl.step(1)
    assert ctl.current_frame == f + 1 and shown(ctl) == f + 1


def test_play_from_end_restarts(qtbot, ctl: PlayerController) -> None:
    ctl.go_last()
    ctl.play()
    assert ctl.current_frame == 0
    ctl.pause()


def test_reverse_playback(qtbot, ctl: PlayerController) -> None:
    ctl.seek(10)
    seen: list[int] = []
    ctl.frame_changed.connect(seen.append)
    with qtbot.waitSignal(ctl.rate_changed):
        ctl.shuttle_reverse()
    assert ctl.rate == -1.0 and ctl.is_playing
    with qtbot.waitSignal(ctl.playing_changed, timeout=3000):
        pass  # runs out at frame 0 and pauses
    assert ctl.current_frame == 0 and shown(ctl) == 0
    assert seen == sorted(seen, reverse=True)


def test_slow_motion_is_slower(qtbot, ctl: PlayerController) -> None:
    ctl.set_rate(1 / 8)
    assert ctl.rate == 0.125
    ctl.play()
    # At 1/8x each 25 fps frame lasts 320 ms: wait for two frames, not more than two.
    qtbot.waitUntil(lambda: ctl.current_frame >= 2, timeout=3000)
    elapsed_frames = ctl.current_frame
    ctl.pause()
    assert elapsed_frames <= 3 and shown(ctl) == ctl.current_frame


def test_rates_and_shuttle(ctl: PlayerController) -> None:
    ctl.shuttle_forward()
    assert ctl.rate == 1.0 and ctl.is_playing
    ctl.shuttle_forward()
    ctl.shuttle_forward()
    ctl.shuttle_forward()
    assert ctl.rate == 4.0
    ctl.shuttle_reverse()
    assert ctl.rate == -1.0
    ctl.shuttle_reverse()
    assert ctl.rate == -2.0
    ctl.shuttle_stop()
    assert not ctl.is_playing and ctl.rate == 1.0
    for _ in range(10):
        ctl.slower()
    assert ctl.rate == RATES[0] == 1 / 32
    ctl.set_rate(0.3)
    assert ctl.rate == 0.25


def test_loop_a_b_wraps(qtbot, ctl: PlayerController) -> None:
    ctl.seek(10)
    ctl.set_loop_b()
    ctl.seek(5)
    with qtbot.waitSignal(ctl.loop_changed) as blocker:
        ctl.set_loop_a()
    assert blocker.args == [5, 10]
    ctl.set_rate(4.0)
    seen: list[int] = []
    ctl.frame_changed.connect(seen.append)
    ctl.play()
    qtbot.waitUntil(lambda: seen.count(5) >= 2, timeout=3000)  # came back to A
    ctl.pause()
    assert max(seen) <= 10 and min(seen) >= 5
    ctl.clear_loop()
    assert ctl.loop == (None, None)


def test_close_releases_source(qtbot, ctl: PlayerController, src: FakeSource) -> None:
    with qtbot.waitSignal(ctl.media_closed):
        ctl.close()
    assert src.closed and ctl.current_image() is None and ctl.step(1) == 0


def test_real_frame_source_on_barcode_video(qtbot, tmp_path) -> None:
    from annotator.media.barcode import write_barcode_video

    path = tmp_path / "bc.mp4"
    write_barcode_video(path, 60, fps=Fraction(25), size=(160, 120), gop=25)
    c = PlayerController(use_vlc=False)
    assert c.open(path)
    for action, want in [
        (lambda: c.go_last(), 59),
        (lambda: c.step(-1), 58),
        (lambda: c.step(-10), 48),
        (lambda: c.step_seconds(-1), 23),
        (lambda: c.seek(30), 30),
        (lambda: c.go_first(), 0),
    ]:
        action()
        assert c.current_frame == want and shown(c) == want
    c.play()
    qtbot.waitUntil(lambda: c.current_frame >= 5, timeout=5000)
    c.pause()
    assert shown(c) == c.current_frame
    c.shutdown()


class FakeEngine:
    """Stands in for VlcEngine: a clock that trails the picture, as measured with real VLC."""

    def __init__(self) -> None:
        self.t = 0.0
        self.st = "idle"
        self.calls: list[str] = []
        self.polls = 0

    def open(self, path: object) -> None:
        self.calls.append("open")

    def set_window(self, win_id: int) -> None:
        pass

    def play_from(self, seconds: float, rate: float = 1.0) -> None:
        self.t = seconds
        self.st = "playing"
        self.calls.append(f"play_from {seconds:.2f}")

    def pause(self) -> None:
        self.st = "paused"
        self.calls.append("pause")

    def stop(self) -> None:
        self.st = "stopped"

    def release(self) -> None:
        pass

    def poll(self) -> None:
        self.polls += 1

    def time_s(self) -> float:
        if self.st == "playing":
            self.t += 0.01  # VLC's clock moves while it plays
        return self.t

    @property
    def state(self) -> str:
        return self.st


def test_vlc_pause_settles_on_the_frame_vlc_shows(qtbot, src: FakeSource) -> None:
    """VLC's clock says frame 40 but its window shows 46: the controller must settle on 46."""
    from annotator.playback.vlc_engine import match_shown_frame

    c = PlayerController(source_factory=lambda p: src, use_vlc=True)
    engine = FakeEngine()
    c._engine = engine
    c.open("x")

    vlc_picture = [46]

    def grab() -> np.ndarray:
        # VLC letterboxes the 160x120 picture (scaled 1.25x) into a wide 400x150 window.
        win = np.zeros((150, 400, 3), np.uint8)
        big = np.repeat(np.repeat(src.frame(vlc_picture[0]), 5, 0), 5, 1)[::4, ::4]
        win[:, 100:300] = big[:150, :200]
        return win

    assert c.attach_video_surface(1234, grab)
    surfaces: list[bool] = []
    c.video_surface_changed.connect(surfaces.append)
    c.seek(10)
    with qtbot.waitSignal(c.video_surface_changed, timeout=2000):
        c.play()  # shown once VLC's clock reached the start
    assert c.using_vlc and surfaces == [True] and engine.calls[-1] == "play_from 0.40"
    engine.t = 40 / 25
    with qtbot.waitSignal(c.video_surface_changed, timeout=2000):
        c.pause()
    assert surfaces == [True, False]
    assert c.current_frame == 46 and shown(c) == 46
    assert match_shown_frame(grab(), [(1, src.frame(1)), (46, src.frame(46))], (160, 120))[0] == 46
    # A key during the settle delay acts on the settled frame, not on VLC's clock.
    with qtbot.waitSignal(c.video_surface_changed, timeout=2000):
        c.play()
    engine.t = 60 / 25
    vlc_picture[0] = 63
    c.pause()
    c.step(1)  # before the settle timer fires
    assert c.current_frame == 64
    assert shown(c) == 64
    c.shutdown()


def test_vlc_grab_of_nothing_falls_back_to_clock(qtbot, src: FakeSource) -> None:
    c = PlayerController(source_factory=lambda p: src, use_vlc=True)
    c._engine = FakeEngine()
    c.open("x")
    c.attach_video_surface(1, lambda: np.zeros((120, 160, 3), np.uint8))
    with qtbot.waitSignal(c.video_surface_changed, timeout=2000):
        c.play()
    c._engine.t = 30 / 25
    with qtbot.waitSignal(c.video_surface_changed, timeout=2000):
        c.pause()
    assert c.current_frame == 30 and shown(c) == 30
    c.shutdown()


def test_vlc_surface_waits_for_the_start_and_a_quick_pause_keeps_the_exact_frame(
    qtbot, src: FakeSource
) -> None:
    """VLC not yet at the requested time: the exact frame stays; pausing then needs no grab."""
    c = PlayerController(source_factory=lambda p: src, use_vlc=True)
    engine = FakeEngine()
    c._engine = engine
    c.open("x")
    grabs: list[int] = []
    c.attach_video_surface(1, lambda: grabs.append(1))  # type: ignore[arg-type,return-value]
    surfaces: list[bool] = []
    c.video_surface_changed.connect(surfaces.append)
    c.seek(50)
    engine.play_from = lambda seconds, rate=1.0: setattr(engine, "st", "playing")  # clock at 0
    c.play()
    qtbot.waitUntil(lambda: engine.polls >= 3)  # ticks with VLC's clock far from 2.0 s
    assert surfaces == [] and c.current_frame == 50
    c.pause()
    assert c.current_frame == 50 and grabs == [] and shown(c) == 50
    c.shutdown()


class CachedFake(FakeSource):
    """A source whose cache holds only what the test says: playback may show only those."""

    def __init__(self) -> None:
        super().__init__(100, Fraction(25))
        self.cache: set[tuple[object, int]] = set()


def test_playback_moves_only_to_decoded_frames_then_stops_waiting(qtbot) -> None:
    s = CachedFake()
    c = PlayerController(source_factory=lambda p: s, use_vlc=False)
    c.open("x")
    c.seek(90)
    s.cache.update({(None, 84), (None, 80)})
    seen: list[int] = []
    c.frame_changed.connect(seen.append)
    c.set_rate(-4.0)
    c.play()
    qtbot.waitUntil(lambda: 84 in seen, timeout=3000)
    assert seen[0] == 84  # 89..85 were never decoded: not shown, never named
    # Nothing more is decoded: after the stall limit the controller decodes itself.
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=3000)
    assert seen[1] < 84
    c.shutdown()


def test_missing_libvlc_falls_back_to_frame_source(qtbot, src: FakeSource, monkeypatch) -> None:
    import sys

    from annotator.playback.vlc_engine import VlcEngine

    monkeypatch.delenv("FACET_NO_VLC", raising=False)
    monkeypatch.setitem(sys.modules, "vlc", None)  # import vlc -> ImportError
    assert VlcEngine.create() is None
    c = PlayerController(source_factory=lambda p: src, use_vlc=True)
    c.open("x")
    assert not c.attach_video_surface(1234, None)
    c.play()
    assert c.is_playing and not c.using_vlc
    qtbot.waitUntil(lambda: c.current_frame >= 2, timeout=3000)
    c.shutdown()


def test_vlc_landing_elsewhere_falls_back_for_this_video(qtbot, src: FakeSource) -> None:
    """Measured on some files: VLC's seek lands on the next keyframe. Then: frame source."""
    c = PlayerController(source_factory=lambda p: src, use_vlc=True)
    engine = FakeEngine()
    c._engine = engine
    c.open("x")
    c.attach_video_surface(1, lambda: None)

    def lands_on_next_keyframe(seconds: float, rate: float = 1.0) -> None:
        engine.st = "playing"
        engine.t = seconds + 1.5
        engine.calls.append("play_from")

    engine.play_from = lands_on_next_keyframe
    surfaces: list[bool] = []
    c.video_surface_changed.connect(surfaces.append)
    c.seek(10)
    c.play()
    qtbot.waitUntil(lambda: not c.using_vlc, timeout=5000)
    assert c.is_playing and surfaces == [] and engine.calls.count("play_from") == 2
    qtbot.waitUntil(lambda: c.current_frame > 10, timeout=3000)  # the frame source plays
    c.pause()
    c.play()
    assert not c.using_vlc and engine.calls.count("play_from") == 2
    c.shutdown()


@pytest.mark.index_in_background
def test_vlc_waits_for_the_index_and_then_reads_its_whole_table(
    qtbot, tmp_path, monkeypatch, hold_index
) -> None:
    """While the worker builds the index VLC is not used (its clock would run past the
    indexed frames); once done, VLC's position is read against the complete table."""

    from annotator.media import FrameSource
    from annotator.media.barcode import write_barcode_video

    path = tmp_path / "bc.mp4"
    write_barcode_video(path, 60, fps=Fraction(25), size=(160, 120), gop=25)
    release = hold_index
    c = PlayerController(
        source_factory=lambda p, index_progress=None: FrameSource(
            p, index_cache_dir=False, index_progress=index_progress
        ),
        use_vlc=True,
        build_proxy=False,
    )
    c._engine = FakeEngine()
    try:
        assert c.open(path) and c.attach_video_surface(1234, lambda: None)
        assert not c.index_complete and c.frame_count == 1
        c.play()
        assert c.is_playing and not c.using_vlc
        c.pause()
        release.set()
        qtbot.waitUntil(lambda: c.frame_count == 60, timeout=30000)
        assert c._vlc is not None and c._vlc._tb is c.timebase
        assert c._vlc._tb.frame_count == 60
        c.seek(30)
        c.play()
        assert c.using_vlc
        c.pause()
    finally:
        release.set()
        c.shutdown()


@pytest.mark.index_in_background
def test_the_proxy_decision_waits_for_the_whole_index(
    qtbot, tmp_path, monkeypatch, hold_index
) -> None:
    """Whether a preview copy pays off depends on the GOPs of the whole table: decided
    when the index is done, not on the one-frame table of the open."""

    from annotator.media import FrameSource
    from annotator.media.barcode import write_barcode_video
    from annotator.playback import seek_preview

    path = tmp_path / "bc.mp4"
    write_barcode_video(path, 60, fps=Fraction(25), size=(160, 120), gop=25)
    release = hold_index
    monkeypatch.delenv("FACET_NO_PROXY", raising=False)
    monkeypatch.delenv("FACET_ALWAYS_PROXY", raising=False)
    monkeypatch.setattr(FrameSource, "proxy_worthwhile", property(lambda s: s.frame_count > 1))
    started: list[int] = []
    monkeypatch.setattr(seek_preview, "_start_build", lambda s: started.append(s.frame_count))
    c = PlayerController(
        source_factory=lambda p, index_progress=None: FrameSource(
            p, index_cache_dir=False, index_progress=index_progress
        ),
        use_vlc=False,
    )
    try:
        assert c.open(path) and not c.index_complete
        qtbot.wait(50)
        assert started == []
        release.set()
        qtbot.waitUntil(lambda: started == [60], timeout=30000)
    finally:
        release.set()
        c.shutdown()


@pytest.mark.index_in_background
def test_play_while_indexing_waits_at_the_indexed_end_then_plays_on(
    qtbot, tmp_path, hold_index
) -> None:
    """Space right after opening (an MP4's table read: one frame indexed) does not stop at
    once: playback waits at the last frame indexed so far, silent, and plays on from
    there when the index grows; at the real end it stops."""

    from annotator.media import FrameSource
    from annotator.media.barcode import write_barcode_video

    path = tmp_path / "bc.mp4"
    write_barcode_video(path, 40, fps=Fraction(25), size=(160, 120), gop=10)
    c = PlayerController(
        source_factory=lambda p, index_progress=None: FrameSource(
            p, index_cache_dir=False, index_progress=index_progress
        ),
        use_vlc=False,
        build_proxy=False,
    )
    frames: list[int] = []
    try:
        assert c.open(path) and not c.index_complete and c.frame_count == 1
        c.frame_changed.connect(frames.append)
        c.play()
        qtbot.wait(1000)  # 25 frame durations past the one frame indexed
        assert c.is_playing and c.current_frame == 0 and frames == []
        hold_index.set()
        qtbot.waitUntil(lambda: c.current_frame >= 5, timeout=30000)
        assert c.is_playing and c.frame_count == 40
        # from the frame it waited at, not jumped 25+ frames ahead by the wait
        assert frames[0] < 12
        qtbot.waitUntil(lambda: not c.is_playing, timeout=30000)
        assert c.current_frame == 39
        assert read_index(c.current_image()) == 39
    finally:
        hold_index.set()
        c.shutdown()
