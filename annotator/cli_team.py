"""``annotator merge | corpus ... | scheme ...``: team coding from the command line.

Corpus commands run one task per clip on the dask runner (``--workers``, ``--scheduler``;
``--workers 0`` runs in this process), print a line per finished clip on stderr, and list
the clips that failed at the end instead of stopping at the first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from annotator.cli_batch import batch_progress, print_failures


def _err(message: str) -> Exception:
    from annotator.cli import CliError

    return CliError(message)


# --------------------------------------------------------------------------- merge
def _cmd_merge(args: argparse.Namespace) -> int:
    from annotator.analysis.merge import merge_projects
    from annotator.analysis.takes import TakeMismatch
    from annotator.cli_analysis import coder_names
    from annotator.io.project_file import load_project, save_project

    paths = [args.a, args.b, *args.others]
    out = Path(args.output)
    if out.resolve() in {Path(p).resolve() for p in paths}:
        raise _err(f"{out}: the gold file must not be one of the coders' files")
    if out.exists() and not args.force:
        raise _err(f"{out}: already exists (use --force to overwrite)")
    projects = [load_project(p).project for p in paths]
    try:
        gold = merge_projects(
            projects, coder_names(paths), paths, out, tolerance_frames=args.tolerance_frames
        )
    except TakeMismatch as exc:
        raise _err(f"{paths[exc.first]}, {paths[exc.other]}: {exc}") from None
    except ValueError as exc:
        raise _err(f"{', '.join(paths)}: {exc}") from None
    save_project(gold, out)
    agreed = sum(1 for e in gold.events.values() if e.provenance)
    print(
        f"{out}: {agreed} agreed events, {len(gold.disputes)} disputes to adjudicate "
        f"({len(paths)} coders)"
    )
    return 0


# --------------------------------------------------------------------------- corpus
def _load(folder: str) -> Any:
    from annotator.corpus.folder import CorpusError, load_corpus

    try:
        return load_corpus(folder)
    except CorpusError as exc:
        raise _err(str(exc)) from None


def _cmd_corpus_init(args: argparse.Namespace) -> int:
    from annotator.corpus.folder import (
        CORPUS_FILE,
        find_clip_videos,
        load_corpus,
        new_corpus,
        save_corpus,
    )
    from annotator.corpus.jobs import init_clip, run_clips

    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    coders = [c.strip() for c in args.coders.split(",") if c.strip()]
    if not coders or len(set(coders)) != len(coders):
        raise _err(f"--coders {args.coders!r}: give distinct coder names, e.g. a,b,c")
    bad = [c for c in coders if "/" in c or c == "gold"]
    if bad:
        raise _err(f"--coders: {bad[0]!r} cannot be a coder name")
    videos = find_clip_videos(folder, args.videos)
    if not videos:
        raise _err(f"{folder}: no videos match {args.videos!r}")
    scheme = ""
    if args.scheme:
        from annotator.io.scheme import SchemeError, read_scheme

        try:
            doc = read_scheme(args.scheme)
        except SchemeError as exc:
            raise _err(str(exc)) from None
        from annotator.safe_output import write_output

        write_output(folder / "scheme.json", json.dumps(doc, indent=2) + "\n")
        scheme = "scheme.json"
    corpus = new_corpus(folder, videos, coders, scheme)
    if (folder / CORPUS_FILE).exists():  # again: keep the clips and marks already there
        old = load_corpus(folder)
        known = {c.id for c in old.clips}
        old.clips += [c for c in corpus.clips if c.id not in known]
        old.coders = list(dict.fromkeys([*old.coders, *coders]))
        for c in old.clips:
            c.coders = list(dict.fromkeys([*c.coders, *coders]))
        old.scheme = scheme or old.scheme
        corpus = old
    save_corpus(corpus)
    results = run_clips(
        [c.id for c in corpus.clips],
        _scratch(folder),
        init_clip,
        (str(folder), corpus.scheme),
        workers=args.workers,
        scheduler=args.scheduler,
        on_result=batch_progress(args.quiet, "init"),
    )
    made = sum(r.candidates for r in results if r.ok)
    print(
        f"{corpus.path}: {len(corpus.clips)} clips x {len(corpus.coders)} coders, "
        f"{made} new projects"
    )
    return print_failures(results)


def _scratch(folder: Path) -> Path:
    base = folder / ".facet"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=base, prefix="run-"))


def _cmd_corpus_status(args: argparse.Namespace) -> int:
    from annotator.corpus.folder import corpus_status, status_counts

    corpus = _load(args.folder)
    rows = corpus_status(corpus)
    counts = status_counts(rows)
    if args.json:
        print(
            json.dumps(
                {
                    "clips": [
                        {
                            "clip": r.clip.id,
                            "subject": r.clip.subject,
                            "coders": r.coders,
                            "events": r.events,
                            "gold": r.gold,
                        }
                        for r in rows
                    ],
                    "counts": counts,
                    "missing": [
                        f"{r.clip.project_path(c)}"
                        for r in rows
                        for c, s in r.coders.items()
                        if s == "missing"
                    ],
                },
                indent=2,
            )
        )
        return 0
    width = max([len(r.clip.id) for r in rows] + [4])
    cw = [max(len(c), 11) for c in corpus.coders]
    print(
        f"{'clip':<{width}}  "
        + "  ".join(f"{c:<{w}}" for c, w in zip(corpus.coders, cw, strict=True))
        + "  gold"
    )
    for r in rows:
        print(
            f"{r.clip.id:<{width}}  "
            + "  ".join(f"{r.coders[c]:<{w}}" for c, w in zip(corpus.coders, cw, strict=True))
            + f"  {r.gold}"
        )
    print("counts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for r in rows:
        for c, s in r.coders.items():
            if s == "missing":
                print(f"missing: {corpus.folder / r.clip.project_path(c)}")
    return 0


def _cmd_corpus_mark(args: argparse.Namespace) -> int:
    from annotator.corpus.folder import CorpusError, save_corpus

    corpus = _load(args.folder)
    try:
        clip = corpus.clip(args.clip)
    except CorpusError as exc:
        raise _err(str(exc)) from None
    if args.coder not in clip.coders:
        raise _err(f"{corpus.path}: {args.coder!r} does not code {clip.id}")
    if args.state == "done" and args.coder not in clip.done:
        clip.done.append(args.coder)
    elif args.state == "in-progress" and args.coder in clip.done:
        clip.done.remove(args.coder)
    save_corpus(corpus)
    print(f"{clip.id}: {args.coder} {args.state}")
    return 0


def _cmd_corpus_agree(args: argparse.Namespace) -> int:
    from annotator.corpus.jobs import agree_clip, run_clips
    from annotator.corpus.pooling import pooled_agreement

    corpus = _load(args.folder)
    scratch = _scratch(corpus.folder)
    results = run_clips(
        [c.id for c in corpus.clips],
        scratch,
        agree_clip,
        (str(corpus.folder), args.tolerance_frames),
        workers=args.workers,
        scheduler=args.scheduler,
        on_result=batch_progress(args.quiet, "agree"),
    )
    parts = [json.loads(Path(r.output).read_text(encoding="utf-8")) for r in results if r.ok]
    pooled = pooled_agreement(parts, corpus.coders)
    doc = {
        "clips": {p["clip"]: p["report"] for p in parts},
        "pooled": pooled,
        "failed": [r.line() for r in results if not r.ok],
    }
    if args.output:
        from annotator.safe_output import write_output

        write_output(args.output, json.dumps(doc, indent=2) + "\n")
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        from annotator.corpus.pooling import pooled_text

        for p in parts:
            print(_clip_line(p))
        print("\n".join(pooled_text(pooled)))
    _cleanup(scratch)
    return print_failures(results)


def _clip_line(p: dict[str, Any]) -> str:
    r = p["report"]
    if "fleiss_kappa" in (r.get("au") or [{}])[0]:
        vals = [a["krippendorff_alpha"] for a in r["au"] if a["krippendorff_alpha"] is not None]
        name = "mean alpha"
    else:
        vals = [a["kappa"] for a in r.get("au", []) if a["kappa"] is not None]
        name = "mean kappa"
    mean = f"{sum(vals) / len(vals):.3f}" if vals else "n/a"
    return (
        f"{p['clip']}: {len(r.get('au', []))} AUs, {name} {mean}, "
        f"{p['agreed']}/{p['groups']} event groups agreed"
    )


def _cleanup(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _cmd_corpus_merge(args: argparse.Namespace) -> int:
    from annotator.corpus.jobs import coded, merge_clip, run_clips

    corpus = _load(args.folder)
    todo = [c for c in corpus.clips if coded(corpus, c)]
    skipped = len(corpus.clips) - len(todo)
    scratch = _scratch(corpus.folder)
    results = run_clips(
        [c.id for c in todo],
        scratch,
        merge_clip,
        (str(corpus.folder), args.force, args.tolerance_frames),
        workers=args.workers,
        scheduler=args.scheduler,
        on_result=batch_progress(args.quiet, "merge"),
    )
    ok = sum(r.ok for r in results)
    print(
        f"{ok} of {len(todo)} coded clips merged into {corpus.folder / 'gold'}; {skipped} "
        f"clips not coded by all their coders yet"
    )
    _cleanup(scratch)
    return print_failures(results)


def _cmd_corpus_export(args: argparse.Namespace) -> int:
    from annotator.corpus.export import export_corpus

    corpus = _load(args.folder)
    try:
        out, n, projects, failed = export_corpus(
            corpus,
            args.to,
            args.output,
            source=args.source,
            workers=args.workers,
            scheduler=args.scheduler,
            on_result=batch_progress(args.quiet, "export"),
        )
    except ValueError as exc:
        raise _err(str(exc)) from None
    print(f"{out}: {n} rows from {projects} projects ({args.source})")
    return print_failures(failed)


def _cmd_corpus_query(args: argparse.Namespace) -> int:
    from annotator.corpus.index import query, update_index

    corpus = _load(args.folder)
    table, upd = update_index(
        corpus,
        workers=args.workers,
        scheduler=args.scheduler,
        on_result=batch_progress(args.quiet, "index"),
    )
    try:
        found = query(table, args.expr)
    except ValueError as exc:
        raise _err(f"{corpus.path}: {exc}") from None
    if not args.quiet:
        print(
            f"index: {upd.rebuilt} projects read, {upd.reused} reused, {upd.removed} removed",
            file=sys.stderr,
        )
    if args.output:
        from annotator.safe_output import output_path, safe_cell, write_output

        out = Path(args.output)
        if out.suffix == ".parquet":
            with output_path(out) as tmp:
                found.to_parquet(tmp, index=False)
        else:
            text_cols = [c for c in found.columns if found[c].dtype == object]
            safe = found.assign(**{c: found[c].map(safe_cell) for c in text_cols})
            write_output(out, safe.to_csv(index=False))
    cols = (
        args.columns.split(",")
        if args.columns
        else [
            "subject",
            "clip",
            "coder",
            "face",
            "label",
            "code",
            "onset_frame",
            "apex_frame",
            "offset_frame",
            "scale",
        ]
    )
    missing = [c for c in cols if c not in found.columns]
    if missing:
        raise _err(f"--columns: no column {missing[0]!r}")
    if args.count:
        print(len(found))
    elif args.json:
        print(found[cols].to_json(orient="records", indent=2))
    else:
        print(found[cols].to_csv(index=False, sep="\t"), end="")
    for r in upd.failures:
        print(r.line(), file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- scheme
def _cmd_scheme_export(args: argparse.Namespace) -> int:
    from annotator.io.project_file import load_project
    from annotator.io.scheme import export_scheme

    project = load_project(args.project).project
    out = export_scheme(project, args.output, args.name or "")
    print(f"{out}: {len(project.vocabulary.emotions)} emotions, scheme of {args.project}")
    return 0


def _cmd_scheme_import(args: argparse.Namespace) -> int:
    from annotator.io.project_file import load_project, save_project
    from annotator.io.scheme import SchemeError, apply_scheme, read_scheme
    from annotator.model import ModelError

    try:
        scheme = read_scheme(args.scheme)
    except SchemeError as exc:
        raise _err(str(exc)) from None
    loaded = load_project(args.into)
    try:
        apply_scheme(loaded.project, scheme)
    except ModelError as exc:
        raise _err(f"{args.into}: {exc}") from None
    save_project(loaded.project, loaded.path)
    print(
        f"{args.into}: scheme {scheme['name'] or args.scheme} applied "
        f"({len(scheme['emotions'])} emotions, {len(scheme['aus'])} AUs, "
        f"{len(scheme['code_hotkeys'])} code hotkeys)"
    )
    return 0


# --------------------------------------------------------------------------- wiring
def _runner_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="dask local cluster workers; 0 runs in this process (default: in "
        "this process below 500 clips, else 2 workers)",
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="use this dask scheduler")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def register(sub: Any) -> None:
    p = sub.add_parser("merge", help="merge coders' projects of one video into a gold project")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("others", nargs="*", metavar="C", help="more coders' projects")
    p.add_argument("-o", "--output", required=True, metavar="GOLD.facet.json")
    p.add_argument(
        "--tolerance-frames",
        type=int,
        default=0,
        metavar="N",
        help="also match events whose onsets and offsets are within N frames",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing gold file")
    p.set_defaults(func=_cmd_merge)

    corpus = sub.add_parser("corpus", help="a folder of clips coded by several coders")
    csub = corpus.add_subparsers(dest="corpus_command", required=True)
    p = csub.add_parser("init", help="corpus.json and an empty project per clip and coder")
    p.add_argument("folder")
    p.add_argument(
        "--videos",
        required=True,
        metavar="GLOB",
        help="videos relative to the folder, e.g. 'videos/**/*.mp4'",
    )
    p.add_argument("--coders", required=True, metavar="a,b,c")
    p.add_argument("--scheme", metavar="SCHEME.json", help="coding scheme for every project")
    _runner_options(p)
    p.set_defaults(func=_cmd_corpus_init)

    p = csub.add_parser("status", help="clip x coder table: not started .. adjudicated")
    p.add_argument("folder")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_corpus_status)

    p = csub.add_parser("mark", help="mark a coder's project of a clip done (or in-progress)")
    p.add_argument("folder")
    p.add_argument("clip")
    p.add_argument("--coder", required=True)
    p.add_argument("state", choices=("done", "in-progress"))
    p.set_defaults(func=_cmd_corpus_mark)

    p = csub.add_parser("agree", help="agreement per clip and pooled over the corpus")
    p.add_argument("folder")
    p.add_argument("--json", action="store_true")
    p.add_argument("-o", "--output", metavar="FILE.json", help="also write the JSON report")
    p.add_argument("--tolerance-frames", type=int, default=0, metavar="N")
    _runner_options(p)
    p.set_defaults(func=_cmd_corpus_agree)

    p = csub.add_parser("merge", help="gold projects for every clip coded by all its coders")
    p.add_argument("folder")
    p.add_argument("--force", action="store_true", help="merge again over existing gold files")
    p.add_argument("--tolerance-frames", type=int, default=0, metavar="N")
    _runner_options(p)
    p.set_defaults(func=_cmd_corpus_merge)

    p = csub.add_parser("export", help="one table for the whole dataset")
    p.add_argument("folder")
    p.add_argument("--to", required=True, choices=("casme", "csv", "parquet"))
    p.add_argument("-o", "--output", required=True)
    p.add_argument(
        "--source",
        default="gold",
        help="gold (default), a coder's name, or 'all' (csv/parquet: every project)",
    )
    _runner_options(p)
    p.set_defaults(func=_cmd_corpus_export)

    p = csub.add_parser("query", help="events of every project matching an expression")
    p.add_argument("folder")
    p.add_argument("expr", help="pandas query, e.g. 'au == 12 and scale == \"micro\"'")
    p.add_argument("--columns", help="comma-separated columns to print")
    p.add_argument("--count", action="store_true", help="print only the number of rows")
    p.add_argument("--json", action="store_true")
    p.add_argument("-o", "--output", help="write the matching rows (.csv or .parquet)")
    _runner_options(p)
    p.set_defaults(func=_cmd_corpus_query)

    scheme = sub.add_parser("scheme", help="coding schemes: vocabulary, AU set, colours, keys")
    ssub = scheme.add_subparsers(dest="scheme_command", required=True)
    p = ssub.add_parser("export", help="write a project's coding scheme")
    p.add_argument("project")
    p.add_argument("-o", "--output", required=True, metavar="SCHEME.json")
    p.add_argument("--name", help="the scheme's name (default: the project title)")
    p.set_defaults(func=_cmd_scheme_export)
    p = ssub.add_parser("import", help="apply a coding scheme to a project")
    p.add_argument("scheme", metavar="SCHEME.json")
    p.add_argument("--into", required=True, metavar="PROJECT")
    p.set_defaults(func=_cmd_scheme_import)
