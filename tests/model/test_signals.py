"""Signals isolate failures: a raising listener is reported once, the others still run, and
the edit is applied with all its notifications."""

from __future__ import annotations

import logging

import pytest

from annotator.model import Event, EventKind, Media, Project, signals
from annotator.model.signals import Signal


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    got: list[str] = []
    monkeypatch.setattr(signals, "_reported", set())
    signals.set_error_reporter(got.append)
    yield got
    signals.set_error_reporter(None)


def test_a_raising_listener_does_not_stop_the_others(
    reports: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal("thing_changed")
    heard: list[int] = []

    def broken(_v: int) -> None:
        raise RuntimeError("boom")

    sig.connect(heard.append)
    sig.connect(broken)
    sig.connect(lambda v: heard.append(v * 10))
    with caplog.at_level(logging.ERROR):
        sig.emit(1)
        sig.emit(2)
    assert heard == [1, 10, 2, 20]
    assert len(reports) == 1 and "thing_changed" in reports[0] and "boom" in reports[0]
    assert sum("broken" in r.getMessage() for r in caplog.records) == 1  # logged once


def test_an_edit_is_applied_with_all_notifications_when_a_view_raises(reports: list[str]) -> None:
    p = Project()
    p.add_media(Media("m1", "v.mp4", 25, 100))
    p.add_face(name="A")
    p.saved_revision = p.revision
    later: list[Event] = []
    changed: list[int] = []

    def broken_view(_e: Event) -> None:
        raise ValueError("view bug")

    p.event_added.connect(broken_view)
    p.event_added.connect(later.append)
    p.changed.connect(lambda: changed.append(p.revision))
    ev = p.add_event(Event(0, "A", EventKind.AU, 1, 5, au=12, media="m1"))
    assert ev.id in p.events
    assert later == [ev]  # the view after the broken one was told
    assert changed and p.dirty  # the project knows it changed
    assert len(reports) == 1


def test_a_refused_edit_changes_nothing_and_tells_nobody() -> None:
    p = Project()
    p.add_media(Media("m1", "v.mp4", 25, 100))
    p.add_face(name="A")
    rev = p.revision
    heard: list[Event] = []
    p.event_added.connect(heard.append)
    with pytest.raises(ValueError):
        p.add_event(Event(0, "A", EventKind.AU, 5, 1, au=12, media="m1"))
    assert not p.events and not heard and p.revision == rev
