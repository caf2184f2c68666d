"""annotator.pacing: workers wait while the GUI thread is in a long turn, never longer
than the give-up age, and never when nobody beats (issue 18)."""

from __future__ import annotations

import threading
import time

import pytest

from annotator import pacing


@pytest.fixture(autouse=True)
def _no_beat():  # type: ignore[no-untyped-def]
    pacing.stop()
    yield
    pacing.stop()


def test_nobody_beats_no_wait() -> None:
    t0 = time.monotonic()
    assert pacing.pace() == 0.0
    assert time.monotonic() - t0 < 0.005


def test_a_fresh_beat_no_wait() -> None:
    pacing.beat()
    assert pacing.pace() == 0.0


def test_a_stale_beat_waits_until_the_next_beat() -> None:
    pacing.beat()
    time.sleep(pacing.STALE_S * 2)  # the GUI thread is in a long turn

    def gui_turn_ends() -> None:
        time.sleep(0.03)
        pacing.beat()

    threading.Thread(target=gui_turn_ends).start()
    waited = pacing.pace()
    assert 0.02 <= waited < pacing.GIVE_UP_S


def test_a_beat_older_than_the_give_up_age_no_wait() -> None:
    """The GUI thread blocked on something else (often on this worker): go on."""
    pacing.beat()
    time.sleep(pacing.GIVE_UP_S + 0.02)
    assert pacing.pace() == 0.0


def test_waiting_ends_at_the_give_up_age() -> None:
    pacing.beat()
    time.sleep(pacing.STALE_S * 2)
    t0 = time.monotonic()
    waited = pacing.pace()  # no beat comes
    assert waited > 0.05 and time.monotonic() - t0 < pacing.GIVE_UP_S + 0.05


def test_busy_counts_the_workers_inside() -> None:
    assert not pacing.busy()
    with pacing.working():
        assert pacing.busy()
        with pacing.working():
            assert pacing.busy()
        assert pacing.busy()
    assert not pacing.busy()
