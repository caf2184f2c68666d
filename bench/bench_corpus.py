"""Corpus commands on a generated corpus (200 short clips x 2 coders), next to a plain loop.

    .venv/bin/python bench/bench_corpus.py                 # 200 clips, 2 coders, 2 workers
    .venv/bin/python bench/bench_corpus.py --clips 50 --workers 0

Each clip is a real 40-frame 96x64 video (so ``corpus init`` probes and hashes real files),
coded by two coders with ~8 AU events each (the second coder's timing jittered, some events
left out). Times every corpus command (``init``, ``status``, ``agree``, ``merge``, ``export
--to casme``, ``export --to parquet``, ``query`` cold and warm) as the CLI runs them, and
the same work as a plain loop over the files in this process (load each project, call the
same library function, collect), so the cost of the dask runner and the gain of the index
are visible. Prints the load average with the numbers: the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from annotator.cli import main
from annotator.io.project_file import load_project, save_project
from annotator.model import Event, EventKind, Intensity

QUERY = 'au == 12 and scale == "micro"'


def write_videos(folder: Path, n: int) -> None:
    from annotator.media.encode import VideoWriter

    rng = np.random.default_rng(0)
    for k in range(n):
        sub = folder / "videos" / f"sub{k // 20 + 1:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        with VideoWriter(
            sub / f"EP{k % 20:02d}_01.mp4",
            size=(96, 64),
            fps=25,
            options={"preset": "ultrafast", "crf": "30"},
        ) as w:
            base = rng.integers(0, 255, (64, 96, 3), dtype=np.uint8)
            for i in range(40):
                w.write(np.roll(base, i, axis=1))


def code_corpus(folder: Path, coders: list[str]) -> None:
    rng = random.Random(1)
    for path in sorted((folder / "coders" / coders[0]).rglob("*.facet.json")):
        rel = path.relative_to(folder / "coders" / coders[0])
        base = []
        for _ in range(8):
            on = rng.randrange(0, 34)
            base.append(
                (
                    rng.choice([1, 2, 4, 6, 12, 15]),
                    on,
                    min(39, on + rng.randrange(2, 14)),
                    rng.choice(list(Intensity)),
                )
            )
        for j, coder in enumerate(coders):
            p_path = folder / "coders" / coder / rel
            loaded = load_project(p_path)
            p = loaded.project
            face = next(iter(p.faces))
            for au, on, off, inten in base:
                if j and rng.random() < 0.15:
                    continue
                d = rng.randint(-2, 2) if j else 0
                on2 = max(0, on + d)
                off2 = max(on2, min(39, off + rng.randint(-2, 2) if j else off))
                p.add_event(Event(0, face, EventKind.AU, on2, off2, au=au, intensity=inten))
            save_project(p, p_path)


def timed(label: str, argv: list[str], results: dict[str, float]) -> None:
    t0 = time.perf_counter()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    results[label] = time.perf_counter() - t0
    tail = out.getvalue().strip().splitlines()[-1:] or [""]
    print(f"  {label:<22} {results[label]:7.2f} s   rc {rc}   {tail[0][:90]}")


def loops(folder: Path, coders: list[str]) -> dict[str, float]:
    import pandas as pd

    from annotator.analysis.agreement import compare
    from annotator.analysis.merge import merge_projects
    from annotator.io.events_csv import event_row
    from annotator.io.sheets import sheet_rows

    clips = sorted(
        p.relative_to(folder / "coders" / coders[0])
        for p in (folder / "coders" / coders[0]).rglob("*.facet.json")
    )
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    for rel in clips:
        a, b = (load_project(folder / "coders" / c / rel).project for c in coders)
        compare(a, b)
    out["agree"] = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp())
    t0 = time.perf_counter()
    for k, rel in enumerate(clips):
        paths = [folder / "coders" / c / rel for c in coders]
        projects = [load_project(p).project for p in paths]
        gold = merge_projects(projects, coders, paths, tmp / f"{k}.facet.json")
        save_project(gold, tmp / f"{k}.facet.json")
    out["merge"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = []
    for k in range(len(clips)):
        rows += sheet_rows(load_project(tmp / f"{k}.facet.json").project)[1:]
    out["export casme"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    table = []
    for rel in clips:
        for c in coders:
            p = load_project(folder / "coders" / c / rel).project
            table += [{"coder": c, **event_row(p, e)} for e in p.events.values()]
    df = pd.DataFrame(table)
    n = len(df.query(QUERY))
    out["query (load all)"] = time.perf_counter() - t0
    print(f"  plain loop query rows: {n}")
    return out


def main_bench() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    coders = ["ann", "bob"]
    folder = Path(tempfile.mkdtemp(prefix="facet-corpus-")) / "study"
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    write_videos(folder, args.clips)
    print(
        f"{args.clips} clips x {len(coders)} coders in {folder} "
        f"(videos written in {time.perf_counter() - t0:.1f} s)"
    )
    w = ["--workers", str(args.workers), "-q"]
    res: dict[str, float] = {}
    timed(
        "corpus init",
        [
            "corpus",
            "init",
            str(folder),
            "--videos",
            "videos/**/*.mp4",
            "--coders",
            ",".join(coders),
            *w,
        ],
        res,
    )
    code_corpus(folder, coders)
    print(
        f"load average {os.getloadavg()[0]:.1f} (2 cores shared); corpus commands, "
        f"--workers {args.workers}:"
    )
    timed("corpus status", ["corpus", "status", str(folder)], res)
    timed("corpus agree", ["corpus", "agree", str(folder), *w], res)
    timed("corpus merge", ["corpus", "merge", str(folder), *w], res)
    timed(
        "corpus export casme",
        ["corpus", "export", str(folder), "--to", "casme", "-o", str(folder / "all.xlsx"), *w],
        res,
    )
    timed(
        "corpus export parquet",
        [
            "corpus",
            "export",
            str(folder),
            "--to",
            "parquet",
            "-o",
            str(folder / "all.parquet"),
            "--source",
            "all",
            *w,
        ],
        res,
    )
    timed("corpus query (warm)", ["corpus", "query", str(folder), QUERY, "--count", *w], res)
    one = next((folder / "coders" / "ann").rglob("*.facet.json"))
    one.touch()
    timed("query, 1 changed", ["corpus", "query", str(folder), QUERY, "--count", *w], res)
    print(f"load average {os.getloadavg()[0]:.1f}; plain loop over the files, in process:")
    for k, v in loops(folder, coders).items():
        print(f"  {k:<22} {v:7.2f} s")


if __name__ == "__main__":
    main_bench()
