"""``annotator track PROJECT [--media ID]``: find and follow every face, then save.

Progress goes to stderr; the summary (tracks and the faces they became) to stdout. A video
without faces gives 0 tracks and a one-line note, exit code 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _cmd_track(args: argparse.Namespace) -> int:
    from annotator.cli import CliError
    from annotator.cli_analysis import _Bar
    from annotator.io.project_file import load_project, save_project
    from annotator.tracking_job import (
        apply_outcome,
        commit_cache,
        remove_replaced_cache,
        run_tracking,
    )

    loaded = load_project(args.project)
    project = loaded.project
    media_id = args.media or (project.primary_media.id if project.primary_media else "")
    if not media_id:
        raise CliError(f"{loaded.path.name}: the project has no media to track")
    bar = _Bar(f"tracking {media_id}", args.quiet)
    try:
        outcome = run_tracking(project, loaded.path, media_id, progress=bar)
    finally:
        bar.close()
    for note in outcome.notes:
        print(note, file=sys.stderr)
    old_media = project.media[media_id]
    try:
        commit_cache(outcome)
        apply_outcome(project, outcome)
        save_project(project, loaded.path)
    except BaseException:
        outcome.discard()
        raise
    remove_replaced_cache(old_media, outcome, loaded.path)
    print(outcome.summary())
    print(f"landmarks: {outcome.cache_final}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "track",
        help="detect and follow every face: keyframed face boxes and a landmark cache",
        description="Detect every face (BlazeFace), follow it with the 468-point Face Mesh "
        "and store each track as a face with keyframed boxes; per-frame landmarks and "
        "signals go to <project>.<media>.landmarks.npz (a new run writes a new file, "
        "<project>.<media>.landmarks.2.npz, ..., and removes the one it replaced). Running "
        "it again updates the same "
        "faces; boxes keyed by hand win over tracked ones.",
    )
    p.add_argument("project", type=Path)
    p.add_argument("--media", help="media id (default: the project's first media)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=_cmd_track)
