"""Save + load of a 100,000-event project (target: each under 1 s on a 2-core machine).

Compares, in the same run, against a naive baseline: pretty-printed JSON validated by the
pure-Python jsonschema alone (what the first version did).

    .venv/bin/python bench/bench_project.py [--events 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from annotator.io import project_file
from annotator.model import Event, EventKind, Face, Intensity, Media, Project
from annotator.model.serialize import project_from_dict, project_to_dict


def bench_event(i: int, event_id: int) -> Event:
    """The ``i``-th event of a bench project (``event_id`` 0: the project assigns one)."""
    return Event(
        event_id,
        "AB"[i % 2],
        EventKind.AU,
        i * 5,
        i * 5 + 7,
        i * 5 + 3,
        au=(i % 40) + 1,
        intensity=Intensity.B,
        code="6B+12C",
        annotator="bench",
    )


def bench_project(n: int) -> Project:
    """A bench project without events: one media long enough for ``n`` of them, two faces."""
    p = Project(title="bench")
    p.add_media(Media("m1", "v.mp4", frame_count=n * 10, fps=Fraction(30000, 1001)))
    for fid in "AB":
        p.add_face(Face(fid, f"Face {fid}"))
    return p


def build(n: int) -> Project:
    p = bench_project(n)
    for i in range(n):
        p.add_event(bench_event(i, 0))
    return p


def naive_save(p: Project, path: Path) -> None:
    doc = project_to_dict(p)
    errors = list(project_file._validator().iter_errors(doc))
    assert not errors
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def naive_load(path: Path) -> Project:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert not list(project_file._validator().iter_errors(doc))
    return project_from_dict(doc)


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t = time.perf_counter()
    p = build(args.events)
    print(
        f"built {args.events} events through Project.add_event in {time.perf_counter() - t:.2f} s"
    )
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.facet.json"
        naive = Path(d) / "naive.json"
        rows = [
            (
                "save",
                timed(lambda: project_file.save_project(p, path), args.repeat),
                timed(lambda: naive_save(p, naive), 1),
            ),
            (
                "load",
                timed(lambda: project_file.load_project(path), args.repeat),
                timed(lambda: naive_load(naive), 1),
            ),
        ]
        size = path.stat().st_size / 1e6
        naive_size = naive.stat().st_size / 1e6
    print(f"file size: {size:.1f} MB (naive pretty JSON {naive_size:.1f} MB)")
    print(f"{'op':<6}{'facet median s':>16}{'naive s':>10}{'ratio':>8}{'target':>9}")
    for name, ours, base in rows:
        med = statistics.median(ours)
        verdict = "ok" if med < 1.0 else "MISSED"
        print(f"{name:<6}{med:>16.3f}{base[0]:>10.3f}{base[0] / med:>7.1f}x{'< 1 s ' + verdict:>9}")


# ------------------------------------------------------------------ issue 17 item 2
# Whole processes, same run: load + validate + save of a project against a plain stdlib
# json.load + json.dump + fsync of the same file; max RSS from wait4.
BASELINE = """
import json, os, sys
with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(doc, out)
    out.flush()
    os.fsync(out.fileno())
"""
FACET_LOAD = """
import sys
from annotator.io.project_file import load_project
load_project(sys.argv[1])
"""
FACET_ROUND = """
import os, sys, time
from annotator.io.project_file import load_project, save_project
t, c = time.perf_counter(), time.process_time()
p = load_project(sys.argv[1]).project
t2, c2 = time.perf_counter(), time.process_time()
p.title = "saved again"
save_project(p, sys.argv[2])
t3, c3 = time.perf_counter(), time.process_time()
print(t2 - t, c2 - c, t3 - t2, c3 - c2)
"""


def run_process(code: str, *args: str) -> tuple[float, float, float, list[float]]:
    """Wall seconds, max RSS (MB), CPU seconds (user + system) of ``python -c code args``,
    and the numbers it printed (in-process load/save times)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    said = [float(x) for x in proc.stdout.read().split()]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"bench process failed ({proc.returncode})")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, said


def build_direct(n: int) -> Project:
    """The same events as :func:`build`, put in place without add_event (1M: seconds, not
    a minute of signals)."""
    p = bench_project(n)
    p.events = {i + 1: bench_event(i, i + 1) for i in range(n)}
    return p


def process_bench(n: int, repeat: int) -> None:
    import os

    p = build_direct(n)
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "bench.facet.json"
        project_file.save_project(p, src)
        del p
        out_a, out_b = str(Path(d) / "a.json"), str(Path(d) / "b.facet.json")
        base, load, both = [], [], []
        loads_before = os.getloadavg()[0]
        for _ in range(repeat):  # interleaved, so load changes hit all three alike
            base.append(run_process(BASELINE, str(src), out_a))
            load.append(run_process(FACET_LOAD, str(src)))
            both.append(run_process(FACET_ROUND, str(src), out_b))
        size = src.stat().st_size / 1e6

    def med(rows: list[Any], i: int) -> float:
        return statistics.median(r[i] for r in rows)

    def said(i: int) -> float:
        return statistics.median(r[3][i] for r in both)

    la = os.getloadavg()[0]
    print(
        f"{n} events, {size:.1f} MB file, {repeat} runs each, load average "
        f"{loads_before:.1f} before / {la:.1f} after (2 cores)"
    )
    print("  whole processes, medians:          wall s   CPU s   max RSS")
    for name, rows in (
        ("stdlib json.load + json.dump + fsync", base),
        ("facet load + validate", load),
        ("facet load + validate + save", both),
    ):
        print(f"  {name:<36}{med(rows, 0):7.2f} {med(rows, 2):7.2f} {med(rows, 1):6.0f} MB")
    print(
        f"  ratio facet round trip / stdlib: {med(both, 0) / med(base, 0):.2f}x wall, "
        f"{med(both, 2) / med(base, 2):.2f}x CPU (target <= 1.00x)"
    )
    print(
        f"  inside the round-trip process: load {said(0):.2f} s wall / {said(1):.2f} s CPU, "
        f"save {said(2):.2f} s wall / {said(3):.2f} s CPU"
    )
    if n >= 1_000_000:
        peak = med(both, 1)
        ok = said(0) < 10 and said(2) < 10 and peak < 1500
        print(
            f"  1M targets (load < 10 s, save < 10 s, peak < 1.5 GB): "
            f"{'met' if ok else 'MISSED'} in this run"
        )


if __name__ == "__main__":
    import sys

    if "--processes" in sys.argv:
        ap = argparse.ArgumentParser()
        ap.add_argument("--processes", action="store_true")
        ap.add_argument("--events", type=int, default=100_000)
        ap.add_argument("--repeat", type=int, default=3)
        a = ap.parse_args()
        process_bench(a.events, a.repeat)
    else:
        main()
