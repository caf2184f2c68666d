"""Cohen's kappa and percent agreement in numpy.

The app must not need scikit-learn at run time, yet published numbers must be the ones
reviewers recompute with ``sklearn.metrics.cohen_kappa_score``; the tests pin the two
together, including sklearn's NaN when both coders used a single identical label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def _codes(
    a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.shape != b_arr.shape or a_arr.ndim != 1:
        raise ValueError("kappa needs two label vectors of the same length")
    labels, inverse = np.unique(np.concatenate([a_arr, b_arr]), return_inverse=True)
    n = len(a_arr)
    return inverse[:n], inverse[n:], len(labels)


def cohen_kappa(a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray) -> float:
    """Unweighted Cohen's kappa, computed the way sklearn does (NaN when p_e = 1).

    sklearn evaluates ``1 - sum(W * C) / sum(W * E)`` with W the off-diagonal indicator;
    using the same form (rather than ``(p_o - p_e) / (1 - p_e)``) keeps the last bits equal.
    """
    ia, ib, k = _codes(a, b)
    if len(ia) == 0:
        return math.nan
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (ia, ib), 1)
    sum0 = confusion.sum(axis=0)
    sum1 = confusion.sum(axis=1)
    expected = np.outer(sum0, sum1) / np.sum(sum0)
    w = np.ones((k, k), dtype=int)
    w.flat[:: k + 1] = 0
    denom = np.sum(w * expected)
    if denom == 0:
        return math.nan
    return float(1 - np.sum(w * confusion) / denom)


def percent_agreement(a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray) -> float:
    """Share of frames with the same label, in percent (NaN for empty vectors)."""
    ia, ib, _ = _codes(a, b)
    if len(ia) == 0:
        return math.nan
    return float(np.mean(ia == ib) * 100.0)


def forgive_within(
    a: np.ndarray, b: np.ndarray, tolerance_frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """Binary vectors with disagreements forgiven when the other coder has the AU within
    ``tolerance_frames`` (coders rarely agree to the exact frame on onsets and offsets).

    A frame where A scores the AU and B does not counts as agreement when B scores it within
    the tolerance, and vice versa; with tolerance 0 the vectors come back unchanged, so the
    kappa is exactly sklearn's on the raw slices.
    """
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if tolerance_frames <= 0:
        return a, b
    return a | (b & _dilate(a, tolerance_frames)), b | (a & _dilate(b, tolerance_frames))


def _dilate(x: np.ndarray, r: int) -> np.ndarray:
    """True where any frame within ``r`` frames is True (a running max via cumulative sums)."""
    c = np.concatenate([[0], np.cumsum(x.astype(np.int64))])
    n = len(x)
    idx = np.arange(n)
    lo = np.clip(idx - r, 0, n)
    hi = np.clip(idx + r + 1, 0, n)
    return (c[hi] - c[lo]) > 0
