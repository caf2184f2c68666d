"""The checks JSON Schema cannot express, the one-pass event check, and the file encoder
of ``*.facet.json`` (split from :mod:`annotator.io.project_file`, which loads and saves).

Integer and number fields are read from the schema itself, so a new field is covered."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - stdlib fallback, same output
    orjson = None  # type: ignore[assignment]

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "project.schema.json"


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


# ------------------------------------------------------------------ what JSON Schema lets through
@dataclass
class _Spec:
    """Per object kind, read from the schema: which properties are integers, numbers, lists
    of numbers, and which hold nested objects (so the check follows only those)."""

    ints: tuple[str, ...] = ()
    nums: tuple[str, ...] = ()
    num_lists: tuple[str, ...] = ()  # arrays (of arrays) of numbers: curve values, points
    children: dict[str, _Spec] = field(default_factory=dict)  # object or array-of-object props


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    root = _schema()
    while isinstance(node, dict) and "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _types(node: dict[str, Any]) -> set[str]:
    node = _resolve(node)
    t = node.get("type")
    out = {t} if isinstance(t, str) else set(t or ())
    for key in ("oneOf", "anyOf"):
        for sub in node.get(key, ()):
            out |= _types(sub)
    return out


def _spec_of(node: dict[str, Any], depth: int = 0) -> _Spec:
    node = _resolve(node)
    spec = _Spec()
    ints, nums, lists = [], [], []
    for name, prop in node.get("properties", {}).items():
        prop = _resolve(prop)
        types = _types(prop)
        if "integer" in types:
            ints.append(name)
        elif "number" in types:
            nums.append(name)
        elif "array" in types and depth < 4:
            items = _resolve(prop.get("items", {}))
            if "object" in _types(items):
                spec.children[name] = _spec_of(items, depth + 1)
            elif _types(items) & {"number", "array"}:
                lists.append(name)
        elif "object" in types and depth < 4:
            spec.children[name] = _spec_of(prop, depth + 1)
    spec.ints, spec.nums, spec.num_lists = tuple(ints), tuple(nums), tuple(lists)
    return spec


@lru_cache(maxsize=1)
def _strict_spec() -> _Spec:
    return _spec_of(_schema())


def _finite_list(values: Any) -> bool:
    if not isinstance(values, list):
        return True
    flat = [v for v in values if v.__class__ is float]
    if len(flat) == len(values) or not any(isinstance(v, list) for v in values):
        return all(map(math.isfinite, flat))
    return all(
        _finite_list(v) if isinstance(v, list) else (not isinstance(v, float) or math.isfinite(v))
        for v in values
    )


def _strict_problems(obj: Any, spec: _Spec, at: str) -> list[str]:
    """Integral floats in integer fields (JSON Schema's "integer" accepts 30.0, and then
    frame checks and saves break), NaN/Infinity in number fields; each with its pointer."""
    out: list[str] = []
    if not isinstance(obj, dict):
        return out
    for name in spec.ints:
        v = obj.get(name)
        if v.__class__ is float:
            out.append(f"{at}/{name}: must be an integer, not {v!r}")
    for name in spec.nums:
        v = obj.get(name)
        if v.__class__ is float and not math.isfinite(v):
            out.append(f"{at}/{name}: must be a finite number, not {v!r}")
    for name in spec.num_lists:
        if not _finite_list(obj.get(name)):
            out.append(f"{at}/{name}: must hold finite numbers (no NaN or Infinity)")
    for name, child in spec.children.items():
        v = obj.get(name)
        if isinstance(v, list):
            for i, item in enumerate(v):
                if isinstance(item, dict):
                    out += _strict_problems(item, child, f"{at}/{name}/{i}")
        elif isinstance(v, dict):
            out += _strict_problems(v, child, f"{at}/{name}")
    return out


def _bad_values(obj: Any, at: str = "") -> list[str]:
    """NaN, Infinity and lone surrogates anywhere (keys too), with their pointers; used when
    the strict parser refused a file, to say where."""
    out: list[str] = []
    stack = [(obj, at)]
    while stack and len(out) < 50:
        v, where = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            out.append(
                f"{where or '/'}: {v!r} is not a JSON number (NaN and Infinity are not allowed)"
            )
        elif isinstance(v, str):
            if _has_surrogate(v):
                out.append(
                    f"{where or '/'}: text holds a lone surrogate (\\u{_surrogate(v):04x}"
                    "), which is not Unicode text"
                )
        elif isinstance(v, dict):
            for k, x in v.items():
                if _has_surrogate(k):
                    out.append(
                        f"{where or '/'}: a key holds a lone surrogate, which is not Unicode text"
                    )
                stack.append((x, f"{where}/{_escape_pointer(k)}"))
        elif isinstance(v, list):
            stack.extend((x, f"{where}/{i}") for i, x in enumerate(v))
    return sorted(out, key=lambda line: _pointer_order(f"x: {line}"))


def _escape_pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1").encode("utf-8", "backslashreplace").decode()


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _surrogate(text: str) -> int:
    return next(ord(c) for c in text if 0xD800 <= ord(c) <= 0xDFFF)


# ------------------------------------------------------------------ what JSON Schema cannot say
def _dicts(doc: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    items = doc.get(key)
    if not isinstance(items, list):
        return []
    return [(i, x) for i, x in enumerate(items) if isinstance(x, dict)]


def _ints(*values: Any) -> bool:
    return all(type(v) is int for v in values)  # type(), not isinstance(): True is no frame


#: Longest video a project may claim, in frames (92 hours at 30 fps, 14 at 200 fps): the
#: nominal timebase of a missing video is built for the claimed length, and 1e8 frames took
#: 5.5 GB. With the video present, the video's own count bounds the claim.
MAX_FRAMES = 10_000_000


def _rate(fps: Any) -> Fraction | None:
    if not isinstance(fps, str):
        return None
    try:
        rate = Fraction(fps)
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


def _semantic_problems(doc: dict[str, Any]) -> list[str]:
    """What JSON Schema cannot say: unique ids, references, frame order and range.

    Runs on documents that may also have schema errors, so it reads defensively and
    reports both kinds together.
    """
    out: list[str] = []
    media: dict[Any, dict[str, Any]] = {}
    for i, m in _dicts(doc, "media"):
        if m.get("id") in media:
            out.append(f"/media/{i}/id: duplicate media id {m.get('id')!r}")
        media[m.get("id")] = m
        # JSON values, checked by _ints before use
        count: Any = m.get("frame_count")
        sync: Any = m.get("sync_frame")
        if _ints(count) and count > MAX_FRAMES:
            rate = _rate(m.get("fps"))
            hours = (
                f" ({float(count / rate) / 3600:.0f} hours at {m.get('fps')} fps)" if rate else ""
            )
            out.append(
                f"/media/{i}/frame_count: {count} frames{hours} is more than Facet "
                f"takes ({MAX_FRAMES:,} frames)"
            )
        if _ints(count, sync) and count and sync >= count:
            out.append(f"/media/{i}/sync_frame: must be < frame_count ({count})")
    frame_counts = {
        k: v.get("frame_count") for k, v in media.items() if _ints(v.get("frame_count"))
    }
    faces = set()
    for i, f in _dicts(doc, "faces"):
        if f.get("id") in faces:
            out.append(f"/faces/{i}/id: duplicate face id {f.get('id')!r}")
        faces.add(f.get("id"))
        for j, b in _dicts(f, "boxes"):
            if b.get("media") not in media:
                out.append(f"/faces/{i}/boxes/{j}/media: unknown media {b.get('media')!r}")
            count = frame_counts.get(b.get("media"), 0)
            if count and _ints(b.get("frame")) and b["frame"] >= count:
                out.append(f"/faces/{i}/boxes/{j}/frame: must be < frame_count ({count})")
    first_media = next(iter(media), None)
    ids = set()
    for i, e in _dicts(doc, "events"):
        at = f"/events/{i}"
        if e.get("id") in ids:
            out.append(f"{at}/id: duplicate event id {e.get('id')}")
        ids.add(e.get("id"))
        if "face" in e and e["face"] not in faces:
            out.append(f"{at}/face: unknown face {e['face']!r}")
        mid = e.get("media", first_media)
        if mid not in media:
            out.append(f"{at}/media: unknown media {mid!r}")
        on, off, apex = e.get("onset_frame"), e.get("offset_frame"), e.get("apex_frame")
        if type(on) is not int or type(off) is not int:
            continue
        if on > off:
            out.append(f"{at}/onset_frame: must be <= offset_frame")
        if type(apex) is int and not on <= apex <= off:
            out.append(f"{at}/apex_frame: must lie between onset_frame and offset_frame")
        count = frame_counts.get(mid, 0)
        if count and off >= count:
            out.append(f"{at}/offset_frame: must be < frame_count ({count}) of media {mid!r}")
    mids = set()
    for i, m in _dicts(doc, "markers"):
        if m.get("id") in mids:
            out.append(f"/markers/{i}/id: duplicate marker id {m.get('id')}")
        mids.add(m.get("id"))
        if _ints(m.get("start_frame"), m.get("end_frame")):
            if m["start_frame"] > m["end_frame"]:
                out.append(f"/markers/{i}/start_frame: must be <= end_frame")
            count = frame_counts.get(m.get("media", first_media), 0)
            if count and m["end_frame"] >= count:
                out.append(f"/markers/{i}/end_frame: must be < frame_count ({count})")
    for i, c in _dicts(doc, "curves"):
        if "face" in c and c["face"] not in faces:
            out.append(f"/curves/{i}/face: unknown face {c['face']!r}")
        count = frame_counts.get(c.get("media", first_media), 0)
        values = c.get("values")
        if (
            count
            and _ints(c.get("start_frame"))
            and isinstance(values, list)
            and c["start_frame"] + len(values) > count
        ):
            out.append(f"/curves/{i}/values: runs past frame_count ({count})")
    return out


def _dump(value: Any) -> bytes:
    if orjson is not None:
        return orjson.dumps(value)
    return json.dumps(
        value,
        ensure_ascii=False,
        allow_nan=False,  # pragma: no cover
        separators=(",", ":"),
    ).encode("utf-8")


def _dump_items(items: list[Any]) -> bytes:
    """``item,\n  item`` for a list of objects, one object per line.

    One encoder call for the whole list, then a newline after each top-level ``},{"<first
    key>":``: inside a string the quote after ``{`` would be escaped, so the pattern only
    occurs between objects (or in a nested object with the same first key, which the
    count catches; then each item is encoded on its own)."""
    whole = _dump(items)[1:-1]
    first = next(iter(items[0]), None) if isinstance(items[0], dict) else None
    if first is not None and all(
        isinstance(v, dict) and next(iter(v), None) == first for v in items
    ):
        sep = b"},{" + _dump(first) + b":"
        if whole.count(sep) == len(items) - 1:
            return whole.replace(sep, b"},\n  {" + _dump(first) + b":")
    return b",\n  ".join(_dump(v) for v in items)


def _format(doc: dict[str, Any], encoded: dict[str, bytes] | None = None) -> bytes:
    """Readable and diff-friendly without bloat: one line per event, face, marker or curve.

    ``encoded``: lists already encoded as ``item,\n  item`` (the saver's event chunks)."""
    parts = []
    for key, value in doc.items():
        k = _dump(key)
        if encoded is not None and key in encoded:
            body = encoded[key]
            parts.append(b" " + k + (b": [\n  " + body + b"\n ]" if body else b": []"))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            parts.append(b" " + k + b": [\n  " + _dump_items(value) + b"\n ]")
        else:
            parts.append(b" " + k + b": " + _dump(value))
    return b"{\n" + b",\n".join(parts) + b"\n}\n"


def _pointer_order(line: str) -> list[Any]:
    """Sort problems by document position: /events/2 before /events/10."""
    pointer = line.split(": ", 2)[1] if line.count(": ") >= 2 else line
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in pointer.split("/")]
