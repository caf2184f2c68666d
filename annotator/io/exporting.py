"""The export formats by name, shared by the CLI, the GUI and ``regen``.

Every exporter has the signature ``export(project, out, *, source, progress, **options)``
and writes atomically (a failed or cancelled export leaves no file with the final name).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.safe_output import note_input

if TYPE_CHECKING:  # the CLI imports FORMATS to build its parser: keep that import light
    from annotator.io.common import ExportSource
    from annotator.model import Project


def export_json(
    project: Project,
    out: str | os.PathLike[str],
    *,
    source: ExportSource | None = None,
    portable: bool = False,
    **_: Any,
) -> Path:
    """The project document, pretty and schema-valid. Media paths are re-anchored to the
    output's folder (``portable``: just the file names, for sharing next to the video)."""
    from annotator.io.common import write_atomic
    from annotator.io.media_link import resolve
    from annotator.io.project_file import ProjectFileError, validate_document
    from annotator.model.serialize import project_to_dict

    out = Path(out)
    doc = project_to_dict(project)
    base = source.project_path if source else None
    for m in doc["media"]:
        if portable:
            m["path"] = Path(m["path"]).name
            continue
        video = resolve(project.media[m["id"]], base)
        if video.is_absolute() or base is not None:
            try:
                m["path"] = Path(os.path.relpath(video.resolve(), out.resolve().parent)).as_posix()
            except ValueError:
                m["path"] = video.resolve().as_posix()
    problems = validate_document(doc, out.name)
    if problems:
        raise ProjectFileError(problems)
    return write_atomic(
        out, json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n", newline="\n"
    )


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str  # default output suffix ("" for a folder)
    description: str
    needs_video: bool
    run: Callable[..., Path]


def _events_csv(*a: Any, **k: Any) -> Path:
    from annotator.io.events_csv import export_events_csv

    return export_events_csv(*a, **k)


def _frames_csv(*a: Any, **k: Any) -> Path:
    from annotator.io.frames_csv import export_frames_csv

    return export_frames_csv(*a, **k)


def _eaf(*a: Any, **k: Any) -> Path:
    from annotator.io.eaf import export_eaf

    return export_eaf(*a, **k)


def _casme(*a: Any, **k: Any) -> Path:
    from annotator.io.sheets import export_sheet

    return export_sheet(*a, **k)


def _textgrid(*a: Any, **k: Any) -> Path:
    from annotator.io.textgrid import export_textgrid

    return export_textgrid(*a, **k)


def _clips(*a: Any, **k: Any) -> Path:
    from annotator.io.clips import export_clips

    return export_clips(*a, **k)


def _report(*a: Any, **k: Any) -> Path:
    from annotator.io.report import export_report

    return export_report(*a, **k)


def _edl(*a: Any, **k: Any) -> Path:
    from annotator.io.edl import export_edl

    return export_edl(*a, **k)


def _markers_csv(*a: Any, **k: Any) -> Path:
    from annotator.io.edl import export_markers_csv

    return export_markers_csv(*a, **k)


def _review(*a: Any, **k: Any) -> Path:
    from annotator.io.review_export import export_review

    return export_review(*a, **k)


def _signals_csv(*a: Any, **k: Any) -> Path:
    from annotator.io.signals_csv import export_signals_csv

    return export_signals_csv(*a, **k)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "json", ".facet.json", "the project file, pretty and schema-valid", False, export_json
        ),
        Format("csv", ".csv", "events: one row per event", False, _events_csv),
        Format(
            "frames-csv", ".frames.csv", "per-frame AU table (OpenFace layout)", False, _frames_csv
        ),
        Format("eaf", ".eaf", "ELAN 3.0 annotation file", False, _eaf),
        Format(
            "textgrid",
            ".TextGrid",
            "Praat TextGrid: interval tiers per face and kind, apex point tiers",
            False,
            _textgrid,
        ),
        Format("casme", ".xlsx", "CASME II / SAMM coding sheet (.xlsx or .csv)", False, _casme),
        Format(
            "clips", "", "a folder of per-event mp4 clips, apex PNGs and manifest.csv", True, _clips
        ),
        Format("report", ".html", "self-contained HTML report", False, _report),
        Format("edl", ".edl", "CMX3600 EDL: markers as events with LOC/COMMENT lines", False, _edl),
        Format(
            "markers-csv",
            ".markers.csv",
            "markers and notes with SMPTE timecodes",
            False,
            _markers_csv,
        ),
        Format(
            "review",
            "",
            "offline HTML review: note stills with drawings, clips, shots",
            True,
            _review,
        ),
        Format(
            "signals-csv",
            ".signals.csv",
            "per-frame face boxes and landmark signals (needs 'annotator track')",
            False,
            _signals_csv,
        ),
    )
}


def export(fmt: str, source: ExportSource, out: str | os.PathLike[str], **options: Any) -> Path:
    try:
        f = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    from annotator.io.media_link import resolve

    inputs = [source.project_path, *source.videos.values()]
    inputs += [resolve(m, source.project_path) for m in source.project.media.values()]
    note_input(*inputs, label="input")
    return f.run(source.project, out, source=source, **options)
