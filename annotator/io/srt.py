"""SubRip ``.srt`` subtitles -> dialogue markers (a lane under the faces), so a smile during
a sad line shows at a glance. Times go to frames by the real timestamps: a cue covers the
frames on screen from its start to just before its end."""

from __future__ import annotations

import re
from pathlib import Path

from annotator.io.importing import ImportFileError, ImportPlan, read_utf8
from annotator.model import Marker, MarkerKind, Project

_TIME = r"(\d{1,2}):(\d{2}):(\d{2})[,.](\d{1,3})"
_CUE = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_HALF_MS = 0.00051  # half a millisecond (ms rounding) plus a margin for float noise


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def plan_srt_import(project: Project, path: Path) -> ImportPlan:
    path = Path(path)
    name = path.name
    text = read_utf8(path, "save the subtitles as UTF-8")
    media = project.primary_media
    if media is None:
        raise ImportFileError(f"{name}: the project has no video to put the dialogue on")
    tb = project.timebase(media.id)
    total = tb.duration_total_s
    plan = ImportPlan(source=name)
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        block_start = i
        if lines[i].strip().isdigit() and i + 1 < len(lines):
            i += 1
        m = _CUE.match(lines[i])
        if not m:
            raise ImportFileError(
                f"{name}: line {i + 1}: expected a cue time "
                f"'HH:MM:SS,mmm --> HH:MM:SS,mmm', found {lines[i][:40]!r}"
            )
        start, end = _seconds(*m.groups()[:4]), _seconds(*m.groups()[4:])
        if end < start:
            raise ImportFileError(f"{name}: line {i + 1}: cue ends before it starts")
        if start >= total:
            raise ImportFileError(
                f"{name}: line {i + 1}: cue starts at {start:.3f} s, after the "
                f"end of the video ({total:.3f} s)"
            )
        if end > total + 0.5:
            plan.warnings.append(
                f"{name}: line {i + 1}: cue runs past the end of the video: cut at the last frame"
            )
        i += 1
        body = []
        while i < len(lines) and lines[i].strip():
            body.append(re.sub(r"</?[ibu]>|\{\\[^}]*\}", "", lines[i].strip()))
            i += 1
        first = tb.index_at(start + _HALF_MS)
        last = max(first, tb.index_at(end - _HALF_MS))
        plan.markers.append(
            Marker(
                id=0,
                kind=MarkerKind.DIALOGUE,
                start_frame=first,
                end_frame=last,
                media=media.id,
                text="\n".join(body),
            )
        )
        del block_start
    if not plan.markers:
        raise ImportFileError(f"{name}: no subtitle cues found")
    return plan
