"""Datavyu ``.opf`` projects and Datavyu's CSV -> events.

An ``.opf`` is a zip whose ``db`` entry is the same text Datavyu's "export to CSV" writes:
a version line (``#4``), predicate definitions (``0:name-arg|TYPE,...``), then per column a
header ``name (TYPE,visible,)`` (matrix columns add ``-arg|TYPE,...``) followed by its cells
``HH:MM:SS:mmm,HH:MM:SS:mmm,value``. Each column becomes one tier of the ELAN-style plan
(``eaf_import``: roles, ``--au-tiers``, ``--skip-tiers``, the dry run), a cell one event
over ``[onset, offset)``; all columns belong to one face named after the file (Datavyu codes
one session; the import dialog can map columns to other faces). Matrix values lose
their parentheses; empty cells import as empty notes.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from annotator.io.eaf_import import EafOptions, plan_document
from annotator.io.eaf_read import EafAnnotation, EafDocument, EafTier
from annotator.io.importing import ImportFileError, ImportPlan
from annotator.model import Project

_TIME = r"(\d+):(\d{2}):(\d{2}):(\d{3})"
_CELL = re.compile(rf"^{_TIME},{_TIME}(?:,(.*))?$")
_COLUMN = re.compile(
    r"^(?P<name>.+?) \((?P<type>[A-Z_]+),(?:true|false),[^)]*\)(?:-(?P<args>.*))?$"
)
_PREDICATE = re.compile(r"^\d+:[^,]*-")
_MAX_DB = 200 * 1024 * 1024  # an .opf's db is text; refuse zip bombs


def _ms(h: str, m: str, s: str, ms: str) -> float:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _db_text(path: Path) -> str:
    name = path.name
    raw: bytes
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                entry = next((i for i in z.infolist() if Path(i.filename).name == "db"), None)
                if entry is None:
                    raise ImportFileError(f"{name}: not a Datavyu project (no 'db' inside)")
                if entry.file_size > _MAX_DB:
                    raise ImportFileError(
                        f"{name}: db is {entry.file_size} bytes, over the {_MAX_DB} byte limit"
                    )
                raw = z.read(entry)
        except zipfile.BadZipFile as e:
            raise ImportFileError(f"{name}: not a readable .opf ({e})") from None
    else:
        raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ImportFileError(f"{name}: line {line}: not UTF-8 text (byte {e.start})") from None


def _value(text: str | None) -> str:
    v = (text or "").strip()
    if v.startswith("(") and v.endswith(")"):
        v = v[1:-1]
    return "" if v == '""' else v


def read_datavyu(path: str | Path) -> EafDocument:
    path = Path(path)
    name = path.name
    doc = EafDocument(name=name, version="Datavyu")
    face = path.stem.removesuffix(".opf")
    tier: EafTier | None = None
    n = 0
    lines = _db_text(path).splitlines()
    if not lines or not lines[0].startswith("#"):
        raise ImportFileError(
            f"{name}: line 1: not a Datavyu file (expected a version line like '#4')"
        )
    for i, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        m = _CELL.match(line)
        if m:
            if tier is None:
                raise ImportFileError(f"{name}: line {i}: a cell before any column header")
            g = m.groups()
            start, end = _ms(*g[0:4]), _ms(*g[4:8])
            if end < start:
                raise ImportFileError(f"{name}: line {i}: cell ends before it starts")
            n += 1
            tier.annotations.append(EafAnnotation(f"d{n}", start, end, _value(g[8]), i))
            continue
        c = _COLUMN.match(line)
        if c:
            tid = c.group("name").strip()
            if tid in doc.tiers:
                raise ImportFileError(f"{name}: line {i}: column {tid!r} appears twice")
            tier = EafTier(
                tid, linguistic_type=c.group("type").lower(), participant=face, face_id=face
            )
            doc.tiers[tid] = tier
            continue
        if _PREDICATE.match(line) and tier is None:
            continue
        raise ImportFileError(
            f"{name}: line {i}: expected a column header 'name (TYPE,true,)' "
            f"or a cell 'HH:MM:SS:mmm,HH:MM:SS:mmm,value', found "
            f"{line[:40]!r}"
        )
    if not doc.tiers:
        raise ImportFileError(f"{name}: no Datavyu columns found")
    return doc


def plan_datavyu_import(
    project: Project, path: Path, options: EafOptions | None = None
) -> ImportPlan:
    if project.primary_media is None:
        raise ImportFileError(f"{Path(path).name}: the project has no video to put the events on")
    return plan_document(project, read_datavyu(path), project.primary_media.id, options)
