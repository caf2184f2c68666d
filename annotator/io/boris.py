"""BORIS (Behavioral Observation Research Interactive Software) -> events.

Reads ``.boris`` projects (JSON: ``subjects_conf``, ``behaviors_conf``, ``observations``
with ``events`` rows ``[time, subject, behavior, modifiers, comment, ...]``) and BORIS's
tabular event exports (``.tsv``, ``.csv``, ``.xlsx``: the per-event table with a
``Status``/``Behavior type`` of START, STOP or POINT, and the aggregated table with
``Start (s)`` and ``Stop (s)``).

Each subject is a face (BORIS's "No focal subject" too); each behavior of a subject is one
tier of the ELAN-style plan (``eaf_import``), so tier roles, ``--au-tiers`` and
``--skip-tiers`` work the same: a state event (START ... STOP of the same subject, behavior
and modifiers) is a span, a point event one frame. Times are seconds of the media; an
observation's ``time offset`` is taken off. Several observations: those whose media file
is the project's video, else the one named with ``--clip``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

from annotator.io.eaf_import import EafOptions, plan_document
from annotator.io.eaf_read import EafAnnotation, EafDocument, EafTier
from annotator.io.importing import ImportFileError, ImportPlan, read_utf8
from annotator.model import Project

NO_SUBJECT = "No focal subject"


class _Builder:
    """Collects START/STOP/POINT rows into tiers of one document."""

    def __init__(self, name: str) -> None:
        self.doc = EafDocument(name=name, version="BORIS")
        self.open: dict[tuple[str, str, str], tuple[float, str, int]] = {}
        self.n = 0

    def _tier(self, subject: str, behavior: str) -> EafTier:
        tid = f"{subject} {behavior}"
        if tid not in self.doc.tiers:
            self.doc.tiers[tid] = EafTier(
                tid, linguistic_type=behavior, participant=subject, face_id=subject
            )
        return self.doc.tiers[tid]

    def add(
        self,
        subject: str,
        behavior: str,
        modifiers: str,
        start: float,
        stop: float,
        line: int,
        comment: str = "",
    ) -> None:
        self.n += 1
        value = behavior if not modifiers else f"{behavior} {modifiers}"
        ann = EafAnnotation(f"b{self.n}", start * 1000, stop * 1000, value, line)
        self._tier(subject or NO_SUBJECT, behavior).annotations.append(ann)
        del comment

    def event(
        self,
        kind: str,
        subject: str,
        behavior: str,
        modifiers: str,
        t: float,
        line: int,
        state: bool | None = None,
    ) -> None:
        """``kind`` START, STOP or POINT; ``state`` True toggles (the .boris rows)."""
        key = (subject or NO_SUBJECT, behavior, modifiers)
        if kind == "POINT":
            self.add(*key, t, t, line)
        elif kind == "START" or (state and key not in self.open):
            if key in self.open:
                raise ImportFileError(
                    f"{self.doc.name}: line {line}: {behavior!r} of "
                    f"{key[0]!r} starts again before it stopped"
                )
            self.open[key] = (t, behavior, line)
        else:
            if key not in self.open:
                raise ImportFileError(
                    f"{self.doc.name}: line {line}: {behavior!r} of "
                    f"{key[0]!r} stops without a start"
                )
            start, _b, _l = self.open.pop(key)
            self.add(*key, start, t, line)

    def finish(self) -> EafDocument:
        if self.open:
            (subject, behavior, _m), (_t, _b, line) = next(iter(self.open.items()))
            raise ImportFileError(
                f"{self.doc.name}: line {line}: state event {behavior!r} of "
                f"{subject!r} never stops ({len(self.open)} unpaired)"
            )
        return self.doc


def _seconds(value: object, name: str, line: int) -> float | None:
    text = str(value).strip()
    if text in ("", "NA", "nan", "None"):
        return None
    try:
        return float(text)
    except ValueError:
        raise ImportFileError(
            f"{name}: line {line}: time {text!r} is not a number of seconds"
        ) from None


def _pick_observations(
    obs: dict[str, list[str]], video: str, clip: str | None, name: str
) -> list[str]:
    """Observation ids to import: ``clip``, else those on the project's video, else the only
    one."""
    if clip is not None:
        if clip not in obs:
            raise ImportFileError(f"{name}: no observation {clip!r} (there are: {', '.join(obs)})")
        return [clip]
    on_video = [k for k, media in obs.items() if any(Path(m).name == video for m in media)]
    if on_video:
        return on_video
    if len(obs) == 1:
        return list(obs)
    raise ImportFileError(
        f"{name}: {len(obs)} observations ({', '.join(obs)}) and none is on "
        f"{video}; choose one with --clip"
    )


def read_boris_project(path: Path, video: str, clip: str | None = None) -> EafDocument:
    name = path.name
    try:
        data = json.loads(read_utf8(path))
    except json.JSONDecodeError as e:
        raise ImportFileError(
            f"{name}: line {e.lineno}: not a BORIS project (not JSON: {e.msg})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("observations"), dict):
        raise ImportFileError(f"{name}: not a BORIS project (no 'observations')")
    kinds = {}
    for b in (data.get("behaviors_conf") or {}).values():
        if isinstance(b, dict) and b.get("code") is not None:
            kinds[str(b["code"])] = (
                "state" if "state" in str(b.get("type", "")).lower() else "point"
            )
    observations = data["observations"]
    media = {}
    for oid, o in observations.items():
        files = o.get("file") or {}
        media[oid] = (
            [str(m) for ms in files.values() for m in (ms or [])] if isinstance(files, dict) else []
        )
    builder = _Builder(name)
    for oid in _pick_observations(media, video, clip, name):
        o = observations[oid]
        offset = float(o.get("time offset") or 0)
        rows = sorted(
            (r for r in o.get("events") or [] if isinstance(r, list) and len(r) >= 3),
            key=lambda r: _seconds(r[0], name, 0) or 0,
        )
        for n, r in enumerate(rows, start=1):
            t = _seconds(r[0], name, n)
            if t is None:
                continue
            subject, behavior = str(r[1] or ""), str(r[2])
            modifiers = str(r[3]) if len(r) > 3 and r[3] else ""
            where = f"observation {oid!r} event {n}"
            if behavior not in kinds:
                raise ImportFileError(
                    f"{name}: {where}: behavior {behavior!r} is not in behaviors_conf"
                )
            builder.event(
                "POINT" if kinds[behavior] == "point" else "TOGGLE",
                subject,
                behavior,
                modifiers,
                t - offset,
                n,
                state=True,
            )
    return builder.finish()


def _table_rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from annotator.io.table_files import read_rows

        return read_rows(path)
    text = read_utf8(path)
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".txt") or "\t" in text[:2000] else ","
    return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_boris_table(path: Path, video: str, clip: str | None = None) -> EafDocument:
    name = path.name
    rows = _table_rows(path)
    for h, row in enumerate(rows[:60]):  # noqa: B007  h (the header line) is used after the loop
        low = [c.casefold() for c in row]
        if "behavior" in low and ("time" in low or "start (s)" in low):
            break
    else:
        raise ImportFileError(
            f"{name}: no BORIS header row with 'Behavior' and 'Time' or "
            "'Start (s)' in the first 60 lines"
        )

    def col(*names: str) -> int:
        return next((low.index(n) for n in names if n in low), -1)

    c = {
        "obs": col("observation id"),
        "media": col("media file", "media file path", "media file name"),
        "subject": col("subject"),
        "behavior": col("behavior"),
        "modifiers": col("modifiers"),
        "status": col("status", "behavior type"),
        "time": col("time"),
        "start": col("start (s)"),
        "stop": col("stop (s)"),
    }
    if c["status"] < 0:
        raise ImportFileError(f"{name}: line {h + 1}: header lacks 'Status' or 'Behavior type'")
    data = [(i, r) for i, r in enumerate(rows[h + 1 :], start=h + 2) if any(r)]

    def cell(r: list[str], k: str) -> str:
        return r[c[k]] if 0 <= c[k] < len(r) else ""

    preamble = {r[0].casefold(): r[1] for r in rows[:h] if len(r) > 1 and r[0]}
    obs: dict[str, list[str]] = defaultdict(list)
    for _i, r in data:
        oid = cell(r, "obs") or preamble.get("observation id", "")
        obs[oid].append(cell(r, "media"))
    chosen = set(_pick_observations(obs, video, clip, name))
    builder = _Builder(name)
    for i, r in data:
        if (cell(r, "obs") or preamble.get("observation id", "")) not in chosen:
            continue
        status = cell(r, "status").upper()
        subject, behavior, mods = cell(r, "subject"), cell(r, "behavior"), cell(r, "modifiers")
        if c["start"] >= 0:  # aggregated: one row per event
            start = _seconds(cell(r, "start"), name, i)
            stop = _seconds(cell(r, "stop"), name, i)
            if start is None:
                continue
            builder.add(
                subject or NO_SUBJECT,
                behavior,
                mods,
                start,
                start if status == "POINT" or stop is None else stop,
                i,
            )
            continue
        t = _seconds(cell(r, "time"), name, i)
        if t is None:
            continue
        if status not in ("START", "STOP", "POINT"):
            raise ImportFileError(
                f"{name}: line {i}: status {status!r}: expected START, STOP or POINT"
            )
        builder.event(status, subject, behavior, mods, t, i)
    return builder.finish()


def read_boris(path: Path, video: str = "", clip: str | None = None) -> EafDocument:
    path = Path(path)
    if path.suffix.lower() == ".boris":
        return read_boris_project(path, video, clip)
    head = path.read_bytes()[:1].lstrip()
    if head[:1] == b"{":
        return read_boris_project(path, video, clip)
    return read_boris_table(path, video, clip)


def plan_boris_import(
    project: Project, path: Path, *, clip: str | None = None, options: EafOptions | None = None
) -> ImportPlan:
    media = project.primary_media
    if media is None:
        raise ImportFileError(f"{Path(path).name}: the project has no video to put the events on")
    doc = read_boris(Path(path), Path(media.path).name, clip)
    return plan_document(project, doc, media.id, options)
