"""Inclusive frame intervals: IoU, one-to-one matching and precision/recall/F1.

Both coder agreement and MEGC spotting evaluation count an interval as found when its IoU
with a reference interval is at least 0.5, on *inclusive* frame intervals (an event from
onset to offset covers ``offset - onset + 1`` frames), so one definition serves both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Interval = tuple[int, int]  # (first frame, last frame), inclusive

IOU_THRESHOLD = 0.5


def iou(a: Interval, b: Interval) -> float:
    """MEGC IoU: intersection = min(end) - max(start) + 1, on inclusive intervals."""
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    union = (a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter
    return inter / union


def greedy_match(
    reference: Sequence[Interval],
    predicted: Sequence[Interval],
    *,
    threshold: float = IOU_THRESHOLD,
    accept: Callable[[int, int], bool] | None = None,
) -> list[tuple[int, int, float]]:
    """One-to-one matches ``(ref_index, pred_index, iou)``, greedy by descending IoU.

    Greedy by IoU is the rule the MEGC spotting evaluation uses; it is deterministic
    (ties break on the indices) and never lets one reference interval absorb two
    predictions. ``accept(i, j)`` can admit pairs below the threshold (a timing tolerance).
    """
    pairs: list[tuple[float, int, int]] = []
    for i, r in enumerate(reference):
        for j, p in enumerate(predicted):
            v = iou(r, p)
            if v >= threshold or (accept is not None and accept(i, j)):
                pairs.append((v, i, j))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_r: set[int] = set()
    used_p: set[int] = set()
    out = []
    for v, i, j in pairs:
        if i in used_r or j in used_p:
            continue
        used_r.add(i)
        used_p.add(j)
        out.append((i, j, v))
    return sorted(out)


@dataclass(frozen=True, slots=True)
class Scores:
    """Detection scores: true positives against the sizes of both sides."""

    tp: int
    n_predicted: int
    n_reference: int

    @property
    def precision(self) -> float:
        return self.tp / self.n_predicted if self.n_predicted else math.nan

    @property
    def recall(self) -> float:
        return self.tp / self.n_reference if self.n_reference else math.nan

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if math.isnan(p) or math.isnan(r) or p + r == 0:
            return 0.0 if self.tp == 0 and (self.n_predicted or self.n_reference) else math.nan
        return 2 * p * r / (p + r)

    def __add__(self, other: Scores) -> Scores:
        """Pooling, as MEGC pools counts over a dataset before computing F1."""
        return Scores(
            self.tp + other.tp,
            self.n_predicted + other.n_predicted,
            self.n_reference + other.n_reference,
        )

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "predicted": self.n_predicted,
            "reference": self.n_reference,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }
