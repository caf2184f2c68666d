"""SoundFollower without libvlc: silent where there is no sound, moved back when it drifts."""

from __future__ import annotations

import pytest

from annotator.playback import vlc_sound
from annotator.playback.vlc_sound import CHECK_EVERY_S, RESYNC_WALL_S, SoundFollower


class FakeSound:
    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float]] = []
        self.t: float | None = None
        self.state = "idle"

    def play_from(self, seconds: float, rate: float) -> None:
        self.calls.append(("play_from", round(seconds, 3), rate))
        self.state = "playing"
        self.t = seconds

    def set_time(self, seconds: float) -> None:
        self.calls.append(("set_time", round(seconds, 3), 0.0))
        self.t = seconds

    def pause(self) -> None:
        self.calls.append(("pause", 0.0, 0.0))
        self.state = "paused"

    def stop(self) -> None:
        self.state = "stopped"

    def time_s(self) -> float | None:
        return self.t


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [100.0]
    monkeypatch.setattr(vlc_sound.time, "monotonic", lambda: now[0])
    return now


def test_no_sound_below_a_quarter_or_in_reverse(clock) -> None:
    sound = FakeSound()
    f = SoundFollower(sound, offset_s=0.5)
    f.start(2.0, 0.5)
    assert f.active and sound.calls == [("play_from", 2.5, 0.5)]  # container time
    f.start(2.0, 1 / 8)
    assert not f.active and sound.calls[-1][0] == "pause"
    f.start(2.0, -1.0)
    assert not f.active and len(sound.calls) == 2  # already silent: nothing more asked


def test_drift_beyond_the_limit_moves_vlc_back_to_the_picture(clock) -> None:
    sound = FakeSound()
    f = SoundFollower(sound, offset_s=0.0)
    rate = 0.5
    f.start(1.0, rate)
    # VLC keeps pace: after a second of wall time both are at 1.5 s of media
    clock[0] += CHECK_EVERY_S
    sound.t = 1.0 + rate * CHECK_EVERY_S
    f.follow(1.0 + rate * CHECK_EVERY_S)
    assert f.resyncs == 0
    # VLC falls behind by twice the limit (in wall time): moved to the picture's time
    clock[0] += CHECK_EVERY_S
    picture = 1.0 + rate * 2 * CHECK_EVERY_S
    sound.t = picture - 2 * RESYNC_WALL_S * rate
    f.follow(picture)
    assert f.resyncs == 1 and sound.calls[-1] == ("set_time", round(picture, 3), 0.0)
    # within the limit: left alone
    clock[0] += CHECK_EVERY_S
    picture += rate * CHECK_EVERY_S
    sound.t = picture - 0.5 * RESYNC_WALL_S * rate
    f.follow(picture)
    assert f.resyncs == 1
