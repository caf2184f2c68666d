"""The fast path of ``*.facet.json`` load and save (issue 17: a million events in seconds).

Load: msgspec decodes the bytes once, building the model's ``Event`` structs directly and
checking each event's types and ranges as it goes (the annotations of
:class:`annotator.model.entities.Event` carry the schema's; strict, so ``90.0`` is no
frame and an unknown key is refused). The rest of the document (media, faces, markers,
curves, ...) is small: orjson reads it and jsonschema-rs checks it. One Python pass then
checks what JSON Schema cannot say (unique ids, known face and media, frame order and
range). No dict per event, no second walk of the document.

Save: events are encoded in chunks (one struct per event in the file's key order, msgspec
encodes them), each chunk decoded back with the loader's own decoder (so what is written
is exactly what loads), and the chunks are streamed to the file: the whole file never
exists in memory, and an autosave thread gives the GUI thread the interpreter between
chunks.

Either path returns None (or raises :class:`Fallback`) when anything is unusual or wrong
(a v1 file, gold provenance, a bad value): the caller then takes the general path, which
words every problem with its JSON pointer. So this module never decides what is valid on
its own terms: it only accepts what the general path accepts.

Why msgspec and not orjson for events: orjson can only build dicts (1M dicts of 13 keys:
16 s and 1.9 GB at load 8, then every dict converted to an Event); msgspec builds typed,
validated, GC-untracked structs in one C pass (1M: ~1 s of CPU, ~0.7 GB).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

import msgspec
import orjson
from msgspec import UNSET, Raw, Struct, UnsetType

from annotator.model.entities import Event, EventKind, Media
from annotator.model.project import Project


class Fallback(Exception):
    """The fast path cannot decide: take the general path (which words the problem)."""


class _Document(Struct, forbid_unknown_fields=True):
    """The top level of a project file: events typed, everything else left as raw JSON."""

    schema_version: Raw = Raw(b"")
    title: Raw | UnsetType = UNSET
    annotator: Raw | UnsetType = UNSET
    created: Raw | UnsetType = UNSET
    modified: Raw | UnsetType = UNSET
    media: Raw | UnsetType = UNSET
    faces: Raw | UnsetType = UNSET
    vocabulary: Raw | UnsetType = UNSET
    events: list[Event] | UnsetType = UNSET
    markers: Raw | UnsetType = UNSET
    curves: Raw | UnsetType = UNSET
    team: Raw | UnsetType = UNSET
    disputes: Raw | UnsetType = UNSET


@lru_cache(maxsize=1)
def _decoder() -> msgspec.json.Decoder[_Document]:
    return msgspec.json.Decoder(_Document)


@lru_cache(maxsize=1)
def _events_decoder() -> msgspec.json.Decoder[list[Event]]:
    return msgspec.json.Decoder(list[Event])


def _frame_counts(media: Any) -> dict[Any, int]:
    return {m["id"]: m.get("frame_count", 0) for m in media}


def events_problem(
    events: list[Event], frame_counts: dict[Any, int], faces: set[Any], seen: set[int]
) -> bool:
    """True when an event breaks a rule JSON Schema cannot express (or the schema's
    kind-dependent ``allOf``): duplicate id, unknown face or media, onset after offset,
    apex outside them, offset past frame_count, an AU without its number, an emotion
    without its label. ``seen`` collects the ids across calls (the saver's chunks)."""
    au, emotion = EventKind.AU, EventKind.EMOTION
    n = len(seen)
    for e in events:
        on, off, apex = e.onset_frame, e.offset_frame, e.apex_frame
        count = frame_counts.get(e.media)
        if (
            count is None
            or on > off
            or e.face not in faces
            or (count and off >= count)
            or (apex is not None and not on <= apex <= off)
        ):
            return True
        kind = e.kind
        if (kind is au and e.au is None) or (kind is emotion and e.emotion is None):
            return True
        seen.add(e.id)
    return len(seen) != n + len(events)


def _rest_document(doc: _Document) -> dict[str, Any]:
    rest: dict[str, Any] = {}
    for name in _Document.__struct_fields__:
        value = getattr(doc, name)
        if name == "events":
            rest[name] = []
        elif value is not UNSET and (name != "schema_version" or value):
            rest[name] = orjson.loads(bytes(value))
    return rest


def load(raw: bytes, rest_ok: Any) -> Project | None:
    """The project in ``raw`` (already checked to be non-empty UTF-8 without a BOM), or
    None when the general path must decide. ``rest_ok(doc)``: the general checks for a
    document whose events are left out (schema, references, strict numbers)."""
    if b'"provenance"' in raw:  # gold projects: Provenance is checked by the general path
        return None
    try:
        doc = _decoder().decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if doc.events is UNSET or bytes(doc.schema_version) != b"2":
        return None  # v1 (migration) or not a project: the general path says what
    try:
        rest = _rest_document(doc)
    except orjson.JSONDecodeError:
        return None
    events = doc.events
    del doc
    return build(rest, events, rest_ok)


def decode_events(data: bytes) -> list[Event]:
    """A JSON array of events (a slice of a file's), checked as :func:`load` checks them;
    raises :class:`Fallback` when anything is off."""
    if b'"provenance"' in data:
        raise Fallback
    try:
        return _events_decoder().decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise Fallback from None


def build(rest: dict[str, Any], events: list[Event], rest_ok: Any) -> Project | None:
    """The project of a v2 document without its events (``rest``, ``"events": []``) and
    its decoded events, after every check; None when the general path must decide."""
    from annotator.model.serialize import project_from_dict

    if rest.get("schema_version") != 2 or rest.get("events") != [] or not rest_ok(rest):
        return None
    media = rest.get("media", [])
    if media and media[0]["id"] != "m1":
        return None  # an event without "media" means the first one; the struct says "m1"
    faces = {f["id"] for f in rest.get("faces", [])}
    if events_problem(events, _frame_counts(media), faces, set()):
        return None
    by_id = {e.id: e for e in events}
    del events
    return project_from_dict(rest, by_id)


# ------------------------------------------------------------------ save
#: An event's keys in the file's order (``serialize.event_to_dict``): those every event
#: writes, the AU fields (AU events only, written even when null), then those written only
#: when set. Types and defaults are :class:`Event`'s: the model says once what an event holds,
#: this says only the order and which keys are left out at their default.
_ALWAYS = ("id", "face", "media", "kind", "onset_frame", "apex_frame", "offset_frame")
_AU_ONLY = ("au", "intensity", "side", "code")
_WHEN_SET = ("emotion", "confidence", "annotator", "note")


def _out_struct(name: str, keys: tuple[str, ...]) -> Callable[[Event], Struct]:
    """The builder of a Struct that encodes ``keys`` of an event in that order: the
    ``_WHEN_SET`` ones omitted at their :class:`Event` default, the others always written
    (``null`` too).

    The builder is compiled from ``keys`` as ``dataclasses`` and ``namedtuple`` compile
    their ``__init__``: plain attribute loads, as fast as the call written out by hand
    (``attrgetter(*keys)`` doubles the cost of a save's per-event step)."""
    info = {f.name: f for f in msgspec.structs.fields(Event)}
    fields = [
        (k, info[k].type, info[k].default) if k in _WHEN_SET else (k, info[k].type) for k in keys
    ]
    cls = msgspec.defstruct(name, fields, omit_defaults=True, gc=False, module=__name__)
    build: Callable[[Event], Struct] = eval(  # keys: the constants above, never input
        f"lambda e: cls({', '.join('e.' + k for k in keys)})", {"cls": cls}
    )
    return build


#: An AU event; an emotion or note event (no AU fields).
_au_out = _out_struct("_AuOut", _ALWAYS + _AU_ONLY + _WHEN_SET)
_other_out = _out_struct("_OtherOut", _ALWAYS + _WHEN_SET)


_ENCODER = msgspec.json.Encoder()
_SEP = b'},{"id":'
_LINE_SEP = b'},\n  {"id":'
#: Events per encoder call. An autosave thread holds the interpreter for one chunk at a time
#: (~2 ms here), so the GUI thread waits at most that long for it.
CHUNK = 2000


def _out(e: Event) -> Struct:
    if e.provenance is not None:
        raise Fallback  # gold projects: the general path writes provenance
    if e.emotion == "":
        raise Fallback  # the general writer leaves an empty emotion out
    if e.kind is EventKind.AU:
        return _au_out(e)
    return _other_out(e)


def event_lines(
    events: Iterable[Event], media: list[Media], faces: set[str], pause: float = 0.0
) -> Iterator[bytes]:
    """The events of a file, ``{..},\\n  {..}`` in chunks, each checked as the loader
    checks it; raises :class:`Fallback` on anything the general path must word.

    ``events`` in id order; read a chunk at a time (a snapshot's events: nobody changes
    them). ``pause``: seconds to sleep between chunks (an autosave thread: lets the GUI
    thread run; 0 still releases the interpreter)."""
    counts: dict[Any, int] = {m.id: m.frame_count for m in media}
    seen: set[int] = set()
    check = _events_decoder().decode
    it = iter(events)
    first = True
    while chunk := list(islice(it, CHUNK)):
        try:
            data = _ENCODER.encode([_out(e) for e in chunk])
            check(data)  # types and ranges, exactly as the loader will see them
        except (TypeError, ValueError, msgspec.ValidationError, msgspec.DecodeError):
            raise Fallback from None  # e.g. a float frame, NaN, a lone surrogate
        if events_problem(chunk, counts, faces, seen):
            raise Fallback
        yield (b"" if first else b",\n  ") + data[1:-1].replace(_SEP, _LINE_SEP)
        first = False
        time.sleep(pause)
