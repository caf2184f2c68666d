"""Event-loop stalls of the real main window (offscreen) on a large project, next to the
same actions on an empty project in the same run.

A 5 ms QTimer heartbeat runs on the GUI thread; the longest gap between two beats while an
action runs (and for a settle time after it, when deferred work lands) is the longest
stall the user would feel. Actions, as the keyboard does them: open, step (Right x10),
code (I, Right, Right, O, 4, Enter), undo (Ctrl+Z), save (Ctrl+S), autosave. Open is the
Open dialog's path (``background=True``) and save the Save action's: both wait for their
worker to finish before the settle time, so a stall while the worker runs counts. Also printed:
open -> first picture on screen, and key -> frame shown for a step right after opening and
right after coding.

    .venv/bin/python bench/bench_window_stalls.py [--events 100000] [--million]

Projects and the barcode clip are generated once by ``bench/large_project.py`` into
``$TMPDIR/facet-bench-large``; every run works on fresh copies.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["FACET_NO_VLC"] = "1"
_HOME = Path(tempfile.mkdtemp(prefix="facet-bench-home-"))
for _var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_HOME / _var.lower())

import large_project
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget

ACTION = ["start"]  # what runs now (for --trace-stalls)
SETTLE_S = 1.5  # deferred work (docks filling in) counts towards the action


class StallTracer:
    """``--trace-stalls``: a watchdog thread prints the GUI thread's stack whenever the
    heartbeat has been silent for more than ``limit_s`` (where the time goes)."""

    def __init__(self, hb: Heartbeat, limit_s: float = 0.1) -> None:
        import threading

        self.hb, self.limit_s = hb, limit_s
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        """Sample every thread's stack every 20 ms during a stall; when the beat comes
        back print how long it was and the most frequent top frames per thread (a worker
        inside a long C call shows there: it holds the GIL the GUI thread waits for)."""
        import threading
        from collections import Counter

        names = {}
        while True:
            time.sleep(self.limit_s / 2)
            last = self.hb.beats[-1] if self.hb.beats else 0.0
            if self.hb.now() - last <= self.limit_s:
                continue
            samples: Counter[tuple[str, str]] = Counter()
            while (self.hb.beats[-1] if self.hb.beats else 0.0) == last:
                names = {t.ident: t.name for t in threading.enumerate()}
                for ident, frame in sys._current_frames().items():
                    if ident == threading.get_ident():
                        continue
                    top = traceback_top(frame)
                    samples[(names.get(ident, str(ident)), top)] += 1
                time.sleep(0.02)
            gap = (self.hb.beats[-1] - last) * 1000
            print(f"--- stall {gap:.0f} ms during {ACTION[0]}:", file=sys.stderr)
            for (thread, top), n in samples.most_common(8):
                print(f"  [{n:3}] {thread}: {top}", file=sys.stderr)


def traceback_top(frame) -> str:  # type: ignore[no-untyped-def]
    """The innermost three frames as 'file:line func < ...' (site-packages shortened)."""
    out = []
    while frame is not None and len(out) < 3:
        code = frame.f_code
        out.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return " < ".join(out)


class Heartbeat:
    """Beats every 5 ms; ``longest(t0, t1)`` is the largest gap between beats in [t0, t1]."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.clock.start()
        self.beats: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._beat)
        self.timer.start()

    def now(self) -> float:
        return self.clock.nsecsElapsed() / 1e9

    def _beat(self) -> None:
        self.beats.append(self.now())

    def longest(self, t0: float, t1: float) -> float:
        times = [t0] + [b for b in self.beats if t0 <= b <= t1] + [t1]
        return max(b - a for a, b in pairwise(times))


def spin(app: QApplication, seconds: float, until=None) -> float:  # type: ignore[no-untyped-def]
    """Run the event loop for ``seconds`` (or until ``until()``); returns the time taken."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()
        if until is not None and until():
            break
        time.sleep(0.001)
    return time.perf_counter() - t0


def measure(
    app: QApplication,
    hb: Heartbeat,
    action,
    settle: float = SETTLE_S,  # type: ignore[no-untyped-def]
    name: str = "",
    until=None,  # type: ignore[no-untyped-def]
):
    """Run ``action`` from the event loop (as a key or menu would) and return the longest
    stall (s) from its start to the end of the settle time; ``until()``: background work
    the action started (a save, an open) has finished, waited for before settling."""
    box: dict[str, float] = {}
    ACTION[0] = name

    def run() -> None:
        box["t0"] = hb.now()
        action()
        box["t1"] = hb.now()

    QTimer.singleShot(0, run)
    spin(app, 30, lambda: "t1" in box)
    if until is not None:
        spin(app, 120, until)
    spin(app, settle)
    return hb.longest(box["t0"], hb.now()), box["t1"] - box["t0"]


def key(window, k, mod=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    QTest.keyClick(QApplication.focusWidget() or window, k, mod)


def run_project(app: QApplication, hb: Heartbeat, path: Path) -> dict[str, object]:
    from annotator.ui.main_window import MainWindow

    folder = Path(tempfile.mkdtemp(prefix="facet-bench-run-"))
    shutil.copy(path, folder / path.name)
    os.symlink(large_project.clip(), folder / large_project.clip().name)
    project_path = folder / path.name
    w = MainWindow()
    w.setProperty("quiet_errors", True)
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    spin(app, 0.5)
    for name in ("StatisticsDock", "ReviewBreakdownDock", "EventsDock"):
        dock = w.findChild(QDockWidget, name)
        if dock is not None:  # the aggregating views on screen: their work counts
            dock.show()
            dock.raise_()
    spin(app, 0.3)
    out: dict[str, object] = {}
    ctl = w.controller
    shown = {"t": None}

    def on_picture(*_a: object) -> None:
        if shown["t"] is None:
            shown["t"] = hb.now()

    ctl.frame_changed.connect(on_picture)
    t_open = hb.now()
    out["open"], out["open_call_s"] = measure(
        app,
        hb,
        lambda: w.open_project(project_path, background=True),  # as the Open dialog does
        settle=3.0,
        name="open",
        until=lambda: not w.documents._open_job.running,
    )
    out["picture_s"] = (shown["t"] - t_open) if shown["t"] is not None else float("nan")
    w.coding.timeline.canvas.setFocus()
    spin(app, 0.1)

    def step_latency() -> float:
        target = ctl.current_frame + 1
        t0 = time.perf_counter()
        key(w, Qt.Key.Key_Right)
        spin(app, 5, lambda: ctl.current_frame == target)
        return time.perf_counter() - t0

    out["step_after_open_s"] = step_latency()
    out["step"], _ = measure(
        app, hb, lambda: [key(w, Qt.Key.Key_Right) for _ in range(10)], name="step"
    )

    def code() -> None:
        for k in (
            Qt.Key.Key_I,
            Qt.Key.Key_Right,
            Qt.Key.Key_Right,
            Qt.Key.Key_O,
            Qt.Key.Key_4,
            Qt.Key.Key_Return,
        ):
            key(w, k)

    n0 = len(w.project.events)
    out["code"], _ = measure(app, hb, code, name="code")
    out["coded"] = len(w.project.events) - n0
    w.coding.timeline.canvas.setFocus()
    out["step_after_code_s"] = step_latency()
    out["undo"], _ = measure(
        app, hb, lambda: key(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier), name="undo"
    )
    key(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    spin(app, 0.5)
    out["save"], _ = measure(
        app,
        hb,
        lambda: key(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier),
        name="save",
        until=lambda: not w.project.dirty,
    )
    code()  # something unsaved for the autosave
    spin(app, 0.5)
    w.autosave_label.setText("")
    out["autosave"], _ = measure(
        app, hb, w.autosave, name="autosave", until=lambda: bool(w.autosave_label.text())
    )
    w.project.saved_revision = w.project.revision  # no question on close
    w.close()
    w.deleteLater()
    spin(app, 0.3)
    shutil.rmtree(folder, ignore_errors=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--million", action="store_true", help="also a 1,000,000-event project")
    ap.add_argument(
        "--trace-stalls",
        action="store_true",
        help="print the GUI thread's stack during every stall over 100 ms",
    )
    ap.add_argument("--only", type=int, help="run this project size only")
    args = ap.parse_args()
    sizes = [0, args.events] + ([1_000_000] if args.million else [])
    app = QApplication.instance() or QApplication([])
    app.setOrganizationName("FacetBench")
    hb = Heartbeat()
    if args.trace_stalls:
        StallTracer(hb)
    if args.only is not None:
        sizes = [args.only]
    paths = {n: large_project.write(n) for n in sizes}
    results = {n: run_project(app, hb, paths[n]) for n in sizes}
    load = os.getloadavg()
    print(f"# longest event-loop stall per action, ms (load average {load[0]:.2f})")
    header = "action".ljust(22) + "".join(f"{n:>14,}" for n in sizes)
    print(header.replace(",", " ") if False else header)
    for action in ("open", "step", "code", "undo", "save", "autosave"):
        print(action.ljust(22) + "".join(f"{results[n][action] * 1000:14.0f}" for n in sizes))
    print("# seconds")
    for what in ("open_call_s", "picture_s", "step_after_open_s", "step_after_code_s"):
        print(what.ljust(22) + "".join(f"{float(results[n][what]):14.2f}" for n in sizes))
    print("coded events".ljust(22) + "".join(f"{results[n]['coded']:14}" for n in sizes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
