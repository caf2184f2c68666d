"""Export speed on a 1-hour, 25 fps, two-face project, against a naive per-frame loop.

    .venv/bin/python bench/bench_exports.py            # 1 hour, 3000 events
    .venv/bin/python bench/bench_exports.py --minutes 10 --events 300

The per-frame AU table is the one export whose size grows with the video, not with the
coding: 90,000 frames x 2 faces = 180,000 rows. The vectorised writer (numpy slices per
event, text columns per run of frames between event boundaries) is compared with the
obvious loop (for each frame, for each face, look at every event of the face), and both
outputs are checked to be identical.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotator.io.eaf import eaf_text
from annotator.io.events_csv import events_csv_text
from annotator.io.frames_csv import au_column, frames_table
from annotator.io.sheets import sheet_rows
from annotator.model import Event, EventKind, Face, Intensity, Media, Project


def make_project(minutes: float, n_events: int, seed: int = 1) -> Project:
    n = int(25 * 60 * minutes)
    p = Project(title="bench")
    p.add_media(Media("m1", "bench.mp4", frame_count=n, fps=Fraction(25)))
    p.add_face(Face("A", "Ada"))
    p.add_face(Face("B", "Ben"))
    rng = random.Random(seed)
    for i in range(1, n_events + 1):
        on = rng.randrange(n - 200)
        off = on + rng.randrange(1, 150)
        face = rng.choice("AB")
        if rng.random() < 0.75:
            e = Event(
                i,
                face,
                EventKind.AU,
                on,
                off,
                au=rng.choice([1, 2, 4, 6, 12, 15, 25, 45]),
                intensity=rng.choice([None, *Intensity]),
            )
        else:
            e = Event(
                i,
                face,
                EventKind.EMOTION,
                on,
                off,
                emotion=rng.choice(["happiness", "sadness", "anger"]),
            )
        p.events[i] = e  # bypass per-event signals: this is a fixture, not an edit
    return p


def naive_frames_csv(p: Project) -> str:
    """The straightforward per-frame loop the vectorised writer replaces."""
    tb = p.timebase("m1")
    aus = p.aus_in_use()
    faces = list(p.faces)
    by_face = {
        f: sorted(
            (e for e in p.events.values() if e.face == f), key=lambda e: (e.onset_frame, e.id)
        )
        for f in faces
    }
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["frame", "time_s", "face", *(au_column(a) for a in aus), "emotion", "in_event"])
    for frame in range(tb.frame_count):
        t = round(tb.time_s(frame), 6)
        for f in faces:
            levels = dict.fromkeys(aus, 0)
            emotions: list[str] = []
            ids = []
            for e in by_face[f]:
                if e.onset_frame <= frame <= e.offset_frame:
                    ids.append(str(e.id))
                    if e.kind is EventKind.AU:
                        lv = e.intensity.level if e.intensity else 1
                        levels[e.au] = max(levels[e.au], lv)
                    elif e.kind is EventKind.EMOTION and e.emotion not in emotions:
                        emotions.append(e.emotion)
            w.writerow([frame, t, f, *levels.values(), ";".join(emotions), ";".join(ids)])
    return out.getvalue()


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--no-naive", action="store_true", help="skip the slow baseline")
    args = ap.parse_args()
    p = make_project(args.minutes, args.events)
    p.set_timebase("m1", p.timebase("m1"))  # build the nominal timebase once, like a real one
    rows = p.media["m1"].frame_count * len(p.faces)
    print(
        f"project: {args.minutes:g} min at 25 fps, {len(p.faces)} faces, {len(p.events)} "
        f"events -> {rows} per-frame rows"
    )
    fast, t_fast = timed(lambda: frames_table(p).to_csv(index=False, lineterminator="\n"))
    print(f"frames-csv vectorised (pandas): {t_fast:7.2f} s  ({len(fast) / 1e6:.1f} MB)")
    if not args.no_naive:
        slow, t_slow = timed(lambda: naive_frames_csv(p))
        print(f"frames-csv naive per-frame loop: {t_slow:7.2f} s  -> {t_slow / t_fast:.0f}x slower")
        print(f"outputs identical: {slow == fast}")
    _, t = timed(lambda: events_csv_text(p))
    print(f"events csv:                      {t:7.2f} s")
    with tempfile.TemporaryDirectory() as d:
        _, t = timed(lambda: eaf_text(p, Path(d) / "b.eaf"))
    print(f"eaf (pympi):                     {t:7.2f} s")
    _, t = timed(lambda: sheet_rows(p, "casme2"))
    print(f"casme sheet rows:                {t:7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
