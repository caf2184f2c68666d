"""Event matching rules beyond the greedy one: optimal one-to-one (Hungarian) for two coders,
and groups across any number of coders.

``greedy_match`` (``intervals.py``) is the SoftNet / MEGC rule: take pairs by descending IoU.
It can miss the best assignment (a long event that overlaps two short ones takes the first
and strands the second), so ``optimal_match`` solves the assignment exactly with scipy's
``linear_sum_assignment`` (the Hungarian method, Jonker-Volgenant variant): the most
matches, and among those the largest total IoU. Both are reported, each under its name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from annotator.analysis.intervals import IOU_THRESHOLD, Interval, iou

GREEDY = "greedy"  # SoftNet / MEGC: pairs by descending IoU
HUNGARIAN = "hungarian"  # scipy.optimize.linear_sum_assignment: most matches, then total IoU
RULES = (GREEDY, HUNGARIAN)


def optimal_match(
    reference: Sequence[Interval],
    predicted: Sequence[Interval],
    *,
    threshold: float = IOU_THRESHOLD,
    accept: Callable[[int, int], bool] | None = None,
) -> list[tuple[int, int, float]]:
    """One-to-one matches ``(ref_index, pred_index, iou)`` maximising the number of matches
    and then their summed IoU; same eligibility as ``greedy_match`` (IoU >= threshold, or
    ``accept(i, j)``)."""
    if not reference or not predicted:
        return []
    from scipy.optimize import linear_sum_assignment

    v = np.array([[iou(r, p) for p in predicted] for r in reference], dtype=np.float64)
    ok = v >= threshold
    if accept is not None:
        for i in range(len(reference)):
            for j in range(len(predicted)):
                ok[i, j] = ok[i, j] or accept(i, j)
    # weight 1 + IoU for an eligible pair: one more match always beats any IoU gain
    weight = np.where(ok, 1.0 + v, 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return sorted(
        (int(i), int(j), float(v[i, j])) for i, j in zip(rows, cols, strict=True) if ok[i, j]
    )


def match(
    rule: str,
    reference: Sequence[Interval],
    predicted: Sequence[Interval],
    *,
    threshold: float = IOU_THRESHOLD,
    accept: Callable[[int, int], bool] | None = None,
) -> list[tuple[int, int, float]]:
    from annotator.analysis.intervals import greedy_match

    if rule == GREEDY:
        return greedy_match(reference, predicted, threshold=threshold, accept=accept)
    if rule == HUNGARIAN:
        return optimal_match(reference, predicted, threshold=threshold, accept=accept)
    raise ValueError(f"unknown matching rule {rule!r} (use {' or '.join(RULES)})")


# --------------------------------------------------------------------------- many coders
@dataclass(frozen=True, slots=True)
class Group:
    """Events of several coders taken as one: ``members`` maps coder index to event index."""

    members: dict[int, int]

    def agreed(self, n_coders: int) -> bool:
        return len(self.members) > n_coders / 2


def majority(n_coders: int) -> int:
    """Coders needed for an agreed event: more than half (2 of 2, 2 of 3, 3 of 4)."""
    return n_coders // 2 + 1


def group_events(
    coders: Sequence[Sequence[Interval]],
    *,
    threshold: float = IOU_THRESHOLD,
    accept: Callable[[int, int, int, int], bool] | None = None,
) -> list[Group]:
    """Groups across coders, at most one event per coder in a group.

    Agglomerative on IoU: every pair of events of two different coders with IoU >=
    threshold (or ``accept(coder_a, i, coder_b, j)``) is a link; links are taken by
    descending IoU (ties by coder and event index), and two groups join only when they share
    no coder. Every event ends in exactly one group (a lone event is a group of one). For two
    coders this is the greedy rule. A group is agreed when more than half the coders are in
    it. Deterministic: the same files give the same groups.
    """
    links: list[tuple[float, int, int, int, int]] = []
    for ca in range(len(coders)):
        for cb in range(ca + 1, len(coders)):
            for i, a in enumerate(coders[ca]):
                for j, b in enumerate(coders[cb]):
                    if a[1] < b[0] - 1 and accept is None:
                        continue
                    v = iou(a, b)
                    if v >= threshold or (accept is not None and accept(ca, i, cb, j)):
                        links.append((v, ca, i, cb, j))
    links.sort(key=lambda t: (-t[0], t[1], t[2], t[3], t[4]))
    group_of: dict[tuple[int, int], int] = {}
    groups: dict[int, dict[int, int]] = {}
    for c, evs in enumerate(coders):
        for i in range(len(evs)):
            gid = len(groups)
            groups[gid] = {c: i}
            group_of[(c, i)] = gid
    for _v, ca, i, cb, j in links:
        ga, gb = group_of[(ca, i)], group_of[(cb, j)]
        if ga == gb or set(groups[ga]) & set(groups[gb]):
            continue
        keep, drop = min(ga, gb), max(ga, gb)
        for c, e in groups.pop(drop).items():
            groups[keep][c] = e
            group_of[(c, e)] = keep
    out = [Group(dict(sorted(m.items()))) for m in groups.values()]

    def start(g: Group) -> tuple[int, int]:
        return min(coders[c][e][0] for c, e in g.members.items()), min(g.members)

    out.sort(key=start)
    return out
