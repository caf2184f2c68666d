"""What every exporter and importer shares: the project with real timestamps, safe cells,
atomic writes and progress reporting.

Seconds in every format come from the video's real frame timestamps (VFR, 30000/1001 and
streams whose first PTS is not 0 would drift otherwise), so each exporter starts from
:func:`load_for_export`, which opens the video once to read its PTS table and falls back
to the nominal rate, with a warning, only when the video is missing or unreadable.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.io.media_link import resolve
from annotator.io.project_file import load_project
from annotator.model import Project
from annotator.safe_output import note_input, safe_cell, write_output  # noqa: F401 - safe_cell re-exported

log = logging.getLogger(__name__)

#: ``progress(done, total) -> keep_going``; returning False cancels the work.
Progress = Callable[[int, int], bool]
Warn = Callable[[str], None]


class Cancelled(Exception):
    """The user cancelled a long export; partial output has been removed."""


def warn_stderr(message: str) -> None:
    print(f"annotator: warning: {message}", file=sys.stderr)


def tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and progress(done, total) is False:
        raise Cancelled("cancelled")


@dataclass
class ExportSource:
    """A project ready to export: real timebases attached, videos located."""

    project: Project
    project_path: Path | None
    videos: dict[str, Path] = field(default_factory=dict)  # media id -> existing video file
    warnings: list[str] = field(default_factory=list)

    def video(self, media_id: str) -> Path | None:
        return self.videos.get(media_id)


def attach_timebases(
    project: Project, project_path: str | os.PathLike[str] | None, warn: Warn | None = warn_stderr
) -> ExportSource:
    """Attach each video's real timestamps to ``project`` (nominal rate, with a warning,
    when a video is missing or cannot be decoded)."""
    src = ExportSource(project, Path(project_path) if project_path else None)
    for m in project.media.values():
        path = resolve(m, project_path)
        note_input(path, label="video")
        if not path.is_file():
            msg = (
                f"{path}: video not found; seconds use the nominal rate "
                f"({m.fps} fps) instead of the real frame timestamps"
            )
        elif project.has_real_timebase(m.id):
            src.videos[m.id] = path
            continue
        else:
            try:
                from annotator.media import FrameSource

                with FrameSource(path, prefetch=False) as fs:
                    timebase = fs.timebase
            except Exception as e:  # noqa: BLE001 - MediaError or a missing engine
                msg = f"{e}; seconds use the nominal rate ({m.fps} fps)"
            else:
                check_claimed_frames(project, m.id, timebase.frame_count, project_path, path)
                project.set_timebase(m.id, timebase)
                src.videos[m.id] = path
                continue
        src.warnings.append(msg)
        if warn is not None:
            warn(msg)
    return src


def check_claimed_frames(
    project: Project,
    media_id: str,
    real_count: int,
    project_path: str | os.PathLike[str] | None,
    video: Path,
) -> None:
    """The video bounds the project: a frame count (or an event) past the video's last
    frame is an error, not a reason to allocate the claimed length."""
    m = project.media[media_id]
    index = list(project.media).index(media_id)
    name = Path(project_path).name if project_path else "project"
    if m.frame_count > real_count:
        raise ValueError(
            f"{name}: /media/{index}/frame_count: claims {m.frame_count} frames "
            f"but {video.name} has {real_count}"
        )
    last = max((e.offset_frame for e in project.events.values() if e.media == media_id), default=-1)
    if last >= real_count:
        raise ValueError(
            f"{name}: an event of media {media_id!r} ends at frame {last}, past "
            f"the last frame ({real_count - 1}) of {video.name}"
        )


def load_for_export(
    project_path: str | os.PathLike[str], warn: Warn | None = warn_stderr
) -> ExportSource:
    """Load a project file and attach the real timestamps of its videos."""
    loaded = load_project(project_path)
    return attach_timebases(loaded.project, loaded.path, warn)


def open_frames(video: Path) -> Any:
    """A FrameSource for reading frames in order (no prefetch worker)."""
    from annotator.media import FrameSource

    return FrameSource(video, prefetch=False, cache_mb=64)


# ------------------------------------------------------------------ cells and files
def write_atomic(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    encoding: str = "utf-8",
    newline: str | None = "",
    inputs: tuple[str | os.PathLike[str] | None, ...] = (),
) -> Path:
    """Write through :mod:`annotator.safe_output`: a temporary file beside ``path`` renamed
    over it, never onto an input of the command or a special file, symlinks followed,
    an existing file's mode kept."""
    return write_output(path, data, encoding=encoding, newline=newline, inputs=inputs)


def timebases(project: Project) -> dict[str, Any]:
    """Each media's timebase, built once: ``Project.timebase`` rebuilds the nominal one on
    every call, which costs a per-frame list on long videos."""
    return {mid: project.timebase(mid) for mid in project.media}


def media_name(project: Project, media_id: str) -> str:
    m = project.media.get(media_id)
    return Path(m.path).name if m else media_id
