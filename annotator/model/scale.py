"""Micro or macro: the published definitions, selectable, always from real timestamps.

- ``total-0.5s`` (default): onset to offset, from the start of the onset frame to the end of
  the offset frame, lasts at most 0.5 s. The common definition (Ekman; Yan et al. 2013 on
  micro-expressions lasting up to 1/2 s; SAMM's "Micro - 1/2"; MEGC spotting splits
  micro and macro at 0.5 s).
- ``casme2-onset-apex-250ms``: onset to apex, from the start of the onset frame to the start
  of the apex frame, lasts at most 250 ms (CASME II, Yan et al. 2014, selected samples whose
  onset phase is at most 250 ms). Without an apex the total rule applies.

Every export that reports a scale also names the rule it used (``micro_rule``).
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.model.timebase import MICRO_MAX_S, Timebase

_EPS_S = 1e-6


@dataclass(frozen=True, slots=True)
class MicroRule:
    name: str
    description: str
    limit_s: float
    onset_to_apex: bool = False

    def scale(self, tb: Timebase, onset: int, offset: int, apex: int | None = None) -> str:
        if self.onset_to_apex and apex is not None:
            return (
                "micro" if tb.time_s(apex) - tb.time_s(onset) <= self.limit_s + _EPS_S else "macro"
            )
        total = tb.duration_s(onset, offset)
        limit = self.limit_s if not self.onset_to_apex else MICRO_MAX_S
        return "micro" if total <= limit + _EPS_S else "macro"


MICRO_RULES: dict[str, MicroRule] = {
    r.name: r
    for r in (
        MicroRule(
            "total-0.5s",
            "micro: onset to offset (start of the onset frame to the end of "
            "the offset frame) <= 0.5 s",
            MICRO_MAX_S,
        ),
        MicroRule(
            "casme2-onset-apex-250ms",
            "micro: onset to apex (start of the onset frame to "
            "the start of the apex frame) <= 250 ms (CASME II); without an apex, onset to "
            "offset <= 0.5 s",
            0.25,
            onset_to_apex=True,
        ),
    )
}
DEFAULT_MICRO_RULE = "total-0.5s"


def micro_rule(name: str | None = None) -> MicroRule:
    key = name or DEFAULT_MICRO_RULE
    try:
        return MICRO_RULES[key]
    except KeyError:
        raise ValueError(f"micro rule {key!r}: use one of {', '.join(MICRO_RULES)}") from None
