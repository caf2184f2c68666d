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


def on_worker(fn):  # type: ignore[no-untyped-def]
    """``fn()`` called on another thread (pace never waits on the GUI thread)."""
    out: list[object] = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_nobody_beats_no_wait() -> None:
    t0 = time.monotonic()
    assert on_worker(pacing.pace) == 0.0
    assert time.monotonic() - t0 < 0.005


def test_a_fresh_beat_no_wait() -> None:
    pacing.beat()
    assert on_worker(pacing.pace) == 0.0


def test_a_stale_beat_waits_until_the_next_beat() -> None:
    pacing.beat()
    time.sleep(pacing.STALE_S * 2)  # the GUI thread is in a long turn

    def gui_turn_ends() -> None:
        time.sleep(0.03)
        pacing.beat()

    threading.Thread(target=gui_turn_ends).start()
    waited = on_worker(pacing.pace)
    assert 0.02 <= waited < pacing.GIVE_UP_S


def test_a_beat_older_than_the_give_up_age_no_wait() -> None:
    """The GUI thread blocked on something else (often on this worker): go on."""
    pacing.beat()
    time.sleep(pacing.GIVE_UP_S + 0.02)
    assert on_worker(pacing.pace) == 0.0


def test_waiting_ends_at_the_give_up_age() -> None:
    pacing.beat()
    time.sleep(pacing.STALE_S * 2)
    t0 = time.monotonic()
    waited = on_worker(pacing.pace)  # no beat comes
    assert waited > 0.05 and time.monotonic() - t0 < pacing.GIVE_UP_S + 0.05


def test_busy_counts_the_workers_inside() -> None:
    assert not pacing.busy()
    with pacing.working():
        assert pacing.busy()
        with pacing.working():
            assert pacing.busy()
        assert pacing.busy()
    assert not pacing.busy()


def test_the_gui_thread_itself_never_waits() -> None:
    """Small projects build their views on the GUI thread: its own long turn must not
    make it wait for its own beat."""
    pacing.beat()
    time.sleep(pacing.STALE_S * 2)
    assert threading.current_thread() is threading.main_thread()
    t0 = time.monotonic()
    assert pacing.pace() == 0.0
    assert time.monotonic() - t0 < 0.005
