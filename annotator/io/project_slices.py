"""Load a project file in slices, for a worker thread next to a live window (issue 18).

:func:`annotator.io.project_file.load_project` parses the whole file in one orjson call and
validates it in one jsonschema-rs call: C code that holds the GIL throughout (0.3-1 s
at 100,000 events), so the window's thread cannot run while a worker does it. Here the
events array, which Facet writes one event per line, is parsed and schema-checked
a slice of about 64 KB at a time (a few milliseconds each), and the GIL changes hands between
chunks; the rest is the loader's own code (the same checks, the same project).

Only a file laid out the way Facet writes it takes this path, and only when every slice
parses and passes; anything else (another layout, an old schema version, any problem at
all) is loaded by ``load_project`` itself, so the result and every error message are
exactly the loader's. Splitting at line ends is safe: JSON strings cannot hold a raw line
break, and a slice that parses as an array on its own is whole, so the stripped comma was
one between two events.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from annotator.io import project_file as pf
from annotator.model.serialize import migrate, project_from_dict
from annotator.safe_output import InputError, check_input

try:
    import orjson
except ImportError:  # pragma: no cover - then the real loader reads every file
    orjson = None  # type: ignore[assignment]

SLICE_BYTES = 64 * 1024  # per orjson / jsonschema-rs call: ~340 events, ~2 ms
_OPEN = b'\n "events": ['
_CLOSE = b"\n ]"


def load_project_sliced(path: str | os.PathLike[str]) -> pf.LoadedProject:
    """:func:`load_project`'s result, with no long GIL-holding call on the way."""
    path = Path(path)
    loaded = _sliced(path)
    return loaded if loaded is not None else pf.load_project(path)


def split_events(raw: bytes) -> tuple[bytes, list[bytes]] | None:
    """(the document with ``"events": []``, the events as JSON arrays of about
    ``SLICE_BYTES`` each, cut at line ends), or None when the file is not laid out with a
    top-level ``"events"`` array whose key appears nowhere else. Every search and copy
    is over one slice at a time (a whole-file ``split`` is one 0.25 s C call)."""
    start = raw.find(_OPEN, 0, 1 << 20)  # the events follow the header: media, faces
    if start < 0:
        return None
    pos = start + len(_OPEN)
    slices: list[bytes] = []
    end = -1
    while end < 0:
        cut = raw.find(b"\n", pos + SLICE_BYTES, pos + SLICE_BYTES + (1 << 20))
        if cut < 0:
            cut = len(raw)
        close = raw.find(_CLOSE, pos, cut + len(_CLOSE))
        if close >= 0:
            cut = end = close
        part = raw[pos:cut].rstrip()
        if end < 0:
            if not part.endswith(b","):
                return None  # cut inside an event: not one event per line
            part = part[:-1]
        elif part.endswith(b","):
            return None  # a trailing comma after the last event is not JSON
        if part.strip():
            slices.append(b"[" + part + b"]")
        elif end < 0:
            return None
        pos = cut
        if cut >= len(raw):
            return None
    head = raw[: start + len(_OPEN) - 1]
    tail = raw[end + len(_CLOSE) :]
    if b'"events"' in head[:start] or b'"events"' in tail:
        return None
    return head + b"[]" + tail, slices


def _sliced(path: Path) -> pf.LoadedProject | None:
    fast, events_ok = pf._fast_check(), pf._events_check()
    if fast is None or events_ok is None or orjson is None:
        return None
    try:
        check_input(path, label="project")
        raw = path.read_bytes()
    except (InputError, OSError):
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    split = split_events(raw)
    if split is None:
        return None
    del raw
    rest, slices = split
    try:
        doc: Any = orjson.loads(rest)
        if not isinstance(doc, dict) or doc.get("events") != [] or doc.get("schema_version") != 2:
            return None
        if not fast(doc):
            return None
        events: list[Any] = []
        for s in slices:
            part = orjson.loads(s)
            if not events_ok(part):
                return None
            events.extend(part)
    except (ValueError, RecursionError):
        return None
    del slices
    doc, notes = migrate(doc)
    doc["events"] = events
    built = pf._checked_events(doc)
    if built is None:
        return None
    return pf.LoadedProject(project_from_dict(doc, built), path, notes)
