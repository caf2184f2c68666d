"""Micro-expression dataset coding sheets (CASME II, SAMM, SAMM-LV, CAS(ME)^2): write and read.

One row is one expression: the project's events are grouped per face into runs of
overlapping events (AU and emotion); a run gives onset (first frame), apex (the emotion
event's apex, else the first AU apex), offset (last frame), the AUs as an ascending code
string and the emotion label(s). Frame numbers in sheets are 1-based like the datasets'
image names (``img46.jpg``); ``frame_base=0`` writes the 0-based frame indices instead.

Reading is tolerant of the real sheets' quirks: preamble rows before the header (SAMM),
no header at all (CAS(ME)^2), blank columns (CASME II), missing values written ``/``,
``-1``, ``0``, ``NULL`` or ``?``, messy AU strings (kept raw on every event).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from annotator.io.common import media_name, write_atomic
from annotator.io.importing import ImportFileError, ImportPlan, find_face, new_face, read_utf8
from annotator.model import Event, EventKind, Project, parse_code
from annotator.model.facs import normalise
from annotator.model.timebase import scale_of
from annotator.safe_output import safe_cell

CASME2_HEADER = ("Subject", "Filename", "", "OnsetFrame", "ApexFrame", "OffsetFrame", "",
                 "Action Units", "Estimated Emotion")
SAMM_HEADER = ("Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame",
               "Offset Frame", "Duration", "Micro", "Action Units", "Estimated Emotion",
               "Objective Classes", "Notes")
LAYOUTS = ("casme2", "samm")
_MISSING = {"", "/", "-1", "NULL", "?", "NONE", "NA", "N/A", "-"}


@dataclass
class Expression:
    face: str
    onset: int
    apex: int | None
    offset: int
    code: str
    emotion: str
    duration_s: float
    notes: str = ""


def expressions(project: Project, media_id: str | None = None) -> list[Expression]:
    """Runs of overlapping AU/emotion events per face, in onset order."""
    mid = media_id or (project.primary_media.id if project.primary_media else "m1")
    tb = project.timebase(mid)
    out: list[Expression] = []
    for face in project.faces:
        evs = [e for e in project.events_of(face=face, media=mid) if e.kind is not EventKind.NOTE]
        groups: list[list[Event]] = []
        end = -1
        for e in evs:
            if groups and e.onset_frame <= end:
                groups[-1].append(e)
                end = max(end, e.offset_frame)
            else:
                groups.append([e])
                end = e.offset_frame
        for g in groups:
            units = {u.code: u for e in g if e.kind is EventKind.AU
                     for u in parse_code(e.au_code).units}
            emotions = list(dict.fromkeys(e.emotion for e in g
                                          if e.kind is EventKind.EMOTION and e.emotion))
            apex = next((e.apex_frame for e in g if e.kind is EventKind.EMOTION
                         and e.apex_frame is not None), None)
            if apex is None:
                apex = next((e.apex_frame for e in g if e.apex_frame is not None), None)
            onset = min(e.onset_frame for e in g)
            offset = max(e.offset_frame for e in g)
            out.append(Expression(face, onset, apex, offset, normalise(list(units.values())),
                                  ";".join(emotions), tb.duration_s(onset, offset),
                                  "; ".join(e.note for e in g if e.note)))
    return sorted(out, key=lambda x: (x.onset, x.face))


def sheet_rows(project: Project, layout: str = "casme2", frame_base: int = 1) -> list[list[Any]]:
    if layout not in LAYOUTS:
        raise ValueError(f"sheet layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    mid = project.primary_media.id if project.primary_media else "m1"
    clip = Path(media_name(project, mid)).stem
    rows: list[list[Any]] = [list(CASME2_HEADER if layout == "casme2" else SAMM_HEADER)]
    for x in expressions(project, mid):
        subject = project.faces[x.face].name
        apex: Any = x.apex + frame_base if x.apex is not None else ("/" if layout == "casme2"
                                                                    else -1)
        if layout == "casme2":
            rows.append([subject, clip, "", x.onset + frame_base, apex, x.offset + frame_base,
                         "", x.code, x.emotion or "others"])
        else:
            rows.append([subject, clip, "", x.onset + frame_base, apex, x.offset + frame_base,
                         x.offset - x.onset + 1,
                         "Micro - 1/2" if scale_of(x.duration_s) == "micro" else "Macro",
                         x.code, x.emotion or "Other", "", x.notes])
    return rows


def _reproducible_xlsx(data: bytes, when: _dt.datetime) -> bytes:
    """An .xlsx is a zip whose entries, and whose ``dcterms:modified`` (openpyxl sets it on
    save), carry the time of writing; pin both to ``when`` so the same sheet gives the same
    bytes (no churn in exports/)."""
    import re
    import zipfile

    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return out.getvalue()


def _safe_row(row: list[Any]) -> list[Any]:
    return [safe_cell(c) if isinstance(c, str) else c for c in row]


def export_sheet(project: Project, out: str | os.PathLike[str], *, layout: str = "casme2",
                 frame_base: int = 1, **_: Any) -> Path:
    """``.xlsx`` through openpyxl, anything else as CSV."""
    out = Path(out)
    rows = sheet_rows(project, layout, frame_base)
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "CASME2-coding" if layout == "casme2" else "SAMM-coding"
        for row in rows:
            ws.append(_safe_row(row))
        # The project's own date, not the clock: the same project gives the same bytes.
        try:
            when = _dt.datetime.fromisoformat(project.modified).astimezone(_dt.UTC)
        except ValueError:
            when = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
        wb.properties.created = when.replace(tzinfo=None)
        wb.properties.creator = "Facet"
        buf = io.BytesIO()
        wb.save(buf)
        return write_atomic(out, _reproducible_xlsx(buf.getvalue(), when))
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\r\n")
    for row in rows:
        w.writerow(_safe_row(row))
    return write_atomic(out, text.getvalue())


# ------------------------------------------------------------------ reading
SHEET_KINDS = ("casme", "samm", "casme-squared")


#: Bounds for coding sheets (real ones have hundreds of rows and about a dozen columns): the
#: reader stops with a message instead of padding a sheet without <dimension> out to its
#: farthest cell (XFD1048576 is 17 billion cells).
MAX_ROWS = 50_000  # SAMM-LV has ~350 rows, CAS(ME)^3 a few thousand
MAX_COLUMNS = 256
MAX_CELL_CHARS = 32_767  # Excel's own limit per cell
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024


def _check_cell(text: str, name: str, line: int) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise ImportFileError(f"{name}: line {line}: a cell holds {len(text)} characters "
                              f"(more than {MAX_CELL_CHARS}); not a coding sheet")
    return text.strip()


def _read_xlsx(path: Path) -> list[list[str]]:
    """Read-only, streaming, bounded: rows, columns, cell size and unzipped size."""
    import zipfile

    from openpyxl import load_workbook

    name = path.name
    try:
        with zipfile.ZipFile(path) as z:
            unzipped = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ImportFileError(f"{name}: not a readable .xlsx workbook ({e})") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ImportFileError(f"{name}: unpacks to {unzipped // 2**20} MB (more than "
                              f"{MAX_UNZIPPED_BYTES // 2**20} MB); not a coding sheet")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zipfile, xml and openpyxl errors
        raise ImportFileError(f"{name}: not a readable .xlsx workbook ({e})") from None
    rows: list[list[str]] = []
    try:
        ws = wb.worksheets[0]
        # max_col/max_row bound the padding openpyxl does for missing cells and rows.
        for line, r in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1,
                                              max_row=MAX_ROWS + 1), start=1):
            cells = ["" if c is None else _check_cell(str(c), name, line) for c in r]
            if line > MAX_ROWS and any(cells):
                raise ImportFileError(f"{name}: more than {MAX_ROWS} rows; not a coding sheet")
            if len(cells) > MAX_COLUMNS and any(cells[MAX_COLUMNS:]):
                raise ImportFileError(f"{name}: line {line}: more than {MAX_COLUMNS} columns; "
                                      "not a coding sheet")
            while cells and not cells[-1]:
                cells.pop()
            rows.append(cells)
    except ImportFileError:
        raise
    except Exception as e:  # noqa: BLE001 - malformed sheet XML inside a valid zip
        raise ImportFileError(f"{name}: not a readable .xlsx workbook ({e})") from None
    finally:
        wb.close()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _read_rows(path: Path) -> list[list[str]]:
    name = path.name
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    text = read_utf8(path)
    rows = []
    csv.field_size_limit(MAX_CELL_CHARS + 1)
    try:
        for line, r in enumerate(csv.reader(io.StringIO(text)), start=1):
            if line > MAX_ROWS:
                raise ImportFileError(f"{name}: more than {MAX_ROWS} rows; not a coding sheet")
            if len(r) > MAX_COLUMNS:
                raise ImportFileError(f"{name}: line {line}: more than {MAX_COLUMNS} columns; "
                                      "not a coding sheet")
            rows.append([_check_cell(c, name, line) for c in r])
    except csv.Error as e:
        raise ImportFileError(f"{name}: not a readable CSV sheet ({e})") from None
    return rows


def _frame(value: str, name: str, line: int, what: str) -> int | None:
    v = value.strip()
    if v.upper() in _MISSING:
        return None
    if not _WHOLE.match(v):
        try:
            float(v)
        except ValueError:
            raise ImportFileError(f"{name}: line {line}: {what} {v[:40]!r} is not a frame "
                                  "number") from None
        raise ImportFileError(f"{name}: line {line}: {what} {v[:40]!r} is not a whole frame "
                              "number")
    return int(v.split(".")[0])


_WHOLE = re.compile(r"^[+-]?[0-9]{1,12}(\.0*)?$")  # ASCII digits only; no NaN, inf, 1e99


def _columns(kind: str, rows: list[list[str]], name: str) -> tuple[int, dict[str, int]]:
    """Index of the first data row and the column of each field."""
    if kind == "casme-squared":  # no header: fixed positions
        return 0, {"subject": 0, "clip": 1, "onset": 2, "apex": 3, "offset": 4, "aus": 5,
                   "scale": 7, "emotion": 8}
    for i, row in enumerate(rows[:30]):
        low = [c.casefold() for c in row]
        if "subject" in low and any(c.startswith("onset") for c in low):
            def col(*names: str, low: list[str] = low) -> int:
                for n in names:
                    if n in low:
                        return low.index(n)
                return -1
            cols = {
                "subject": col("subject"), "clip": col("filename"),
                "onset": col("onsetframe", "onset frame", "onset"),
                "apex": col("apexframe", "apex frame", "apex"),
                "offset": col("offsetframe", "offset frame", "offset"),
                "aus": col("action units", "action unit", "aus"),
                "emotion": col("estimated emotion", "emotion"),
                "scale": col("type", "micro"), "notes": col("notes"),
            }
            missing = [k for k in ("subject", "onset", "offset", "aus") if cols[k] < 0]
            if missing:
                raise ImportFileError(f"{name}: line {i + 1}: header lacks column(s) "
                                      f"{', '.join(missing)}")
            return i + 1, cols
    raise ImportFileError(f"{name}: no header row with 'Subject' and 'Onset' columns in the "
                          f"first 30 lines (wrong file or layout? CAS(ME)^2 sheets: use "
                          f"'casme-squared')")


class _RowEvent(TypedDict):
    """The Event fields one sheet row gives each of its events."""

    face: str
    onset_frame: int
    offset_frame: int
    apex_frame: int | None
    media: str
    note: str


def plan_sheet_import(project: Project, path: Path, kind: str = "casme", *,
                      frame_base: int = 1, clip: str | None = None) -> ImportPlan:
    path = Path(path)
    name = path.name
    rows = _read_rows(path)
    start, cols = _columns(kind, rows, name)
    plan = ImportPlan(source=name)
    mid = project.primary_media.id if project.primary_media else None
    if mid is None:
        raise ImportFileError(f"{name}: the project has no video to put the events on")
    n_frames = project.timebase(mid).frame_count

    def cell(row: list[str], key: str) -> str:
        i = cols.get(key, -1)
        return row[i] if 0 <= i < len(row) else ""

    clips = set()
    for i, row in enumerate(rows[start:], start=start + 1):
        if not any(row):
            continue
        if kind == "casme-squared" and len(row) < 6:
            raise ImportFileError(f"{name}: line {i}: {len(row)} columns, a CAS(ME)^2 sheet "
                                  f"has 9 (participant, clip, onset, apex, offset, AUs, ...)")
        if clip is not None and cell(row, "clip") != clip:
            continue
        clips.add(cell(row, "clip"))
        onset = _frame(cell(row, "onset"), name, i, "onset")
        offset = _frame(cell(row, "offset"), name, i, "offset")
        apex = _frame(cell(row, "apex"), name, i, "apex")
        if onset is None:
            raise ImportFileError(f"{name}: line {i}: onset is missing")
        if offset is None or offset == 0:
            offset = apex if apex is not None else onset
            plan.warnings.append(f"{name}: line {i}: offset missing; used "
                                 f"{'apex' if apex is not None else 'onset'}")
        onset, offset = onset - frame_base, offset - frame_base
        apex = apex - frame_base if apex is not None else None
        for what, f in (("onset", onset), ("offset", offset), ("apex", apex)):
            if f is not None and not 0 <= f < n_frames:
                raise ImportFileError(
                    f"{name}: line {i}: {what} frame {f + frame_base} is outside the video "
                    f"({frame_base}-{n_frames - 1 + frame_base})")
        if offset < onset:
            raise ImportFileError(f"{name}: line {i}: offset {offset + frame_base} is before "
                                  f"onset {onset + frame_base}")
        if apex is not None and not onset <= apex <= offset:
            plan.warnings.append(f"{name}: line {i}: apex outside onset-offset: dropped")
            apex = None
        subject = cell(row, "subject") or "subject"
        face = find_face(project, plan, subject) or new_face(project, plan, subject, subject)
        base: _RowEvent = {"face": face.id, "onset_frame": onset, "offset_frame": offset,
                           "apex_frame": apex, "media": mid, "note": cell(row, "notes")}
        raw = cell(row, "aus")
        parsed = parse_code(raw)
        plan.warnings.extend(f"{name}: line {i}: {w}" for w in parsed.warnings
                             if "missing value" not in w)
        for u in parsed.units:
            plan.events.append(Event(id=0, kind=EventKind.AU, au=u.number, intensity=u.intensity,
                                     side=u.side, code=raw, **base))
        emotion = cell(row, "emotion").strip()
        if emotion and emotion.upper() not in _MISSING:
            label = emotion.casefold()
            if label not in project.vocabulary.emotions and label not in plan.labels:
                plan.labels.append(label)
            plan.events.append(Event(id=0, kind=EventKind.EMOTION, emotion=label, **base))
    if len(clips) > 1 and clip is None:
        plan.warnings.append(f"{name}: rows name {len(clips)} different clips; all were put on "
                             f"this project's video (choose one with --clip)")
    return plan
