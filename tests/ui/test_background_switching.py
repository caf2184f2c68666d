"""While a large project is open (or a worker computes) the GIL is handed over every
0.1 ms, so the GUI thread re-entering Python from Qt never waits the default 5 ms behind
another thread's Python code (video indexing, hashing, view builds); back after."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from annotator.ui import background_job as bj


def test_large_project_and_jobs_share_the_short_switch_interval() -> None:
    before = sys.getswitchinterval()
    assert before > bj.SWITCH_S
    large = SimpleNamespace(events=dict.fromkeys(range(bj.SYNC_EVENTS_FOR_FREEZE + 1)))
    small = SimpleNamespace(events={})
    try:
        bj.freeze_large(small)
        assert sys.getswitchinterval() == before  # small projects: nothing changes
        bj.freeze_large(large)
        assert sys.getswitchinterval() <= bj.SWITCH_S
        bj.freeze_large(large)  # bound again (opened in turns): still one user
        bj.fast_switching(True)  # a save starts and ends meanwhile
        bj.fast_switching(False)
        assert sys.getswitchinterval() <= bj.SWITCH_S  # the open project still wants it
    finally:
        bj.unfreeze_garbage()
    assert sys.getswitchinterval() == before
