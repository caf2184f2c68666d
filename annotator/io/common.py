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
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.io.media_link import resolve
from annotator.io.project_file import load_project
from annotator.model import Project

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


def attach_timebases(project: Project, project_path: str | os.PathLike[str] | None,
                     warn: Warn | None = warn_stderr) -> ExportSource:
    """Attach each video's real timestamps to ``project`` (nominal rate, with a warning,
    when a video is missing or cannot be decoded)."""
    src = ExportSource(project, Path(project_path) if project_path else None)
    for m in project.media.values():
        path = resolve(m, project_path)
        if not path.is_file():
            msg = (f"{path}: video not found; seconds use the nominal rate "
                   f"({m.fps} fps) instead of the real frame timestamps")
        elif project.has_real_timebase(m.id):
            src.videos[m.id] = path
            continue
        else:
            try:
                from annotator.media import FrameSource

                with FrameSource(path, prefetch=False) as fs:
                    project.set_timebase(m.id, fs.timebase)
                src.videos[m.id] = path
                continue
            except Exception as e:  # noqa: BLE001 - MediaError or a missing engine
                msg = f"{e}; seconds use the nominal rate ({m.fps} fps)"
        src.warnings.append(msg)
        if warn is not None:
            warn(msg)
    return src


def load_for_export(project_path: str | os.PathLike[str],
                    warn: Warn | None = warn_stderr) -> ExportSource:
    """Load a project file and attach the real timestamps of its videos."""
    loaded = load_project(project_path)
    return attach_timebases(loaded.project, loaded.path, warn)


def open_frames(video: Path) -> Any:
    """A FrameSource for reading frames in order (no prefetch worker)."""
    from annotator.media import FrameSource

    return FrameSource(video, prefetch=False, cache_mb=64)


# ------------------------------------------------------------------ cells and files
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Escape text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
    tab, CR at the start) by prefixing a single quote, as OWASP recommends. Numbers are
    left alone: numeric columns stay numeric."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *,
                 encoding: str = "utf-8", newline: str | None = "") -> Path:
    """Write to a temporary file beside ``path`` and rename it over, so a crash or a
    failed export never leaves a half-written file with the final name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        else:
            with os.fdopen(fd, "w", encoding=encoding, newline=newline) as f:
                f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; exports are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def timebases(project: Project) -> dict[str, Any]:
    """Each media's timebase, built once: ``Project.timebase`` rebuilds the nominal one on
    every call, which costs a per-frame list on long videos."""
    return {mid: project.timebase(mid) for mid in project.media}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def media_name(project: Project, media_id: str) -> str:
    m = project.media.get(media_id)
    return Path(m.path).name if m else media_id
