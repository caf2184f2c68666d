"""Sound through VLC at 0.25x-4x with the pitch kept, silent elsewhere (issue 15 part 1).

There is no sound card here: VLC writes what it would play to a WAV file (its ``afile``
audio output), and numpy's FFT measures the pitch. Real libvlc and a real tone video; the
picture during slow motion is still our exact decode (barcode read from the pixels).
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pytest
from tone_video import dominant_hz, loud_seconds, read_wav, write_tone_video

from annotator.media.barcode import read_index
from annotator.playback.player_controller import PlayerController
from annotator.playback.vlc_engine import VlcEngine
from annotator.playback.vlc_sound import plays_sound

TONE_HZ = 440.0


def _afile(wav: Path) -> list[str]:
    return ["--aout=afile", f"--audiofile-file={wav}"]


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tone_video(tmp_path_factory.mktemp("tone") / "tone.mp4", 2.0, TONE_HZ)


@functools.cache
def _vlc_loads() -> bool:
    engine = VlcEngine.create()  # loading libvlc's plugins takes seconds: once per run
    if engine is None:
        return False
    engine.release()
    return True


@pytest.fixture(autouse=True)
def _need_vlc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACET_NO_VLC", raising=False)
    monkeypatch.delenv("FACET_VLC_ARGS", raising=False)
    if not _vlc_loads():
        pytest.skip("libvlc is not installed")


def test_sound_rates() -> None:
    assert all(plays_sound(r) for r in (0.25, 0.5, 1.0, 2.0, 4.0))
    assert not any(plays_sound(r) for r in (1 / 8, 1 / 32, -1.0, -0.5, -4.0, 8.0))


@pytest.mark.parametrize(
    "rate",
    [pytest.param(0.25, marks=pytest.mark.slow), 0.5, 2.0],  # 0.25x: 8 s of sound
)
def test_vlc_sound_player_keeps_pitch_and_stretches_time(tmp_path: Path, tone: Path, rate) -> None:
    """The audio-only player: same pitch, 1/rate seconds of sound per media second."""
    wav = tmp_path / "out.wav"
    engine = VlcEngine.create(_afile(wav))
    assert engine is not None
    sound = engine.sound()
    sound.open(tone)
    sound.play_from(0.0, rate)
    deadline = time.monotonic() + 2.0 / rate + 10
    while sound.state in ("idle", "opening", "playing") and time.monotonic() < deadline:
        time.sleep(0.05)
    engine.release()
    samples, sr = read_wav(wav)
    assert abs(dominant_hz(samples, sr) - TONE_HZ) < 5  # pitch kept (scaletempo)
    assert loud_seconds(samples, sr) == pytest.approx(2.0 / rate, rel=0.2)


def _play(qtbot, tone: Path, wav: Path, rate: float, start: int, wall_s: float):
    c = PlayerController(use_vlc=True, sound=True, vlc_args=_afile(wav), build_proxy=False)
    assert c.open(tone)
    c.seek(start)
    c.set_rate(rate)
    shown: list[tuple[int, int | None]] = []  # (frame, barcode read from its picture)
    c.frame_changed.connect(lambda f: shown.append((f, read_index(c.current_image()))))
    c.play()
    assert not c.using_vlc  # the picture is ours at every speed without a VLC surface
    sounding = c.playing_sound
    began = time.monotonic()
    qtbot.waitUntil(lambda: not c.is_playing or time.monotonic() - began > wall_s, timeout=30000)
    c.pause()
    frames = c.current_frame
    c.shutdown()  # releases libvlc: the WAV is complete
    return sounding, shown, frames


def test_controller_plays_sound_at_half_speed_with_exact_pictures(qtbot, tmp_path, tone) -> None:
    wav = tmp_path / "half.wav"
    sounding, shown, last = _play(qtbot, tone, wav, 0.5, 0, 30.0)  # to the end: 4 s
    assert sounding and last == 49
    assert len(shown) > 20 and all(f == code for f, code in shown)  # exact frames
    samples, sr = read_wav(wav)
    assert abs(dominant_hz(samples, sr) - TONE_HZ) < 5
    assert loud_seconds(samples, sr) == pytest.approx(4.0, rel=0.25)


@pytest.mark.parametrize("rate", [1 / 8, -1.0])
def test_controller_is_silent_below_quarter_speed_and_in_reverse(qtbot, tmp_path, tone, rate):
    wav = tmp_path / "silent.wav"
    sounding, shown, _ = _play(qtbot, tone, wav, rate, 25, 1.5)
    assert not sounding and shown  # the picture moved, no sound
    if wav.exists():
        samples, sr = read_wav(wav)
        assert loud_seconds(samples, sr) == 0.0
