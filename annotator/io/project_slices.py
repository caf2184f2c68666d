"""Load a project file in slices, for a worker thread next to a live window (issue 18).

:func:`annotator.io.project_file.load_project` decodes the whole file in one msgspec call
(C code that holds the GIL throughout: about a second at 1,000,000 events), so the
window's thread could not run while a worker did it. Here the events array, which Facet
writes one event per line, is decoded and checked a slice of about 64 KB at a time (well
under a millisecond each), and the GIL changes hands between slices; the rest is the
loader's own code (the same checks, the same project).

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

from annotator.io import project_fast
from annotator.io import project_file as pf
from annotator.pacing import pace
from annotator.safe_output import InputError, check_input

try:
    import orjson
except ImportError:  # pragma: no cover - then the real loader reads every file
    orjson = None  # type: ignore[assignment]

SLICE_BYTES = 64 * 1024  # per msgspec call: ~340 events, well under 1 ms
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
    """Each slice of events is decoded by msgspec straight into the model's events (as
    :mod:`annotator.io.project_fast` does for the whole file: no dict per event, 1M events
    in ~0.7 GB), the rest by orjson and the loader's checks."""
    if orjson is None or pf._fast_check() is None:
        return None  # pragma: no cover - both are dependencies
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
        if not isinstance(doc, dict):
            return None
        events: list[Any] = []
        for i in range(len(slices)):
            pace()  # one C call per slice: the GUI thread's long turns go first
            events.extend(project_fast.decode_events(slices[i]))
            slices[i] = b""
    except (ValueError, RecursionError, project_fast.Fallback):
        return None
    del slices
    project = project_fast.build(doc, events, pf._rest_valid)
    return pf.LoadedProject(project, path, []) if project is not None else None
