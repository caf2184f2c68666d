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
from annotator.io.importing import ImportFileError, ImportPlan, find_face, new_face
from annotator.io.table_files import read_rows as _read_rows
from annotator.model import Event, EventKind, Project, parse_code
from annotator.model.entities import au_events
from annotator.model.facs import normalise
from annotator.model.scale import micro_rule
from annotator.safe_output import safe_cell

CASME2_HEADER = (
    "Subject",
    "Filename",
    "",
    "OnsetFrame",
    "ApexFrame",
    "OffsetFrame",
    "",
    "Action Units",
    "Estimated Emotion",
)
SAMM_HEADER = (
    "Subject",
    "Filename",
    "Inducement Code",
    "Onset Frame",
    "Apex Frame",
    "Offset Frame",
    "Duration",
    "Micro",
    "Action Units",
    "Estimated Emotion",
    "Objective Classes",
    "Notes",
)
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
            units = {
                u.code: u for e in g if e.kind is EventKind.AU for u in parse_code(e.au_code).units
            }
            emotions = list(
                dict.fromkeys(e.emotion for e in g if e.kind is EventKind.EMOTION and e.emotion)
            )
            apex = next(
                (
                    e.apex_frame
                    for e in g
                    if e.kind is EventKind.EMOTION and e.apex_frame is not None
                ),
                None,
            )
            if apex is None:
                apex = next((e.apex_frame for e in g if e.apex_frame is not None), None)
            onset = min(e.onset_frame for e in g)
            offset = max(e.offset_frame for e in g)
            out.append(
                Expression(
                    face,
                    onset,
                    apex,
                    offset,
                    normalise(list(units.values())),
                    ";".join(emotions),
                    tb.duration_s(onset, offset),
                    "; ".join(e.note for e in g if e.note),
                )
            )
    return sorted(out, key=lambda x: (x.onset, x.face))


def sheet_rows(
    project: Project, layout: str = "casme2", frame_base: int = 1, micro: str | None = None
) -> list[list[Any]]:
    """Header and one row per expression. A missing emotion is an empty cell (never
    "others"/"Other", which would read back as an emotion); SAMM's ``Micro`` column follows
    ``micro`` (a rule of ``annotator.model.scale``)."""
    if layout not in LAYOUTS:
        raise ValueError(f"sheet layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    rule = micro_rule(micro)
    mid = project.primary_media.id if project.primary_media else "m1"
    tb = project.timebase(mid)
    clip = Path(media_name(project, mid)).stem
    rows: list[list[Any]] = [list(CASME2_HEADER if layout == "casme2" else SAMM_HEADER)]
    for x in expressions(project, mid):
        subject = project.faces[x.face].name
        apex: Any = (
            x.apex + frame_base if x.apex is not None else ("/" if layout == "casme2" else -1)
        )
        # subject, clip, (an empty column), onset, apex, offset: both layouts start alike
        frames = [subject, clip, "", x.onset + frame_base, apex, x.offset + frame_base]
        if layout == "casme2":
            rows.append([*frames, "", x.code, x.emotion])
        else:
            micro_cell = (
                "Micro - 1/2" if rule.scale(tb, x.onset, x.offset, x.apex) == "micro" else "Macro"
            )
            rows.append(
                [*frames, x.offset - x.onset + 1, micro_cell, x.code, x.emotion, "", x.notes]
            )
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
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    body,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return out.getvalue()


def _safe_row(row: list[Any]) -> list[Any]:
    return [safe_cell(c) if isinstance(c, str) else c for c in row]


def export_sheet(
    project: Project,
    out: str | os.PathLike[str],
    *,
    layout: str = "casme2",
    frame_base: int = 1,
    micro: str | None = None,
    **_: Any,
) -> Path:
    """``.xlsx`` through openpyxl, anything else as CSV. The SAMM layout reports a scale, so
    it starts with one preamble line naming the micro rule (real SAMM sheets have a
    preamble too; the reader skips it); the xlsx also keeps it in the workbook's
    description."""
    out = Path(out)
    rows = sheet_rows(project, layout, frame_base, micro)
    if layout == "samm":
        rule = micro_rule(micro)
        rows = [[f"Micro column: {rule.name} ({rule.description})"]] + rows
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
        if layout == "samm":
            wb.properties.description = str(rows[0][0])
        buf = io.BytesIO()
        wb.save(buf)
        return write_atomic(out, _reproducible_xlsx(buf.getvalue(), when))
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\r\n")
    for row in rows:
        w.writerow(_safe_row(row))
    return write_atomic(out, text.getvalue())


# ------------------------------------------------------------------ reading
SHEET_KINDS = ("casme", "samm", "casme-squared", "casme3")


def _frame(value: str, name: str, line: int, what: str) -> int | None:
    v = value.strip()
    if v.upper() in _MISSING:
        return None
    if not _WHOLE.match(v):
        try:
            float(v)
        except ValueError:
            raise ImportFileError(
                f"{name}: line {line}: {what} {v[:40]!r} is not a frame number"
            ) from None
        raise ImportFileError(f"{name}: line {line}: {what} {v[:40]!r} is not a whole frame number")
    return int(v.split(".")[0])


_WHOLE = re.compile(r"^[+-]?[0-9]{1,12}(\.0*)?$")  # ASCII digits only; no NaN, inf, 1e99


def _columns(kind: str, rows: list[list[str]], name: str) -> tuple[int, dict[str, int]]:
    """Index of the first data row and the column of each field."""
    if kind == "casme-squared":  # no header: fixed positions
        return 0, {
            "subject": 0,
            "clip": 1,
            "onset": 2,
            "apex": 3,
            "offset": 4,
            "aus": 5,
            "scale": 7,
            "emotion": 8,
        }
    for i, row in enumerate(rows[:30]):
        low = [c.casefold() for c in row]
        if "subject" in low and any(c.startswith("onset") for c in low):

            def col(*names: str, low: list[str] = low) -> int:
                for n in names:
                    if n in low:
                        return low.index(n)
                return -1

            cols = {
                "subject": col("subject"),
                "clip": col("filename", "video", "clip"),
                "onset": col("onsetframe", "onset frame", "onset"),
                "apex": col("apexframe", "apex frame", "apex"),
                "offset": col("offsetframe", "offset frame", "offset"),
                # CAS(ME)^3 part A: "AU" ("4,7") and "emotion"
                "aus": col("action units", "action unit", "aus", "au"),
                "emotion": col("estimated emotion", "emotion"),
                "scale": col("type", "micro"),
                "notes": col("notes"),
            }
            missing = [k for k in ("subject", "onset", "offset", "aus") if cols[k] < 0]
            if missing:
                raise ImportFileError(
                    f"{name}: line {i + 1}: header lacks column(s) {', '.join(missing)}"
                )
            return i + 1, cols
    raise ImportFileError(
        f"{name}: no header row with 'Subject' and 'Onset' columns in the "
        f"first 30 lines (wrong file or layout? CAS(ME)^2 sheets: use "
        f"'casme-squared')"
    )


def _same_subject(a: str, b: str) -> bool:
    """``01``, ``1``, ``sub01``, ``s1`` and ``spNO.1`` name one subject."""

    def key(x: str) -> str:
        x = x.strip().casefold()
        for prefix in ("spno.", "sub", "s"):
            if x.startswith(prefix) and x[len(prefix) :].isdigit():
                x = x[len(prefix) :]
                break
        return x.lstrip("0") or "0" if x.isdigit() else x

    return key(a) == key(b)


#: Emotion cells that say "no particular emotion": never read back as an emotion event.
NO_EMOTION = frozenset({"other", "others"})


@dataclass
class SheetRow:
    line: int
    subject: str
    clip: str
    onset: int | None
    apex: int | None
    offset: int | None
    aus: str
    emotion: str
    scale: str
    notes: str


def sheet_records(path: Path, kind: str | None = None) -> list[SheetRow]:
    """Every expression row of a dataset sheet, raw sheet frame numbers (no base applied).
    ``kind`` None: a header row decides, else the CAS(ME)^2 header-less layout."""
    path = Path(path)
    name = path.name
    rows = _read_rows(path)
    if kind is None:
        try:
            _columns("casme", rows, name)
            kind = "casme"
        except ImportFileError:
            kind = "casme-squared"
    start, cols = _columns(kind, rows, name)

    def cell(row: list[str], key: str) -> str:
        i = cols.get(key, -1)
        return row[i] if 0 <= i < len(row) else ""

    out = []
    for i, row in enumerate(rows[start:], start=start + 1):
        if not any(row):
            continue
        if kind == "casme-squared" and len(row) < 6:
            raise ImportFileError(
                f"{name}: line {i}: {len(row)} columns, a CAS(ME)^2 sheet "
                f"has 9 (participant, clip, onset, apex, offset, AUs, ...)"
            )
        apex_cell = cell(row, "apex").strip()
        out.append(
            SheetRow(
                i,
                cell(row, "subject"),
                cell(row, "clip"),
                _frame(cell(row, "onset"), name, i, "onset"),
                None if apex_cell in ("0", "0.0") else _frame(apex_cell, name, i, "apex"),
                _frame(cell(row, "offset"), name, i, "offset"),
                cell(row, "aus"),
                cell(row, "emotion").strip(),
                cell(row, "scale").strip(),
                cell(row, "notes"),
            )
        )
    return out


def select_rows(
    records: list[SheetRow], name: str, *, subject: str | None = None, clip: str | None = None
) -> tuple[list[SheetRow], list[str]]:
    """The rows of one subject and/or clip. ``clip`` may be ``SUBJECT/CLIP``. A clip name
    that several subjects share (CASME II's EP02_01f of sub01 and sub09) without a subject
    is refused, naming the subjects: their rows belong to different videos."""
    notes: list[str] = []
    if clip and "/" in clip and subject is None:
        subject, clip = clip.split("/", 1)
    rows = records
    if subject is not None:
        rows = [r for r in rows if _same_subject(r.subject, subject)]
        if not rows:
            raise ImportFileError(f"{name}: no rows of subject {subject!r}")
    if clip is not None:
        rows = [r for r in rows if r.clip.casefold() == clip.casefold()]
        if not rows:
            raise ImportFileError(
                f"{name}: no rows of clip {clip!r}"
                + (f" for subject {subject!r}" if subject else "")
            )
        subjects = list(dict.fromkeys(r.subject for r in rows))
        if len(subjects) > 1 and subject is None:
            raise ImportFileError(
                f"{name}: clip {clip!r} belongs to {len(subjects)} subjects "
                f"({', '.join(subjects)}); choose one with --subject (they are different "
                "videos)"
            )
    pairs = {(r.subject, r.clip) for r in rows}
    if len(pairs) > 1 and clip is None:
        notes.append(
            f"{name}: rows name {len(pairs)} different clips of "
            f"{len({p[0] for p in pairs})} subjects; all were put on this project's "
            "video (choose one with --subject and --clip)"
        )
    return rows, notes


class _RowEvent(TypedDict):
    """The Event fields one sheet row gives each of its events."""

    face: str
    onset_frame: int
    offset_frame: int
    apex_frame: int | None
    media: str
    note: str


def plan_sheet_import(
    project: Project,
    path: Path,
    kind: str = "casme",
    *,
    frame_base: int = 1,
    clip: str | None = None,
    subject: str | None = None,
    frame_offset: int = 0,
) -> ImportPlan:
    """``frame_offset``: subtracted from every frame number of the sheet, for sheets that
    number frames from the start of a longer recording (SAMM's absolute frame numbers)."""
    path = Path(path)
    name = path.name
    plan = ImportPlan(source=name)
    mid = project.primary_media.id if project.primary_media else None
    if mid is None:
        raise ImportFileError(f"{name}: the project has no video to put the events on")
    n_frames = project.timebase(mid).frame_count
    rows, notes = select_rows(sheet_records(path, kind), name, subject=subject, clip=clip)
    plan.warnings.extend(notes)
    if subject or clip:
        plan.mapping.append(
            f"{len(rows)} rows of "
            + " / ".join(
                x
                for x in (f"subject {subject}" if subject else "", f"clip {clip}" if clip else "")
                if x
            )
        )
    shift = frame_base + frame_offset
    others = 0
    for r in rows:
        i = r.line
        onset, offset, apex = r.onset, r.offset, r.apex
        if onset is None:
            raise ImportFileError(f"{name}: line {i}: onset is missing")
        if offset is None or offset == 0:
            offset = apex if apex is not None else onset
            plan.warnings.append(
                f"{name}: line {i}: offset missing; used {'apex' if apex is not None else 'onset'}"
            )
        onset, offset = onset - shift, offset - shift
        apex = apex - shift if apex is not None else None
        for what, f in (("onset", onset), ("offset", offset), ("apex", apex)):
            if f is not None and not 0 <= f < n_frames:
                raise ImportFileError(
                    f"{name}: line {i}: {what} frame {f + shift} is outside the video "
                    f"({shift}-{n_frames - 1 + shift}"
                    + (f", with --frame-offset {frame_offset}" if frame_offset else "")
                    + ")"
                )
        if offset < onset:
            raise ImportFileError(
                f"{name}: line {i}: offset {offset + shift} is before onset {onset + shift}"
            )
        if apex is not None and not onset <= apex <= offset:
            plan.warnings.append(f"{name}: line {i}: apex outside onset-offset: dropped")
            apex = None
        subj = r.subject or "subject"
        face = find_face(project, plan, subj) or new_face(project, plan, subj, subj)
        base: _RowEvent = {
            "face": face.id,
            "onset_frame": onset,
            "offset_frame": offset,
            "apex_frame": apex,
            "media": mid,
            "note": r.notes,
        }
        parsed = parse_code(r.aus)
        plan.warnings.extend(
            f"{name}: line {i}: {w}" for w in parsed.warnings if "missing value" not in w
        )
        plan.events.extend(au_events(r.aus, parsed.units, **base))
        emotion = r.emotion
        if emotion.casefold() in NO_EMOTION:
            others += 1
        elif emotion and emotion.upper() not in _MISSING:
            label = emotion.casefold()
            if label not in project.vocabulary.emotions and label not in plan.labels:
                plan.labels.append(label)
            plan.events.append(Event(id=0, kind=EventKind.EMOTION, emotion=label, **base))
    if others:
        plan.warnings.append(
            f"{name}: {others} rows with emotion 'others'/'Other' (no "
            "particular emotion): no emotion event"
        )
    return plan
