"""A tolerant ELAN ``.eaf`` reader of our own, on lxml.

Why not pympi-ling's ``Eaf(path)``: it deletes ``xsi:noNamespaceSchemaLocation``
unconditionally (a schema-valid file without that optional attribute raises ``KeyError``),
reads no ``TIME_ORIGIN``, and gives reference annotations on deeper child tiers no span. This
reader accepts any EAF 2.x/3.x document that follows the schema and gives every annotation a
time span in milliseconds of the *media* (``TIME_ORIGIN`` already added):

- alignable annotations: their two time slots; slots without ``TIME_VALUE`` (unaligned, on
  time-subdivision and included-in tiers) are spread evenly between the aligned slots around
  them along the tier's chain of annotations, as ELAN draws them; a chain end that is still
  unknown takes the even spread along the document's ``TIME_ORDER``;
- reference annotations (symbolic association / subdivision): the span of the annotation they
  refer to, resolved recursively; several annotations referring to one parent on one tier
  (symbolic subdivision) share its span evenly, in ``PREVIOUS_ANNOTATION`` order.

Times in ``NTSC-frames`` or ``PAL-frames`` units are converted to milliseconds. A broken file
is one line naming the file, the line, the element and the problem.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from annotator.io.importing import ImportFileError

_UNIT_MS = {"milliseconds": 1.0, "pal-frames": 40.0, "ntsc-frames": 1001 / 30}


@dataclass(slots=True)
class EafAnnotation:
    id: str
    start_ms: float | None  # media time, TIME_ORIGIN included; None: no time could be found
    end_ms: float | None
    value: str
    line: int
    ref: str | None = None  # the annotation this one refers to (reference annotations)


@dataclass(slots=True)
class EafTier:
    id: str
    linguistic_type: str = ""
    participant: str = ""
    annotator: str = ""
    parent: str | None = None
    constraint: str = ""  # "" (top level), Time_Subdivision, Included_In, Symbolic_...
    cv: str = ""  # controlled vocabulary id of its linguistic type
    face_id: str = ""  # formats that know the subject (BORIS): the id for a new face
    annotations: list[EafAnnotation] = field(default_factory=list)


@dataclass(slots=True)
class EafDocument:
    name: str
    version: str = ""
    time_origin_ms: float = 0.0
    media_urls: list[str] = field(default_factory=list)
    tiers: dict[str, EafTier] = field(default_factory=dict)  # document order

    def annotation_count(self) -> int:
        return sum(len(t.annotations) for t in self.tiers.values())

    def children(self, tier_id: str) -> list[EafTier]:
        return [t for t in self.tiers.values() if t.parent == tier_id]

    def root_of(self, tier_id: str) -> EafTier:
        seen = set()
        tier = self.tiers[tier_id]
        while tier.parent in self.tiers and tier.id not in seen:
            seen.add(tier.id)
            tier = self.tiers[tier.parent]
        return tier


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def check_xml(path: Path) -> None:
    """Well-formedness with ElementTree, whose messages name the line and column plainly."""
    import xml.etree.ElementTree as ET

    name = path.name
    try:
        ET.parse(path)
    except ET.ParseError as e:
        line, col = e.position
        what = str(e).split(":")[0]
        if "no element found" in what:
            what = "file ends too early (truncated?)"
        elif "unclosed token" in what:
            what = "file ends inside a tag (truncated?)"
        elif "invalid token" in what:
            what = "invalid character or markup (not UTF-8 text, or not XML)"
        else:
            what = f"not well-formed XML ({what})"
        raise ImportFileError(f"{name}: line {line} column {col + 1}: {what}") from None


def _parse(path: Path):  # type: ignore[no-untyped-def]
    from lxml import etree

    # no entities, no network: an .eaf from elsewhere must not make us fetch or expand
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        return etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as e:
        check_xml(path)  # the plainer message when ElementTree also refuses it
        line = e.position[0] if e.position else 0
        raise ImportFileError(
            f"{path.name}: line {line}: not well-formed XML ({str(e).split(' (')[0]})"
        ) from None
    except OSError as e:
        if path.is_file():
            check_xml(path)  # undecodable bytes: ElementTree names the line
        raise ImportFileError(f"{path.name}: cannot be read ({e})") from None


def read_eaf(path: str | Path) -> EafDocument:
    path = Path(path)
    name = path.name
    root = _parse(path)
    if _local(root.tag) != "ANNOTATION_DOCUMENT":
        raise ImportFileError(
            f"{name}: <{_local(root.tag)}>: not an ELAN file "
            "(the root element must be ANNOTATION_DOCUMENT)"
        )
    doc = EafDocument(name=name, version=root.get("VERSION") or root.get("FORMAT") or "")
    unit = 1.0
    slots: dict[str, float | None] = {}
    order: list[str] = []
    ltypes: dict[str, tuple[str, str]] = {}  # id -> (constraint, cv)
    raw_tiers = []
    for el in root:
        tag = _local(el.tag)
        if tag == "HEADER":
            units = (el.get("TIME_UNITS") or "milliseconds").strip().lower()
            if units not in _UNIT_MS:
                raise ImportFileError(
                    f"{name}: line {el.sourceline}: HEADER: unknown TIME_UNITS {units!r}"
                )
            unit = _UNIT_MS[units]
            for md in el:
                if _local(md.tag) != "MEDIA_DESCRIPTOR":
                    continue
                doc.media_urls.append(md.get("MEDIA_URL") or "")
                origin = md.get("TIME_ORIGIN")
                if origin and len(doc.media_urls) == 1:
                    try:
                        doc.time_origin_ms = float(origin)
                    except ValueError:
                        raise ImportFileError(
                            f"{name}: line {md.sourceline}: MEDIA_DESCRIPTOR:"
                            f" TIME_ORIGIN {origin!r} is not a number"
                        ) from None
        elif tag == "TIME_ORDER":
            for ts in el:
                if _local(ts.tag) != "TIME_SLOT":
                    continue
                sid = ts.get("TIME_SLOT_ID")
                if not sid:
                    raise ImportFileError(
                        f"{name}: line {ts.sourceline}: TIME_SLOT without TIME_SLOT_ID"
                    )
                value = ts.get("TIME_VALUE")
                try:
                    slots[sid] = float(value) * unit if value not in (None, "") else None
                except ValueError:
                    raise ImportFileError(
                        f"{name}: line {ts.sourceline}: TIME_SLOT {sid}: "
                        f"TIME_VALUE {value!r} is not a number"
                    ) from None
                order.append(sid)
        elif tag == "TIER":
            raw_tiers.append(el)
        elif tag == "LINGUISTIC_TYPE":
            lid = el.get("LINGUISTIC_TYPE_ID") or ""
            ltypes[lid] = (
                (el.get("CONSTRAINTS") or "").strip(),
                el.get("CONTROLLED_VOCABULARY_REF") or "",
            )
    fallback = _fill_by_document_order(slots, order)
    align: dict[str, tuple[EafTier, EafAnnotation, str, str]] = {}
    refs: dict[str, tuple[EafTier, EafAnnotation, str | None]] = {}
    for el in raw_tiers:
        tid = el.get("TIER_ID")
        if tid is None:
            raise ImportFileError(f"{name}: line {el.sourceline}: TIER without TIER_ID")
        if tid in doc.tiers:
            raise ImportFileError(f"{name}: line {el.sourceline}: TIER {tid!r} appears twice")
        lt = el.get("LINGUISTIC_TYPE_REF") or ""
        constraint, cv = ltypes.get(lt, ("", ""))
        tier = EafTier(
            tid,
            lt,
            (el.get("PARTICIPANT") or "").strip(),
            (el.get("ANNOTATOR") or "").strip(),
            el.get("PARENT_REF") or None,
            constraint,
            cv,
        )
        doc.tiers[tid] = tier
        for wrapper in el:
            if _local(wrapper.tag) != "ANNOTATION":
                continue
            for a in wrapper:
                kind = _local(a.tag)
                aid = a.get("ANNOTATION_ID") or ""
                value_el = next((c for c in a if _local(c.tag) == "ANNOTATION_VALUE"), None)
                value = (value_el.text or "") if value_el is not None else ""
                where = f"{name}: line {a.sourceline}: TIER {tid!r} {kind} {aid}"
                if not aid:
                    raise ImportFileError(f"{where}: no ANNOTATION_ID")
                if aid in align or aid in refs:
                    raise ImportFileError(f"{where}: ANNOTATION_ID used twice")
                ann = EafAnnotation(aid, None, None, value, a.sourceline)
                tier.annotations.append(ann)
                if kind == "ALIGNABLE_ANNOTATION":
                    s1, s2 = a.get("TIME_SLOT_REF1"), a.get("TIME_SLOT_REF2")
                    for s in (s1, s2):
                        if s not in slots:
                            raise ImportFileError(f"{where}: time slot {s!r} is not in TIME_ORDER")
                    align[aid] = (tier, ann, s1, s2)
                elif kind == "REF_ANNOTATION":
                    ann.ref = a.get("ANNOTATION_REF")
                    if not ann.ref:
                        raise ImportFileError(f"{where}: no ANNOTATION_REF")
                    refs[aid] = (tier, ann, a.get("PREVIOUS_ANNOTATION"))
                else:
                    raise ImportFileError(f"{where}: unknown annotation element")
    _resolve_alignable(slots, fallback, align)
    _resolve_refs(name, align, refs)
    if doc.time_origin_ms:
        for tier in doc.tiers.values():
            for ann in tier.annotations:
                if ann.start_ms is not None and ann.end_ms is not None:
                    ann.start_ms += doc.time_origin_ms
                    ann.end_ms += doc.time_origin_ms
    return doc


def _fill_by_document_order(slots: dict[str, float | None], order: list[str]) -> dict[str, float]:
    """Fallback times for unaligned slots: evenly between the aligned slots around them in
    ``TIME_ORDER`` (ELAN keeps that list in time order)."""
    out: dict[str, float] = {}
    known = [(i, slots[s]) for i, s in enumerate(order) if slots[s] is not None]
    k = 0
    for i, s in enumerate(order):
        if slots[s] is not None:
            continue
        while k < len(known) and known[k][0] < i:
            k += 1
        before = known[k - 1] if k > 0 else None
        after = known[k] if k < len(known) else None
        if before and after:
            (i0, t0), (i1, t1) = before, after
            out[s] = t0 + (t1 - t0) * (i - i0) / (i1 - i0)  # type: ignore[operator]
        elif before or after:
            out[s] = (before or after)[1]  # type: ignore[index,assignment]
    return out


def _resolve_alignable(
    slots: dict[str, float | None],
    fallback: dict[str, float],
    align: dict[str, tuple[EafTier, EafAnnotation, str, str]],
) -> None:
    by_tier: dict[str, list[tuple[EafAnnotation, str, str]]] = defaultdict(list)
    for tier, ann, s1, s2 in align.values():
        by_tier[tier.id].append((ann, s1, s2))
    for anns in by_tier.values():
        times: dict[str, float] = {}
        starts = {s1: (ann, s1, s2) for ann, s1, s2 in anns}
        ends = {s2 for _a, _s1, s2 in anns}
        done: set[str] = set()
        for ann, s1, s2 in anns:
            if s1 in ends or ann.id in done:
                continue  # not the start of a chain
            chain = [s1]
            cur: tuple[EafAnnotation, str, str] | None = (ann, s1, s2)
            while cur is not None and cur[0].id not in done:
                done.add(cur[0].id)
                chain.append(cur[2])
                cur = starts.get(cur[2])
            _interpolate(chain, slots, fallback, times)
        for ann, s1, s2 in anns:
            t1 = slots[s1] if slots[s1] is not None else times.get(s1, fallback.get(s1))
            t2 = slots[s2] if slots[s2] is not None else times.get(s2, fallback.get(s2))
            ann.start_ms, ann.end_ms = t1, t2


def _interpolate(
    chain: list[str],
    slots: dict[str, float | None],
    fallback: dict[str, float],
    times: dict[str, float],
) -> None:
    values: list[float | None] = [slots[s] for s in chain]
    if values[0] is None:
        values[0] = fallback.get(chain[0])
    if values[-1] is None:
        values[-1] = fallback.get(chain[-1])
    known = [i for i, v in enumerate(values) if v is not None]
    for a, b in itertools.pairwise(known):
        va, vb = values[a], values[b]
        for i in range(a + 1, b):
            times[chain[i]] = va + (vb - va) * (i - a) / (b - a)  # type: ignore[operator]
    for i, v in enumerate(values):
        if v is not None and slots[chain[i]] is None:
            times[chain[i]] = v


def _resolve_refs(
    name: str,
    align: dict[str, tuple[EafTier, EafAnnotation, str, str]],
    refs: dict[str, tuple[EafTier, EafAnnotation, str | None]],
) -> None:
    """Each reference annotation gets its parent's span, shared evenly among the annotations
    of one tier that refer to the same parent (symbolic subdivision)."""
    groups: dict[tuple[str, str], list[tuple[EafAnnotation, str | None]]] = defaultdict(list)
    for tier, ann, prev in refs.values():
        groups[(tier.id, ann.ref or "")].append((ann, prev))
    share: dict[str, tuple[int, int]] = {}  # annotation id -> (position, parts)
    for members in groups.values():
        if len(members) == 1:
            share[members[0][0].id] = (0, 1)
            continue
        by_prev = {prev: ann for ann, prev in members if prev}
        ordered: list[EafAnnotation] = []
        firsts = [
            ann for ann, prev in members if not prev or prev not in {a.id for a, _p in members}
        ]
        cur = firsts[0] if firsts else members[0][0]
        seen: set[str] = set()
        while cur is not None and cur.id not in seen:
            seen.add(cur.id)
            ordered.append(cur)
            cur = by_prev.get(cur.id)  # type: ignore[assignment]
        ordered += [ann for ann, _p in members if ann.id not in seen]
        for i, ann in enumerate(ordered):
            share[ann.id] = (i, len(ordered))

    def span(aid: str, depth: int = 0) -> tuple[float | None, float | None]:
        if aid in align:
            a = align[aid][1]
            return a.start_ms, a.end_ms
        if aid not in refs or depth > 64:
            return None, None
        ann = refs[aid][1]
        if ann.start_ms is not None:
            return ann.start_ms, ann.end_ms
        start, end = span(ann.ref or "", depth + 1)
        if start is not None and end is not None:
            pos, parts = share.get(aid, (0, 1))
            step = (end - start) / parts
            start, end = start + pos * step, start + (pos + 1) * step
        ann.start_ms, ann.end_ms = start, end
        return start, end

    for aid, (tier, ann, _prev) in refs.items():
        if ann.ref not in align and ann.ref not in refs:
            raise ImportFileError(
                f"{name}: line {ann.line}: TIER {tier.id!r} REF_ANNOTATION "
                f"{aid}: refers to annotation {ann.ref!r}, which is not in "
                "the file"
            )
        span(aid)
