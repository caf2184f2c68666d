"""Team coding values: where a gold event came from, and disputes still to settle.

A gold project (``annotator merge``) holds the events the coders agreed on, each with its
``Provenance`` (which coders, which decision, who decided), and one ``Dispute`` per event
the coders did not agree on, keeping every coder's version until an adjudicator settles it.
Values are frozen like every model value: settling a dispute replaces it, so undo puts the
old one back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Decision, MERGE and Provenance are defined beside Event (its annotation needs them) and
# re-exported here, where they are documented.
from annotator.model.entities import MERGE as MERGE
from annotator.model.entities import Decision as Decision
from annotator.model.entities import Event
from annotator.model.entities import Provenance as Provenance


@dataclass(frozen=True, slots=True)
class Version:
    """One coder's events for a disputed span (AU and emotion events of one face)."""

    coder: str
    events: tuple[Event, ...]

    @property
    def code(self) -> str:
        aus = sorted((e for e in self.events if e.au is not None), key=lambda e: e.au or 0)
        parts = [e.au_code for e in aus] + [e.emotion for e in self.events if e.emotion]
        return "+".join(p for p in parts if p) or "-"

    @property
    def span(self) -> tuple[int, int]:
        return (min(e.onset_frame for e in self.events), max(e.offset_frame for e in self.events))


@dataclass(frozen=True, slots=True)
class Dispute:
    id: int
    face: str
    media: str
    versions: tuple[Version, ...]
    decision: Decision | None = None  # None while open
    decided_by: str = ""
    event_ids: tuple[int, ...] = ()  # the gold events the decision added

    @property
    def open(self) -> bool:
        return self.decision is None

    @property
    def span(self) -> tuple[int, int]:
        spans = [v.span for v in self.versions if v.events]
        return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else (0, 0)

    def version_of(self, coder: str) -> Version | None:
        return next((v for v in self.versions if v.coder == coder), None)


@dataclass(frozen=True, slots=True)
class CoderFile:
    name: str
    file: str  # relative to the gold project when possible
    annotator: str = ""


@dataclass(slots=True)
class TeamInfo:
    """How a gold project was made: which coders' files, by which rule, when."""

    coders: list[CoderFile] = field(default_factory=list)
    rule: str = ""
    merged: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "coders": [
                {"name": c.name, "file": c.file, "annotator": c.annotator} for c in self.coders
            ],
            "rule": self.rule,
            "merged": self.merged,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TeamInfo:
        return cls(
            [
                CoderFile(c["name"], c.get("file", ""), c.get("annotator", ""))
                for c in d.get("coders", [])
            ],
            d.get("rule", ""),
            d.get("merged", ""),
        )


_DECISIONS = {d.value: d for d in Decision}


def provenance_to_dict(p: Provenance) -> dict[str, Any]:
    d: dict[str, Any] = {
        "decision": p.decision.value,
        "coders": list(p.coders),
        "decided_by": p.decided_by,
    }
    if p.dispute is not None:
        d["dispute"] = p.dispute
    return d


def provenance_from_dict(d: dict[str, Any]) -> Provenance:
    return Provenance(
        _DECISIONS[d["decision"]],
        tuple(d.get("coders", ())),
        d.get("decided_by", MERGE),
        d.get("dispute"),
    )


def dispute_to_dict(x: Dispute, event_to_dict: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": x.id,
        "face": x.face,
        "media": x.media,
        "versions": [
            {"coder": v.coder, "events": [event_to_dict(e) for e in v.events]} for v in x.versions
        ],
    }
    if x.decision is not None:
        d["decision"] = x.decision.value
        d["decided_by"] = x.decided_by
        d["event_ids"] = list(x.event_ids)
    return d


def dispute_from_dict(d: dict[str, Any], event_from_dict: Any) -> Dispute:
    return Dispute(
        int(d["id"]),
        d["face"],
        d.get("media", "m1"),
        tuple(
            Version(v["coder"], tuple(event_from_dict(e) for e in v.get("events", [])))
            for v in d.get("versions", [])
        ),
        _DECISIONS[d["decision"]] if d.get("decision") else None,
        d.get("decided_by", ""),
        tuple(d.get("event_ids", ())),
    )


def settled_events(
    dispute: Dispute,
    frames_from: str | None,
    code_from: str | None,
    decided_by: str,
    decision: Decision | None = None,
) -> tuple[Decision, list[Event]]:
    """The gold events an adjudicator's choice makes of ``dispute`` (ids 0: to be added).

    ``frames_from`` and ``code_from`` name coders; the same coder (or ``code_from`` None)
    accepts that coder's version as it is, each AU with its own frames. Different coders
    combine: every AU and emotion of ``code_from``'s version on the onset, apex and offset
    of ``frames_from``'s version (its whole span, apex the lower median of its apexes).
    ``frames_from`` None rejects: no event. ``decision`` overrides the decision recorded
    (``EDITED`` when the adjudicator goes on to change the result by hand).
    """
    import dataclasses
    import statistics

    if frames_from is None:
        return Decision.REJECTED, []
    code_from = code_from or frames_from
    frames_v, code_v = dispute.version_of(frames_from), dispute.version_of(code_from)
    if frames_v is None or code_v is None:
        missing = frames_from if frames_v is None else code_from
        raise ValueError(f"dispute {dispute.id} has no version of {missing!r}")
    same = frames_from == code_from
    chosen = decision or (Decision.ACCEPTED if same else Decision.COMBINED)
    coders = (frames_from,) if same else (frames_from, code_from)
    prov = Provenance(chosen, coders, decided_by, dispute.id)
    if same:
        return chosen, [
            dataclasses.replace(e, id=0, media=dispute.media, provenance=prov)
            for e in code_v.events
        ]
    on, off = frames_v.span
    apexes = [e.apex_frame for e in frames_v.events if e.apex_frame is not None]
    apex = int(statistics.median_low(apexes)) if apexes else None
    return chosen, [
        dataclasses.replace(
            e,
            id=0,
            media=dispute.media,
            onset_frame=on,
            offset_frame=off,
            apex_frame=apex,
            provenance=prov,
        )
        for e in code_v.events
    ]
