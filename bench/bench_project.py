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

from annotator.io import project_file
from annotator.model import Event, EventKind, Face, Intensity, Media, Project
from annotator.model.serialize import project_from_dict, project_to_dict


def build(n: int) -> Project:
    p = Project(title="bench")
    p.add_media(Media("m1", "v.mp4", frame_count=n * 10, fps=Fraction(30000, 1001)))
    for fid in "AB":
        p.add_face(Face(fid, f"Face {fid}"))
    for i in range(n):
        p.add_event(Event(0, "AB"[i % 2], EventKind.AU, i * 5, i * 5 + 7, i * 5 + 3,
                          au=(i % 40) + 1, intensity=Intensity.B, code="6B+12C",
                          annotator="bench"))
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
    print(f"built {args.events} events through Project.add_event in {time.perf_counter() - t:.2f} s")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.facet.json"
        naive = Path(d) / "naive.json"
        rows = [
            ("save", timed(lambda: project_file.save_project(p, path), args.repeat),
             timed(lambda: naive_save(p, naive), 1)),
            ("load", timed(lambda: project_file.load_project(path), args.repeat),
             timed(lambda: naive_load(naive), 1)),
        ]
        size = path.stat().st_size / 1e6
        naive_size = naive.stat().st_size / 1e6
    print(f"file size: {size:.1f} MB (naive pretty JSON {naive_size:.1f} MB)")
    print(f"{'op':<6}{'facet median s':>16}{'naive s':>10}{'ratio':>8}{'target':>9}")
    for name, ours, base in rows:
        med = statistics.median(ours)
        verdict = "ok" if med < 1.0 else "MISSED"
        print(f"{name:<6}{med:>16.3f}{base[0]:>10.3f}{base[0] / med:>7.1f}x{'< 1 s ' + verdict:>9}")


if __name__ == "__main__":
    main()
