"""Load, validate and save ``*.facet.json`` project files, atomically, with autosave.

A project file is never half-written: save goes through :mod:`annotator.safe_output` (a
temporary file in the same folder, fsynced, renamed over the old one; symlinks followed;
the file's mode kept; never onto one of the project's videos), after keeping the previous
version as ``.bak`` (a hard link, so no copy and no window without a file). Killing the
process at any instant leaves the old or the new project, both loadable.

Speed (issue 17): :mod:`annotator.io.project_fast` loads and saves first (msgspec decodes
the events straight into the model's structs, checking them as it goes; save streams
checked chunks); anything unusual or wrong falls back to the general path here: orjson
parses (strict: it refuses NaN, Infinity and lone surrogates), jsonschema-rs answers
"valid?" in Rust, and the pure-Python jsonschema is imported only to word the errors.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - stdlib fallback, same output
    orjson = None  # type: ignore[assignment]

from annotator.io import project_fast
from annotator.io.project_checks import (  # noqa: F401 - SCHEMA_PATH, _schema re-exported
    MAX_FRAMES,
    SCHEMA_PATH,
    _bad_values,
    _dump,
    _dump_items,
    _format,
    _pointer_order,
    _schema,
    _semantic_problems,
    _strict_problems,
    _strict_spec,
)
from annotator.model.entities import Event
from annotator.model.project import Project
from annotator.model.serialize import (
    _INTENSITIES,
    _KINDS,
    _SIDES,
    event_from_dict,
    migrate,
    project_from_dict,
    project_to_dict,
)
from annotator.safe_output import InputError, OutputError, check_input, write_output

log = logging.getLogger(__name__)

SUFFIX = ".facet.json"


class ProjectFileError(Exception):
    """A project file that cannot be read; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else "\n".join(problems))
        self.problems = problems


@dataclass
class LoadedProject:
    project: Project
    path: Path
    notes: list[str] = field(default_factory=list)  # migrations and similar, for the status bar


@lru_cache(maxsize=1)
def _validator():  # type: ignore[no-untyped-def]
    import jsonschema  # slow to import (~0.2 s): only needed to word errors

    return jsonschema.Draft202012Validator(_schema())


@lru_cache(maxsize=1)
def _fast_check():  # type: ignore[no-untyped-def]
    """jsonschema-rs answers "valid?" ~500x faster than pure-Python jsonschema (100,000
    events: 0.03 s against 14 s); the Python validator then only runs to word the errors."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - optional speed-up
        return None
    return jsonschema_rs.validator_for(_schema()).is_valid


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(p) for p in path) if path else "/"


def _schema_message(err: Any) -> str:
    message: str = err.message  # a jsonschema.ValidationError (jsonschema has no types here)
    if err.validator == "required":
        return message.replace("is a required property", "is required")
    if err.validator == "additionalProperties":
        return message
    if err.validator in ("enum", "const"):
        return (
            f"must be one of {err.validator_value!r}"
            if err.validator == "enum"
            else (f"must be {err.validator_value!r}")
        )
    if err.validator == "type":
        return f"must be of type {err.validator_value}"
    if err.validator == "minimum":
        return f"must be >= {err.validator_value}"
    if err.validator == "maximum":
        return f"must be <= {err.validator_value}"
    return message


def validate_document(doc: Any, name: str) -> list[str]:
    """Every problem as ``name: /json/pointer: message``; empty when the document is valid."""
    problems = []
    fast = _fast_check()
    errors = [] if fast is not None and fast(doc) else _validator().iter_errors(doc)
    for err in sorted(errors, key=lambda e: list(map(str, e.path))):
        if err.validator in ("oneOf", "anyOf") and err.context:
            err = min(err.context, key=lambda e: len(e.message))
        problems.append(f"{name}: {_pointer(err.absolute_path)}: {_schema_message(err)}")
    if not isinstance(doc, dict):
        return problems
    problems += [f"{name}: {p}" for p in _semantic_problems(doc)]
    problems += [f"{name}: {p}" for p in _strict_problems(doc, _strict_spec(), "")]
    return sorted(set(problems), key=_pointer_order)


def _loads(raw: bytes) -> Any:
    if orjson is not None:
        return orjson.loads(raw)
    return json.loads(raw, parse_constant=_refuse_constant)  # pragma: no cover


def _refuse_constant(name: str) -> Any:  # pragma: no cover - stdlib fallback only
    raise ValueError(f"{name} is not a JSON number")


def _parse_problem(raw: bytes, name: str, err: Exception) -> list[str]:
    """Why a file that is UTF-8 is not strict JSON, with a pointer when the file is JSON
    apart from NaN, Infinity or lone surrogates (what Python's json module lets through)."""
    try:
        loose = json.loads(raw)
    except json.JSONDecodeError as e:
        return [f"{name}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}"]
    except (ValueError, RecursionError) as e:
        return [f"{name}: invalid JSON ({e})"]
    bad = _bad_values(loose)
    if bad:
        return [f"{name}: {b}" for b in bad]
    line, col = getattr(err, "lineno", None), getattr(err, "colno", None)
    where = f" at line {line} column {col}" if line else ""
    return [f"{name}: invalid JSON{where}: {getattr(err, 'msg', err)}"]


def read_document(path: Path) -> dict[str, Any]:
    """Parse the file into a dict, with one-line errors for the usual ways files go bad."""
    return _parse(_read_raw(path), path.name)


def _read_raw(path: Path) -> bytes:
    """The file's bytes (BOM dropped), with one-line errors for unreadable or empty files."""
    name = path.name
    try:
        check_input(path, label="project")
    except InputError as e:
        raise ProjectFileError([str(e)]) from None
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError([f"{path}: no such file"]) from None
    except IsADirectoryError:
        raise ProjectFileError([f"{path}: is a folder, not a project file"]) from None
    except OSError as e:
        raise ProjectFileError([f"{path}: cannot read ({e.strerror})"]) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise ProjectFileError([f"{name}: empty file"])
    return raw


def _parse(raw: bytes, name: str) -> dict[str, Any]:
    try:
        doc = _loads(raw)
    except (ValueError, RecursionError) as e:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as u:
            raise ProjectFileError([f"{name}: not UTF-8 text (byte {u.start})"]) from None
        raise ProjectFileError(_parse_problem(raw, name, e)) from None
    if not isinstance(doc, dict):
        raise ProjectFileError([f"{name}: /: must be a JSON object"])
    return doc


def _rest_valid(doc: dict[str, Any]) -> bool:
    """Everything but the events passes the schema and the checks it cannot express."""
    fast = _fast_check()
    return fast is not None and bool(fast(doc)) and _rest_ok(doc)


def load_project(path: str | os.PathLike[str]) -> LoadedProject:
    path = Path(path)
    raw = _read_raw(path)
    project = project_fast.load(raw, _rest_valid)  # None: unusual or wrong, see below
    if project is not None:
        return LoadedProject(project, path, [])
    doc = _parse(raw, path.name)
    del raw
    version = doc.get("schema_version")
    if isinstance(version, int) and version > 2:
        raise ProjectFileError(
            [f"{path.name}: /schema_version: {version} is newer than this Facet understands (2)"]
        )
    try:
        doc, notes = migrate(doc)
    except (ValueError, TypeError, ZeroDivisionError, KeyError, AttributeError, IndexError):
        notes = []  # a malformed v1 document: the validator words what is wrong
    fast = _fast_check()
    if fast is not None and fast(doc):
        events = _checked_events(doc)
        if events is not None:
            return LoadedProject(project_from_dict(doc, events), path, notes)
        doc, notes = migrate(read_document(path))  # the fast pass consumed it: read again
    problems = validate_document(doc, path.name)
    if problems:
        raise ProjectFileError(problems)
    project = project_from_dict(doc)  # pragma: no cover - a problem the fast pass saw is listed
    return LoadedProject(project, path, notes)


class _EventCheck:
    """What JSON Schema cannot say about events, one event at a time (the loader and the
    saver share it): unique ids, known face and media, integer frames in order and inside
    frame_count, confidence in 0..1 (NaN fails both comparisons)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.media = {m["id"]: m.get("frame_count", 0) for m in doc.get("media", [])}
        self.faces = {f["id"] for f in doc.get("faces", [])}
        self.first = next(iter(self.media), None)
        self.seen: set[Any] = set()

    def ok(self, e: dict[str, Any]) -> bool:
        eid, on, off = e["id"], e["onset_frame"], e["offset_frame"]
        apex, au, mid = e.get("apex_frame"), e.get("au"), e.get("media", self.first)
        if (
            eid.__class__ is not int
            or on.__class__ is not int
            or off.__class__ is not int
            or on > off
            or eid in self.seen
            or e["face"] not in self.faces
            or mid not in self.media
        ):
            return False
        if apex is not None and (apex.__class__ is not int or not on <= apex <= off):
            return False
        if au is not None and au.__class__ is not int:
            return False
        count, conf = self.media[mid], e.get("confidence")
        if (count and off >= count) or (conf is not None and not 0 <= conf <= 1):
            return False
        self.seen.add(eid)
        return True


def _rest_ok(doc: dict[str, Any]) -> bool:
    rest = {k: v for k, v in doc.items() if k != "events"}
    return not _semantic_problems(rest) and not _strict_problems(rest, _strict_spec(), "")


def _checked_events(doc: dict[str, Any]) -> dict[int, Event] | None:
    """For a schema-valid document just parsed by orjson (so no NaN, Infinity or lone
    surrogates): check and build the events in one pass, freeing each parsed event as it
    goes (1M events: the dicts and the objects are never both whole in memory). None when
    anything is wrong: the caller re-reads the file and words every problem."""
    if not _rest_ok(doc):
        return None
    check = _EventCheck(doc)
    first = check.first
    kinds, intensities, sides = _KINDS, _INTENSITIES, _SIDES
    events: dict[int, Event] = {}
    items = doc.get("events", [])
    for i in range(len(items)):
        e = items[i]
        if not check.ok(e):
            return None
        if "provenance" in e:  # gold projects: rare, the general builder reads it
            events[e["id"]] = event_from_dict(e)
            items[i] = None
            continue
        events[e["id"]] = Event(
            e["id"],
            e["face"],
            kinds[e["kind"]],
            e["onset_frame"],
            e["offset_frame"],
            e.get("apex_frame"),
            e.get("media", first),
            e.get("au"),
            intensities.get(e.get("intensity")),
            sides.get(e.get("side")),
            e.get("code", ""),
            e.get("emotion"),
            e.get("confidence"),
            e.get("annotator", ""),
            e.get("note", ""),
        )
        items[i] = None
    doc["events"] = []
    return events


@lru_cache(maxsize=1)
def _events_check():  # type: ignore[no-untyped-def]
    """jsonschema-rs for a list of events alone (the saver validates them in chunks)."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover
        return None
    schema = _schema()
    return jsonschema_rs.validator_for(
        {
            "$schema": schema["$schema"],
            "$defs": schema["$defs"],
            "type": "array",
            "items": {"$ref": "#/$defs/event"},
        }
    ).is_valid


_SAVE_CHUNK = 20_000


def _fast_dump(project: Project) -> bytes | None:
    """Validate and encode without the whole event list as dicts at once: the rest of the
    document as usual, the events in chunks (jsonschema-rs, the event check, orjson). None
    when anything is off; the caller then takes the slow path that words the problems."""
    from annotator.model.serialize import event_to_dict

    fast, events_ok = _fast_check(), _events_check()
    if fast is None or events_ok is None or orjson is None:
        return None
    doc = project_to_dict(project, with_events=False)
    if not fast(doc) or not _rest_ok(doc):
        return None
    check = _EventCheck(doc)
    ordered = sorted(project.events.values(), key=lambda e: e.id)
    parts = []
    for k in range(0, len(ordered), _SAVE_CHUNK):
        dicts = [event_to_dict(e) for e in ordered[k : k + _SAVE_CHUNK]]
        if not events_ok(dicts) or not all(map(check.ok, dicts)):
            return None
        try:
            parts.append(_dump_items(dicts))
        except (TypeError, ValueError):  # a lone surrogate: the slow path says where
            return None
    try:
        return _format(doc, {"events": b",\n  ".join(parts)})
    except (TypeError, ValueError):
        return None


def _encode(doc: dict[str, Any], name: str) -> bytes:
    try:
        return _format(doc)
    except (TypeError, ValueError) as e:  # lone surrogates, or a value that is not JSON
        problems = [f"{name}: {b}" for b in _bad_values(doc)]
        raise ProjectFileError(problems or [f"{name}: cannot encode the project ({e})"]) from None


def dumps(project: Project, name: str = "project") -> str:
    return dump_bytes(project, name).decode("utf-8")


def _stream(project: Project, pause: float = 0.0) -> Iterator[bytes] | None:
    """The file in chunks, each checked before it is handed out (see
    :mod:`annotator.io.project_fast`); None, or :class:`project_fast.Fallback` raised
    mid-way, when the general path must decide. ``pause``: between event chunks."""
    fast = _fast_check()
    if fast is None:
        return None  # pragma: no cover - jsonschema-rs is a dependency
    doc = project_to_dict(project, with_events=False)
    if not fast(doc) or not _rest_ok(doc):
        return None
    try:
        whole = _format(doc, {"events": b"\x00"} if project.events else None)
    except (TypeError, ValueError):
        return None
    if not project.events:
        return iter((whole,))
    head, tail = whole.split(b"\x00")  # orjson writes NUL in text as \u0000: one split
    faces = set(project.faces)
    media = list(project.media.values())
    events = project.events
    ordered: Iterable[Event] = events.values()
    if not _ascending(ordered):  # e.g. an undone removal put an event back at the end
        ordered = sorted(ordered, key=attrgetter("id"))

    def chunks() -> Iterator[bytes]:
        yield head
        yield from project_fast.event_lines(ordered, media, faces, pause)
        yield tail

    return chunks()


def _ascending(events: Iterable[Event]) -> bool:
    """Ids in ascending order (as loaded and as added)? A Python loop, not one long C
    call: on an autosave thread the GUI thread gets the interpreter in between."""
    last = 0
    for e in events:
        if e.id <= last:
            return False
        last = e.id
    return True


def dump_bytes(project: Project, name: str = "project") -> bytes:
    """The validated file content; NaN, Infinity and lone surrogates are refused, never
    written (orjson would write NaN as null)."""
    stream = _stream(project)
    if stream is not None:
        try:
            return b"".join(stream)
        except project_fast.Fallback:
            pass
    data = _fast_dump(project)
    if data is not None:
        return data
    doc = project_to_dict(project)
    problems = validate_document(doc, name)
    if problems:
        raise ProjectFileError(problems)
    return _encode(doc, name)


def _keep_backup(real: Path) -> None:
    if not real.exists():
        return
    bak = real.with_name(real.name + ".bak")
    link_tmp = real.with_name(f".{real.name}.bak.tmp")
    try:
        link_tmp.unlink(missing_ok=True)
        os.link(real, link_tmp)
        os.replace(link_tmp, bak)
    except OSError:
        log.warning("could not keep a backup of %s", real, exc_info=True)


def _same_content(path: Path, data: bytes) -> bool:
    try:
        real = Path(os.path.realpath(path))
        if real.stat().st_size != len(data):
            return False
        return real.read_bytes() == data
    except OSError:
        return False


def _video_inputs(project: Project, path: Path) -> list[Path]:
    from annotator.io.media_link import resolve

    out = []
    for m in project.media.values():
        try:
            out.append(resolve(m, path))
        except (OSError, ValueError):
            continue
    return out


def _atomic_write(
    path: Path,
    text: str | bytes | Iterator[bytes],
    *,
    backup: bool,
    project: Project | None = None,
) -> None:
    """Write through :mod:`annotator.safe_output` (fsynced); ``backup`` keeps ``.bak``;
    the same bytes as the file's replace nothing.

    A project file may replace a project file this process read (Save, Save As), never
    one of its videos or another input."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    inputs = _video_inputs(project, path) if project is not None else []
    write_output(
        path,
        data,
        inputs=inputs,
        fsync=True,
        replaceable=("project",),
        before_replace=_keep_backup if backup else None,
        keep_same=True,
    )


def save_project(project: Project, path: str | os.PathLike[str]) -> Path:
    """Validate, then write atomically; the previous version stays as ``<file>.bak``.

    Saving what the file already holds writes nothing (no ``.bak`` rotation, same mtime)."""
    path = Path(path)
    _write_project(project, path, backup=True)
    project.saved_revision = project.revision
    return path


def _write_project(project: Project, path: Path, *, backup: bool, pause: float = 0.0) -> None:
    """Stream the checked file to ``path`` (the fast path), else validate the whole
    document and write it; unchanged content writes nothing."""
    try:
        stream = _stream(project, pause)
        if stream is not None:
            try:
                _atomic_write(path, stream, backup=backup, project=project)
                return
            except project_fast.Fallback:
                pass  # nothing was replaced: the general path words the problem
        data = dump_bytes(project, path.name)
        if not _same_content(path, data):
            _atomic_write(path, data, backup=backup, project=project)
    except OutputError as e:
        raise ProjectFileError(
            [str(e).replace(": cannot write", ": cannot save", 1) if backup else str(e)]
        ) from None
    except OSError as e:
        raise ProjectFileError([f"{path}: cannot save ({e.strerror or e})"]) from None


# ------------------------------------------------------------------ autosave
def autosave_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    name = path.name
    stem = name.removesuffix(SUFFIX)
    return path.with_name(f".{stem}.facet.autosave.json")


def write_autosave(project: Project, path: str | os.PathLike[str]) -> Path:
    """Write the sidecar; on a worker thread pass a snapshot (``annotator.workspace.
    snapshot``): the events are streamed in chunks with a pause after each, so the GUI
    thread gets the interpreter back every few milliseconds."""
    target = autosave_path(path)
    _write_project(project, target, backup=False, pause=AUTOSAVE_PAUSE)
    return target


#: Seconds the autosave sleeps after each chunk of events (1M events: 500 chunks, +0.5 s).
AUTOSAVE_PAUSE = 0.001


def newer_autosave(path: str | os.PathLike[str]) -> Path | None:
    """The autosave sidecar when it is newer than the project and says something else."""
    path = Path(path)
    auto = autosave_path(path)
    if not auto.exists():
        return None
    try:
        if path.exists():
            if auto.stat().st_mtime <= path.stat().st_mtime:
                return None
            if auto.read_bytes() == path.read_bytes():
                return None
        return auto
    except OSError:
        return None


def discard_autosave(path: str | os.PathLike[str]) -> None:
    autosave_path(path).unlink(missing_ok=True)


def recover_autosave(path: str | os.PathLike[str]) -> LoadedProject:
    """Load the autosave in place of the project (the caller saves it when the user agrees)."""
    loaded = load_project(autosave_path(path))
    return LoadedProject(loaded.project, Path(path), loaded.notes + ["recovered from autosave"])
