"""``annotator export``, ``annotator import`` and ``annotator export-samples``.

Exports start from the project with the video's real frame timestamps attached (a missing
video falls back to the nominal rate with a warning); imports run into a copy of the
project and save only when the whole file went in, so a bad file changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

IMPORT_KINDS = (
    "eaf",
    "openface",
    "pyfeat",
    "srt",
    "casme",
    "samm",
    "casme-squared",
    "casme3",
    "csv",
    "boris",
    "datavyu",
)
_KIND_ALIASES = {
    "cas(me)^2": "casme-squared",
    "casme^2": "casme-squared",
    "cas(me)^3": "casme3",
    "casme^3": "casme3",
    "cas(me)3": "casme3",
    "cas(me)2": "casme-squared",
    "elan": "eaf",
    "samm-lv": "samm",
    "casme2": "casme",
    "py-feat": "pyfeat",
    "opf": "datavyu",
    "events-csv": "csv",
}


def parse_ids(text: str) -> set[int]:
    """``"1,4,7-9"`` -> {1, 4, 7, 8, 9}."""
    ids: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        try:
            if "-" in part:
                a, b = part.split("-", 1)
                ids.update(range(int(a), int(b) + 1))
            else:
                ids.add(int(part))
        except ValueError:
            raise ValueError(
                f"--events: {part!r} is not an event id or range (e.g. 1,4,7-9)"
            ) from None
    return ids


def _default_out(project: Path, suffix: str, fmt: str) -> Path:
    name = project.name
    stem = name[: -len(".facet.json")] if name.endswith(".facet.json") else project.stem
    if fmt == "json":
        return project.with_name(f"{stem}.export.facet.json")
    return project.with_name(f"{stem}-clips" if fmt == "clips" else stem + suffix)


def _export_options(args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {"portable": args.portable}
    if args.to == "casme":
        options.update(layout=args.layout, frame_base=args.frame_base)
    if args.to in ("csv", "casme", "report") and args.micro:
        options["micro"] = args.micro
    if args.to == "clips":
        options.update(
            events=parse_ids(args.events) if args.events else None,
            margin=args.margin,
            crop=args.crop,
        )
    if args.to == "frames-csv" and args.media:
        options["media_id"] = args.media
    return options


def export_one(project: str, out_dir: str, fmt: str, options: dict[str, object]):  # type: ignore[no-untyped-def]
    """One corpus task: export ``project`` into ``out_dir``; a failure is a result, not a raise."""
    import time

    from annotator.analysis.batch import JobResult
    from annotator.io.common import load_for_export
    from annotator.io.exporting import FORMATS, export

    start = time.perf_counter()
    try:
        path = Path(project)
        out = _default_out(Path(out_dir) / path.name, FORMATS[fmt].suffix, fmt)
        source = load_for_export(path)
        written = export(fmt, source, out, **options)
        return JobResult(
            project,
            True,
            len(source.project.events),
            str(written),
            seconds=time.perf_counter() - start,
            unit="events",
        )
    except Exception as exc:  # noqa: BLE001 - a task reports, the batch goes on
        return JobResult.failure(project, exc, start)


def _export_corpus(args: argparse.Namespace, folder: Path) -> int:
    """Every ``*.facet.json`` in ``folder``, in parallel on dask; failures never stop it."""
    from annotator.analysis.batch import run_batch
    from annotator.cli_batch import batch_progress, print_failures

    projects = sorted(p for p in folder.glob("*.facet.json") if not p.name.startswith("."))
    if not projects:
        raise ValueError(f"{folder}: no .facet.json projects in this folder")
    if not args.output:
        raise ValueError("export of a folder needs -o OUT_FOLDER")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: for a folder of projects, -o must be a folder")

    results = run_batch(
        projects,
        out,
        scheduler=args.scheduler,
        n_workers=args.workers,
        on_result=batch_progress(quiet=False),
        task=export_one,
        task_args=(args.to, _export_options(args)),
    )
    failed = [r for r in results if not r.ok]
    print(
        f"{len(results) - len(failed)} of {len(results)} projects exported to {out}; "
        f"{len(failed)} failed"
    )
    return print_failures(results)


def _cmd_export(args: argparse.Namespace) -> int:
    from annotator.io.common import load_for_export
    from annotator.io.exporting import FORMATS, export

    fmt = FORMATS[args.to]
    project = Path(args.project)
    if project.is_dir():
        return _export_corpus(args, project)
    if args.scheduler:
        raise ValueError("--scheduler applies to a folder of projects")
    out = Path(args.output) if args.output else _default_out(project, fmt.suffix, args.to)
    if out.resolve() == project.resolve():
        raise ValueError(f"{out}: is the project itself; choose another output file")
    source = load_for_export(project)
    path = export(args.to, source, out, **_export_options(args))
    print(f"wrote {path}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from annotator.io.importing import import_into_file

    kind = _KIND_ALIASES.get(args.kind.lower(), args.kind.lower())
    if kind not in IMPORT_KINDS:
        raise ValueError(
            f"import: unknown kind {args.kind!r}; use one of {', '.join(IMPORT_KINDS)}"
        )
    from annotator.io.eaf import EafOptions

    eaf_options = EafOptions(
        faces_from=args.faces_from, au_tiers=args.au_tiers, skip_tiers=args.skip_tiers
    )
    if kind == "eaf":
        from annotator.io.eaf import plan_eaf_import

        def planner(project, path):  # type: ignore[no-untyped-def]
            return plan_eaf_import(project, path, options=eaf_options)
    elif kind == "csv":
        from annotator.io.events_csv import plan_events_csv_import as planner
    elif kind == "boris":
        from annotator.io.boris import plan_boris_import

        def planner(project, path):  # type: ignore[no-untyped-def]
            return plan_boris_import(project, path, clip=args.clip, options=eaf_options)
    elif kind == "datavyu":
        from annotator.io.datavyu import plan_datavyu_import

        def planner(project, path):  # type: ignore[no-untyped-def]
            return plan_datavyu_import(project, path, options=eaf_options)
    elif kind == "openface":
        from annotator.io.openface import plan_openface_import

        def planner(project, path):  # type: ignore[no-untyped-def]
            return plan_openface_import(
                project, path, threshold=args.threshold, min_frames=args.min_frames, face=args.face
            )
    elif kind == "pyfeat":
        from annotator.io.pyfeat import plan_pyfeat_import

        def planner(project, path):  # type: ignore[no-untyped-def]
            return plan_pyfeat_import(
                project, path, threshold=args.threshold, min_frames=args.min_frames, face=args.face
            )
    elif kind == "srt":
        from annotator.io.srt import plan_srt_import as planner
    else:
        from annotator.io.sheets import plan_sheet_import

        def planner(project, path):  # type: ignore[no-untyped-def]
            return plan_sheet_import(
                project,
                path,
                kind,
                frame_base=args.frame_base,
                clip=args.clip,
                subject=args.subject,
                frame_offset=args.frame_offset,
            )

    plan = import_into_file(planner, args.file, args.into, dry_run=args.dry_run)
    if args.dry_run:
        for line in plan.mapping:
            print(line)
        print(
            plan.summary().replace(": imported ", ": would import ", 1)
            + f" into {args.into} (dry run: nothing saved)"
        )
        return 0
    print(plan.summary() + f" into {args.into}")
    _say_if_open_in_facet(Path(args.into))
    return 0


def _say_if_open_in_facet(project: Path) -> None:
    """The file is open in a Facet window (its lock): the import is on disk, and that
    window will see the file changed when it next saves and offer to merge (it never
    overwrites it silently). Say so in one line, so nobody thinks the app lost it."""
    from annotator.workspace.lock import read_lock

    holder = read_lock(project)
    if holder is None or holder.stale:
        return
    print(
        f"annotator: {project.name} is open in Facet ({holder.user} on {holder.host}, "
        f"process {holder.pid}); the app will merge this import on its next save",
        file=sys.stderr,
    )


def _cmd_export_samples(args: argparse.Namespace) -> int:
    from annotator.io.regen import regenerate

    for path in regenerate(Path(args.dir)):
        print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from annotator.io.exporting import FORMATS

    p = sub.add_parser(
        "export",
        help="write the project in another format",
        description="Formats: " + "; ".join(f"{f.name}: {f.description}" for f in FORMATS.values()),
    )
    p.add_argument("project", help="the .facet.json project, or a folder of projects (corpus)")
    p.add_argument(
        "--to",
        required=True,
        choices=list(FORMATS),
        metavar="FORMAT",
        help=f"one of {', '.join(FORMATS)}",
    )
    p.add_argument("-o", "--output", help="output file (a folder for clips)")
    p.add_argument(
        "--portable",
        action="store_true",
        help="json/eaf: store only the video's file name (to share with the video)",
    )
    p.add_argument(
        "--layout",
        choices=("casme2", "samm"),
        default="casme2",
        help="casme: sheet layout (default casme2); .xlsx or .csv from -o",
    )
    p.add_argument(
        "--frame-base",
        type=int,
        choices=(0, 1),
        default=1,
        help="casme: first frame number in the sheet (default 1, like the datasets)",
    )
    from annotator.model.scale import DEFAULT_MICRO_RULE, MICRO_RULES

    p.add_argument(
        "--micro",
        choices=list(MICRO_RULES),
        metavar="RULE",
        help=f"csv/casme/report: micro or macro by this rule ({', '.join(MICRO_RULES)}; "
        f"default {DEFAULT_MICRO_RULE}); the file names the rule it used",
    )
    p.add_argument("--events", help="clips: only these event ids, e.g. 1,4,7-9 (default all)")
    p.add_argument("--margin", type=int, default=5, help="clips: extra frames each side (5)")
    p.add_argument("--crop", action="store_true", help="clips: crop to the face box")
    p.add_argument("--media", help="frames-csv: media id (default the first video)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="corpus mode: use this dask scheduler instead of a local cluster",
    )
    p.add_argument(
        "--workers", type=int, default=2, help="corpus mode: local cluster workers (default 2)"
    )
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser(
        "import",
        help="add events, curves or dialogue from another file",
        description="Kinds: eaf (ELAN), openface (OpenFace 2.x CSV), pyfeat "
        "(py-feat CSV), srt "
        "(subtitles as dialogue), casme (CASME II sheet), samm (SAMM / SAMM-LV "
        "sheet), casme-squared (CAS(ME)^2 sheet), casme3 (CAS(ME)^3 sheet), csv (Facet's "
        "events CSV), boris (.boris project or BORIS tabular export), datavyu "
        "(.opf or its CSV). The project changes only when the whole file "
        "imports; --dry-run shows the plan first.",
    )
    p.add_argument("kind", metavar="KIND", help=", ".join(IMPORT_KINDS))
    p.add_argument("file", help="the file to import")
    p.add_argument("--into", required=True, help="the .facet.json project to add to")
    p.add_argument(
        "--threshold",
        type=float,
        help="openface/pyfeat: make candidate AU events where AUxx_r (OpenFace "
        "intensity 0-5) or AUxx (py-feat probability 0-1) >= this",
    )
    p.add_argument(
        "--min-frames",
        type=int,
        default=3,
        help="openface/pyfeat: shortest candidate event in frames (3)",
    )
    p.add_argument("--face", help="openface/pyfeat: put every face on this face id")
    p.add_argument(
        "--frame-base",
        type=int,
        choices=(0, 1),
        default=1,
        help="sheets: first frame number in the sheet (default 1)",
    )
    p.add_argument(
        "--clip",
        help="sheets: only rows whose Filename is this clip (or "
        "SUBJECT/CLIP); a clip name several subjects share needs --subject; "
        "boris: the observation id",
    )
    p.add_argument(
        "--subject",
        help="sheets: only rows of this subject (01, 1, sub01 and spNO.1 are one subject)",
    )
    p.add_argument(
        "--frame-offset",
        type=int,
        default=0,
        metavar="N",
        help="sheets: subtract N from every frame number (sheets numbering frames "
        "from the start of a longer recording, e.g. SAMM)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show what the file would add (eaf: each tier's role and face), the "
        "events already in the project, and the warnings; save nothing",
    )
    p.add_argument(
        "--faces-from",
        choices=("participant", "tier"),
        default="participant",
        help="eaf/boris/datavyu: faces from the tiers' PARTICIPANT (default; child tiers inherit "
        "it) or from the top tier names",
    )
    p.add_argument(
        "--au-tiers",
        metavar="PATTERN",
        help="eaf/boris/datavyu: tiers (BORIS: 'SUBJECT BEHAVIOR', Datavyu: "
        "columns) whose id matches this regular expression hold FACS codes "
        "(default: tiers whose id or type names FACS/AU, or whose values are all "
        "AU-prefixed codes like AU6+AU12)",
    )
    p.add_argument(
        "--skip-tiers",
        metavar="PATTERN",
        help="eaf/boris/datavyu: do not import tiers whose id matches this regular expression",
    )
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser(
        "export-samples", help="regenerate exports/: the demo project in every format"
    )
    p.add_argument("--dir", default="exports", help="output folder (default exports)")
    p.set_defaults(func=_cmd_export_samples)


if __name__ == "__main__":  # pragma: no cover
    from annotator.cli import main

    sys.exit(main(["export", *sys.argv[1:]]))
