"""Frame steps during an autosave of a large project (issue 17 part 3: p95 under 50 ms at
1,000,000 events), next to frame steps without an autosave in the same run.

The real main window (offscreen) opens the project on the barcode clip of
``bench/large_project.py``; the focused timeline gets Right key presses, and a step counts
from the key press to the controller showing the next frame (``frame_changed``). Then,
``--rounds`` times: one undoable edit (so there is something to autosave), the window's own
autosave (snapshot on the GUI thread, the file written on a worker thread), and steps, 60 ms
apart, for as long as that autosave runs. Also printed: the snapshot's time on the GUI
thread and how long each autosave took.

    .venv/bin/python bench/bench_autosave_step.py [--events 1000000] [--steps 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import offscreen_gui, pct

_HOME = offscreen_gui()

import large_project
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def spin(app: QApplication, seconds: float, until=None) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()
        if until is not None and until():
            break
        time.sleep(0.001)
    return time.perf_counter() - t0


def views_idle(w) -> bool:  # type: ignore[no-untyped-def]
    from annotator.ui.background import ViewRefresh

    return not any(r.running for r in w.findChildren(ViewRefresh))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=40, help="steps without an autosave")
    ap.add_argument("--rounds", type=int, default=3, help="autosaves to step through")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    app.setOrganizationName("FacetBench")
    from annotator.ui.main_window import MainWindow

    src = large_project.write(args.events)
    folder = Path(tempfile.mkdtemp(prefix="facet-bench-autosave-"))
    shutil.copy(src, folder / src.name)
    os.symlink(large_project.clip(), folder / large_project.clip().name)
    w = MainWindow()
    w.setProperty("quiet_errors", True)
    w.resize(1366, 768)
    w.show()
    spin(app, 0.5)
    w._autosave_timer.stop()  # only the autosaves this bench starts
    t = time.perf_counter()
    assert w.open_project(folder / src.name)
    spin(app, 300, lambda: views_idle(w) and len(w.project.events) >= args.events)
    spin(app, 2.0)
    spin(app, 300, lambda: views_idle(w))
    open_s = time.perf_counter() - t
    ctl = w.controller
    shown: dict[str, float] = {}

    def on_frame(*_a: object) -> None:
        shown.setdefault(str(ctl.current_frame), time.perf_counter())

    ctl.frame_changed.connect(on_frame)
    w.coding.timeline.canvas.setFocus()
    spin(app, 0.2)

    def step() -> float:
        target = ctl.current_frame + 1
        if target >= w.project.primary_media.frame_count - 1:  # type: ignore[union-attr]
            ctl.seek(0)
            spin(app, 1.0, lambda: ctl.current_frame == 0)
            target = 1
        shown.clear()
        t0 = time.perf_counter()
        QTest.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Right)
        spin(app, 5, lambda: str(target) in shown)
        return shown.get(str(target), time.perf_counter()) - t0

    for _ in range(5):  # warm the decoder and the paint caches
        step()
        spin(app, 0.06)
    quiet = []
    for _ in range(args.steps):
        quiet.append(step())
        spin(app, 0.06)
    during: list[float] = []
    snap_ms: list[float] = []
    took: list[float] = []
    docs = w.documents
    for r in range(args.rounds):
        # something to autosave (a model edit, as a command would make; no undo entry)
        w.project.update_event(next(iter(w.project.events)), note=f"bench {r}")
        spin(app, 0.5)
        spin(app, 300, lambda: views_idle(w))  # the views' recompute after the edit is
        spin(app, 0.5)  # bench_window_stalls.py's business: measure the autosave alone
        t0 = time.perf_counter()
        w.autosave()
        snap_ms.append((time.perf_counter() - t0) * 1000)
        while docs._autosave_job.running:
            during.append(step())
            spin(app, 0.06)
        took.append(time.perf_counter() - t0)
        spin(app, 0.3)
    la = os.getloadavg()
    print(
        f"# {len(w.project.events):,} events, opened and settled in {open_s:.1f} s; "
        f"load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} (2 cores)"
    )
    print("frame step, ms          n     p50     p95     max")
    for name, xs in (("no autosave", quiet), ("during autosave", during)):
        if xs:
            ms = [x * 1000 for x in xs]
            print(f"{name:<20}{len(ms):>5}{pct(ms, 50):8.1f}{pct(ms, 95):8.1f}{max(ms):8.1f}")
    print(
        "autosave: GUI-thread call (snapshot + thread start) ms: "
        + ", ".join(f"{x:.1f}" for x in snap_ms)
    )
    print("autosave: written in s: " + ", ".join(f"{x:.1f}" for x in took))
    if during:
        p95 = pct([x * 1000 for x in during], 95)
        print(
            f"target p95 < 50 ms during autosave: {'met' if p95 < 50 else 'MISSED'} ({p95:.1f} ms)"
        )
    w.project.saved_revision = w.project.revision
    w.close()
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(_HOME, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
