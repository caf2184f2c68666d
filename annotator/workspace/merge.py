"""Three-way merge of project documents: our changes on top of the file on disk.

``base`` is the document we loaded (or last wrote), ``mine`` what we would write now,
``theirs`` what is on disk now (another window, the command line, another coder). Media,
faces, events and markers are matched by id, curves by (media, face, name); for each, a
side that did not change it takes the other side's version. Both sides changing the same
item differently is a conflict: the file's version is kept and the conflict is listed.
Events and markers that both sides added under the same new id are both kept (ours gets
a fresh id). The emotion vocabulary and the title/annotator merge the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, cast

Doc = dict[str, Any]

_KEYED: dict[str, Callable[[dict[str, Any]], Hashable]] = {
    "media": lambda d: d["id"],
    "faces": lambda d: d["id"],
    "events": lambda d: d["id"],
    "markers": lambda d: d["id"],
    "curves": lambda d: (d.get("media"), d.get("face"), d.get("name")),
}
_RENUMBER = ("events", "markers")  # int ids: an id both sides added is renumbered
_SCALARS = ("title", "annotator")


@dataclass(slots=True)
class MergeResult:
    doc: Doc
    conflicts: list[str] = field(default_factory=list)
    taken: int = 0  # items changed on disk that the result takes
    kept: int = 0  # our changed items in the result

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _canon(v: Any) -> str:
    return json.dumps(v, sort_keys=True, default=str)


def _same(a: Any, b: Any) -> bool:
    return a == b or _canon(a) == _canon(b)


def _describe(what: str, item: dict[str, Any] | None, key: Hashable) -> str:
    if what == "events" and item is not None:
        label = item.get("code") or item.get("emotion") or item.get("kind", "")
        return (
            f"event {key} ({label}, frames {item.get('onset_frame')}"
            f"–{item.get('offset_frame')}, face {item.get('face')})"
        )
    return f"{what.rstrip('s') if what != 'media' else 'media'} {key}"


def _merge_list(
    what: str, base: list[Any], mine: list[Any], theirs: list[Any], out: MergeResult
) -> list[Any]:
    keyf = _KEYED[what]
    b = {keyf(x): x for x in base}
    m = {keyf(x): x for x in mine}
    t = {keyf(x): x for x in theirs}
    result: dict[Hashable, Any] = {}
    order = list(t) + [k for k in m if k not in t]
    renumber: list[Any] = []
    for k in order:
        bi, mi, ti = b.get(k), m.get(k), t.get(k)
        if _same(mi, ti):
            chosen = ti
        elif _same(mi, bi):  # we did not touch it: the file's version (or its removal)
            chosen = ti
            out.taken += 1
        elif _same(ti, bi):  # they did not touch it: ours (or our removal)
            chosen = mi
            out.kept += 1
        elif bi is None and mi is not None and ti is not None and what in _RENUMBER:
            chosen = ti  # both added under one id: keep theirs here, ours renumbered
            renumber.append(mi)
            out.taken += 1
        else:
            chosen = ti
            side = (
                "removed on disk, changed here"
                if ti is None
                else "removed here, changed on disk"
                if mi is None
                else "changed both here and on disk"
            )
            out.conflicts.append(
                f"{_describe(what, mi or ti, k)}: {side} (the file's version is kept)"
            )
        if chosen is not None:
            result[k] = chosen
    if renumber:
        next_id = max((int(cast("int | str", k)) for k in result), default=0) + 1
        for item in renumber:
            result[next_id] = {**item, "id": next_id}
            next_id += 1
            out.kept += 1
    items = list(result.values())
    if what in ("events", "markers"):
        items.sort(key=lambda d: d["id"])
    return items


def _merge_emotions(base: list[str], mine: list[str], theirs: list[str]) -> list[str]:
    added = [e for e in mine if e not in base and e not in theirs]
    removed = {e for e in base if e not in mine}
    return [e for e in theirs if e not in removed] + added


def three_way(base: Doc, mine: Doc, theirs: Doc) -> MergeResult:
    """The merged document (validate it by loading it) and the conflicts."""
    out = MergeResult(doc={})
    doc: Doc = dict(theirs)
    for key in _KEYED:
        doc[key] = _merge_list(key, base.get(key, []), mine.get(key, []), theirs.get(key, []), out)
    for key in _SCALARS:
        bv, mv, tv = base.get(key), mine.get(key), theirs.get(key)
        if not _same(mv, bv) and not _same(tv, bv) and not _same(mv, tv):
            out.conflicts.append(
                f"{key}: changed both here and on disk (the file's version is kept)"
            )
        elif not _same(mv, bv):
            doc[key] = mv
    vb = (base.get("vocabulary") or {}).get("emotions", [])
    vm = (mine.get("vocabulary") or {}).get("emotions", [])
    vt = (theirs.get("vocabulary") or {}).get("emotions", [])
    doc["vocabulary"] = {
        **(theirs.get("vocabulary") or {}),
        "emotions": _merge_emotions(vb, vm, vt),
    }
    doc["modified"] = max(str(mine.get("modified", "")), str(theirs.get("modified", "")))
    out.doc = doc
    return out
