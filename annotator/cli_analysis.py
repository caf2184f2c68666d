"""``annotator agree | spot | spot-eval | cuts | stats``: the analysis commands.

Handlers return an exit code and raise ``CliError``/``ValueError`` with one line naming
the file; ``annotator.cli.main`` turns those into a message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any


def _err(message: str) -> Exception:
    from annotator.cli import CliError

    return CliError(message)


class _Bar:
    """Progress on stderr: a bar redrawn in place on a terminal, a line per 10 % when
    stderr is a file (logs of corpus runs stay readable); nothing with ``--quiet``."""

    def __init__(self, label: str, quiet: bool = False) -> None:
        self.label = label
        self.quiet = quiet
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        pct = int(100 * done / max(total, 1))
        if not sys.stderr.isatty():  # a log file: a line per 10 %, no carriage returns
            pct -= pct % 10
            if self.quiet or pct == self._last:
                return
            self._last = pct
            print(f"{self.label}: {pct}% ({done}/{total} frames)", file=sys.stderr, flush=True)
            return
        if self.quiet or pct == self._last:
            return
        self._last = pct
        filled = pct // 5
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (20 - filled)}] {pct:3d}% "
            f"({done}/{total} frames)"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if not self.quiet and self._last >= 0 and sys.stderr.isatty():
            sys.stderr.write("\n")
            sys.stderr.flush()


def _num(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else x


# --------------------------------------------------------------------------- agree
def _cmd_agree(args: argparse.Namespace) -> int:
    from annotator.analysis.agreement import compare
    from annotator.analysis.multi_agreement import compare_many
    from annotator.analysis.report_text import (
        agreement_text,
        many_text,
        write_agreement_csv,
        write_many_csv,
    )
    from annotator.analysis.takes import TakeMismatch
    from annotator.io.project_file import load_project

    paths = [args.a, args.b, *args.others]
    projects = [load_project(p).project for p in paths]
    try:
        if len(paths) == 2:
            report: Any = compare(
                *projects, tolerance_frames=args.tolerance_frames, matching=args.matching
            )
        else:
            report = compare_many(
                projects, coder_names(paths), tolerance_frames=args.tolerance_frames
            )
    except TakeMismatch as exc:
        raise _err(f"{paths[exc.first]}, {paths[exc.other]}: {exc}") from None
    except ValueError as exc:
        raise _err(f"{', '.join(paths)}: {exc}") from None
    if args.csv:
        (write_agreement_csv if len(paths) == 2 else write_many_csv)(args.csv, report)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    elif len(paths) == 2:
        print("\n".join(agreement_text(report, Path(args.a).name, Path(args.b).name)))
    else:
        print("\n".join(many_text(report)))
    return 0


def coder_names(paths: list[str]) -> list[str]:
    """Short unique names for coders' files: the file name without ``.facet.json``, or the
    parent folder when all files share one name (``alice/clip.facet.json``)."""
    stems = [Path(p).name.removesuffix(".facet.json").removesuffix(".json") for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    parents = [Path(p).parent.name or s for p, s in zip(paths, stems, strict=True)]
    if len(set(parents)) == len(parents):
        return parents
    return [f"{s}#{i + 1}" for i, s in enumerate(stems)]


# --------------------------------------------------------------------------- spot
def _cmd_spot(args: argparse.Namespace) -> int:
    target = Path(args.video)
    if target.is_dir():
        return _spot_corpus(args, target)
    if args.scheduler:
        raise _err("--scheduler applies to a folder of videos")
    if not target.exists():
        raise _err(f"{target}: no such video file")
    from annotator.analysis.candidates_io import write_candidates
    from annotator.analysis.spotting import spot

    project = None
    if args.face_boxes:
        from annotator.io.project_file import load_project

        project = load_project(args.face_boxes).project
    bar = _Bar(f"spotting {target.name}", args.quiet)
    try:
        try:
            result = spot(target, project=project, progress=bar)
        except ValueError as exc:
            where = args.face_boxes or target
            raise _err(f"{where}: {exc}") from None
    finally:
        bar.close()
    n = write_candidates(
        args.output, result.candidates, video=target.name, timebase=result.info.timebase
    )
    faces = ", ".join(sorted({k.split("/")[0] for k in result.tracks})) or "none found"
    print(f"{n} candidates on faces {faces} -> {args.output}")
    return 0


def sibling_faces(video: Path) -> tuple[tuple[Any, ...], str] | None:
    """Face boxes from ``clip.facet.json`` next to ``clip.mp4`` (runs in batch workers)."""
    project_path = video.with_name(f"{video.stem}.facet.json")
    if not project_path.is_file():
        return None
    from annotator.io.project_file import load_project

    project = load_project(project_path).project
    media = project.primary_media
    if media is None or not any(f.boxes for f in project.faces.values()):
        return None
    return tuple(project.faces.values()), media.id


def _spot_corpus(args: argparse.Namespace, folder: Path) -> int:
    from annotator.analysis.batch import find_videos, run_batch
    from annotator.cli_batch import batch_progress, print_failures

    if args.face_boxes:
        raise _err(
            "--face-boxes applies to one video; in a folder, clip.facet.json next to "
            "clip.mp4 supplies its boxes"
        )
    videos = find_videos(folder)
    if not videos:
        raise _err(f"{folder}: no videos in this folder")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise _err(f"{out}: for a folder of videos, -o must be a folder")

    results = run_batch(
        videos,
        out,
        scheduler=args.scheduler,
        n_workers=args.workers,
        on_result=batch_progress(args.quiet),
        load_faces=sibling_faces,
    )
    failed = [r for r in results if not r.ok]
    ok = len(results) - len(failed)
    print(
        f"{ok} of {len(results)} videos spotted, {sum(r.candidates for r in results)} "
        f"candidates in {out}; {len(failed)} failed"
    )
    return print_failures(results)


# --------------------------------------------------------------------------- spot-eval
def _cmd_spot_eval(args: argparse.Namespace) -> int:
    from annotator.analysis.candidates_io import evaluate
    from annotator.model.scale import micro_rule

    timebases: dict[str, Any] = {}
    candidates = _intervals(args.candidates, timebases, args.frame_base)
    truth = _intervals(args.truth, timebases, args.frame_base)
    timebase = None
    if args.video:
        from annotator.io.common import open_frames

        video = Path(args.video)
        if not video.is_file():
            raise _err(f"{video}: no such video file")
        with open_frames(video) as fs:
            timebase = fs.timebase
    ev = evaluate(
        candidates,
        truth,
        fps=args.fps,
        timebases=timebases,
        timebase=timebase,
        rule=micro_rule(args.micro),
    )
    if args.json:
        out: dict[str, Any] = {
            k: {m: _num(v) for m, v in getattr(ev, k).as_dict().items()}
            for k in ("overall", "micro", "macro")
        }
        out["micro_rule"] = ev.rule or None
        print(json.dumps(out, indent=2))
        return 0
    for name in ("overall", "micro", "macro") if ev.rule else ("overall",):
        s = getattr(ev, name)
        print(
            f"{name:<8} TP {s.tp}  spotted {s.n_predicted}  truth {s.n_reference}  "
            f"precision {_fmt(s.precision)}  recall {_fmt(s.recall)}  F1 {_fmt(s.f1)}"
        )
    if ev.rule:
        print(f"micro/macro by {ev.rule} on real timestamps; each split matched on its own")
    else:
        print("micro/macro not split: no timestamps (give a project truth, --video or --fps)")
    return 0


def _intervals(path: str, timebases: dict[str, Any], frame_base: int = 1) -> list[Any]:
    """A CSV table, a dataset sheet (CASME II, SAMM, CAS(ME)^2/^3, MEGC ground truth;
    1-based frames by default), or the expressions of a ``.facet.json`` project (whose
    videos' real timestamps go into ``timebases``)."""
    from annotator.analysis.candidates_io import Interval, project_intervals, read_intervals

    if path.endswith(".json"):
        from annotator.io.common import attach_timebases
        from annotator.io.project_file import load_project

        loaded = load_project(path)
        attach_timebases(loaded.project, loaded.path)
        for m in loaded.project.media.values():
            timebases[Path(m.path).name] = loaded.project.timebase(m.id)
        return project_intervals(loaded.project)
    if not path.lower().endswith((".xlsx", ".xlsm")):
        try:
            return read_intervals(path)
        except ValueError as e:
            if "needs onset and offset columns" not in str(e):
                raise
    from annotator.io.sheets import sheet_records

    out = []
    for r in sheet_records(Path(path)):
        if r.onset is None:
            raise _err(f"{Path(path).name}: line {r.line}: onset is missing")
        offset = r.offset if r.offset not in (None, 0) else (r.apex or r.onset)
        out.append(
            Interval(
                r.clip,
                r.subject,
                r.onset - frame_base,
                offset - frame_base,
                r.apex - frame_base if r.apex is not None else None,
            )
        )
    return out


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4f}"


# --------------------------------------------------------------------------- cuts
def _cmd_cuts(args: argparse.Namespace) -> int:
    from annotator.analysis.cuts import detect_cuts, write_cuts

    video = Path(args.video)
    if not video.is_file():
        raise _err(f"{video}: no such video file")
    bar = _Bar(f"cuts {video.name}", args.quiet)
    try:
        info, cuts = detect_cuts(video, progress=bar)
    finally:
        bar.close()
    if args.output:
        write_cuts(args.output, cuts, info)
        print(f"{len(cuts)} cuts -> {args.output}")
    else:
        for c in cuts:
            print(f"{c.frame}\t{info.timebase.time_s(c.frame):.3f}\t{c.score:.4f}")
    return 0


# --------------------------------------------------------------------------- stats
def _cmd_stats(args: argparse.Namespace) -> int:
    from annotator.analysis.stats import summary
    from annotator.io.common import attach_timebases
    from annotator.io.project_file import load_project

    loaded = load_project(args.project)
    project = loaded.project
    attach_timebases(project, loaded.path)  # micro/macro from the real timestamps
    s = summary(project, micro=args.micro)
    if args.charts:
        _write_charts(project, Path(args.charts))
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    print(f"{project.title}: {s['frames']} frames")
    print("AU frequency (face, AU, events, frames, share of video):")
    for r in s["au_frequency"]:
        print(
            f"  {r['face']:<5} AU{r['au']:<4} {r['events']:>4} {r['frames']:>7} "
            f"{100 * r['share']:6.1f}%"
        )
    d = s["durations"]
    print(
        f"AU event durations: {d['micro']} micro, {d['macro']} macro ({d['micro_rule']}: "
        f"{d['micro_rule_text']})"
    )
    co = s["cooccurrence"]
    if co["aus"]:
        print("co-occurrence (frames):  " + " ".join(f"{a:>5}" for a in co["aus"]))
        for a, row in zip(co["aus"], co["frames"], strict=True):
            print(f"  AU{a:<20}" + " ".join(f"{v:>5}" for v in row))
    for face, segs in s["emotion_timeline"].items():
        print(
            f"emotions {face}: "
            + (", ".join(f"{on}-{off} {lab}" for on, off, lab in segs) or "none")
        )
    return 0


def _write_charts(project: Any, folder: Path) -> None:
    from annotator.analysis import charts
    from annotator.analysis.stats import (
        au_frequency,
        cooccurrence,
        duration_histogram,
        durations_s,
        emotion_timeline,
    )
    from annotator.safe_output import output_folder, write_output

    output_folder(folder)
    freq = au_frequency(project)
    edges, counts = duration_histogram(durations_s(project))
    aus, mat = cooccurrence(project)
    n = max((m.frame_count for m in project.media.values()), default=1)
    images = {
        "au_frequency.png": charts.bar_chart(
            [f"{r.face}:{r.au}" for r in freq], [r.events for r in freq], "AU events per face"
        ),
        "durations.png": charts.duration_histogram_chart(edges, counts),
        "cooccurrence.png": charts.heatmap([str(a) for a in aus], mat, "AU co-occurrence"),
        "emotions.png": charts.timeline_chart(emotion_timeline(project), n),
    }
    for name, img in images.items():
        write_output(folder / name, charts.png_bytes(img))


# --------------------------------------------------------------------------- wiring
def register(sub: Any) -> None:
    from annotator.model.scale import DEFAULT_MICRO_RULE, MICRO_RULES

    p = sub.add_parser("agree", help="agreement between two or more coders' projects of one video")
    p.add_argument("a", help="coder A's .facet.json (the reference)")
    p.add_argument("b", help="coder B's .facet.json")
    p.add_argument(
        "others",
        nargs="*",
        metavar="C",
        help="more coders: alpha, Fleiss' kappa and pairwise kappas per AU",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--tolerance-frames",
        type=int,
        default=0,
        metavar="N",
        help="forgive onset/offset disagreements of up to N frames (default 0)",
    )
    p.add_argument("--csv", metavar="FILE", help="also write the agreement table as CSV")
    p.add_argument(
        "--matching",
        choices=("greedy", "hungarian"),
        default="greedy",
        help="two coders: the event matching rule behind the pairs (both are reported)",
    )
    p.set_defaults(func=_cmd_agree)

    p = sub.add_parser(
        "spot",
        help="candidate facial movements (onset/apex/offset) of a "
        "video, or of every video in a folder",
    )
    p.add_argument("video", help="a video file, or a folder of videos (corpus mode)")
    p.add_argument(
        "--face-boxes",
        metavar="PROJECT",
        help="take face regions from this project (default: face detector)",
    )
    p.add_argument("-o", "--output", required=True, help="candidates.csv (a folder in corpus mode)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="corpus mode: use this dask scheduler instead of a local cluster",
    )
    p.add_argument("--workers", type=int, default=2, help="local cluster workers (default 2)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=_cmd_spot)

    p = sub.add_parser("spot-eval", help="MEGC evaluation of candidates against ground truth")
    p.add_argument("candidates", help="candidates.csv")
    p.add_argument("truth", help="truth.csv (onset/offset columns) or a .facet.json")
    p.add_argument("--video", help="the video: its real timestamps split micro and macro")
    p.add_argument(
        "--fps",
        type=float,
        help="constant frame rate, when neither a project nor --video gives times",
    )
    p.add_argument(
        "--micro",
        choices=list(MICRO_RULES),
        metavar="RULE",
        help=f"micro rule: {', '.join(MICRO_RULES)} (default {DEFAULT_MICRO_RULE})",
    )
    p.add_argument(
        "--frame-base",
        type=int,
        choices=(0, 1),
        default=1,
        help="dataset sheets: first frame number in the sheet (default 1)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_spot_eval)

    p = sub.add_parser("cuts", help="shot boundaries (hard cuts) of a video")
    p.add_argument("video")
    p.add_argument("-o", "--output", help="cuts.csv (default: print frame, seconds, score)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=_cmd_cuts)

    p = sub.add_parser("stats", help="AU frequency, durations, co-occurrence, emotions")
    p.add_argument("project")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--charts", metavar="DIR", help="also write PNG charts into DIR")
    p.add_argument(
        "--micro",
        choices=list(MICRO_RULES),
        metavar="RULE",
        help=f"micro rule: {', '.join(MICRO_RULES)} (default {DEFAULT_MICRO_RULE})",
    )
    p.set_defaults(func=_cmd_stats)
