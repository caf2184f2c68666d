"""The ``annotator`` command line: headless, never imports the GUI.

Every failure is one line on stderr naming the file and the problem, with a non-zero exit
code; a Python traceback never reaches the user (unexpected errors go to the log file).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from annotator import __version__

log = logging.getLogger("annotator")

# Subcommand groups living next to the code they drive; each module has register(subparsers).
_COMMAND_MODULES = (
    "annotator.cli_media",
    "annotator.cli_io",
    "annotator.cli_analysis",
    "annotator.cli_team",
    "annotator.cli_track",
)


class CliError(Exception):
    """A one-line message for the user; exit code 1 unless given."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _cmd_new(args: argparse.Namespace) -> int:
    from annotator.io.media_link import media_from_video
    from annotator.io.project_file import save_project
    from annotator.model import Project

    out = Path(args.project)
    if out.exists() and not args.force:
        raise CliError(f"{out}: already exists (use --force to overwrite)")
    if not out.parent.exists():
        raise CliError(f"{out.parent}: folder does not exist")
    video = Path(args.video)
    if not video.is_file():
        raise CliError(f"{video}: no such video file")
    project = Project(title=args.title or video.stem, annotator=args.annotator or "")
    media, _ = media_from_video(video, out, "m1")
    project.add_media(media)
    project.add_face(name="Face A")
    save_project(project, out)
    print(
        f"created {out} ({media.frame_count} frames, {media.width}x{media.height}, "
        f"{float(media.fps):.3f} fps)"
    )
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from annotator.io.media_link import check_media
    from annotator.io.project_file import ProjectFileError, load_project

    try:
        loaded = load_project(args.project)
    except ProjectFileError as e:
        for line in e.problems:
            print(line, file=sys.stderr)
        return 1
    problems = [p.message() for p in check_media(loaded.project, loaded.path)] if args.media else []
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return 1
    print(f"{loaded.path.name}: valid ({len(loaded.project.events)} events)")
    return 0


def project_info(loaded: Any) -> dict[str, Any]:
    p = loaded.project
    per_face: dict[str, dict[str, int]] = {}
    for f in p.faces.values():
        counts = Counter(e.kind.value for e in p.events.values() if e.face == f.id)
        per_face[f.id] = {
            "name": f.name,
            **{k: counts.get(k, 0) for k in ("au", "emotion", "note")},
        }
    kinds = Counter(e.kind.value for e in p.events.values())
    return {
        "file": str(loaded.path),
        "title": p.title,
        "annotator": p.annotator,
        "schema_version": p.schema_version,
        "media": [
            {
                "id": m.id,
                "path": m.path,
                "frame_count": m.frame_count,
                "fps": f"{m.fps}",
                "width": m.width,
                "height": m.height,
                "vfr": m.vfr,
            }
            for m in p.media.values()
        ],
        "faces": per_face,
        "events": {k: kinds.get(k, 0) for k in ("au", "emotion", "note")},
        "event_count": len(p.events),
        "markers": len(p.markers),
    }


def _cmd_info(args: argparse.Namespace) -> int:
    from annotator.io.project_file import load_project

    info = project_info(load_project(args.project))
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['title']}  ({info['file']})")
    for m in info["media"]:
        print(
            f"  media {m['id']}: {m['path']}  {m['frame_count']} frames  {m['fps']} fps"
            f"  {m['width']}x{m['height']}{'  VFR' if m['vfr'] else ''}"
        )
    ev = info["events"]
    print(
        f"  events: {info['event_count']} (au {ev['au']}, emotion {ev['emotion']}, note {ev['note']})"
    )
    for fid, f in info["faces"].items():
        print(f"  face {fid} {f['name']}: au {f['au']}, emotion {f['emotion']}, note {f['note']}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from annotator.demo import write_demo

    path = write_demo(Path(args.dir), force=args.force)
    print(f"demo project written: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Facet: frame-exact FACS and emotion annotation (command line).",
    )
    parser.add_argument("--version", action="version", version=f"facet {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("new", help="create a project for a video")
    p.add_argument("project", help="the .facet.json file to write")
    p.add_argument("--video", required=True, help="the video to annotate")
    p.add_argument("--title", help="project title (default: video name)")
    p.add_argument("--annotator", help="your name or initials, stored with each event")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_cmd_new)

    p = sub.add_parser("validate", help="check a project file (exit 0 when valid)")
    p.add_argument("project")
    p.add_argument("--media", action="store_true", help="also check the videos exist and match")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("info", help="faces, event counts and media of a project")
    p.add_argument("project")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("demo", help="write the demo project (synthetic video + events)")
    p.add_argument("dir", nargs="?", default="facet-demo", help="folder (default: facet-demo)")
    p.add_argument("--force", action="store_true", help="rewrite an existing demo")
    p.set_defaults(func=_cmd_demo)

    for name in _COMMAND_MODULES:  # our own modules: a broken one fails loudly, never skipped
        importlib.import_module(name).register(sub)
    return parser


def _user_message(exc: BaseException) -> str | None:
    """One-line text for errors a user can cause; None for bugs."""
    from annotator.io.project_file import ProjectFileError
    from annotator.media import MediaError
    from annotator.model import ModelError

    known = (CliError, ProjectFileError, ModelError, ValueError, MediaError)
    if isinstance(exc, known):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    return None


def _refuse_special_files(args: argparse.Namespace) -> None:
    """A FIFO or device named anywhere on the command line is refused before any work:
    reading one hangs (validate on a FIFO waited forever) and writing one is never meant."""
    import os
    import stat

    from annotator.safe_output import note_input

    for dest, value in vars(args).items():
        for v in value if isinstance(value, list) else [value]:
            if not isinstance(v, str) or not v:
                continue
            try:
                mode = os.stat(v).st_mode
            except (OSError, ValueError):
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device or socket"
                raise CliError(f"{v}: is {kind}, not a file; nothing was read or written")
            if stat.S_ISREG(mode) and dest not in _OUTPUT_ARGS:
                # Every file the command reads is an input no output may replace (spot -o
                # onto its video); a project file may still be saved over (import --into).
                note_input(v, label="project" if v.endswith(".facet.json") else "input")


_OUTPUT_ARGS = frozenset({"output", "csv", "charts", "dir"})


def main(argv: list[str] | None = None) -> int:
    from annotator.logs import setup_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    logfile = setup_logging(verbose=args.verbose)
    from annotator.safe_output import input_scope

    try:
        with input_scope():
            _refuse_special_files(args)
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("annotator: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        msg = _user_message(exc)
        if msg is None:
            log.exception("unexpected error in %s", args.command)
            msg = f"internal error: {type(exc).__name__}: {exc} (details in {logfile})"
        for line in msg.splitlines() or [""]:
            print(
                f"annotator: {line}" if not line.startswith("annotator") else line, file=sys.stderr
            )
        return getattr(exc, "code", 1) if isinstance(exc, CliError) else 1


if __name__ == "__main__":
    sys.exit(main())
