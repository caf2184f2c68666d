"""The checks JSON Schema cannot express, the one-pass event check, and the file encoder
of ``*.facet.json`` (split from :mod:`annotator.io.project_file`, which loads and saves).

Integer and number fields are read from the schema itself, so a new field is covered."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
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
